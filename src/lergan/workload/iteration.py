"""The dataflow graph of one GAN training iteration (architecture note, section 1).

:func:`build_iteration` expands a :class:`~lergan.workload.gan.GAN` and a batch size into
explicit :class:`Operation` s and :class:`Tensor` s:

- **D-step**: the generator calls the D-step's losses need run forward only (their outputs
  are detached); the discriminators run forward on real and fake samples; the losses;
  error propagation through the discriminators, which stops above a discriminator's first
  layer (no error pass into a data input or a detached fake); weight gradients; updates.
- **G-step**: generator calls (fresh latent vectors, or the D-step's fakes reused:
  :attr:`IterationOptions.g_step_latent`), discriminators forward on the fakes with the
  D-step's updated weights (or the weights from before the update:
  :attr:`IterationOptions.stale_d_weights`), the losses, error propagation through the
  discriminators down to their inputs without weight gradients, through the generators
  (no error pass into a data input), generator weight gradients and updates.

Calls of one network in one step that do not depend on each other and receive errors alike
(D on real and on fake samples) form one **group**: its operations process
``batch x calls`` samples, and its weight gradient accumulates over all of them. Tensors are
per call (``D/d_real/conv1``: the activations ``conv1`` wrote for call ``d_real`` in the
D-step), so each loss reads exactly what it uses.

Passes are those of the contract (``forward``, ``error``, ``weight_gradient``, ``update``),
plus ``loss`` for the (MAC-free) loss evaluations that start backward propagation.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lergan.errors import WorkloadError
from lergan.vocabulary import OPERATION_PASSES, PASSES, STEPS
from lergan.workload.counts import COUNTS, Macs, layer_pass_macs
from lergan.workload.gan import GAN, LayerShape, Loss, Network
from lergan.workload.layers import Layer

__all__ = [
    "PASSES",
    "IterationGraph",
    "IterationOptions",
    "Operation",
    "Tensor",
    "build_iteration",
    "check_batch",
]


# Activations whose derivative PyTorch computes from the output (it saves the result).
_DERIVATIVE_FROM_OUTPUT = {"relu", "tanh", "sigmoid", "softmax"}


class IterationOptions(BaseModel):
    """How one training iteration runs (architecture note, section 1, the named options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    g_step_latent: Literal["fresh", "reuse"] = Field(
        default="fresh",
        description=(
            "G-step generator input: 'fresh' latent vectors, as the original algorithm "
            "(Goodfellow et al. 2014, Algorithm 1), or 'reuse' the D-step's fakes and their "
            "activations, as the PyTorch DCGAN example (one generator forward per iteration)"
        ),
    )
    stale_d_weights: bool = Field(
        default=False,
        description=(
            "the G-step's discriminator forward uses the weights from before the D-step's "
            "update, so it need not wait for the update"
        ),
    )
    d_steps: int | None = Field(
        default=None,
        ge=1,
        description="D-steps per iteration; None: the GAN's own (GAN.d_steps, its official "
        "schedule)",
    )
    g_steps: int | None = Field(
        default=None,
        ge=1,
        description="G-steps per iteration; None: the GAN's own (GAN.g_steps)",
    )
    activation_bits: int = Field(
        default=16, gt=0, description="bits per activation, error and data value"
    )
    weight_bits: int = Field(
        default=16, gt=0, description="bits per weight and weight-gradient value"
    )


#: What a tensor of the iteration holds.
TensorKind = Literal["data", "activation", "error", "weights", "weight_gradient"]


@dataclass
class Tensor:
    """A tensor of the iteration: what it holds, its size, who writes and reads it."""

    name: str
    kind: TensorKind
    network: str | None  # the network whose layer writes it (None for data, loss inputs)
    shape: tuple[int, ...]  # per sample (activations, errors, data) or whole (weights)
    samples: int  # 0 for weights and weight gradients
    bytes: int
    producer: str | None = None  # operation id; None: from off-chip (data, initial weights)
    consumers: list[str] = field(default_factory=list)
    crosses_networks: bool = False
    kept_for_backward: bool = False

    @property
    def elements(self) -> int:
        return math.prod(self.shape) * max(self.samples, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "network": self.network,
            "shape": list(self.shape),
            "samples": self.samples,
            "elements": self.elements,
            "bytes": self.bytes,
            "producer": self.producer,
            "consumers": list(self.consumers),
            "crosses_networks": self.crosses_networks,
            "kept_for_backward": self.kept_for_backward,
        }


@dataclass
class Operation:
    """One pass of one layer over a group of calls in one step (or one loss evaluation)."""

    id: str
    step: Literal["D", "G"]
    network: str
    layer: str  # the layer's name; the loss's name for a loss
    layer_spec: Layer | None  # the layer description; None for a loss
    input_shape: tuple[int, ...]  # per sample
    output_shape: tuple[int, ...]  # per sample
    pass_: str  # one of OPERATION_PASSES
    samples: int
    computation: str | None  # lergan.zerofree computation name of a zero-inserting pass
    macs: Macs  # whole operation, all samples
    reads: list[str]
    writes: list[str]
    depends_on: list[str]
    calls: tuple[str, ...] = ()  # the network calls (or the loss's call) it serves
    params: int = 0  # trainable parameters of the layer
    step_index: int = 1  # which D-step (or G-step) of the iteration, from 1

    @property
    def kind(self) -> str:
        """The layer's kind (``conv``, ``linear``, ...) or ``loss``."""
        return "loss" if self.layer_spec is None else self.layer_spec.kind

    @property
    def group(self) -> str:
        return "+".join(self.calls)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "step": self.step,
            "step_index": self.step_index,
            "network": self.network,
            "layer": self.layer,
            "kind": self.kind,
            "pass": self.pass_,
            "calls": list(self.calls),
            "samples": self.samples,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "params": self.params,
            "computation": self.computation,
            "macs": self.macs.to_dict(),
            "reads": list(self.reads),
            "writes": list(self.writes),
            "depends_on": list(self.depends_on),
            "layer_spec": None
            if self.layer_spec is None
            else self.layer_spec.model_dump(mode="json"),
        }


