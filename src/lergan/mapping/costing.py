"""Cost of one mapped operation: latency, dynamic energy per component, area, lifetime.

``cost(mapping, arch) -> OperationCost``. Counts come from the mapping
(:class:`~lergan.mapping.mapper.LayerPassMapping`); the energy and latency of one action of
each component come from :func:`lergan.hardware.cost.actions` and its helpers (not repeated
here). Formulas:

- **Read time** (ISAAC, Shafiee et al., ISCA 2016, section 3: inputs bit-serial, one read
  cycle per input bit, the cycle set by how fast the shared ADCs convert a crossbar's
  columns): ``read_cycles`` x the component model's read cycle, ``max(rows x
  sense_time_per_row_s, min(cols, columns_per_adc) / sample rate)``
  (:mod:`lergan.hardware.components`).
- **Energy per component**: count x per-action energy: ``crossbar.read`` per crossbar read
  cycle (the whole array's read energy, also when partly used), ``dac.drive`` per driven
  line per cycle, ``sample_hold.sample`` and ``adc.convert`` per conversion (ISAAC: each
  column held, then converted by its shared ADC), ``shift_add.op`` per conversion and per
  digital add (partial sums across tiles, accumulations), buffer bytes, cell writes,
  digital operations.
- **Buffers**: MVM inputs are read from the bank buffer into the input registers and read
  from there by the DACs; MVM outputs go through the output registers to the bank buffer
  (ISAAC's eDRAM -> input register -> crossbar -> output register path, Table I).
  Accumulation traffic (scatter outputs, per-sample weight gradients) reads and writes the
  bank buffer; master weights and optimiser state (update) and the digital weight
  gradient's operands are bank-buffer traffic.
- **Writes** (PipeLayer, Song et al., HPCA 2017, in-place update; the preset's write
  model): energy ``cells_written`` x the cell write energy (pulses x energy per pulse);
  time per programming round ``ceil(rows / rows_in_parallel)`` x the row write time, with
  every crossbar programmed in parallel (:func:`lergan.hardware.cost.write_cost`). With
  ``write.compare_before_write`` every covered cell is read first (``cells_compared``
  crossbar cell reads and conversions; one read cycle per row of a round) and only the
  ``fraction_rewritten`` that changed is programmed.
- **Digital units** (DNN+NeuroSim V2.1, Peng et al., 2020: weight gradients on digital
  MAC units beside the arrays): ``digital_macs / (units x clock)``, ``units`` the
  bank's MAC units (``organisation.per_bank.mac``, at least 1) unless given.
- **Latency** = programming time + the longest of read time, digital time and buffer time
  (bytes over the bank buffer's bandwidth): reads, transfers and digital work pipeline
  (ISAAC's pipeline), programming does not overlap with reads of the same crossbars.
- **Area**: crossbars used times one crossbar and its share of the mat's peripherals
  (``organisation.per_mat`` counts divided by crossbars per mat; registers included), plus
  the digital units when the operation uses them.
- **Lifetime**: :func:`lergan.hardware.cost.lifetime` with the operation as the unit: how
  many such operations the cells it writes survive (``endurance / writes per cell``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from lergan.errors import MappingError
from lergan.hardware.cost import lifetime, write_cost
from lergan.mapping.elementwise import bank_buffer
from lergan.mapping.mapper import LayerPassMapping
from lergan.mapping.memo import actions, per_object

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture

ENERGY_COMPONENTS = (
    "crossbar", "dac", "sample_hold", "adc", "shift_add", "buffer", "accumulation",
    "cell_write", "digital",
)


@dataclass(frozen=True)
class OperationCost:
    """Latency (s), dynamic energy per component (J), area (m^2), writes and lifetime."""

    latency_s: float
    latency_parts_s: dict[str, float]
    energy_j: dict[str, float]
    area_m2: float
    area_parts_m2: dict[str, float]
    cells_written: int
    writes_per_cell: float
    lifetime_operations: float | None
    read_cycle_s: float
    formulas: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def total_energy_j(self) -> float:
        return sum(self.energy_j.values())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["total_energy_j"] = self.total_energy_j
        if d["lifetime_operations"] == float("inf"):
            d["lifetime_operations"] = None
        return d


def _per_crossbar_area_m2(arch: Architecture) -> dict[str, float]:
    """Area of one crossbar and its share of its mat's peripherals and registers
    (the component model's per-mat counts over crossbars per mat), once per object."""
    memo = per_object(arch)
    hit = memo.get(("per_crossbar_area_m2",))
    if hit is None:
        model = arch.components
        hit = memo["per_crossbar_area_m2",] = MappingProxyType(
            {name: model.per_crossbar(name) * model[name].area_m2
             for name in model.counts["mat"]})
    return hit


@dataclass(frozen=True)
class _Rates:
    """What :func:`cost` reads of an Architecture, gathered once per object (:func:`_rates`):
    per-action energies (J), the read cycle and clock, the bank buffer and its bandwidth,
    the default digital units. ``bank`` is ``None`` when the preset has no buffer (then
    :func:`~lergan.mapping.elementwise.bank_buffer` raises, in :func:`cost`'s order);
    ``mac`` is ``None`` without ``digital.mac``; ``in_reg`` / ``out_reg``: a byte written
    and read through the input / output registers, when both exist."""

    units: int
    bank: str | None
    crossbar: float
    dac: float
    sample_hold: float
    adc: float
    shift_add: float
    buf_read: float
    buf_write: float
    in_reg: float | None
    out_reg: float | None
    mac: float | None
    compare: float
    cycle: float
    clock_hz: float
    bank_bw: float


def _rates(arch: Architecture) -> _Rates:
    memo = per_object(arch)
    hit = memo.get(("cost rates",))
    if hit is not None:
        return hit
    act = actions(arch)
    model = arch.components
    bank = bank_buffer(arch) if arch.buffers else None
    regs = "input_register" in arch.buffers and "output_register" in arch.buffers
    mac = act.get("digital.mac.op")
    hit = memo["cost rates",] = _Rates(
        units=max(1, int(model.per_bank("mac"))),
        bank=bank,
        crossbar=act["crossbar.read"].energy_j,
        dac=act["dac.drive"].energy_j,
        sample_hold=act["sample_hold.sample"].energy_j,
        adc=act["adc.convert"].energy_j,
        shift_add=act["shift_add.op"].energy_j,
        buf_read=act[f"buffer.{bank}.read"].energy_j if bank else 0.0,
        buf_write=act[f"buffer.{bank}.write"].energy_j if bank else 0.0,
        in_reg=(act["buffer.input_register.write"].energy_j
                + act["buffer.input_register.read"].energy_j) if regs else None,
        out_reg=(act["buffer.output_register.write"].energy_j
                 + act["buffer.output_register.read"].energy_j) if regs else None,
        mac=mac.energy_j if mac is not None else None,
        # compare before write: a cell read, its conversion and sample-and-hold
        compare=(arch.crossbar.read_energy_per_cell_j + act["adc.convert"].energy_j
                 + act["sample_hold.sample"].energy_j),
        cycle=model.read_cycle_s,
        clock_hz=arch.technology.clock_hz,
        bank_bw=arch.buffers[bank].bandwidth_bytes_per_s if bank else 0.0,
    )
    return hit


_FORMULAS = {
    "read": "read_cycles x max(crossbar.read_cycle_s, cols / (ADCs x rate)) [ISAAC]",
    "write": "write_rounds x ceil(rows / rows_in_parallel) x pulses x write.pulse_s"
             " [PipeLayer; preset write model]",
    "digital": "digital_macs / (units x technology.clock_hz) [NeuroSim V2.1]",
    "latency": "write + max(read, digital, buffer)",
}


def cost(mapping: LayerPassMapping, arch: Architecture,
         digital_units: int | None = None) -> OperationCost:
    """Cost one mapped operation on ``arch`` (a :class:`lergan.hardware.Architecture`)."""

    r = _rates(arch)
    m = mapping
    if digital_units is None:
        digital_units = r.units
    if digital_units < 1:
        raise MappingError(f"digital_units must be at least 1, got {digital_units}")
    if r.bank is None:
        bank_buffer(arch)  # raises: no buffer to cost buffer traffic
    crossbar_io = m.form not in ("digital", "write")

    # ---- energy ----------------------------------------------------------------------
    e: dict[str, float] = dict.fromkeys(ENERGY_COMPONENTS, 0.0)
    e["crossbar"] = m.crossbar_read_cycles * r.crossbar
    e["dac"] = m.dac_activations * r.dac
    e["sample_hold"] = m.adc_conversions * r.sample_hold
    e["adc"] = m.adc_conversions * r.adc
    e["shift_add"] = (m.shift_add_ops + m.digital_adds) * r.shift_add
    rd, wr = r.buf_read, r.buf_write
    e["buffer"] = m.buffer_read_bytes * rd + m.buffer_write_bytes * wr
    if crossbar_io and r.in_reg is not None:
        e["buffer"] += m.buffer_read_bytes * r.in_reg + m.buffer_write_bytes * r.out_reg
    e["accumulation"] = m.accumulation_bytes / 2 * (rd + wr)
    rows = m.rows_per_write_round
    wc = write_cost(arch, m.cells_written, rows)
    e["cell_write"] = wc.energy_j
    compare_s = 0.0
    if m.cells_compared:
        # compare before write: every covered cell read once (one row per read cycle,
        # each column converted), before the changed ones are programmed
        e["cell_write"] += m.cells_compared * r.compare
        compare_s = m.write_rounds * rows * r.cycle
    if m.digital_macs:
        if r.mac is None:
            raise MappingError(
                f"layer {m.layer!r} pass {m.pass_!r} needs digital MAC units but preset "
                f"{arch.name!r} has no digital.mac"
            )
        e["digital"] = m.digital_macs * r.mac

    # ---- latency ---------------------------------------------------------------------
    cycle = r.cycle
    parts = {
        "read": m.read_cycles * cycle,
        "write": m.write_rounds * wc.latency_s + compare_s if rows else 0.0,
        "digital": (m.digital_macs / (digital_units * r.clock_hz)
                    if m.digital_macs else 0.0),
        "buffer": (m.buffer_read_bytes + m.buffer_write_bytes + m.accumulation_bytes)
        / r.bank_bw,
    }
    latency = parts["write"] + max(parts["read"], parts["digital"], parts["buffer"])

    # ---- area ------------------------------------------------------------------------
    area = {k: v * m.crossbars for k, v in _per_crossbar_area_m2(arch).items()} if (
        m.crossbars) else {}
    if m.digital_macs:
        area["digital.mac"] = digital_units * arch.components["mac"].area_m2

    # ---- writes and lifetime ------------------------------------------------------------
    in_use = m.cells_per_copy * m.replication
    if m.cells_written and in_use:
        life = lifetime(arch, m.cells_written, in_use)
        per_cell, ops = life.writes_per_cell_per_iteration, life.iterations
    else:
        per_cell, ops = 0.0, None
    return OperationCost(
        latency_s=latency,
        latency_parts_s=parts,
        energy_j=e,
        area_m2=sum(area.values()),
        area_parts_m2=area,
        cells_written=m.cells_written,
        writes_per_cell=per_cell,
        lifetime_operations=ops,
        read_cycle_s=cycle,
        formulas=dict(_FORMULAS),
    )
