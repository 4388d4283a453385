"""The benchmark GANs, one module per GAN, found by discovery.

Each benchmark module in this package (any ``*.py`` whose name does not start with ``_``)
exposes:

- ``NAME``: the name users type (``"dcgan"``, ``"3d-gan"``, ...); optional ``ALIASES``;
- ``SOURCE``: the citation it was transcribed from (paper, official code, URL);
- ``DESCRIPTION`` (optional): one line on what it is;
- ``build(**options) -> GAN``: the description, with keyword options (sizes, channels).

API: :func:`names`, :func:`get`, :func:`info`, :func:`build_modules`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from lergan.errors import WorkloadError

__all__ = ["SuiteEntry", "get", "info", "names"]


@dataclass(frozen=True)
class SuiteEntry:
    """What the suite knows about one benchmark before building it."""

    name: str
    source: str
    citation: str  # short form for tables; ``source`` has the full record
    description: str
    module: str
    aliases: tuple[str, ...]
    options: dict[str, Any]  # keyword options of build() and their defaults

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "citation": self.citation,
            "description": self.description,
            "module": self.module,
            "aliases": list(self.aliases),
            "options": dict(self.options),
        }


def _normalise(name: str) -> str:
    if not isinstance(name, str):
        raise WorkloadError(f"benchmark {name!r}: expected a suite name (a string; the suite "
                            f"has: {', '.join(names())})")
    return name.strip().lower().replace("_", "-")


@functools.lru_cache(maxsize=1)
def _registry() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info_ in pkgutil.iter_modules(__path__):
        if info_.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info_.name}")
        name = getattr(module, "NAME", None)
        if not isinstance(name, str) or not callable(getattr(module, "build", None)):
            continue  # a helper module, not a benchmark
        key = _normalise(name)
        if key in found:
            raise WorkloadError(
                f"suite: benchmark name {name!r} is defined by both "
                f"{found[key].__name__} and {module.__name__}"
            )
        found[key] = module
    return found


def _aliases() -> dict[str, str]:
    out = {}
    for key, module in _registry().items():
        for alias in getattr(module, "ALIASES", ()):
            out[_normalise(alias)] = key
    return out


def _module(name: str) -> ModuleType:
    key = _normalise(name)
    key = _aliases().get(key, key)
    registry = _registry()
    if key not in registry:
        raise WorkloadError(
            f"unknown benchmark {name!r}; the suite has: {', '.join(names()) or '(none)'}"
        )
    return registry[key]


def names() -> list[str]:
    """Names of the benchmark GANs, sorted."""
    return sorted(module.NAME for module in _registry().values())


def info(name: str) -> SuiteEntry:
    """Name, source, description and build options of a benchmark (without building it)."""
    module = _module(name)
    params = inspect.signature(module.build).parameters.values()
    options = {
        p.name: p.default
        for p in params
        if p.default is not inspect.Parameter.empty
        and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    return SuiteEntry(
        name=module.NAME,
        source=module.SOURCE,
        citation=getattr(module, "CITATION", module.SOURCE),
        description=getattr(module, "DESCRIPTION", "") or (module.__doc__ or "").strip(),
        module=module.__name__,
        aliases=tuple(getattr(module, "ALIASES", ())),
        options=options,
    )


def get(name: str, **options: Any):  # -> GAN (import kept light)
    """The description of benchmark ``name`` built with ``options`` (see :func:`info`)."""
    module = _module(name)
    allowed = info(name).options
    accepts_any = any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(module.build).parameters.values()
    )
    for key in options:
        if key not in allowed and not accepts_any:
            raise WorkloadError(
                f"{module.NAME}: unknown option {key!r}; options: "
                f"{', '.join(f'{k}={v!r}' for k, v in allowed.items()) or '(none)'}"
            )
    return module.build(**options)


def build_modules(name: str, **options: Any) -> dict[str, Any]:
    """``torch.nn.Module`` of each network of benchmark ``name``, built from its description."""
    from lergan.workload.modules import build_gan_modules

    return build_gan_modules(get(name, **options))