def _match(value: Any, wanted: str | Collection[str] | None) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return value == wanted
    return value in wanted


@dataclass
class IterationGraph:
    """The operations (in a valid execution order) and tensors of one training iteration."""

    gan: str
    batch: int
    options: IterationOptions
    operations: list[Operation]
    tensors: dict[str, Tensor]
    d_steps: int = 1  # D-steps and G-steps the iteration runs
    g_steps: int = 1

    # --- queries ---------------------------------------------------------------------
    def operation(self, op_id: str) -> Operation:
        for op in self.operations:
            if op.id == op_id:
                return op
        raise WorkloadError(f"iteration of {self.gan!r} has no operation {op_id!r}")

    def filter(
        self,
        *,
        step: str | Collection[str] | None = None,
        network: str | Collection[str] | None = None,
        pass_: str | Collection[str] | None = None,
        layer: str | Collection[str] | None = None,
        kind: str | Collection[str] | None = None,
        computation: str | Collection[str] | None = None,
    ) -> list[Operation]:
        """Operations matching every given criterion (a value or a collection of values)."""
        for name, value, allowed in (
            ("step", step, STEPS),
            ("pass_", pass_, OPERATION_PASSES),
        ):
            values = [value] if isinstance(value, str) else (value or [])
            for v in values:
                if v not in allowed:
                    raise WorkloadError(f"filter: {name}={v!r} is not one of {allowed}")
        return [
            op
            for op in self.operations
            if _match(op.step, step)
            and _match(op.network, network)
            and _match(op.pass_, pass_)
            and _match(op.layer, layer)
            and _match(op.kind, kind)
            and _match(op.computation, computation)
        ]

    def total(self, **criteria: Any) -> Macs:
        """Sum of the MACs of the operations :meth:`filter` selects with ``criteria``."""
        out = Macs()
        for op in self.filter(**criteria):
            out = out + op.macs
        return out

    def bytes(self, *, kind: str | Collection[str] | None = None, **flags: bool) -> int:
        """Total bytes of tensors of ``kind`` with the given flags (``crosses_networks``,
        ``kept_for_backward``)."""
        return sum(
            t.bytes
            for t in self.tensors.values()
            if _match(t.kind, kind) and all(getattr(t, k) == v for k, v in flags.items())
        )

    # --- export ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "gan": self.gan,
            "batch": self.batch,
            "options": self.options.model_dump(mode="json"),
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "totals": {p: self.total(pass_=p).to_dict() for p in PASSES},
            "operations": [op.to_dict() for op in self.operations],
            "tensors": [t.to_dict() for t in self.tensors.values()],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_csv(self) -> str:
        """One row per operation: identity, shapes, MACs three ways, bytes read and written."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "id",
                "step",
                "network",
                "layer",
                "kind",
                "pass",
                "calls",
                "samples",
                "input_shape",
                "output_shape",
                "computation",
                *(f"macs_{c}" for c in COUNTS),
                "bytes_read",
                "bytes_written",
                "depends_on",
            ]
        )
        for op in self.operations:
            writer.writerow(
                [
                    op.id,
                    op.step,
                    op.network,
                    op.layer,
                    op.kind,
                    op.pass_,
                    "+".join(op.calls),
                    op.samples,
                    "x".join(map(str, op.input_shape)),
                    "x".join(map(str, op.output_shape)),
                    op.computation or "",
                    op.macs.real,
                    op.macs.zero_inserted,
                    op.macs.nominal,
                    sum(self.tensors[t].bytes for t in op.reads),
                    sum(self.tensors[t].bytes for t in op.writes),
                    " ".join(op.depends_on),
                ]
            )
        return out.getvalue()


# --- construction ----------------------------------------------------------------------


def _nbytes(elements: int, bits: int) -> int:
    return -(-elements * bits // 8)


class _Builder:
    def __init__(self, gan: GAN, batch: int, options: IterationOptions) -> None:
        self.gan = gan
        self.batch = batch
        self.opt = options
        self.ops: list[Operation] = []
        self.index: dict[str, int] = {}
        self.tensors: dict[str, Tensor] = {}
        self.nets = {n.name: n for n in gan.networks}
        self.calls = {c.name: c for c in gan.calls}
        self.inputs = {i.name: i for i in gan.inputs}
        # weights version per (network, layer); the D-step's update writes a new version
        self.weights: dict[tuple[str, str], str] = {}
        self.initial_weights: dict[tuple[str, str], str] = {}
        for net in gan.networks:
            for layer in net.layers:
                if layer.param_count:
                    name = f"{net.name}/{layer.name}.weights"
                    self._tensor(name, "weights", net.name, (layer.param_count,), 0)
                    self.weights[(net.name, layer.name)] = name
                    self.initial_weights[(net.name, layer.name)] = name
        # where each call's activations live: tag of the step that computed them
        self.computed_in: dict[str, str] = {}
        # the step being built: "D" or "G", its index (from 1) and its tag ("D", "D2", ...)
        self.step_index = 1
        self.tag = "D"
        self.last_tag = {"D": "D", "G": "G"}
        # discriminator weights from before the last D-step's update (stale_d_weights)
        self.stale_weights = dict(self.weights)

    # tensors ---------------------------------------------------------------------------
    def _tensor(
        self, name: str, kind: TensorKind, network: str | None, shape: tuple[int, ...],
        samples: int,
    ) -> str:
        if name not in self.tensors:
            bits = (
                self.opt.weight_bits
                if kind in ("weights", "weight_gradient")
                else (self.opt.activation_bits)
            )
            elements = math.prod(shape) * max(samples, 1)
            self.tensors[name] = Tensor(
                name, kind, network, tuple(shape), samples, _nbytes(elements, bits)
            )
        return name

    def data_tensor(self, step: str, name: str) -> str:
        """A data input as the current step reads it. Latent vectors are drawn per step
        (the first G-step reuses the last D-step's with ``g_step_latent="reuse"``); the first
        D-step and the first G-step share one batch of data, later steps draw their own."""
        inp = self.inputs[name]
        if inp.kind == "latent":
            reuse = step == "G" and self.step_index == 1 and self.opt.g_step_latent == "reuse"
            tname = f"{self.last_tag['D'] if reuse else self.tag}/{name}"
        else:
            tname = f"data/{name}" if self.step_index == 1 else f"data@{self.tag}/{name}"
        return self._tensor(tname, "data", None, inp.shape, self.batch)

    def act(self, call: str, layer: str) -> str:
        """Name of the activations ``layer`` wrote for ``call``."""
        return f"{self.computed_in[call]}/{call}/{layer}"

    def bound(self, step: str, ref: str) -> str:
        """Tensor a binding (a GAN input or a call) refers to."""
        if ref in self.inputs:
            return self.data_tensor(step, ref)
        net = self.nets[self.calls[ref].network]
        return self.act(ref, net.layers[-1].name)

    def read_tensor(self, step: str, call: str, ref: str) -> str:
        """Tensor a layer of ``call`` reads as ``ref`` (a network input or a layer)."""
        c = self.calls[call]
        if ref in c.inputs:
            return self.bound(step, c.inputs[ref])
        return self.act(call, ref)

    # operations ------------------------------------------------------------------------
    def add(self, op: Operation) -> Operation:
        if op.id in self.index:  # pragma: no cover  (ids are unique by construction)
            raise AssertionError(f"duplicate operation id {op.id}")
        for t in op.reads:
            self.tensors[t].consumers.append(op.id)
        for t in op.writes:
            tensor = self.tensors[t]
            if tensor.producer is not None:  # pragma: no cover
                raise AssertionError(f"tensor {t} written twice")
            tensor.producer = op.id
        op.depends_on = sorted(
            {self.tensors[t].producer for t in op.reads if self.tensors[t].producer},
            key=self.index.__getitem__,
        )
        self.index[op.id] = len(self.ops)
        self.ops.append(op)
        return op

    def layer_op(
        self,
        step: str,
        net: Network,
        ls: LayerShape,
        pass_: str,
        group: tuple[str, ...],
        reads: list[str],
        writes: list[str],
    ) -> None:
        """Add one layer's ``pass_`` operation over the calls ``group`` (an update serves no
        call: it runs once per step on ``batch`` samples and performs no MAC here)."""
        layer = ls.layer
        if pass_ == "update":
            op_id = f"{self.tag}:{net.name}:{layer.name}:update"
            samples, macs, comp = self.batch, Macs(), None
        else:
            op_id = f"{self.tag}:{'+'.join(group)}:{layer.name}:{pass_}"
            samples = self.batch * len(group)
            per_sample, comp = layer_pass_macs(layer, pass_, ls.input_shape, ls.output_shape)
            macs = per_sample * samples
        self.add(
            Operation(
                id=op_id,
                step=step,  # type: ignore[arg-type]
                step_index=self.step_index,
                network=net.name,
                layer=layer.name,
                layer_spec=layer,
                input_shape=ls.input_shape,
                output_shape=ls.output_shape,
                pass_=pass_,  # type: ignore[arg-type]
                samples=samples,
                computation=comp,
                macs=macs,
                reads=reads,
                writes=writes,
                depends_on=[],
                calls=group,
                params=layer.param_count,
            )
        )

    # steps -----------------------------------------------------------------------------
    def needed_calls(self, step: str) -> list[str]:
        need: set[str] = set()
        stack = []
        for loss in self.gan.losses:
            if loss.step == step:
                stack.append(loss.call)
                if loss.reference in self.calls:
                    stack.append(loss.reference)
        while stack:
            c = stack.pop()
            if c in need:
                continue
            need.add(c)
            stack.extend(v for v in self.calls[c].inputs.values() if v in self.calls)
        return [c for c in self.gan.call_order() if c in need]

    def step(self, step: str, index: int, d_step_calls: set[str]) -> set[str]:
        """Add the operations of the ``index``-th D-step or G-step (from 1) of the iteration."""
        gan = self.gan
        self.step_index = index
        self.tag = step if index == 1 else f"{step}{index}"
        self.last_tag[step] = self.tag
        if step == "D":
            self.stale_weights = dict(self.weights)
        role = "discriminator" if step == "D" else "generator"
        trained = {n.name for n in gan.networks if n.role == role}
        calls = self.needed_calls(step)
        reused = set()
        if step == "G" and index == 1 and self.opt.g_step_latent == "reuse":
            reused = {
                c
                for c in calls
                if c in d_step_calls and self.nets[self.calls[c].network].role == "generator"
            }
        # requires-grad of each bound input and each layer output, per call
        rg: dict[tuple[str, str], bool] = {}
        profile: dict[str, tuple[Any, ...]] = {}
        for c in calls:
            call = self.calls[c]
            net = self.nets[call.network]
            for key, ref in call.inputs.items():
                if ref in self.inputs:
                    rg[(c, key)] = False
                elif step == "D" and self.nets[self.calls[ref].network].role == "generator":
                    rg[(c, key)] = False  # fakes are detached in the D-step
                else:
                    rg[(c, key)] = rg[(ref, _net_out(self.nets[self.calls[ref].network]))]
            for ls in net.shapes():
                layer = ls.layer
                rg[(c, layer.name)] = any(rg[(c, r)] for r in (ls.input_name, *layer.sources)) or (
                    layer.param_count > 0 and net.name in trained
                )
            profile[c] = (
                call.network,
                tuple(rg[(c, i.name)] for i in net.inputs),
                c in reused,
            )
        groups = _group_calls(calls, self.calls, profile)
        for c in calls:
            if c not in reused:
                self.computed_in[c] = self.tag
        # forward
        for group in groups:
            if group[0] in reused:
                continue
            self.forward(step, group)
        # losses
        grad_parts: dict[str, list[str]] = {}
        for loss in gan.losses:
            if loss.step == step:
                self.loss_op(step, loss, rg, grad_parts)
        # backward, groups in reverse order
        wgrads: dict[tuple[str, str], list[str]] = {}
        for group in reversed(groups):
            self.backward(step, group, rg, trained, grad_parts, wgrads)
        # updates
        for (net_name, layer_name), parts in wgrads.items():
            net = self.nets[net_name]
            layer = net.layer(layer_name)
            ls = next(s for s in net.shapes() if s.layer.name == layer_name)
            old = self.weights[(net_name, layer_name)]
            new = self._tensor(
                f"{net_name}/{layer_name}.weights@{self.tag}-step",
                "weights",
                net_name,
                (layer.param_count,),
                0,
            )
            self.layer_op(step, net, ls, "update", (), [old, *parts], [new])
            self.weights[(net_name, layer_name)] = new
        return set(calls)

    def _weights_for(self, step: str, net: Network, layer_name: str) -> str:
        key = (net.name, layer_name)
        if step == "G" and net.role == "discriminator" and self.opt.stale_d_weights:
            return self.stale_weights[key]
        return self.weights[key]

    def forward(self, step: str, group: tuple[str, ...]) -> None:
        net = self.nets[self.calls[group[0]].network]
        for ls in net.shapes():
            layer = ls.layer
            reads = []
            for c in group:
                for ref in (ls.input_name, *layer.sources):
                    reads.append(self.read_tensor(step, c, ref))
            if layer.param_count:
                reads.append(self._weights_for(step, net, layer.name))
            writes = [
                self._tensor(
                    self.act(c, layer.name), "activation", net.name, ls.output_shape, self.batch
                )
                for c in group
            ]
            self.layer_op(step, net, ls, "forward", group, reads, writes)

    def _error_part(
        self,
        step: str,
        target: str,
        network: str,
        shape: tuple[int, ...],
        grad_parts: dict[str, list[str]],
    ) -> str:
        # A tensor receives errors in one step only (D-step tensors reused by the G-step are
        # generator outputs, detached in the D-step), so "<tensor>.error" is unique.
        parts = grad_parts.setdefault(target, [])
        name = f"{target}.error#{len(parts)}"
        parts.append(self._tensor(name, "error", network, shape, self.batch))
        return name

    def loss_op(
        self,
        step: str,
        loss: Loss,
        rg: dict[tuple[str, str], bool],
        grad_parts: dict[str, list[str]],
    ) -> None:
        call = self.calls[loss.call]
        net = self.nets[call.network]
        layer = loss.layer or net.layers[-1].name
        shape = net.shape_of(layer)
        out = self.act(loss.call, layer)
        reads = [out]
        writes = []
        if rg[(loss.call, layer)]:
            writes.append(self._error_part(step, out, net.name, shape, grad_parts))
        if loss.kind == "feature_matching":
            # the same layer of the reference call (GAN validation checked the shapes)
            rnet = self.nets[self.calls[loss.reference].network]
            ref = self.act(loss.reference, layer)
            reads.append(ref)
            if rg[(loss.reference, layer)]:
                writes.append(self._error_part(step, ref, rnet.name, shape, grad_parts))
        elif loss.reference is not None:
            ref = self.bound(step, loss.reference)
            reads.append(ref)
            if loss.reference in self.calls:
                rnet = self.nets[self.calls[loss.reference].network]
                if rg.get((loss.reference, rnet.layers[-1].name)):
                    writes.append(
                        self._error_part(step, ref, rnet.name, rnet.output_shape, grad_parts)
                    )
        if loss.label is not None:
            reads.append(self.data_tensor(step, loss.label))
        self.add(
            Operation(
                id=f"{self.tag}:loss:{loss.name}",
                step=step,  # type: ignore[arg-type]
                step_index=self.step_index,
                network=net.name,
                layer=loss.name,
                layer_spec=None,
                input_shape=shape,
                output_shape=(1,),
                pass_="loss",
                samples=self.batch,
                computation=None,
                macs=Macs(),
                reads=reads,
                writes=writes,
                depends_on=[],
                calls=(loss.call,),
            )
        )

    def backward(
        self,
        step: str,
        group: tuple[str, ...],
        rg: dict[tuple[str, str], bool],
        trained: set[str],
        grad_parts: dict[str, list[str]],
        wgrads: dict[tuple[str, str], list[str]],
    ) -> None:
        net = self.nets[self.calls[group[0]].network]
        gid = "+".join(group)
        c0 = group[0]
        for ls in reversed(net.shapes()):
            layer = ls.layer
            if not rg[(c0, layer.name)]:
                continue
            out_errors = []
            for c in group:
                out_errors.extend(grad_parts.get(self.act(c, layer.name), []))
            if not out_errors:
                continue  # no loss depends on it in this step
            refs = (ls.input_name, *layer.sources)
            # error propagation: dL/d(each read tensor that requires grad)
            targets = [r for r in refs if rg[(c0, r)]]
            if targets:
                reads = list(out_errors)
                reads += self._saved_for_error(step, group, ls)
                if layer.param_count:
                    reads.append(self._weights_for(step, net, layer.name))
                writes = []
                for c in group:
                    for r in targets:
                        t = self.read_tensor(step, c, r)
                        writes.append(
                            self._error_part(
                                step,
                                t,
                                self.tensors[t].network or net.name,
                                self.tensors[t].shape,
                                grad_parts,
                            )
                        )
                self.layer_op(step, net, ls, "error", group, reads, writes)
            if layer.param_count and net.name in trained:
                reads = list(out_errors)
                reads += [self.read_tensor(step, c, ls.input_name) for c in group]
                wname = self._tensor(
                    f"{self.tag}/{gid}/{layer.name}.weight_gradient",
                    "weight_gradient",
                    net.name,
                    (layer.param_count,),
                    0,
                )
                self.layer_op(step, net, ls, "weight_gradient", group, reads, [wname])
                wgrads.setdefault((net.name, layer.name), []).append(wname)

    def _saved_for_error(self, step: str, group: tuple[str, ...],
                         ls: LayerShape) -> list[str]:
        """Forward tensors an error pass reads: what PyTorch's autograd saves for it."""
        layer = ls.layer
        kind = layer.kind
        if kind == "activation":
            if layer.function == "identity":
                return []
            if layer.function in _DERIVATIVE_FROM_OUTPUT:
                return [self.act(c, layer.name) for c in group]
            return [self.read_tensor(step, c, ls.input_name) for c in group]
        if kind in ("batch_norm", "instance_norm", "maxout") or (
            kind == "pool" and layer.op == "max"
        ):
            return [self.read_tensor(step, c, ls.input_name) for c in group]
        return []


