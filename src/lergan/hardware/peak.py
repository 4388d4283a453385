"""Peak figures of a whole chip, derived bottom-up from the component tables.

Area: sum over the organisation's counts (``per_mat`` x mats, ``per_bank`` x banks,
``per_chip``) of each component's area. Peak power: the same sum of each component's power
at its peak action rate (energy per action x actions per second, plus static power):

| component | actions per second of one instance |
|---|---|
| crossbar, DAC (per row), sample-and-hold (per column) | 1 / effective read cycle |
| ADC | ``sample_rate_hz`` |
| shift-and-add | ``rate_hz`` |
| buffer | ``bandwidth_bytes_per_s`` bytes (read energy) |
| digital unit | ``ops_per_s`` |
| link | 8 x ``bandwidth_bytes_per_s`` bits |
| write driver | 0 (writes are not part of peak compute) |

Peak throughput: every crossbar completes one MVM per ``read_cycles_per_mvm`` effective read
cycles; an MVM is ``rows x weights_per_row`` MACs = twice as many operations (ISAAC counts a
MAC as 2 ops). ``weights_per_row = cols // (slices_per_weight x s)``, ``s`` = 2 for
differential pairs, 1 for offset encoding. The effective read cycle is the longer of the
crossbar's read cycle and the time the crossbar's ADCs need to convert all its columns
(``cols / (adcs_per_crossbar x sample_rate_hz)``), so a design starved of ADCs is not
credited with throughput it cannot convert.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lergan.errors import HardwareError
from lergan.hardware.cost import adc_area_m2, adc_energy_j, dac_area_m2, dac_energy_j
from lergan.hardware.schema import Architecture


def effective_read_cycle_s(arch: Architecture) -> float:
    """Read cycle limited by ADC conversions: max(read_cycle, cols / (ADCs x sample rate))."""
    org = arch.organisation
    xbars = org.per_mat.get("crossbar", org.crossbars_per_mat)
    adcs = org.per_mat.get("adc", 0.0)
    if adcs <= 0:
        raise HardwareError("organisation.per_mat.adc: a computing mat needs at least one ADC")
    conv_time = arch.crossbar.cols * xbars / (adcs * arch.adc.sample_rate_hz)
    return max(arch.crossbar.read_cycle_s, conv_time)


def weights_per_row(arch: Architecture) -> int:
    """Distinct weights along one crossbar row: cols // (slices x 2 if differential else 1)."""
    sign = 2 if arch.crossbar.signed_weights == "differential" else 1
    return arch.crossbar.cols // (arch.slices_per_weight * sign)


def component_area_m2(arch: Architecture, name: str) -> float:
    """Area of one instance of the named component."""
    if name == "crossbar":
        return arch.crossbar.area_m2
    if name == "dac":
        return dac_area_m2(arch)
    if name == "adc":
        return adc_area_m2(arch)
    if name == "sample_hold":
        return arch.sample_hold.area_m2
    if name == "shift_add":
        return arch.shift_add.area_m2
    if name == "write_driver":
        return arch.write.driver_area_m2
    if name in arch.buffers:
        return arch.buffers[name].area_m2
    if name in arch.digital:
        return arch.digital[name].area_m2
    if name in arch.interconnect.links:
        return arch.interconnect.links[name].area_m2
    raise HardwareError(f"organisation: no component named {name!r}")


def component_peak_power_w(arch: Architecture, name: str) -> float:
    """Power of one instance of the named component at its peak action rate (table above)."""
    rate = 1.0 / effective_read_cycle_s(arch)
    if name == "crossbar":
        return arch.crossbar.read_energy_j * rate + arch.crossbar.static_power_w
    if name == "dac":
        return dac_energy_j(arch) * rate + arch.dac.static_power_w
    if name == "sample_hold":
        return arch.sample_hold.energy_j * rate + arch.sample_hold.static_power_w
    if name == "adc":
        return adc_energy_j(arch) * arch.adc.sample_rate_hz + arch.adc.static_power_w
    if name == "shift_add":
        return arch.shift_add.energy_j * arch.shift_add.rate_hz + arch.shift_add.static_power_w
    if name == "write_driver":
        return arch.write.driver_static_power_w  # no writes at peak compute
    if name in arch.buffers:
        b = arch.buffers[name]
        return b.read_energy_j_per_byte * b.bandwidth_bytes_per_s + b.static_power_w
    if name in arch.digital:
        d = arch.digital[name]
        return d.energy_j * d.ops_per_s + d.static_power_w
    if name in arch.interconnect.links:
        ln = arch.interconnect.links[name]
        return ln.energy_j_per_bit * 8.0 * ln.bandwidth_bytes_per_s + ln.static_power_w
    raise HardwareError(f"organisation: no component named {name!r}")


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
    rows: list[Breakdown] = []
    for level, table in (("mat", org.per_mat), ("bank", org.per_bank), ("chip", org.per_chip)):
        for name, count in table.items():
            n = count * mult[level]
            rows.append(Breakdown(level, name, n, n * component_area_m2(arch, name),
                                  n * component_peak_power_w(arch, name)))
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
    crossbars = round(org.banks * org.mats_per_bank * org.per_mat.get("crossbar", 0.0))
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
