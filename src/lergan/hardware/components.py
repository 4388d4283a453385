"""The chip's components, derived from their parameters: one place that knows, for every
component, how many there are, its area, its static and peak power and the energy of one
action. Peak figures (:mod:`lergan.hardware.peak`), per-action costs
(:mod:`lergan.hardware.cost`) and the simulator's provisioned area and static power all read
this model, so they count the same units.

Formulas (``n`` = ``technology.node_m``, ``n0`` = the node a figure is characterised at,
``technology.reference_node_m`` unless a digital unit gives its own; ``f`` =
``technology.leakage_fraction``):

| quantity | formula | source |
|---|---|---|
| crossbar area | rows x cols x cell_area_f2 x n^2 | NVSim cell model (area in F^2) |
| crossbar read energy (a read cycle) | rows x cols x read_energy_per_cell_j | ISAAC Table I |
| sense time | rows x sense_time_per_row_s | bit line charging ~ its cells (first order) |
| conversion time | min(cols, columns_per_adc) / sample_rate_hz | ISAAC Sec. IV |
| read cycle | max(sense time, conversion time) | ISAAC: 128 columns / 1.28 GS/s = 100 ns |
| DACs, S&Hs, ADCs per mat | rows, cols, ceil(cols / columns_per_adc) a crossbar | ISAAC |
| CMOS energy, area | x n / n0, x (n / n0)^2 (constant voltage) | Dennard 1974, first order |
| DAC energy | linear: x b / ref; levels: x (2^b-1)/(2^ref-1); per-drive: x 1 | dac |
| ADC energy | walden: x 2^(b-ref); thermal: x 4^(b-ref) | Walden 1999; Murmann |
| ADC area | x 2^(b-ref) x rate / ref rate | SAR capacitor array; time interleaving |
| shift-and-add, digital rate | one operation per technology.clock_hz | ISAAC Table I (1.2 GHz) |
| buffer area | capacity_bytes x area_per_byte_m2 x (n / n0)^2 | ISAAC Table I per byte |
| static power (CMOS) | f x characterised power at the peak rate | technology.leakage_fraction |
| dynamic energy per action (CMOS) | (1 - f) x characterised energy | so peak = the table's power |
| static power (arrays) | 0 | non-volatile cells hold weights unpowered |
| cell write | pulses_per_write x energy_per_pulse_j, pulses x pulse_s per row | write model |

Links (``interconnect.links``) split their power the same way; wires and channels are not
node-scaled.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from lergan.errors import HardwareError
from lergan.hardware.converters import required_adc_bits

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture

LEVELS = ("mat", "bank", "chip")


@dataclass(frozen=True)
class Component:
    """One instance of a component: area, static power, and its action at the peak rate."""

    name: str
    kind: str
    action: str
    energy_j: float
    rate_hz: float
    area_m2: float
    static_power_w: float
    derivation: str = ""

    @property
    def dynamic_power_w(self) -> float:
        """Power of one instance acting at its peak rate, static power excluded."""
        return self.energy_j * self.rate_hz

    @property
    def peak_power_w(self) -> float:
        """Power of one instance at its peak rate, static power included."""
        return self.dynamic_power_w + self.static_power_w

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"peak_power_w": self.peak_power_w}


@dataclass(frozen=True)
class ComponentModel:
    """Every component of an architecture and how many of each each level holds."""

    components: dict[str, Component]
    counts: dict[str, dict[str, float]]
    levels: dict[str, int]
    read_cycle_s: float
    sense_time_s: float
    conversion_time_s: float
    adcs_per_crossbar: int
    crossbars_per_mat: int
    write_energy_per_cell_j: float
    write_latency_per_row_s: float
    buffer_write_energy_j_per_byte: dict[str, float] = field(default_factory=dict)
    #: bytes one mat stores, and a bank's memory mats (its share of
    #: ``organisation.capacity_bytes`` less its compute mats; 0 without a capacity)
    mat_bytes: float = 0.0
    memory_bytes_per_bank: float = 0.0

    def __getitem__(self, name: str) -> Component:
        try:
            return self.components[name]
        except KeyError:
            raise HardwareError(f"organisation: no component named {name!r} (known: "
                                f"{', '.join(self.components)})") from None

    def instances(self, name: str) -> float:
        """Instances of ``name`` on the whole chip, over every level that counts it."""
        return sum(self.counts[lv].get(name, 0.0) * self.levels[lv] for lv in LEVELS)

    def per_bank(self, name: str) -> float:
        """Instances of ``name`` in one bank: its mats' and the bank's own."""
        return (self.counts["mat"].get(name, 0.0) * self.levels["mat"] / self.levels["bank"]
                + self.counts["bank"].get(name, 0.0))

    def per_crossbar(self, name: str) -> float:
        """Instances of a mat-level component per crossbar."""
        return self.counts["mat"].get(name, 0.0) / self.crossbars_per_mat


def _cmos(arch: Architecture, ref_node_m: float | None = None) -> tuple[float, float]:
    """(energy, area) factors from the characterisation node to ``technology.node_m``."""
    t = arch.technology
    k = t.node_m / (ref_node_m or t.reference_node_m)
    return k, k * k


def _dac_factor(arch: Architecture) -> float:
    d = arch.dac
    if d.energy_scaling == "linear":
        return d.bits / d.reference_bits
    if d.energy_scaling == "levels":
        return (2**d.bits - 1) / (2**d.reference_bits - 1)
    return 1.0


def _adc_energy_factor(arch: Architecture) -> float:
    a = arch.adc
    base = 2.0 if a.energy_scaling == "walden" else 4.0
    return base ** (a.bits - a.reference_bits)


def mat_capacity_bytes(crossbars_per_mat: float, rows: float, cols: float,
                       cell_bits: float) -> float:
    """What one mat stores: its crossbars' cells at ``cell_bits`` each, in bytes (the one
    formula the component model and the schema's sizing from a capacity share)."""
    return crossbars_per_mat * rows * cols * cell_bits / 8