def _net_out(net: Network) -> str:
    return net.layers[-1].name


def _group_calls(
    calls: list[str], defs: dict[str, Any], profile: dict[str, tuple[Any, ...]]
) -> list[tuple[str, ...]]:
    """Merge calls of one network with the same profile that do not depend on each other,
    as long as the groups stay acyclic; groups in a dependency order."""
    deps: dict[str, set[str]] = {}
    for c in calls:  # calls are in dependency order
        d: set[str] = set()
        for v in defs[c].inputs.values():
            if v in deps:
                d |= {v} | deps[v]
        deps[c] = d
    groups: list[list[str]] = []
    for c in calls:
        placed = False
        for g in groups:
            if profile[g[0]] != profile[c]:
                continue
            if any(m in deps[c] or c in deps[m] for m in g):
                continue
            trial = [*[x for x in groups if x is not g], [*g, c]]
            if _acyclic(trial, deps):
                g.append(c)
                placed = True
                break
        if not placed:
            groups.append([c])
    return [tuple(g) for g in _toposort(groups, deps)]


def _group_edges(groups: list[list[str]], deps: dict[str, set[str]]) -> dict[int, set[int]]:
    where = {c: i for i, g in enumerate(groups) for c in g}
    return {
        i: {where[d] for c in g for d in deps[c] if d in where and where[d] != i}
        for i, g in enumerate(groups)
    }


