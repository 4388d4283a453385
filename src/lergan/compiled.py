"""The engine's hot modules, compiled with Cython when the install could, never stale.

``pip install`` (``setup.py``) compiles :data:`MODULES` with Cython from their unchanged
Python sources (``annotation_typing=False``: Python's semantics, so results are identical;
``docs/dev/speed.md``) and records each source's SHA-256 in ``_compiled.json``. Where
Cython or a C compiler is missing, nothing is compiled and everything runs as Python.

An editable install keeps each compiled module beside its source, and Python would import
the compiled one even after the source is edited. :func:`install` puts a finder first on
``sys.meta_path`` that imports a compiled module only when its source is the one it was
built from; otherwise it imports the source with a warning (``pip install -e .``
rebuilds). ``LERGAN_PURE_PYTHON=1`` runs every module as Python (profiling, debugging,
comparing the two). :func:`status` says which is which.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
from pathlib import Path

# hashlib, json, warnings and importlib.util are imported where a compiled module is found:
# ``import lergan`` (``lergan --help``) pays for none of them

#: Modules compiled at install: the iteration's placement, storage, ports, interconnect,
#: schedule and accounting, and the build of its records (``setup.py`` reads this tuple).
MODULES: tuple[str, ...] = (
    "lergan.system.accounting",
    "lergan.system.build",
    "lergan.system.engine",
    "lergan.system.interconnect",
    "lergan.system.ordering",
    "lergan.system.placement",
    "lergan.system.ports",
    "lergan.system.replication",
    "lergan.system.schedule",
    "lergan.system.storage",
    "lergan.system.wear",
)

#: The build's record of what it compiled: module name -> SHA-256 of the source it read.
MANIFEST = Path(__file__).with_name("_compiled.json")

#: Set to run every module as Python, compiled or not.
PURE_ENV = "LERGAN_PURE_PYTHON"


def source_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a source file's bytes (what the build records and the finder checks)."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_manifest(path: Path) -> dict[str, str]:
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Finder:
    """Imports a compiled module of ``package`` only if its source is the one ``manifest``
    records; otherwise (or with ``LERGAN_PURE_PYTHON`` set) the source beside it. Every
    module of the package passes through it, so that a compiled file left by an older
    build (of a module no longer compiled, say) never shadows its source either. A
    meta path finder (:class:`importlib.abc.MetaPathFinder`'s protocol, without importing
    it: that pulls in ``importlib.resources``)."""

    def __init__(self, package: str = "lergan", manifest: Path = MANIFEST) -> None:
        self.prefix = package + "."
        self.manifest = manifest
        self.status: dict[str, str] = {}

    def find_spec(self, fullname, path, target=None):  # the finder protocol
        if not fullname.startswith(self.prefix):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        origin = spec.origin if spec is not None else None
        if origin is None or not origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            self.status[fullname] = "python (not compiled)"
            return spec
        source = Path(origin).with_name(fullname.rpartition(".")[2] + ".py")
        if not source.is_file():
            self.status[fullname] = "compiled"
            return spec
        if os.environ.get(PURE_ENV, "") not in ("", "0"):
            self.status[fullname] = f"python ({PURE_ENV} is set)"
        elif _read_manifest(self.manifest).get(fullname) == source_sha256(source):
            self.status[fullname] = "compiled"
            return spec
        else:
            self.status[fullname] = ("python (its compiled file is not the build of its "
                                     "source: pip install -e . rebuilds)")
            import warnings

            warnings.warn(f"{fullname}: its compiled file is not the build of its current "
                          "source; running the source (pip install -e . compiles it again)",
                          RuntimeWarning, stacklevel=2)
        from importlib.util import spec_from_file_location

        return spec_from_file_location(fullname, source)


_FINDER = Finder()


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once; ``lergan/__init__`` calls it)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def status() -> dict[str, str]:
    """How each module of :data:`MODULES` runs in this process: ``compiled`` or ``python
    (why)``; ``not imported`` before its first import."""
    return {m: _FINDER.status.get(m, "not imported") for m in MODULES}


def summary() -> str:
    """One line: how the engine runs here (imports :data:`MODULES`)."""
    for name in MODULES:
        importlib.import_module(name)
    st = status()
    n = sum(v == "compiled" for v in st.values())
    why = "; ".join(sorted({v.removeprefix("python (").removesuffix(")")
                            for v in st.values() if v != "compiled"}))
    if n == len(st):
        return f"engine: compiled with Cython ({n} modules)"
    if n == 0:
        return f"engine: Python ({why})"
    return f"engine: {n} of {len(st)} modules compiled, the others Python ({why})"
