"""The cost of a MAC-free operation (batch norm, activations, losses, small updates) on the
bank's digital units.

Layers that no crossbar runs (``batch_norm``, ``activation``, reshapes, concatenations) and
the loss terms are elementwise work: ``ops_per_element x elements`` digital operations on
``digital.mac`` (energy per operation from :func:`lergan.hardware.cost.actions`; ``units =
organisation.per_bank["mac"]`` units at one operation per ``technology.clock_hz``
each) plus reading the operation's
inputs and writing its outputs in the bank buffer (per-byte energies, the buffer's
bandwidth). The update of a layer with parameters but no crossbars (batch norm's scale
and shift) is one multiply-add per parameter (SGD).

Latency = ``max(digital, buffer)`` (the units stream from the buffer), like
:func:`lergan.mapping.cost` without reads or writes of crossbars.

:data:`OPS_PER_ELEMENT` holds the operations per element: **assumptions** (no source
gives LerGAN's digital datapath), counted from each operation's arithmetic and overridable
per call (``ops_per_element={("batch_norm", "forward"): 5.0}``). A layer counts per output
element; a loss per element it compares (the operation's ``input_shape``: the compared
layer's activations for a feature-matching loss, the image for a reconstruction loss, the
discriminator's output for an adversarial one), not per its scalar output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lergan.errors import MappingError
from lergan.mapping.memo import actions

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture
    from lergan.workload.iteration import Operation, Tensor

#: Digital operations per element (a layer's output element, a loss's compared element:
#: see :func:`loss_elements`), by (layer kind or ``"loss"``, pass). ASSUMPTION
#: (counted from the arithmetic, no published figure): batch norm forward = mean and
#: variance accumulation (2) + normalise and scale-shift (2); its error pass about 1.5x
#: that (the backward formula's two reductions, then the centred, scaled error: 6); its
#: weight gradient (dgamma, dbeta) one multiply-add each (2); an activation 1 forward and 2
#: backward (its derivative, then times the error); a loss 2 per element (difference or
#: log term, and its gradient). Kinds and passes not listed (reshapes, concatenations) move
#: data only: 0 operations, buffer traffic alone.
OPS_PER_ELEMENT: dict[tuple[str, str], float] = {
    ("batch_norm", "forward"): 4.0,
    ("batch_norm", "error"): 6.0,
    ("batch_norm", "weight_gradient"): 2.0,
    ("activation", "forward"): 1.0,
    ("activation", "error"): 2.0,
    ("loss", "loss"): 2.0,
}


@dataclass(frozen=True)
class ElementwiseCost:
    """Cost of one MAC-free operation over all its samples (SI units).

    ``energy_j`` has the components ``buffer`` and, when it computes, ``digital`` (names of
    :data:`lergan.mapping.ENERGY_COMPONENTS`); ``latency_parts_s`` has ``digital`` and
    ``buffer``; ``latency_s`` is their maximum.
    """

    kind: str
    pass_: str
    ops: float
    read_bytes: float
    write_bytes: float
    latency_s: float
    latency_parts_s: dict[str, float]
    energy_j: dict[str, float]

    @property
    def total_energy_j(self) -> float:
        return sum(self.energy_j.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bank_buffer(arch: Architecture) -> str:
    """The bank-level buffer: ``bank_buffer`` if present, else the largest buffer."""
    if "bank_buffer" in arch.buffers:
        return "bank_buffer"
    if not arch.buffers:
        raise MappingError(f"preset {arch.name!r} has no buffers to cost buffer traffic")
    return max(arch.buffers, key=lambda n: arch.buffers[n].capacity_bytes)


def elementwise_ops(kind: str, pass_: str, elements: int, samples: int, params: int = 0,
                    ops_per_element: Mapping[tuple[str, str], float] | None = None) -> float:
    """Digital operations of a MAC-free operation: ``ops_per_element(kind, pass_) x
    elements x samples`` (``elements`` per sample: a layer's outputs, a loss's compared
    elements); an ``update`` is ``params`` multiply-adds (SGD). ``ops_per_element`` entries
    replace :data:`OPS_PER_ELEMENT`'s."""
    if pass_ == "update":
        return float(params)
    table = OPS_PER_ELEMENT if not ops_per_element else {**OPS_PER_ELEMENT, **ops_per_element}
    per = table.get((kind, pass_), 0.0)
    if per < 0:
        raise MappingError(f"ops_per_element[{kind!r}, {pass_!r}]: {per} is negative")
    return per * elements * samples