def _acyclic(groups: list[list[str]], deps: dict[str, set[str]]) -> bool:
    return _toposort(groups, deps) is not None


def _toposort(groups: list[list[str]], deps: dict[str, set[str]]) -> list[list[str]] | None:
    edges = _group_edges(groups, deps)
    done: list[int] = []
    left = set(edges)
    while left:
        ready = sorted(i for i in left if edges[i] <= set(done))
        if not ready:
            return None
        done.append(ready[0])
        left.discard(ready[0])
    return [groups[i] for i in done]


def _finish(b: _Builder) -> None:
    # merge error parts: a single part is the error itself
    rename: dict[str, str] = {}
    by_target: dict[str, list[str]] = {}
    for name, t in b.tensors.items():
        if t.kind == "error":
            by_target.setdefault(name.rsplit("#", 1)[0], []).append(name)
    for base, parts in by_target.items():
        if len(parts) == 1:
            rename[parts[0]] = base
        else:
            for p in parts:
                rename[p] = f"{base}[{p.rsplit('#', 1)[1]}]"
    if rename:
        new = {}
        for name, t in b.tensors.items():
            t.name = rename.get(name, name)
            new[t.name] = t
        b.tensors = new
        for op in b.ops:
            op.reads = [rename.get(x, x) for x in op.reads]
            op.writes = [rename.get(x, x) for x in op.writes]
    net_of = {op.id: op.network for op in b.ops}
    pass_of = {op.id: op.pass_ for op in b.ops}
    for t in b.tensors.values():
        nets = {net_of[c] for c in t.consumers}
        if t.producer is not None:
            nets.add(net_of[t.producer])
        t.crosses_networks = len(nets) > 1
        t.kept_for_backward = t.kind in ("activation", "data") and any(
            pass_of[c] in ("error", "weight_gradient") for c in t.consumers
        )


