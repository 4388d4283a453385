"""Scaling a ReRAM main memory up: time, energy and power of an iteration against capacity,
and the bottleneck each point runs into.

``scale(name, arch, factors)`` simulates the benchmark on the preset with its memory's
capacity (``organisation.capacity_bytes``; ``mats_per_bank`` for a preset sized by mats)
times each factor, everything else unchanged, and names what limits each point: the part
of the critical path that takes the largest share (a pass of a layer, a transfer, a
reload), and the share of the iteration it takes. An iteration stops getting faster when
that part cannot be split further: a weight-gradient pass that programs an operand per
sample, a batch-norm barrier, a link, the digital pool, a reload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lergan.errors import LerganError
from lergan.system.api import load_architecture, simulate

if TYPE_CHECKING:
    from lergan.system.result import SimulationResult
    from lergan.workload import GAN
    from lergan.workload.iteration import IterationGraph

DEFAULT_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


@dataclass(frozen=True)
class ScalePoint:
    """One capacity: the iteration's time, energy, average and peak power, area and its
    bottleneck."""

    benchmark: str
    architecture: str
    factor: float
    capacity_bytes: float | None
    crossbars: int
    crossbars_used: int
    time_s: float
    energy_j: float
    static_energy_j: float
    power_w: float
    peak_power_w: float
    area_mm2: float
    bottleneck: str
    bottleneck_share: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bottleneck(result: SimulationResult) -> tuple[str, float]:
    """The (network, pass, layer) that takes the largest share of the critical path, as a
    label, and that share of the iteration's time."""
    by = result.breakdown(("network", "pass", "layer"), "time")
    if not by or result.time_s <= 0:
        return "-", 0.0
    key, t = next(iter(by.items()))  # largest first
    net, pass_, layer = key.split("/", 2)
    label = {"transfer": f"transfers ({layer})", "reload": f"reloading {net}.{layer}",
             "spill": f"spills ({net}.{layer})", "static": "static"}.get(
                 pass_, f"{net}.{layer} {pass_.replace('_', ' ')}")
    return label, t / result.time_s


def scale(name_or_gan: str | GAN | IterationGraph, arch: str = "lergan",
          factors: tuple[float, ...] = DEFAULT_FACTORS, batch: int = 64,
          overrides: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
          progress: Callable[[], None] | None = None) -> list[ScalePoint]:
    """Simulate the benchmark at each capacity factor (see the module docstring)."""
    if not factors or any(not (f > 0) for f in factors):
        raise LerganError(f"scale factors {factors!r}: expected positive numbers")
    a, *_ = load_architecture(arch, overrides)
    org = a.organisation
    out: list[ScalePoint] = []
    for f in sorted(set(factors)):
        over = dict(overrides or {})
        if org.capacity_bytes is not None:
            over["organisation.capacity_bytes"] = org.capacity_bytes * f
            cap = org.capacity_bytes * f
        else:
            over["organisation.mats_per_bank"] = max(1, round(org.mats_per_bank * f))
            cap = None
        r = simulate(name_or_gan, arch, batch, overrides=over, options=options)
        b, share = bottleneck(r)
        sized, *_ = load_architecture(arch, over)
        out.append(ScalePoint(r.benchmark, r.architecture, f, cap, sized.organisation.crossbars,
                              int(r.placement["crossbars_used"]), r.time_s, r.energy_j,
                              r.static_energy_j, r.power_w, float(r.peak_power_w or 0.0),
                              r.area_mm2, b, share))
        if progress is not None:
            progress()
    return out
