"""One record per (benchmark, architecture, batch): the common currency of ``lergan compare``
and ``lergan reproduce``.

:func:`evaluate` runs any architecture name on a benchmark:

- ``gpu`` (the paper-era default GPU), ``gpu:NAME`` (``gtx-1080``, ``titan-x-pascal``,
  ``v100``, ``h100``): :func:`lergan.baselines.gpu.simulate_gpu`;
- ``fpga``, ``fpga:NAME`` (``vc709``, ``zcu102``, ``vcu118``):
  :func:`lergan.baselines.fpga.simulate_fpga`;
- anything else: a ReRAM architecture of :func:`lergan.system.simulate` (a preset, an
  ablation name such as ``lergan-no-zfdr``, or a preset file).

A name may carry its own settings in brackets, ``lergan[adc.bits=6,mode=zfdr-phase]`` or
``gpu:v100[compute_efficiency=0.5]``: simulation options and hardware overrides for ReRAM,
data-file overrides for the baselines. An unknown name raises
:class:`UnknownArchitecture` (a :class:`~lergan.errors.LerganError`) naming it and the
known ones, so that callers can list what is missing instead of crashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lergan.baselines.data import BaselineError
from lergan.baselines.fpga import fpga_names, simulate_fpga
from lergan.baselines.gpu import gpu_names, simulate_gpu
from lergan.system import simulate
from lergan.system.api import load_architecture
from lergan.system.options import SimulationOptions, architecture_names

if TYPE_CHECKING:
    from lergan.baselines.result import BaselineResult
    from lergan.hardware import Architecture
    from lergan.system import SimulationResult
    from lergan.workload import GAN

_SPEC = re.compile(r"^(?P<name>[^\[\]]+?)(?:\[(?P<settings>[^\[\]]*)\])?$")


class UnknownArchitecture(BaselineError):
    """An architecture name that is neither a ReRAM preset or ablation, a preset file, nor
    a GPU or FPGA preset."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Record:
    """One iteration of one benchmark on one architecture (SI units; ``area_mm2`` in mm2)."""

    benchmark: str
    architecture: str
    platform: str  # "reram", "gpu" or "fpga"
    batch: int
    time_s: float
    energy_j: float
    area_mm2: float | None
    precision: dict[str, Any]
    hardware_hash: str
    preset: str
    title: str = ""
    breakdowns: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    result: SimulationResult | BaselineResult | None = field(default=None, compare=False,
                                                              repr=False)

    @property
    def power_w(self) -> float:
        return self.energy_j / self.time_s if self.time_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of ``results.json`` (no full result object)."""
        return {
            "benchmark": self.benchmark, "architecture": self.architecture,
            "batch": self.batch, "time_s": self.time_s, "energy_j": self.energy_j,
            "power_w": self.power_w, "area_mm2": self.area_mm2,
            "precision": dict(self.precision), "platform": self.platform,
            "preset": self.preset, "title": self.title,
            "hardware_hash": self.hardware_hash, "breakdowns": self.breakdowns,
            "notes": list(self.notes),
        }


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """(name, settings) of ``NAME`` or ``NAME[key=value,...]``."""
    m = _SPEC.match(spec.strip())
    if not m:
        raise BaselineError(f"architecture {spec!r}: expected NAME or NAME[key=value,...]")
    settings: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in (m.group("settings") or "").split(","))):
        if "=" not in item:
            raise BaselineError(f"architecture {spec!r}: setting {item!r} is not key=value")
        k, v = item.split("=", 1)
        settings[k.strip()] = v.strip()
    return m.group("name").strip(), settings


def platform_of(name: str) -> str:
    """``gpu``, ``fpga`` or ``reram`` for an architecture name (without settings)."""
    base = name.split(":", 1)[0]
    return base if base in ("gpu", "fpga") else "reram"


def known_architectures() -> list[str]:
    """Every name :func:`evaluate` accepts today (ReRAM presets and ablations, GPUs, FPGAs)."""
    return [*architecture_names(), "gpu", *(f"gpu:{g}" for g in gpu_names()), "fpga",
            *(f"fpga:{f}" for f in fpga_names())]


def check_architecture(spec: str) -> None:
    """Raise :class:`UnknownArchitecture` unless ``spec`` names a known architecture."""
    name, _ = parse_spec(spec)
    platform = platform_of(name)
    sub = name.split(":", 1)[1] if ":" in name else None
    ok = {
        "gpu": sub is None or sub in gpu_names(),
        "fpga": sub is None or sub in fpga_names(),
    }.get(platform, name in architecture_names() or name.endswith((".yaml", ".yml")))
    if not ok:
        raise UnknownArchitecture(
            name, f"architecture {name!r}: unknown (known: {', '.join(known_architectures())}; "
            "or a preset .yaml file)")


def _reram_hash(arch: Architecture) -> str:
    return hashlib.sha256(arch.model_dump_json().encode()).hexdigest()


def split_settings(settings: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(simulation options, hardware overrides) of ReRAM settings (options are the fields of
    :class:`lergan.system.SimulationOptions`; their values are read as JSON where they can)."""
    opts: dict[str, Any] = {}
    hw: dict[str, Any] = {}
    for k, v in settings.items():
        if k in SimulationOptions.model_fields:
            try:
                opts[k] = json.loads(v)
            except json.JSONDecodeError:
                opts[k] = v
        else:
            hw[k] = v
    return opts, hw