def loss_elements(op: Operation) -> int:
    """Elements per sample a loss operation works over: those of the tensor it compares,
    the operation's ``input_shape`` (``lergan.workload.iteration``: the compared layer's
    shape; a feature-matching loss reads that layer's activations of the call and of its
    reference, a reconstruction loss the image and its target), not its scalar output."""
    shape = op.input_shape
    return int(math.prod(shape)) if shape else 1


def elementwise_cost(kind: str, pass_: str, ops: float, read_bytes: float, write_bytes: float,
                     arch: Architecture, digital_units: int | None = None,
                     layer: str = "?") -> ElementwiseCost:
    """Cost ``ops`` digital operations and the buffer traffic of one MAC-free operation on
    ``arch`` (see the module docstring). ``MappingError`` when it computes and the preset
    has no ``digital.mac``."""
    act = actions(arch)
    bank = bank_buffer(arch)
    energy = {"buffer": read_bytes * act[f"buffer.{bank}.read"].energy_j
              + write_bytes * act[f"buffer.{bank}.write"].energy_j}
    parts = {"digital": 0.0,
             "buffer": (read_bytes + write_bytes) / arch.buffers[bank].bandwidth_bytes_per_s}
    if ops:
        if "mac" not in arch.digital:
            raise MappingError(
                f"layer {layer!r} pass {pass_!r} ({kind}) needs digital units but preset "
                f"{arch.name!r} has no digital.mac")
        if digital_units is None:
            digital_units = max(1, int(arch.components.per_bank("mac")))
        if digital_units < 1:
            raise MappingError(f"digital_units must be at least 1, got {digital_units}")
        energy["digital"] = ops * act["digital.mac.op"].energy_j
        parts["digital"] = ops / (digital_units * arch.technology.clock_hz)
    return ElementwiseCost(kind, pass_, float(ops), float(read_bytes), float(write_bytes),
                           max(parts.values()), parts, energy)


def elementwise_work(op: Operation, tensors: Mapping[str, Tensor],
                     ops_per_element: Mapping[tuple[str, str], float] | None = None,
                     ) -> tuple[str, str, float, float, float]:
    """``(kind, pass, operations, bytes read, bytes written)`` of a MAC-free
    :class:`lergan.workload.iteration.Operation`, what :func:`elementwise_cost` costs:
    layers count their output elements, losses the elements they compare
    (:func:`loss_elements`); weights read are not counted (they stay where they are)."""
    kind = "loss" if op.pass_ == "loss" else op.kind
    if kind == "loss":
        elements = loss_elements(op)
    else:
        shape = op.output_shape
        elements = int(math.prod(shape)) if shape else 1
    ops = elementwise_ops(kind, op.pass_, elements, op.samples, int(op.params or 0),
                          ops_per_element)
    rd = sum(tensors[t].bytes for t in op.reads if tensors[t].kind != "weights")
    wr = sum(tensors[t].bytes for t in op.writes)
    return kind, op.pass_, ops, rd, wr


def cost_elementwise_operation(op: Operation, tensors: Mapping[str, Tensor],
                               arch: Architecture,
                               ops_per_element: Mapping[tuple[str, str], float] | None = None,
                               ) -> ElementwiseCost:
    """Cost a MAC-free :class:`lergan.workload.iteration.Operation` of a graph whose
    ``tensors`` give the bytes it reads and writes (:func:`elementwise_work`)."""
    kind, pass_, ops, rd, wr = elementwise_work(op, tensors, ops_per_element)
    return elementwise_cost(kind, pass_, ops, rd, wr, arch, layer=op.layer)
