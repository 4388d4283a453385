"""Build lergan; compile the engine's hot modules with Cython where it can.

Everything else is in ``pyproject.toml``. The modules are ``lergan.compiled.MODULES``, read
without importing the package; they are compiled from their Python sources unchanged
(``annotation_typing=False`` keeps Python's semantics: results identical, see
``docs/dev/speed.md``), and the build records each source's SHA-256 in
``lergan/_compiled.json`` so that an edited source is never shadowed by its old build
(``lergan.compiled``). Without Cython, without a C compiler, or with
``LERGAN_PURE_PYTHON=1`` set, nothing is compiled and lergan runs as Python.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"


def _modules() -> tuple[str, ...]:
    """``MODULES`` from ``src/lergan/compiled.py``, parsed (the package is not importable
    while it is being built)."""
    tree = ast.parse((SRC / "lergan" / "compiled.py").read_text())
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == "MODULES":
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("src/lergan/compiled.py defines no MODULES")


def _source(module: str) -> Path:
    return SRC.joinpath(*module.split(".")).with_suffix(".py")


def _extensions() -> list[Extension]:
    if os.environ.get("LERGAN_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("lergan: Cython is not installed; the engine runs as Python")
        return []
    exts = [Extension(m, [str(_source(m).relative_to(HERE))]) for m in _modules()]
    return cythonize(exts, build_dir="build/cython", quiet=True, nthreads=os.cpu_count() or 1,
                     compiler_directives={"language_level": 3, "annotation_typing": False,
                                          "binding": True})


class BuildExt(build_ext):
    """``build_ext`` that compiles in parallel, never fails the install (a module that does
    not compile runs as Python) and writes the manifest of the sources it compiled next to
    the package."""

    def initialize_options(self) -> None:
        super().initialize_options()
        self.parallel = os.cpu_count() or 1

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # no compiler, a compiler error: that module runs as Python
            print(f"lergan: {ext.name} not compiled ({exc}); it runs as Python")

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":
            # -O2 without debug information: the same instructions per simulation as the
            # interpreter's default -O3 -g (callgrind, warm DiscoGAN: 144 million), compiled
            # in 23 s instead of 38 on 2 cores
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, "-O2", "-g0"]
        super().build_extensions()
        # what did not compile is neither copied nor installed nor in the manifest
        self.extensions = [e for e in self.extensions
                           if Path(self.get_ext_fullpath(e.name)).is_file()]

    def run(self) -> None:
        super().run()
        if not self.extensions:  # nothing compiled (build_extensions kept what did)
            return
        built = {ext.name: hashlib.sha256(_source(ext.name).read_bytes()).hexdigest()
                 for ext in self.extensions}
        # lergan/system/x.so -> lergan/: the package directory this build writes into
        first = Path(self.get_ext_fullpath(self.extensions[0].name))
        package = first.parents[len(self.extensions[0].name.split(".")) - 2]
        package.mkdir(parents=True, exist_ok=True)
        (package / "_compiled.json").write_text(json.dumps(built, indent=1, sort_keys=True)
                                                + "\n")


if __name__ == "__main__":  # as pip's build backend and ``python setup.py`` run it
    setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
