"""GPU baseline: a per-operation roofline over the iteration graph, with kernel launches and
the optimiser's traffic.

For every operation of :func:`lergan.workload.iteration.build_iteration` (built at FP32):

- arithmetic: ``2 x macs.nominal`` FLOPs for convolutions, transposed convolutions and fully
  connected layers (what cuDNN executes: ``FlopCounterMode``'s count, no inserted zero;
  :mod:`lergan.workload.counts`); MAC-free layers and losses count
  :func:`lergan.mapping.elementwise.elementwise_ops`; an update counts Adam's FLOPs per
  parameter;
- DRAM traffic: the bytes of the tensors the operation reads and writes (graph), plus, for an
  update, Adam's two moments read and written (``optimiser_state_tensors``);
- time: ``kernels x launch_overhead + max(FLOPs / (peak x compute_efficiency x occupancy),
  bytes / (bandwidth x memory_efficiency))`` (the roofline of Williams, Waterman and
  Patterson, CACM 2009); occupancy ``= min(1, MACs / (SMs x threads per SM x
  macs_per_thread_to_saturate))``; operations run one after another (one CUDA stream);
- energy from board power and utilisation: during launch gaps the board draws ``board power
  x idle_power_fraction``; while a kernel runs, ``idle + (board power x busy_power_fraction -
  idle) x utilisation``, where utilisation is the kernel's occupancy when it is compute bound
  (an operation too small to fill the GPU draws less) and 1 when it streams memory at the
  measured bandwidth.

Presets (``baselines/data/gpus.yaml``): ``gtx-1080``, ``titan-x-pascal``, ``v100``, ``h100``;
``gpu`` alone is the paper-era default, the Titan X (Pascal). Every number is cited or a
labelled assumption; ``overrides`` change any of them. A GAN whose training state does not fit
the GPU's memory raises :class:`~lergan.baselines.data.BaselineError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lergan.baselines.data import BaselineError, Leaf, digest, preset_leaves, read_file
from lergan.baselines.result import BaselineResult, OpCost, iteration_graph, op_bytes
from lergan.mapping.elementwise import elementwise_ops, loss_elements

if TYPE_CHECKING:
    from lergan.workload import GAN
    from lergan.workload.iteration import IterationGraph, Operation, Tensor

MAC_KINDS = ("linear", "conv", "conv_transpose")


def gpu_names() -> list[str]:
    """GPU preset names of ``baselines/data/gpus.yaml``."""
    return list(read_file("gpus")["gpus"])


def default_gpu() -> str:
    """The preset ``gpu`` stands for (the paper-era default)."""
    return str(read_file("gpus")["default"]["value"])


@dataclass(frozen=True)
class GpuSpec:
    """A GPU preset with the model's shared factors, in SI units, and their provenance."""

    name: str
    leaves: dict[str, Leaf]

    def __getattr__(self, key: str) -> Any:
        leaves = self.__dict__["leaves"]
        if key in leaves:
            return leaves[key].value
        raise AttributeError(key)

    def kernels(self, what: str) -> int:
        return int(self.leaves[f"kernels.{what}"].value)

    @property
    def hash(self) -> str:
        return digest(self.leaves)


@lru_cache(maxsize=32)
def _load(name: str, items: tuple[tuple[str, Any], ...]) -> GpuSpec:
    return GpuSpec(*preset_leaves("gpus", "gpus", name, "gpu", "GPU", dict(items)))


def load_gpu(name: str = "gpu", overrides: dict[str, Any] | None = None) -> GpuSpec:
    """The GPU preset ``name`` (``gpu`` = the default) with ``overrides`` (dotted keys of the
    data file: ``compute_efficiency``, ``kernels.update``, ...)."""
    return _load(name, tuple(sorted((overrides or {}).items())))


def _mac_kernels(spec: GpuSpec, pass_: str) -> int:
    return spec.kernels(f"mac_{pass_}")