#: the largest batch of an iteration: counts stay exact integers (MACs of the largest suite
#: GAN times this batch stay far below 2**63) and sizes in bytes stay meaningful
MAX_BATCH = 1 << 24


def check_batch(batch: object) -> int:
    """``batch`` if it is a whole number of samples from 1 to :data:`MAX_BATCH` (not a
    bool), else a :class:`WorkloadError` naming it: the one check of a batch, which
    memoising callers run before their cache (where ``True`` would hit batch 1)."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise WorkloadError(f"batch {batch!r}: must be a positive integer")
    if batch > MAX_BATCH:
        raise WorkloadError(f"batch {batch:,}: over the bound of {MAX_BATCH:,} samples")
    return batch


def build_iteration(
    gan: GAN, batch: int = 64, options: IterationOptions | None = None
) -> IterationGraph:
    """The dataflow graph of one training iteration of ``gan`` on ``batch`` samples."""
    check_batch(batch)
    options = options or IterationOptions()
    b = _Builder(gan, batch, options)
    d_steps, g_steps = options.d_steps or gan.d_steps, options.g_steps or gan.g_steps
    d_calls: set[str] = set()
    for k in range(1, d_steps + 1):
        d_calls = b.step("D", k, set())
    for k in range(1, g_steps + 1):
        b.step("G", k, d_calls)
    _finish(b)
    return IterationGraph(gan.name, batch, options, b.ops, b.tensors, d_steps, g_steps)


def per_layer(graph: IterationGraph, gan: GAN) -> list[dict[str, Any]]:
    """One row per (network, layer): shapes, parameters and the iteration's MACs per pass.

    MACs sum every operation of that layer and pass over both steps (the layer's forward
    in the D-step and the G-step, its error passes, its weight gradients). The operations
    are grouped once (linear in their number; filtering per layer was quadratic).
    """
    sums: dict[tuple[str, str, str], Macs] = {}
    for op in graph.operations:
        key = (op.network, op.layer, op.pass_)
        sums[key] = sums.get(key, Macs()) + op.macs
    rows = []
    for net, ls in gan.iter_layers():
        row: dict[str, Any] = {
            "network": net.name,
            "role": net.role,
            "layer": ls.layer.name,
            "kind": ls.layer.kind,
            "input_shape": ls.input_shape,
            "output_shape": ls.output_shape,
            "params": ls.layer.param_count,
        }
        for p in ("forward", "error", "weight_gradient"):
            row[p] = sums.get((net.name, ls.layer.name, p), Macs())
        rows.append(row)
    return rows
