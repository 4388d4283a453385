"""FPGA baseline: a DSP array running a zero-free dataflow, with DRAM and on-chip buffers.

For every operation of the iteration graph (built at 16-bit fixed point):

- multiply-accumulates: the **real** MACs (``macs.real``, :mod:`lergan.workload.counts`): the
  zero-free dataflows of T-CONV, S-CONV error propagation and W-CONV skip every inserted
  zero and padding tap (FlexiGAN, FCCM 2018; Song et al., HPCA 2018), at ``dsps x
  dsp_utilisation x macs_per_dsp_per_cycle x clock x pe_efficiency`` MACs per second;
- DRAM traffic: the bytes the operation reads and writes; a layer whose weights exceed the
  weight buffer (``on_chip_bytes x weight_buffer_share``) re-reads its input activations
  once per weight tile; an update also reads and writes Adam's moments;
- MAC-free operations (batch norm, activations, losses, the optimiser) stream through
  ``elementwise_ops_per_cycle`` lanes (:func:`lergan.mapping.elementwise.elementwise_ops`);
- time per operation: ``max(compute, traffic / (DRAM bandwidth x dram_efficiency))``,
  operations one after another (the time-multiplexed design of Song et al.);
- energy: ``board power x (static_power_fraction + (1 - static_power_fraction) x busy)``
  where busy is the DSP array's share of the operation's time.

Presets (``baselines/data/fpgas.yaml``): ``vc709``, ``zcu102``, ``vcu118``; ``fpga`` alone is
the default (``vcu118``). Area is not reported (an FPGA's die is not a design's area).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lergan.baselines.data import preset_leaves, read_file
from lergan.baselines.gpu import MAC_KINDS, GpuSpec
from lergan.baselines.result import BaselineResult, OpCost, iteration_graph, op_bytes
from lergan.mapping.elementwise import elementwise_ops, loss_elements

if TYPE_CHECKING:
    from lergan.workload import GAN
    from lergan.workload.iteration import IterationGraph, Operation, Tensor


def fpga_names() -> list[str]:
    """FPGA board preset names of ``baselines/data/fpgas.yaml``."""
    return list(read_file("fpgas")["fpgas"])


class FpgaSpec(GpuSpec):
    """A board preset with the model's shared factors (SI values via attributes)."""

    @property
    def macs_per_s(self) -> float:
        return (self.dsps * self.dsp_utilisation * self.macs_per_dsp_per_cycle
                * self.clock_hz * self.pe_efficiency)


@lru_cache(maxsize=32)
def _load(name: str, items: tuple[tuple[str, Any], ...]) -> FpgaSpec:
    return FpgaSpec(*preset_leaves("fpgas", "fpgas", name, "fpga", "FPGA", dict(items)))


def load_fpga(name: str = "fpga", overrides: dict[str, Any] | None = None) -> FpgaSpec:
    """The board preset ``name`` (``fpga`` = the default) with ``overrides``."""
    return _load(name, tuple(sorted((overrides or {}).items())))


def cost_operation(op: Operation, tensors: Mapping[str, Tensor],
                   spec: FpgaSpec) -> OpCost:
    """Time and energy of one iteration operation on the board."""
    rd, wr = op_bytes(op, tensors)
    lane_rate = spec.elementwise_ops_per_cycle * spec.clock_hz
    macs = 0.0
    if op.pass_ == "loss":
        ops = elementwise_ops("loss", "loss", loss_elements(op), op.samples)
        t_compute = ops / lane_rate
    elif op.pass_ == "update":
        ops = spec.optimiser_ops_per_param * op.params
        wr += 0.0
        rd += spec.optimiser_state_tensors * op.params * spec.precision_bits / 8
        wr += spec.optimiser_state_tensors * op.params * spec.precision_bits / 8
        t_compute = ops / lane_rate
    elif op.kind in MAC_KINDS:
        macs = float(op.macs.real)
        ops = 2.0 * macs
        t_compute = macs / spec.macs_per_s
        weights = sum(tensors[t].bytes for t in op.reads if tensors[t].kind == "weights")
        buffer = spec.on_chip_bytes * spec.weight_buffer_share
        tiles = max(1, math.ceil(weights / buffer)) if buffer > 0 else 1
        if tiles > 1:  # inputs streamed again for every weight tile
            rd += (tiles - 1) * sum(tensors[t].bytes for t in op.reads
                                    if tensors[t].kind != "weights")
    else:
        if op.kind in ("reshape", "flatten"):
            rd = wr = 0.0
        elements = math.prod(op.output_shape) if op.output_shape else 1
        ops = elementwise_ops(op.kind, op.pass_, elements, op.samples, int(op.params or 0))
        t_compute = ops / lane_rate
    nbytes = rd + wr
    t_memory = nbytes / (spec.dram_bandwidth * spec.dram_efficiency) if nbytes else 0.0
    t = max(t_compute, t_memory)
    busy = t_compute / t if t else 0.0
    power = spec.board_power * (spec.static_power_fraction
                                + (1 - spec.static_power_fraction) * busy)
    step = op.step if op.step_index == 1 else f"{op.step}{op.step_index}"
    return OpCost(op.id, op.network, step, op.pass_, op.layer, op.kind, ops, nbytes, t,
                  power * t, "compute" if t_compute >= t_memory else "memory")


def simulate_fpga(workload: str | GAN | IterationGraph, board: str = "fpga", batch: int = 64,
                  overrides: dict[str, Any] | None = None, *,
                  architecture: str | None = None,
                 select: Callable[[Operation], bool] | None = None) -> BaselineResult:
    """One training iteration of ``workload`` (suite name, GAN or graph) on ``board``;
    ``select(op) -> bool`` keeps only some operations (e.g. a generator's forward pass)."""
    spec = load_fpga(board, overrides)
    bench, graph = iteration_graph(workload, batch, int(spec.precision_bits))
    chosen = [op for op in graph.operations if select is None or select(op)]
    ops = tuple(cost_operation(op, graph.tensors, spec) for op in chosen)
    time_s = sum(o.time_s for o in ops)
    energy = sum(o.energy_j for o in ops)
    name = architecture or ("fpga" if board in ("fpga", "default") else f"fpga:{spec.name}")
    mem = sum(o.time_s for o in ops if o.bound == "memory")
    bits = int(spec.precision_bits)
    return BaselineResult(
        benchmark=bench, architecture=name, platform="fpga", preset=spec.name,
        title=str(spec.title), batch=graph.batch, time_s=time_s, energy_j=energy,
        area_mm2=None, ops=ops,
        precision={"weight_bits": bits, "input_bits": bits, "adc_bits": None,
                   "arithmetic": f"{bits}-bit fixed point"},
        hardware_hash=spec.hash,
        assumptions=tuple(f"{k}: {v.reason}" for k, v in spec.leaves.items() if v.assumption),
        notes=(f"{spec.name}: {spec.macs_per_s / 1e12:.2f} TMAC/s effective, "
               f"{100 * mem / time_s if time_s else 0:.0f} % of the time DRAM-bound",))
