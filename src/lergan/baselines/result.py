"""What a baseline model returns, and the iteration graphs it runs on.

A :class:`BaselineResult` holds the iteration's time, energy and area with per-operation
records (so that breakdowns per network, step, pass and layer add up to the totals, like
:class:`lergan.system.SimulationResult`), the precision the platform computes at, and the
hash of its resolved description. Graphs come from :func:`lergan.workload.iteration.
build_iteration` at the platform's number width (FP32 on a GPU, 16-bit fixed point on the
FPGA), memoised per suite name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lergan.baselines.data import BaselineError
from lergan.workload import suite
from lergan.workload.iteration import (
    IterationGraph,
    IterationOptions,
    build_iteration,
    check_batch,
)
from lergan.workload.source import is_file_reference, resolve_gan

if TYPE_CHECKING:
    from lergan.workload import GAN
    from lergan.workload.iteration import Operation, Tensor

BREAKDOWN_KEYS = ("network", "step", "pass", "layer", "bound")


@dataclass(frozen=True)
class OpCost:
    """Time and energy of one operation of the iteration on a baseline platform."""

    id: str
    network: str
    step: str
    pass_: str
    layer: str
    kind: str
    flops: float  # arithmetic operations executed (2 per MAC)
    bytes: float  # DRAM bytes moved
    time_s: float
    energy_j: float
    bound: str  # "compute", "memory" or "launch"
    kernels: int = 0

    def key(self, by: str) -> str:
        return self.pass_ if by == "pass" else getattr(self, by)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "network": self.network, "step": self.step, "pass": self.pass_,
                "layer": self.layer, "kind": self.kind, "flops": self.flops,
                "bytes": self.bytes, "time_s": self.time_s, "energy_j": self.energy_j,
                "bound": self.bound, "kernels": self.kernels}


@dataclass(frozen=True)
class BaselineResult:
    """One iteration of a benchmark on a GPU or FPGA preset (SI units)."""

    benchmark: str
    architecture: str  # the record's name: "gpu", "gpu:v100", "fpga", "fpga:zcu102", ...
    platform: str  # "gpu" or "fpga"
    preset: str  # the preset's key in its data file
    title: str
    batch: int
    time_s: float
    energy_j: float
    area_mm2: float | None
    ops: tuple[OpCost, ...]
    precision: dict[str, Any]
    hardware_hash: str
    assumptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def power_w(self) -> float:
        return self.energy_j / self.time_s if self.time_s else 0.0

    def breakdown(self, by: str = "pass", quantity: str = "time") -> dict[str, float]:
        """Sum of ``time`` (s) or ``energy`` (J) per ``by`` (network, step, pass, layer,
        bound), largest first."""
        if by not in BREAKDOWN_KEYS:
            raise BaselineError(f"breakdown by {by!r}: expected one of {BREAKDOWN_KEYS}")
        if quantity not in ("time", "energy"):
            raise BaselineError(f"breakdown quantity {quantity!r}: expected time or energy")
        out: dict[str, float] = defaultdict(float)
        for op in self.ops:
            out[op.key(by)] += op.time_s if quantity == "time" else op.energy_j
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark, "architecture": self.architecture,
            "platform": self.platform, "preset": self.preset, "title": self.title,
            "batch": self.batch, "time_s": self.time_s, "energy_j": self.energy_j,
            "power_w": self.power_w, "area_mm2": self.area_mm2, "precision": self.precision,
            "hardware_hash": self.hardware_hash,
            "breakdowns": {q: {k: self.breakdown(k, q) for k in BREAKDOWN_KEYS}
                           for q in ("time", "energy")},
            "operations": [op.to_dict() for op in self.ops],
            "notes": list(self.notes),
        }


@lru_cache(maxsize=64)
def _suite_graph(name: str, batch: int, bits: int) -> IterationGraph:
    return build_iteration(suite.get(name), batch=batch, options=IterationOptions(
        activation_bits=bits, weight_bits=bits))


def iteration_graph(workload: str | GAN | IterationGraph, batch: int,
                    bits: int) -> tuple[str, IterationGraph]:
    """(name, iteration graph at ``bits`` per value) of a suite name, a GAN or a graph
    (an :class:`~lergan.workload.iteration.IterationGraph` is used as it is)."""
    check_batch(batch)
    if isinstance(workload, IterationGraph):
        return workload.gan, workload
    if isinstance(workload, str):
        if not is_file_reference(workload):  # a suite name or alias
            name = suite.info(workload).name
            return name, _suite_graph(name, batch, bits)
        workload = resolve_gan(workload)  # a GAN file or file.py:builder
    return getattr(workload, "name", "gan"), build_iteration(
        workload, batch=batch, options=IterationOptions(activation_bits=bits, weight_bits=bits))


def op_bytes(op: Operation, tensors: Mapping[str, Tensor]) -> tuple[float, float]:
    """(bytes read, bytes written) of an operation in its graph's precision."""
    rd = sum(tensors[t].bytes for t in op.reads)
    wr = sum(tensors[t].bytes for t in op.writes)
    return float(rd), float(wr)