def cost_operation(op: Operation, tensors: Mapping[str, Tensor], spec: GpuSpec) -> OpCost:
    """Time and energy of one iteration operation on ``spec``."""
    rd, wr = op_bytes(op, tensors)
    nbytes = rd + wr
    macs = 0.0
    if op.pass_ == "loss":
        flops = 2.0 * elementwise_ops("loss", "loss", loss_elements(op), op.samples)
        kernels = spec.kernels("loss")
    elif op.pass_ == "update":
        flops = spec.optimiser_flops_per_param * op.params
        # Adam's moments: read and written once each per parameter (FP32)
        nbytes += 2 * spec.optimiser_state_tensors * op.params * spec.precision_bits / 8
        kernels = spec.kernels("update")
    elif op.kind in MAC_KINDS:
        macs = float(op.macs.nominal)
        flops = 2.0 * macs
        kernels = _mac_kernels(spec, op.pass_)
    else:
        elements = math.prod(op.output_shape) if op.output_shape else 1
        flops = elementwise_ops(op.kind, op.pass_, elements, op.samples, int(op.params or 0))
        moves = nbytes > 0 and op.kind not in ("reshape", "flatten")
        kernels = spec.kernels("elementwise") if (flops or moves) else 0
        if op.kind in ("reshape", "flatten"):
            nbytes = 0.0  # a view: no data moves
    saturate = spec.sms * spec.threads_per_sm * spec.macs_per_thread_to_saturate
    occupancy = min(1.0, macs / saturate) if macs else 1.0
    t_compute = flops / (spec.peak_flops * spec.compute_efficiency * occupancy) if flops else 0.0
    t_memory = nbytes / (spec.memory_bandwidth * spec.memory_efficiency) if nbytes else 0.0
    t_launch = kernels * spec.launch_overhead_s
    busy = max(t_compute, t_memory)
    bound = "launch" if t_launch > busy else ("compute" if t_compute >= t_memory else "memory")
    idle = spec.board_power * spec.idle_power_fraction
    util = max(t_compute * occupancy, t_memory) / busy if busy else 0.0
    active = idle + (spec.board_power * spec.busy_power_fraction - idle) * util
    energy = active * busy + idle * t_launch
    return OpCost(op.id, op.network, op.step if op.step_index == 1 else f"{op.step}"
                  f"{op.step_index}", op.pass_, op.layer, op.kind, flops, nbytes,
                  busy + t_launch, energy, bound, kernels)


def training_memory_bytes(graph: IterationGraph, spec: GpuSpec) -> float:
    """Device memory the iteration needs at its peak (an estimate, FP32): every network's
    weights, gradients and Adam moments, the data, and the activations kept for backward of
    the largest step."""
    weights = sum(t.bytes for t in graph.tensors.values()
                  if t.kind == "weights" and "@" not in t.name)
    state = weights * (2 + spec.optimiser_state_tensors)  # weights, gradients, moments
    kept: dict[str, float] = {}
    for t in graph.tensors.values():
        if t.kept_for_backward and t.producer is not None:
            step = t.producer.split(":", 1)[0]
            kept[step] = kept.get(step, 0.0) + t.bytes
    data = sum(t.bytes for t in graph.tensors.values() if t.kind == "data")
    return state + data + max(kept.values(), default=0.0)


def simulate_gpu(workload: str | GAN | IterationGraph, gpu: str = "gpu", batch: int = 64,
                 overrides: dict[str, Any] | None = None, *,
                 architecture: str | None = None,
                 select: Callable[[Operation], bool] | None = None) -> BaselineResult:
    """One training iteration of ``workload`` (a suite name, a GAN or an iteration graph)
    on the GPU preset ``gpu``; ``select(op) -> bool`` keeps only some operations."""
    spec = load_gpu(gpu, overrides)
    bench, graph = iteration_graph(workload, batch, int(spec.precision_bits))
    need = training_memory_bytes(graph, spec)
    if need > spec.memory_capacity:
        raise BaselineError(
            f"benchmark {bench!r} at batch {graph.batch} needs about {need / 2**30:.1f} GiB "
            f"of GPU memory for training (weights, gradients, Adam moments, kept "
            f"activations); {spec.name} has {spec.memory_capacity / 2**30:.0f} GiB")
    ops = tuple(cost_operation(op, graph.tensors, spec) for op in graph.operations
                if select is None or select(op))
    time_s = sum(o.time_s for o in ops)
    energy = sum(o.energy_j for o in ops)
    assumptions = tuple(f"{k}: {v.reason}" for k, v in spec.leaves.items() if v.assumption)
    name = architecture or ("gpu" if gpu in ("gpu", "default") else f"gpu:{spec.name}")
    bound = {b: sum(o.time_s for o in ops if o.bound == b)
             for b in ("compute", "memory", "launch")}
    shares = ", ".join(f"{b} bound {100 * t / time_s:.0f} %" for b, t in bound.items()
                       if time_s)
    notes = (f"{spec.name}: time {shares}" if time_s else "",
             f"training memory about {need / 2**30:.2f} GiB of "
             f"{spec.memory_capacity / 2**30:.0f} GiB")
    bits = int(spec.precision_bits)
    return BaselineResult(
        benchmark=bench, architecture=name, platform="gpu", preset=spec.name,
        title=str(spec.title), batch=graph.batch, time_s=time_s, energy_j=energy,
        area_mm2=spec.die_area * 1e6, ops=ops,
        precision={"weight_bits": bits, "input_bits": bits, "adc_bits": None,
                   "arithmetic": f"FP{bits}"},
        hardware_hash=spec.hash, assumptions=assumptions, notes=notes)
