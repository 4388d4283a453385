"""Component-level cost in SI units: what one action of each component costs.

Each function cites its formula. The mapping (`lergan.mapping`) multiplies these by counts
of actions (read cycles, conversions, bytes, cells written); nothing here knows about
layers. Energies are joules, latencies seconds, areas square metres.

Actions (``actions(arch)``), each: what one action is -> energy; latency:

- ``crossbar.read``: one read cycle of a whole crossbar -> ``crossbar.read_energy_j``;
  ``crossbar.read_cycle_s``
- ``dac.drive``: one row driven for one read cycle -> :func:`dac_energy_j`; read cycle
- ``sample_hold.sample``: one column held for one read cycle -> ``sample_hold.energy_j``;
  read cycle
- ``adc.convert``: one conversion -> :func:`adc_energy_j`; 1 / ``sample_rate_hz``
- ``shift_add.op``: one shift-and-add -> ``shift_add.energy_j``; 1 / ``rate_hz``
- ``buffer.<name>.read`` / ``.write``: one byte -> per-byte energy; 1 / bandwidth
- ``cell.write``: one cell programmed, verify included -> ``write.energy_per_cell_j``;
  ``write.latency_per_row_s``
- ``row.write``: one full row programmed -> cols x cell energy; ``write.latency_per_row_s``
- ``digital.<name>.op``: one operation (MAC, ...) -> ``energy_j``; 1 / ``ops_per_s``
- ``link.<name>.bit``: one bit over the link -> ``energy_j_per_bit``; 1 / (8 x bandwidth)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from lergan.errors import HardwareError
from lergan.hardware.schema import Architecture, Link


@dataclass(frozen=True)
class ActionCost:
    """Energy and latency of one action, what one action is, and where the figure comes from."""

    name: str
    energy_j: float
    latency_s: float
    per: str
    formula: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _scale_factor(scaling: str, bits: int, reference_bits: int) -> float:
    if scaling == "walden":
        return 2.0 ** (bits - reference_bits)
    if scaling == "thermal":
        return 4.0 ** (bits - reference_bits)
    raise HardwareError(f"adc.energy_scaling: unknown model {scaling!r}")


def adc_energy_j(arch: Architecture, bits: int | None = None) -> float:
    """Energy of one ADC conversion at ``bits`` (default ``adc.bits``).

    ``E(b) = E(b_ref) * 2**(b - b_ref)`` for ``walden`` (Walden, IEEE JSAC 1999: power =
    FOM * 2**ENOB * f_s, so energy per conversion doubles per bit; ISAAC Sec. V reasons the
    same way), ``E(b_ref) * 4**(b - b_ref)`` for ``thermal`` (noise-limited converters,
    Murmann's ADC survey; Schreier FOM). Both are increasing in ``b``: fewer bits never cost
    more energy.
    """
    b = arch.adc.bits if bits is None else bits
    if b < 1:
        raise HardwareError(f"adc.bits: {b} is below 1")
    return arch.adc.energy_j * _scale_factor(arch.adc.energy_scaling, b, arch.adc.reference_bits)


def adc_area_m2(arch: Architecture, bits: int | None = None) -> float:
    """Area of one ADC at ``bits``: ``area(b_ref) * 2**(b - b_ref)`` (SAR capacitor array
    doubles per bit; our assumption, stated in the presets)."""
    b = arch.adc.bits if bits is None else bits
    return arch.adc.area_m2 * 2.0 ** (b - arch.adc.reference_bits)


def _dac_levels(bits: int) -> int:
    return 2**bits - 1


def dac_energy_j(arch: Architecture, bits: int | None = None) -> float:
    """Energy of one DAC driving one row for one read cycle at ``bits``.

    ``E(b) = E(b_ref) * (2**b - 1) / (2**b_ref - 1)``: proportional to the number of
    non-zero levels (our assumption; ISAAC characterises 1-bit DACs only).
    """
    b = arch.dac.bits if bits is None else bits
    return arch.dac.energy_j * _dac_levels(b) / _dac_levels(arch.dac.reference_bits)


def dac_area_m2(arch: Architecture, bits: int | None = None) -> float:
    """Area of one DAC at ``bits``, scaled by levels like :func:`dac_energy_j`."""
    b = arch.dac.bits if bits is None else bits
    return arch.dac.area_m2 * _dac_levels(b) / _dac_levels(arch.dac.reference_bits)


def actions(arch: Architecture) -> dict[str, ActionCost]:
    """Every action of the architecture with its energy and latency (see module table)."""
    cyc = arch.crossbar.read_cycle_s
    out: list[ActionCost] = [
        ActionCost("crossbar.read", arch.crossbar.read_energy_j, cyc,
                   "read cycle of one crossbar (all rows driven, all columns sensed)",
                   "crossbar.read_energy_j"),
        ActionCost("dac.drive", dac_energy_j(arch), cyc, "row per read cycle",
                   "dac.energy_j x (2^bits - 1) / (2^reference_bits - 1)"),
        ActionCost("sample_hold.sample", arch.sample_hold.energy_j, cyc,
                   "column per read cycle", "sample_hold.energy_j"),
        ActionCost("adc.convert", adc_energy_j(arch), 1.0 / arch.adc.sample_rate_hz,
                   "conversion", f"adc.energy_j scaled by {arch.adc.energy_scaling} "
                   "(2^ or 4^(bits - reference_bits))"),
        ActionCost("shift_add.op", arch.shift_add.energy_j, 1.0 / arch.shift_add.rate_hz,
                   "shift-and-add operation", "shift_add.energy_j"),
        ActionCost("cell.write", arch.write.energy_per_cell_j, arch.write.latency_per_row_s,
                   "cell programmed (program-and-verify included)",
                   "write.energy_per_cell_j; latency of its row"),
        ActionCost("row.write", arch.crossbar.cols * arch.write.energy_per_cell_j,
                   arch.write.latency_per_row_s, "full crossbar row programmed",
                   "crossbar.cols x write.energy_per_cell_j"),
    ]
    for name, buf in arch.buffers.items():
        t = 1.0 / buf.bandwidth_bytes_per_s
        out.append(ActionCost(f"buffer.{name}.read", buf.read_energy_j_per_byte, t, "byte",
                              f"buffers.{name}.read_energy_j_per_byte"))
        out.append(ActionCost(f"buffer.{name}.write", buf.write_energy_j_per_byte, t, "byte",
                              f"buffers.{name}.write_energy_j_per_byte"))
    for name, unit in arch.digital.items():
        out.append(ActionCost(f"digital.{name}.op", unit.energy_j, 1.0 / unit.ops_per_s,
                              "operation", f"digital.{name}.energy_j"))
    for name, link in arch.interconnect.links.items():
        out.append(ActionCost(f"link.{name}.bit", link.energy_j_per_bit,
                              1.0 / (8.0 * link.bandwidth_bytes_per_s), "bit",
                              f"interconnect.links.{name}.energy_j_per_bit"))
    return {a.name: a for a in out}


@dataclass(frozen=True)
class TransferCost:
    """A transfer of ``bytes`` over one link: latency = link latency + bytes / bandwidth."""

    bytes: float
    latency_s: float
    energy_j: float


def transfer_cost(link: Link, nbytes: float) -> TransferCost:
    """Cost of moving ``nbytes`` over ``link`` alone (no contention): latency
    ``latency_s + nbytes / bandwidth``, energy ``8 * nbytes * energy_j_per_bit``."""
    if nbytes < 0:
        raise HardwareError(f"transfer: negative size {nbytes} bytes")
    if nbytes == 0:
        return TransferCost(0.0, 0.0, 0.0)
    return TransferCost(
        float(nbytes),
        link.latency_s + nbytes / link.bandwidth_bytes_per_s,
        8.0 * nbytes * link.energy_j_per_bit,
    )


def write_cost(arch: Architecture, cells: float, rows: float) -> TransferCost:
    """Programming ``cells`` cells spread over ``rows`` crossbar rows of one crossbar.

    Energy ``cells * write.energy_per_cell_j``; latency ``ceil(rows / rows_in_parallel) *
    write.latency_per_row_s`` (rows are programmed in turn, a row's cells in parallel).
    ``cells`` should already include ``write.fraction_rewritten`` where it applies.
    """
    if cells < 0 or rows < 0:
        raise HardwareError(f"write: negative cells ({cells}) or rows ({rows})")
    steps = math.ceil(rows / arch.write.rows_in_parallel)
    return TransferCost(0.0, steps * arch.write.latency_per_row_s,
                        cells * arch.write.energy_per_cell_j)


@dataclass(frozen=True)
class Lifetime:
    """How long cells last: iterations until a cell, at the mean writes per cell of the
    cells considered, reaches its endurance (the most-written cell's figure only when the
    writes are spread evenly over them: see :func:`lifetime`)."""

    writes_per_cell_per_iteration: float
    iterations: float
    seconds: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def lifetime(
    arch: Architecture,
    cells_written_per_iteration: float,
    cells_in_use: float,
    iteration_s: float | None = None,
) -> Lifetime:
    """Lifetime from endurance: ``endurance / (cells_written_per_iteration / cells_in_use)``.

    Assumes writes spread evenly over the ``cells_in_use`` cells that hold weights (no wear
    levelling beyond that); ``iterations * iteration_s`` gives seconds when the iteration
    time is known. With every cell rewritten once per iteration the lifetime is the
    endurance in iterations.

    The mean hides hot spots: for an iteration, crossbars that are programmed per sample
    (PipeLayer-style weight gradients) wear far faster than weights rewritten once per
    update. Call it per group of cells that are written alike (``lergan.mapping.cost``
    does so per operation, :func:`lergan.system.wear.iteration_lifetime` per physical group
    of an iteration, with its most-written cells) and take the shortest lifetime, not once
    over the whole chip.
    """
    if cells_in_use <= 0:
        raise HardwareError(f"lifetime: cells_in_use must be positive, got {cells_in_use}")
    if cells_written_per_iteration < 0:
        raise HardwareError(
            f"lifetime: cells_written_per_iteration is negative ({cells_written_per_iteration})"
        )
    rate = cells_written_per_iteration / cells_in_use
    iters = math.inf if rate == 0 else arch.cell.endurance_writes / rate
    secs = None if iteration_s is None else iters * iteration_s
    return Lifetime(rate, iters, secs)
