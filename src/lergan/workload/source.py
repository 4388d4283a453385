"""Where a GAN comes from: one function every command and :func:`lergan.system.simulate` use.

:func:`resolve_gan` turns what a user names into a :class:`~lergan.workload.GAN`:

- a ``GAN`` (returned as is; :func:`lergan.trace` returns one);
- a suite name, case-insensitive, with the suite's aliases (``DCGAN``, ``3dgan``, ``gp_gan``;
  :func:`lergan.workload.suite.get`), with build ``options``;
- a description file ``*.yaml`` / ``*.yml`` / ``*.json`` (:meth:`GAN.load`);
- a Python reference ``path/to/file.py:builder``: the file is run and ``builder()`` called;
  it returns a ``GAN`` or a mapping of :func:`lergan.trace`'s arguments
  (``{"generator": G, "discriminator": D, "latent": 100, "image": (3, 64, 64)}``), whose
  modules are then traced.

Anything else (``None``, a number, bare ``nn.Module`` objects, a missing or unreadable file)
is a :class:`~lergan.errors.WorkloadError` saying what was expected.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lergan.errors import WorkloadError
from lergan.workload import suite
from lergan.workload.gan import GAN
from lergan.workload.quick import trace

DESCRIPTION_SUFFIXES = (".yaml", ".yml", ".json")

#: what a GAN argument may be, for messages
EXPECTED = ("a suite name (see `lergan workload --list`), a .yaml/.json GAN description file, "
            "or path/to/file.py:builder")


def is_python_reference(text: str) -> bool:
    """Whether ``text`` reads ``something.py:builder``."""
    path, sep, func = text.rpartition(":")
    return bool(sep and path.endswith(".py") and func.isidentifier())


def is_file_reference(text: str) -> bool:
    """Whether ``text`` names a GAN file (``.yaml``, ``.yml``, ``.json``) or a Python builder
    rather than a suite benchmark."""
    t = text.strip()
    return is_python_reference(t) or Path(t).suffix.lower() in DESCRIPTION_SUFFIXES


def resolve_gan(spec: object, options: Mapping[str, Any] | None = None) -> GAN:
    """The GAN ``spec`` names (see the module docstring); ``options`` apply to suite names."""
    options = dict(options or {})
    if isinstance(spec, GAN):
        _no_options(options, "a GAN object")
        return spec
    if isinstance(spec, Path):
        spec = str(spec)
    if not isinstance(spec, str):
        hint = ""
        if _looks_like_modules(spec):
            hint = (" (PyTorch modules need example shapes: trace them first with "
                    "lergan.trace(generator, discriminator, latent=..., image=...))")
        raise WorkloadError(f"GAN {_short(spec)}: expected a GAN, {EXPECTED}{hint}")
    text = spec.strip()
    if not text:
        raise WorkloadError(f"GAN {spec!r}: empty; expected {EXPECTED}")
    if is_python_reference(text):
        _no_options(options, "a Python builder")
        return load_builder(text)
    if Path(text).suffix.lower() in DESCRIPTION_SUFFIXES:
        _no_options(options, "a description file")
        return load_description(text)
    return suite.get(text, **options)


def _no_options(options: Mapping[str, Any], what: str) -> None:
    if options:
        raise WorkloadError(
            f"options {', '.join(options)}: apply to suite benchmarks, not {what}")


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."


def _looks_like_modules(obj: Any) -> bool:
    items = obj.values() if isinstance(obj, Mapping) else obj if isinstance(
        obj, (list, tuple)) else (obj,)
    return any(type(o).__module__.startswith("torch.nn") or hasattr(o, "named_modules")
               for o in items)


def load_description(path_text: str) -> GAN:
    """A GAN from a ``.yaml``/``.yml``/``.json`` file (``WorkloadError`` naming the file when it
    is missing, a directory, unreadable, not text, or not a valid description)."""
    path = Path(path_text)
    where = f"description file {path_text!r}"
    if path.is_dir():
        raise WorkloadError(f"{where}: is a directory")
    if not path.is_file():
        raise WorkloadError(f"{where}: does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise WorkloadError(f"{where}: not a UTF-8 text file") from None
    except OSError as exc:
        raise WorkloadError(f"{where}: cannot be read: {exc.strerror or exc}") from None
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise WorkloadError(f"{where}: {len(text):,} characters, over the bound of "
                            f"{MAX_DESCRIPTION_CHARS:,}")
    try:
        if path.suffix.lower() == ".json":
            return GAN.from_json(text)
        return GAN.from_yaml(text)
    except WorkloadError as exc:
        raise WorkloadError(f"{where}: {exc}") from None
    except RecursionError:
        raise WorkloadError(f"{where}: nested too deeply") from None


#: the largest description file read (characters): 10 MB holds about 100,000 layers
MAX_DESCRIPTION_CHARS = 10_000_000


def load_builder(reference: str) -> GAN:
    """Run ``path/to/file.py`` and call its ``builder``; a GAN, or :func:`lergan.trace` on the
    mapping of arguments it returns (``WorkloadError`` naming the file and function when the
    file is missing, raises, or the builder returns anything else)."""
    path_text, _, func = reference.rpartition(":")
    path = Path(path_text)
    if not path.is_file():
        raise WorkloadError(f"{reference}: file {path_text!r} does not exist")
    mod_name = f"_lergan_builder_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise WorkloadError(f"{reference}: cannot load {path_text!r} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(mod_name, None)
        raise WorkloadError(
            f"{reference}: running {path_text!r} raised {type(exc).__name__}: {exc}") from None
    builder = getattr(module, func, None)
    if not callable(builder):
        raise WorkloadError(f"{reference}: {path_text!r} defines no function {func!r}")
    try:
        built = builder()
    except WorkloadError as exc:
        raise WorkloadError(f"{reference}: {exc}") from None
    except Exception as exc:
        raise WorkloadError(f"{reference}: {func}() raised {type(exc).__name__}: {exc}") from None
    if isinstance(built, GAN):
        return built
    if isinstance(built, Mapping):
        kwargs = dict(built)
        try:
            return trace(**kwargs)
        except TypeError as exc:
            raise WorkloadError(
                f"{reference}: {func}() returned arguments lergan.trace does not take: {exc}"
            ) from None
        except WorkloadError as exc:
            raise WorkloadError(f"{reference}: {exc}") from None
    raise WorkloadError(
        f"{reference}: {func}() returned {type(built).__name__}; expected a GAN (e.g. from "
        "lergan.trace) or a dict of lergan.trace's arguments {'generator': G, "
        "'discriminator': D, 'latent': ..., 'image': ...}")