def derive(arch: Architecture) -> ComponentModel:
    """The component model of ``arch`` (use ``arch.components``, which caches it)."""
    t, xb, org, w = arch.technology, arch.crossbar, arch.organisation, arch.write
    f = t.leakage_fraction
    e_k, a_k = _cmos(arch)
    cells = xb.rows * xb.cols
    adcs = math.ceil(xb.cols / arch.adc.columns_per_adc)
    sense = xb.rows * xb.sense_time_per_row_s
    conversion = min(xb.cols, arch.adc.columns_per_adc) / arch.adc.sample_rate_hz
    cycle = max(sense, conversion)
    rate = 1.0 / cycle
    clock = t.clock_hz
    comps: dict[str, Component] = {}

    def cmos(name: str, kind: str, action: str, energy: float, rate_hz: float, area: float,
             how: str) -> None:
        # energy characterised at the peak rate: a share f of that power is static
        comps[name] = Component(name, kind, action, (1 - f) * energy, rate_hz, area,
                                f * energy * rate_hz, how)

    comps["crossbar"] = Component(
        "crossbar", "crossbar", "read cycle of the whole array", cells * xb.read_energy_per_cell_j,
        rate, cells * xb.cell_area_f2 * t.node_m**2, 0.0,
        "rows x cols x read_energy_per_cell_j; rows x cols x cell_area_f2 x node^2")
    dac = _dac_factor(arch)
    cmos("dac", "dac", "row driven for one read cycle", arch.dac.energy_j * dac * e_k, rate,
         arch.dac.area_m2 * dac * a_k, f"dac.energy_j scaled {arch.dac.energy_scaling}")
    cmos("sample_hold", "sample_hold", "column held for one read cycle",
         arch.sample_hold.energy_j * e_k, rate, arch.sample_hold.area_m2 * a_k,
         "sample_hold.energy_j, node-scaled")
    adc_rate = arch.adc.sample_rate_hz / arch.adc.reference_sample_rate_hz
    cmos("adc", "adc", "conversion", arch.adc.energy_j * _adc_energy_factor(arch) * e_k,
         arch.adc.sample_rate_hz,
         arch.adc.area_m2 * 2.0 ** (arch.adc.bits - arch.adc.reference_bits) * adc_rate * a_k,
         f"adc.energy_j scaled {arch.adc.energy_scaling} to {arch.adc.bits} bits")
    cmos("shift_add", "shift_add", "shift-and-add operation", arch.shift_add.energy_j * e_k,
         clock, arch.shift_add.area_m2 * a_k, "one per clock")
    bw: dict[str, float] = {}
    for name, b in arch.buffers.items():
        cmos(name, "buffer", "byte read", b.read_energy_j_per_byte * e_k,
             b.bandwidth_bytes_per_s, b.capacity_bytes * b.area_per_byte_m2 * a_k,
             "capacity_bytes x area_per_byte_m2")
        bw[name] = (1 - f) * b.write_energy_j_per_byte * e_k
    for name, d in arch.digital.items():
        de, da = _cmos(arch, d.reference_node_m)
        cmos(name, "digital", "operation", d.energy_j * de, clock, d.area_m2 * da,
             "one operation per clock")
    for name, ln in arch.interconnect.links.items():
        cmos(name, "link", "bit", ln.energy_j_per_bit, 8.0 * ln.bandwidth_bytes_per_s,
             ln.area_m2, "interconnect.links (wires and channels: not node-scaled)")
    xpm = org.crossbars_per_mat
    mat = {"crossbar": float(xpm), "dac": float(xb.rows * xpm),
           "sample_hold": float(xb.cols * xpm), "adc": float(adcs * xpm), **org.per_mat}
    counts = {"mat": mat, "bank": dict(org.per_bank), "chip": dict(org.per_chip)}
    for level, table in counts.items():
        for name in table:
            if name not in comps:
                raise HardwareError(f"organisation.per_{level}.{name}: no component named "
                                    f"{name!r}")
    mat_bytes = mat_capacity_bytes(xpm, xb.rows, xb.cols, xb.cell_bits)
    memory = 0.0
    if org.capacity_bytes is not None:
        memory = max(0.0, org.capacity_bytes / org.banks - org.mats_per_bank * mat_bytes)
    return ComponentModel(
        components=comps,
        counts=counts,
        levels={"mat": org.banks * org.mats_per_bank, "bank": org.banks, "chip": 1},
        read_cycle_s=cycle,
        sense_time_s=sense,
        conversion_time_s=conversion,
        adcs_per_crossbar=adcs,
        crossbars_per_mat=xpm,
        write_energy_per_cell_j=w.pulses_per_write * w.energy_per_pulse_j,
        write_latency_per_row_s=w.pulses_per_write * w.pulse_s,
        buffer_write_energy_j_per_byte=bw,
        mat_bytes=mat_bytes,
        memory_bytes_per_bank=memory,
    )


