"""Component-level cost in SI units: what one action of each component costs.

Each function cites its formula. The mapping (`lergan.mapping`) multiplies these by counts
of actions (read cycles, conversions, bytes, cells written); nothing here knows about
layers. Energies are joules, latencies seconds, areas square metres.

Actions (``actions(arch)``), each: what one action is -> energy; latency:

- ``crossbar.read``: one read cycle of a whole crossbar -> rows x cols x
  ``crossbar.read_energy_per_cell_j``; the derived read cycle
- ``dac.drive``: one row driven for one read cycle -> :func:`dac_energy_j`; read cycle
- ``sample_hold.sample``: one column held for one read cycle -> ``sample_hold.energy_j``;
  read cycle
- ``adc.convert``: one conversion -> :func:`adc_energy_j`; 1 / ``sample_rate_hz``
- ``shift_add.op``: one shift-and-add -> ``shift_add.energy_j``; one clock
- ``buffer.<name>.read`` / ``.write``: one byte -> per-byte energy; 1 / bandwidth
- ``cell.write``: one cell programmed, verify included -> pulses x ``energy_per_pulse_j``;
  pulses x ``pulse_s`` (its row)
- ``row.write``: one full row programmed -> cols x cell energy; the row's time
- ``digital.<name>.op``: one operation (MAC, ...) -> ``energy_j``; one clock

Energies are dynamic (the component model's, :mod:`lergan.hardware.components`: node-scaled,
leakage share removed); static power is the model's too.
- ``link.<name>.bit``: one bit over the link -> ``energy_j_per_bit``; 1 / (8 x bandwidth)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from lergan.errors import HardwareError
from lergan.hardware.schema import Architecture


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


def adc_energy_j(arch: Architecture) -> float:
    """Energy of one ADC conversion at ``adc.bits`` (:mod:`lergan.hardware.components`)."""
    return arch.components["adc"].energy_j


def dac_energy_j(arch: Architecture) -> float:
    """Energy of one DAC driving one row for one read cycle at ``dac.bits``."""
    return arch.components["dac"].energy_j


def actions(arch: Architecture) -> dict[str, ActionCost]:
    """Every action of the architecture with its energy and latency (see module table);
    energies are the component model's dynamic energies (:mod:`lergan.hardware.components`)."""
    model = arch.components
    cyc = model.read_cycle_s
    c = model.components
    cell = model.write_energy_per_cell_j
    row_s = model.write_latency_per_row_s
    out: list[ActionCost] = [
        ActionCost("crossbar.read", c["crossbar"].energy_j, cyc,
                   "read cycle of one crossbar (all rows driven, all columns sensed)",
                   "rows x cols x crossbar.read_energy_per_cell_j"),
        ActionCost("dac.drive", c["dac"].energy_j, cyc, "row per read cycle",
                   f"dac.energy_j scaled {arch.dac.energy_scaling} to dac.bits, node-scaled"),
        ActionCost("sample_hold.sample", c["sample_hold"].energy_j, cyc,
                   "column per read cycle", "sample_hold.energy_j, node-scaled"),
        ActionCost("adc.convert", c["adc"].energy_j, 1.0 / arch.adc.sample_rate_hz,
                   "conversion", f"adc.energy_j scaled by {arch.adc.energy_scaling} "
                   "(2^ or 4^(bits - reference_bits)), node-scaled"),
        ActionCost("shift_add.op", c["shift_add"].energy_j, 1.0 / arch.technology.clock_hz,
                   "shift-and-add operation", "shift_add.energy_j, node-scaled"),
        ActionCost("cell.write", cell, row_s,
                   "cell programmed (program-and-verify included)",
                   "write.pulses_per_write x write.energy_per_pulse_j; latency of its row"),
        ActionCost("row.write", arch.crossbar.cols * cell, row_s,
                   "full crossbar row programmed", "crossbar.cols x cell write energy"),
    ]
    for name, buf in arch.buffers.items():
        t = 1.0 / buf.bandwidth_bytes_per_s
        out.append(ActionCost(f"buffer.{name}.read", c[name].energy_j, t, "byte",
                              f"buffers.{name}.read_energy_j_per_byte, node-scaled"))
        out.append(ActionCost(f"buffer.{name}.write",
                              model.buffer_write_energy_j_per_byte[name], t, "byte",
                              f"buffers.{name}.write_energy_j_per_byte, node-scaled"))
    for name in arch.digital:
        out.append(ActionCost(f"digital.{name}.op", c[name].energy_j,
                              1.0 / arch.technology.clock_hz, "operation",
                              f"digital.{name}.energy_j, node-scaled"))
    for name, link in arch.interconnect.links.items():
        out.append(ActionCost(f"link.{name}.bit", c[name].energy_j,
                              1.0 / (8.0 * link.bandwidth_bytes_per_s), "bit",
                              f"interconnect.links.{name}.energy_j_per_bit"))
    return {a.name: a for a in out}


@dataclass(frozen=True)
class TransferCost:
    """A transfer of ``bytes`` over one link: latency = link latency + bytes / bandwidth."""

    bytes: float
    latency_s: float
    energy_j: float


def transfer_cost(arch: Architecture, link: str, nbytes: float) -> TransferCost:
    """Cost of moving ``nbytes`` over the link named ``link`` alone (no contention):
    latency ``latency_s + nbytes / bandwidth``, energy ``8 * nbytes`` times the link's
    dynamic energy per bit (the component model's, as the system costs its transfers:
    ``energy_j_per_bit`` less the share ``technology.leakage_fraction`` counted static)."""
    links = arch.interconnect.links
    if link not in links:
        raise HardwareError(f"transfer: link {link!r}: no such link (known: "
                            f"{', '.join(links)})")
    if nbytes < 0:
        raise HardwareError(f"transfer: negative size {nbytes} bytes")
    if nbytes == 0:
        return TransferCost(0.0, 0.0, 0.0)
    ln = links[link]
    return TransferCost(
        float(nbytes),
        ln.latency_s + nbytes / ln.bandwidth_bytes_per_s,
        8.0 * nbytes * arch.components[link].energy_j,
    )


def write_cost(arch: Architecture, cells: float, rows: float) -> TransferCost:
    """Programming ``cells`` cells spread over ``rows`` crossbar rows of one crossbar.

    Energy ``cells`` x the cell write energy (``pulses_per_write x energy_per_pulse_j``);
    latency ``ceil(rows / rows_in_parallel)`` x the row write time (``pulses_per_write x
    pulse_s``): rows are programmed in turn, a row's cells in parallel.
    ``cells`` should already include ``write.fraction_rewritten`` where it applies.
    """
    if cells < 0 or rows < 0:
        raise HardwareError(f"write: negative cells ({cells}) or rows ({rows})")
    steps = math.ceil(rows / arch.write.rows_in_parallel)
    model = arch.components
    return TransferCost(0.0, steps * model.write_latency_per_row_s,
                        cells * model.write_energy_per_cell_j)


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