def evaluate(benchmark: str | GAN, architecture: str, batch: int = 64, *,
             settings: dict[str, str] | None = None) -> Record:
    """One record of ``benchmark`` (suite name or GAN) on ``architecture`` (see the module
    docstring); ``settings`` add to the bracketed ones (ReRAM options and hardware keys, or
    baseline data keys)."""
    check_architecture(architecture)
    name, own = parse_spec(architecture)
    merged = {**(settings or {}), **own}
    platform = platform_of(name)
    label = architecture.strip()
    if platform == "gpu":
        r = simulate_gpu(benchmark, name.partition(":")[2] or "gpu", batch, merged or None,
                         architecture=label)
        return _from_baseline(r)
    if platform == "fpga":
        r = simulate_fpga(benchmark, name.partition(":")[2] or "fpga", batch, merged or None,
                          architecture=label)
        return _from_baseline(r)

    opts, hw = split_settings(merged)
    arch, *_ = load_architecture(name, hw or None)
    res = simulate(benchmark, name, batch, hw or None, opts or None)
    keys = ("network", "step", "pass", "layer", "component")
    breakdowns = {q: {k: res.breakdown(k, q) for k in keys} for q in ("time", "energy")}
    breakdowns["area"] = {k: res.breakdown(k, "area") for k in ("network", "component")}
    prec = arch.precision
    return Record(
        benchmark=res.benchmark, architecture=label, platform="reram", batch=batch,
        time_s=res.time_s, energy_j=res.energy_j, area_mm2=res.area_mm2,
        precision={"weight_bits": prec.weight_bits, "input_bits": prec.input_bits,
                   "adc_bits": arch.adc.bits, "arithmetic": (
                       f"{prec.weight_bits}-bit weights in {arch.slices_per_weight} cells")},
        hardware_hash=_reram_hash(arch), preset=arch.name, title=arch.title,
        breakdowns=breakdowns,
        notes=(f"mode {res.options.get('mode')}, layout {res.options.get('layout')}, "
               f"topology {res.options.get('topology')}", *res.notes),
        result=res)


def _from_baseline(r: BaselineResult) -> Record:
    keys = ("network", "step", "pass", "layer", "bound")
    bd = {q: {k: r.breakdown(k, q) for k in keys} for q in ("time", "energy")}
    if r.area_mm2 is not None:
        bd["area"] = {"component": {"die": r.area_mm2}, "network": {"chip": r.area_mm2}}
    return Record(
        benchmark=r.benchmark, architecture=r.architecture, platform=r.platform,
        batch=r.batch, time_s=r.time_s, energy_j=r.energy_j, area_mm2=r.area_mm2,
        precision=dict(r.precision), hardware_hash=r.hardware_hash, preset=r.preset,
        title=r.title, breakdowns=bd, notes=tuple(n for n in r.notes if n), result=r)