@dataclass(frozen=True)
class DerivedValue:
    """A quantity the model derives instead of reading: value (SI), unit, formula, inputs."""

    key: str
    value: float
    unit: str
    formula: str
    inputs: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def derived_values(arch: Architecture) -> list[DerivedValue]:
    """Every derived quantity of ``arch`` with the fields it comes from (what `lergan
    hardware show` lists as derived)."""
    m = arch.components
    xb = ("crossbar.rows", "crossbar.cols")
    node = ("technology.node_m", "technology.reference_node_m")
    leak = ("technology.leakage_fraction",)
    out = [
        DerivedValue("crossbar.area_m2", m["crossbar"].area_m2, "m2",
                     "rows x cols x cell_area_f2 x node^2",
                     (*xb, "crossbar.cell_area_f2", "technology.node_m")),
        DerivedValue("crossbar.read_energy_j", m["crossbar"].energy_j, "J",
                     "rows x cols x read_energy_per_cell_j (one read cycle)",
                     (*xb, "crossbar.read_energy_per_cell_j")),
        DerivedValue("crossbar.sense_time_s", m.sense_time_s, "s", "rows x sense_time_per_row_s",
                     ("crossbar.rows", "crossbar.sense_time_per_row_s")),
        DerivedValue("adc.conversion_time_s", m.conversion_time_s, "s",
                     "min(cols, columns_per_adc) / sample_rate_hz",
                     ("crossbar.cols", "adc.columns_per_adc", "adc.sample_rate_hz")),
        DerivedValue("crossbar.read_cycle_s", m.read_cycle_s, "s",
                     "max(sense time, conversion time)",
                     ("crossbar.sense_time_s", "adc.conversion_time_s")),
        DerivedValue("adc.required_bits", required_adc_bits(arch), "bit",
                     "ceil(log2(rows (2^cell_bits - 1)(2^dac.bits - 1) + 1)) - flipped (ISAAC)",
                     ("crossbar.rows", "crossbar.cell_bits", "dac.bits",
                      "crossbar.flipped_encoding")),
        DerivedValue("write.energy_per_cell_j", m.write_energy_per_cell_j, "J",
                     "pulses_per_write x energy_per_pulse_j",
                     ("write.pulses_per_write", "write.energy_per_pulse_j")),
        DerivedValue("write.latency_per_row_s", m.write_latency_per_row_s, "s",
                     "pulses_per_write x pulse_s", ("write.pulses_per_write", "write.pulse_s")),
    ]
    org = arch.organisation
    if org.capacity_bytes is not None:
        out.append(DerivedValue(
            "organisation.mats_per_bank", org.mats_per_bank, "count",
            "floor(capacity_bytes / (crossbars_per_mat x rows x cols x cell_bits / 8) / banks"
            " x compute_fraction): the compute mats of a bank",
            ("organisation.capacity_bytes", "organisation.compute_fraction",
             "organisation.banks", "organisation.crossbars_per_mat", *xb,
             "crossbar.cell_bits")))
        out.append(DerivedValue(
            "organisation.memory_bytes_per_bank", m.memory_bytes_per_bank, "B",
            "capacity_bytes / banks - mats_per_bank x mat bytes: the mats that store data "
            "(lergan.system.storage)",
            ("organisation.capacity_bytes", "organisation.banks",
             "organisation.mats_per_bank")))
    for name, b in arch.buffers.items():
        if b.technology != "register" and m.per_bank(name):
            out.append(DerivedValue(
                f"organisation.{name}_per_bank", m.per_bank(name), "count",
                "per_mat x mats_per_bank + per_bank: the buffers' worth of bandwidth a bank's "
                "units share (lergan.system.ports)",
                (f"organisation.per_mat.{name}", f"organisation.per_bank.{name}",
                 "organisation.mats_per_bank")))
    for name in ("crossbar", "dac", "sample_hold", "adc"):
        out.append(DerivedValue(
            f"organisation.per_mat.{name}", m.counts["mat"][name], "count",
            {"crossbar": "crossbars_per_mat", "dac": "rows x crossbars_per_mat",
             "sample_hold": "cols x crossbars_per_mat",
             "adc": "ceil(cols / columns_per_adc) x crossbars_per_mat"}[name],
            ("organisation.crossbars_per_mat", *xb, "adc.columns_per_adc")))
    for name, c in m.components.items():
        if c.kind == "crossbar":
            continue
        prefix = {"buffer": f"buffers.{name}", "digital": f"digital.{name}",
                  "link": f"interconnect.links.{name}"}.get(c.kind, name)
        out.append(DerivedValue(f"{prefix}.action_energy_j", c.energy_j, "J",
                                f"dynamic energy per {c.action}: (1 - leakage) x {c.derivation}",
                                (*node, *leak)))
        out.append(DerivedValue(f"{prefix}.static_power_w", c.static_power_w, "W",
                                "leakage_fraction x characterised power at the peak rate",
                                leak))
        if c.kind in ("buffer", "dac", "adc", "sample_hold", "shift_add", "digital"):
            out.append(DerivedValue(f"{prefix}.area_instance_m2", c.area_m2, "m2",
                                    c.derivation + ", area x (node / reference)^2", node))
        if c.kind in ("shift_add", "digital"):
            out.append(DerivedValue(f"{prefix}.rate_hz", c.rate_hz, "Hz", "one per clock",
                                    ("technology.clock_hz",)))
    return out
