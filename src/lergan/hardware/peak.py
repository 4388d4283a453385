"""Peak figures of a whole chip, derived bottom-up from the component tables.

Area: sum over the component model's counts (per mat x mats, per bank x banks, per chip;
:mod:`lergan.hardware.components`) of each component's area. Peak power: the same sum of
each component's power at its peak action rate (energy per action x actions per second,
plus static power):

| component | actions per second of one instance |
|---|---|
| crossbar, DAC (per row), sample-and-hold (per column) | 1 / effective read cycle |
| ADC | ``sample_rate_hz`` |
| shift-and-add, digital unit | ``technology.clock_hz`` |
| buffer | ``bandwidth_bytes_per_s`` bytes (read energy) |
| link | 8 x ``bandwidth_bytes_per_s`` bits |

Peak throughput: every crossbar completes one MVM per ``read_cycles_per_mvm`` effective read
cycles; an MVM is ``rows x weights_per_row`` MACs = twice as many operations (ISAAC counts a
MAC as 2 ops). ``weights_per_row = cols // (slices_per_weight x s)``, ``s`` = 2 for
differential pairs, 1 for offset encoding. The read cycle is the longer of the columns'
sense time and the time the crossbar's ADCs need to convert all its columns, so a design
starved of ADCs is not credited with throughput it cannot convert.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lergan.errors import HardwareError
from lergan.hardware.schema import Architecture


def effective_read_cycle_s(arch: Architecture) -> float:
    """Read cycle: max(sense time, conversion time of the columns an ADC shares)
    (:mod:`lergan.hardware.components`)."""
    return arch.components.read_cycle_s


def weights_per_row(arch: Architecture) -> int:
    """Distinct weights along one crossbar row: cols // (slices x 2 if differential else 1)."""
    sign = 2 if arch.crossbar.signed_weights == "differential" else 1
    return arch.crossbar.cols // (arch.slices_per_weight * sign)


@dataclass(frozen=True)
class Breakdown:
    """Per (level, component): instances on the chip, area and peak power of all of them."""

    level: str
    component: str
    instances: float
    area_m2: float
    power_w: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def breakdown(arch: Architecture) -> list[Breakdown]:
    """Area and peak power of every component group, per organisation level."""
    org = arch.organisation
    mult = {
        "mat": org.banks * org.mats_per_bank,
        "bank": org.banks,
        "chip": 1,
    }
    model = arch.components
    rows: list[Breakdown] = []
    for level, table in model.counts.items():
        for name, count in table.items():
            n = count * mult[level]
            c = model[name]
            rows.append(Breakdown(level, name, n, n * c.area_m2, n * c.peak_power_w))
    return rows


@dataclass(frozen=True)
class Peak:
    """Peak figures of a chip (``to_dict`` gives the report units: GOPS, mm2, W)."""

    preset: str
    gops: float
    area_m2: float
    power_w: float
    crossbars: int
    macs_per_mvm: int
    mvm_latency_s: float

    @property
    def area_mm2(self) -> float:
        return self.area_m2 * 1e6

    @property
    def gops_per_mm2(self) -> float:
        return self.gops / self.area_mm2

    @property
    def gops_per_w(self) -> float:
        return self.gops / self.power_w

    def to_dict(self) -> dict[str, object]:
        return {
            "preset": self.preset,
            "gops": self.gops,
            "area_mm2": self.area_mm2,
            "power_w": self.power_w,
            "gops_per_mm2": self.gops_per_mm2,
            "gops_per_w": self.gops_per_w,
            "crossbars": self.crossbars,
            "macs_per_mvm": self.macs_per_mvm,
            "mvm_latency_s": self.mvm_latency_s,
        }


def peak(arch: Architecture) -> Peak:
    """Peak throughput (GOPS, 1 MAC = 2 ops), area and power of the whole chip."""
    org = arch.organisation
    crossbars = org.banks * org.mats_per_bank * org.crossbars_per_mat
    if crossbars <= 0:
        raise HardwareError("organisation.per_mat.crossbar: the chip has no crossbars")
    macs = arch.crossbar.rows * weights_per_row(arch)
    mvm_s = arch.read_cycles_per_mvm * effective_read_cycle_s(arch)
    gops = crossbars * 2.0 * macs / mvm_s / 1e9
    rows = breakdown(arch)
    return Peak(
        preset=arch.name,
        gops=gops,
        area_m2=sum(r.area_m2 for r in rows),
        power_w=sum(r.power_w for r in rows),
        crossbars=crossbars,
        macs_per_mvm=macs,
        mvm_latency_s=mvm_s,
    )
