"""Networks, GAN inputs, network calls and the losses that tie them.

- :class:`Network`: named inputs with per-sample shapes and a list of layers (a chain by
  default; a layer's ``input`` / ``source`` can name any earlier tensor, so branches,
  conditioning and skip connections are describable). Shapes are inferred and checked when
  the network is built; a mismatch raises :class:`~lergan.errors.WorkloadError` naming the
  network, the layer and what does not fit. The network's output is its last layer's.
- :class:`GAN`: the networks (each with a role, ``generator`` or ``discriminator``), the
  GAN's data inputs (latent vectors, real images, conditions: no error pass ever goes into
  them), the **calls** (one application of a network to GAN inputs or to other calls'
  outputs: ``fake = G(z)``, ``d_real = D(x)``, ``d_fake = D(fake)``; DiscoGAN's
  reconstruction ``rec_a = G_BA(fake_b)``) and the **losses**, each used in the D-step or
  the G-step (architecture note, section 1). The D-step trains the discriminators and
  detaches generator outputs; the G-step trains the generators with the discriminators
  frozen. ``d_steps`` and ``g_steps`` say how many of each one iteration runs (the
  official training schedule: WGAN-style critics take several D-steps per G-step).

Descriptions round-trip through JSON and YAML (:meth:`GAN.to_json`, :meth:`GAN.from_yaml`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import Field, PrivateAttr, model_validator

from lergan.errors import WorkloadError
from lergan.workload.base import Description, Name
from lergan.workload.layers import Layer, Shape, ShapeMismatch

__all__ = [
    "GAN",
    "CallShape",
    "GanInput",
    "LayerShape",
    "Loss",
    "Network",
    "NetworkCall",
    "NetworkInput",
]


class NetworkInput(Description):
    """A network's input: a name and its per-sample shape (channels first)."""

    what: ClassVar[str] = "network input"

    name: Name
    shape: tuple[int, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _positive(self) -> NetworkInput:
        if any(v < 1 for v in self.shape):
            raise ValueError(f"input {self.name!r} shape {self.shape} must be positive")
        return self


@dataclass(frozen=True)
class LayerShape:
    """A layer with the per-sample shapes it reads and writes."""

    layer: Layer
    input_name: str  # the tensor it reads as ``input``
    input_shape: Shape
    source_shapes: tuple[Shape, ...]
    output_shape: Shape

    @property
    def name(self) -> str:
        return self.layer.name


class Network(Description):
    """A network: inputs, layers, shapes inferred and checked per sample."""

    what: ClassVar[str] = "network"

    name: Name
    role: Literal["generator", "discriminator"] | None = None
    inputs: tuple[NetworkInput, ...] = Field(min_length=1)
    layers: tuple[Layer, ...] = Field(min_length=1)
    description: str = ""

    _shapes: tuple[LayerShape, ...] = PrivateAttr(default=())

    @model_validator(mode="before")
    @classmethod
    def _canonical_inputs(cls, data: Any) -> Any:
        """Drop a layer's ``input`` where it names the default (the previous tensor), so
        that equal networks compare equal however they were written."""
        if not isinstance(data, dict) or not isinstance(data.get("layers"), (list, tuple)):
            return data
        inputs = data.get("inputs") or ()
        first = inputs[0] if inputs else None
        previous = first.get("name") if isinstance(first, dict) else getattr(first, "name", None)
        layers = []
        for layer in data["layers"]:
            is_dict = isinstance(layer, dict)
            get = layer.get if is_dict else lambda k, _l=layer: getattr(_l, k, None)
            if get("input") is not None and get("input") == previous:
                if is_dict:
                    layer = {k: v for k, v in layer.items() if k != "input"}
                elif isinstance(layer, Description):
                    layer = layer.model_copy(update={"input": None})
            layers.append(layer)
            previous = get("name")
        return {**data, "layers": layers}

    @model_validator(mode="after")
    def _infer(self) -> Network:
        where = f"network {self.name!r}"
        known: dict[str, Shape] = {}
        for inp in self.inputs:
            if inp.name in known:
                raise WorkloadError(f"{where}: input {inp.name!r} is declared twice")
            known[inp.name] = inp.shape
        shapes = []
        previous = self.inputs[0].name
        for layer in self.layers:
            at = f"{where}, layer {layer.name!r} ({layer.kind})"
            if layer.name in known:
                raise WorkloadError(f"{at}: the name {layer.name!r} is already used")
            reads = layer.input or previous
            for ref in (reads, *layer.sources):
                if ref not in known:
                    raise WorkloadError(
                        f"{at}: reads {ref!r}, which is neither an input nor an earlier layer "
                        f"(known: {', '.join(known)})"
                    )
            src = tuple(known[s] for s in layer.sources)
            try:
                out = layer.infer(known[reads], src)
            except ShapeMismatch as exc:
                raise WorkloadError(f"{at}: {exc}") from None
            shapes.append(LayerShape(layer, reads, known[reads], src, out))
            known[layer.name] = out
            previous = layer.name
        used = {s.input_name for s in shapes} | {x for s in shapes for x in s.layer.sources}
        for ls in shapes[:-1]:
            if ls.layer.name not in used:
                raise WorkloadError(
                    f"{where}, layer {ls.layer.name!r} ({ls.layer.kind}): its output is never "
                    "read (only the last layer's output leaves the network)"
                )
        for inp in self.inputs:
            if inp.name not in used:
                raise WorkloadError(f"{where}: input {inp.name!r} is never read by a layer")
        self._shapes = tuple(shapes)
        return self

    # --- queries ---------------------------------------------------------------------
    def shapes(self) -> tuple[LayerShape, ...]:
        """Each layer with its per-sample input, source and output shapes, in order."""
        return self._shapes

    def layer(self, name: str) -> Layer:
        """The layer called ``name`` (raises :class:`WorkloadError` if none)."""
        for ls in self._shapes:
            if ls.layer.name == name:
                return ls.layer
        raise WorkloadError(f"network {self.name!r} has no layer {name!r}")

    def shape_of(self, tensor: str) -> Shape:
        """Per-sample shape of an input or a layer's output."""
        for inp in self.inputs:
            if inp.name == tensor:
                return inp.shape
        for ls in self._shapes:
            if ls.layer.name == tensor:
                return ls.output_shape
        raise WorkloadError(f"network {self.name!r} has no input or layer {tensor!r}")

    @property
    def input_shapes(self) -> dict[str, Shape]:
        return {i.name: i.shape for i in self.inputs}

    @property
    def output_shape(self) -> Shape:
        return self._shapes[-1].output_shape

    @property
    def param_count(self) -> int:
        return sum(layer.param_count for layer in self.layers)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dict (defaults omitted except each layer's ``kind``)."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data["layers"] = [layer_to_dict(layer) for layer in self.layers]
        return data


class GanInput(Description):
    """A data input of the GAN: ``latent`` vectors, real ``image`` samples (any data the
    dataset provides: images, voxels) or a ``condition`` (labels, attributes; one-hot or
    embedded). No error pass goes into a data input."""

    what: ClassVar[str] = "GAN input"

    name: Name
    kind: Literal["latent", "image", "condition"]
    shape: tuple[int, ...] = Field(min_length=1)
    description: str = ""


class NetworkCall(Description):
    """One application of a network: ``inputs`` maps each of the network's input names to a
    GAN input or to another call (whose output it reads)."""

    what: ClassVar[str] = "call"

    name: Name
    network: str
    inputs: dict[str, str]


class Loss(Description):
    """A loss term and the step that minimises it.

    - ``adversarial``: a discriminator call's output against the ``target`` ``real`` or
      ``fake``; ``criterion`` ``bce`` (on probabilities), ``bce_logits``, ``mse`` (least
      squares), ``wasserstein`` (the mean, negated for ``real``), ``hinge``, or
      ``cross_entropy`` over classes (ArtGAN-style: class ``label``, a GAN input of class
      indices or one-hot, for ``real``; the extra last class for ``fake``).
    - ``reconstruction``: a call's output against ``reference`` (a GAN input or a call);
      ``criterion`` ``mse`` or ``l1``; with ``margin`` m the term is ``max(0, m - value)``
      (MAGAN's discriminator on fakes). Errors flow into ``reference`` too where it depends
      on trained weights.
    - ``feature_matching``: the activations ``layer`` (an inner layer of the call's network)
      wrote for ``call`` against those it wrote for ``reference`` (another call of a network
      with a layer of that name and shape), both averaged over the batch; ``criterion``
      ``mse`` or ``l1`` between the two means (Salimans et al. 2016; DiscoGAN's
      ``get_fm_loss``: the mean of ``(mean(real) - mean(fake))**2`` per layer). Its error
      enters the network at ``layer``; it has no MACs of its own.
    """

    what: ClassVar[str] = "loss"

    name: Name
    step: Literal["D", "G"]
    kind: Literal["adversarial", "reconstruction", "feature_matching"]
    call: str
    target: Literal["real", "fake"] | None = None
    reference: str | None = None
    layer: str | None = None
    label: str | None = None
    criterion: Literal["bce", "bce_logits", "mse", "l1", "wasserstein", "hinge", "cross_entropy"]
    weight: float = 1.0
    margin: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Loss:
        at = f"loss {self.name!r}"
        if self.kind == "adversarial":
            if self.target is None:
                raise ValueError(f"{at}: an adversarial loss needs target 'real' or 'fake'")
            if self.reference is not None:
                raise ValueError(f"{at}: an adversarial loss has no reference")
            if self.criterion in ("l1",):
                raise ValueError(f"{at}: criterion {self.criterion!r} is not adversarial")
            if self.criterion == "cross_entropy" and self.target == "real" and not self.label:
                raise ValueError(f"{at}: cross_entropy on real samples needs a label input")
        else:
            what = self.kind.replace("_", " ")
            if self.reference is None:
                raise ValueError(f"{at}: a {what} loss needs a reference")
            if self.criterion not in ("mse", "l1"):
                raise ValueError(f"{at}: a {what} loss uses mse or l1, not {self.criterion}")
            if self.target is not None:
                raise ValueError(f"{at}: a {what} loss has no target")
        if self.kind == "feature_matching":
            if self.layer is None:
                raise ValueError(f"{at}: a feature matching loss names the layer it matches")
            if self.margin is not None:
                raise ValueError(f"{at}: a feature matching loss has no margin")
        elif self.layer is not None:
            raise ValueError(
                f"{at}: only a feature_matching loss names a layer ({self.kind} losses read "
                "the call's output)"
            )
        return self


@dataclass(frozen=True)
class CallShape:
    """A call with its network and the shapes bound to its inputs."""

    call: NetworkCall
    network: Network
    output_shape: Shape


class GAN(Description):
    """A GAN: networks, data inputs, network calls and the losses of its two steps."""

    what: ClassVar[str] = "GAN"

    name: Name
    source: str = Field(min_length=1, description="citation: paper, official code")
    description: str = ""
    inputs: tuple[GanInput, ...] = Field(min_length=1)
    networks: tuple[Network, ...] = Field(min_length=2)
    calls: tuple[NetworkCall, ...] = Field(min_length=1)
    losses: tuple[Loss, ...] = Field(min_length=2)
    d_steps: int = Field(
        default=1,
        ge=1,
        description="discriminator steps per iteration (n_critic = d_steps / g_steps)",
    )
    g_steps: int = Field(default=1, ge=1, description="generator steps per iteration")

    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _check(self) -> GAN:
        g = f"GAN {self.name!r}"
        nets = {}
        for net in self.networks:
            if net.name in nets:
                raise WorkloadError(f"{g}: network {net.name!r} is declared twice")
            if net.role is None:
                raise WorkloadError(
                    f"{g}, network {net.name!r}: role must be 'generator' or 'discriminator'"
                )
            nets[net.name] = net
        for role in ("generator", "discriminator"):
            if not any(n.role == role for n in self.networks):
                raise WorkloadError(f"{g}: no network has role {role!r}")
        shapes: dict[str, Shape] = {}
        for inp in self.inputs:
            if inp.name in shapes or inp.name in nets:
                raise WorkloadError(f"{g}: input name {inp.name!r} is used twice")
            shapes[inp.name] = inp.shape
        calls = {}
        for call in self.calls:
            at = f"{g}, call {call.name!r}"
            if call.name in shapes or call.name in calls:
                raise WorkloadError(f"{at}: the name is already used")
            if call.network not in nets:
                raise WorkloadError(
                    f"{at}: unknown network {call.network!r} (known: {', '.join(nets)})"
                )
            calls[call.name] = call
        # Resolve calls in dependency order; a call may read calls declared after it.
        order: list[str] = []
        pending = dict(calls)
        while pending:
            ready = [c for c in pending.values() if all(v in shapes for v in c.inputs.values())]
            if not ready:
                bad = next(iter(pending.values()))
                missing = [v for v in bad.inputs.values() if v not in shapes]
                unknown = [v for v in missing if v not in calls]
                why = (
                    f"reads {unknown[0]!r}, which is neither a GAN input nor a call"
                    if unknown
                    else f"is part of a cycle through {missing}"
                )
                raise WorkloadError(f"{g}, call {bad.name!r}: {why}")
            for call in ready:
                net = nets[call.network]
                at = f"{g}, call {call.name!r} of network {net.name!r}"
                want = net.input_shapes
                if set(call.inputs) != set(want):
                    raise WorkloadError(
                        f"{at}: binds inputs {sorted(call.inputs)} but the network has "
                        f"{sorted(want)}"
                    )
                for key, value in call.inputs.items():
                    if shapes[value] != want[key]:
                        raise WorkloadError(
                            f"{at}: input {key!r} expects shape {want[key]} but {value!r} "
                            f"has shape {shapes[value]}"
                        )
                shapes[call.name] = net.output_shape
                order.append(call.name)
                del pending[call.name]
        names = set()
        inputs = {i.name: i for i in self.inputs}
        for loss in self.losses:
            at = f"{g}, loss {loss.name!r}"
            if loss.name in names:
                raise WorkloadError(f"{at}: declared twice")
            names.add(loss.name)
            if loss.call not in calls:
                raise WorkloadError(f"{at}: unknown call {loss.call!r}")
            net = nets[calls[loss.call].network]
            if loss.kind == "adversarial" and net.role != "discriminator":
                raise WorkloadError(
                    f"{at}: adversarial loss on call {loss.call!r} of {net.role} {net.name!r}"
                )
            if loss.kind == "feature_matching":
                self._check_feature_matching(at, loss, net, calls, nets)
            elif loss.reference is not None:
                if loss.reference not in shapes:
                    raise WorkloadError(f"{at}: unknown reference {loss.reference!r}")
                if shapes[loss.reference] != net.output_shape:
                    raise WorkloadError(
                        f"{at}: reference {loss.reference!r} has shape "
                        f"{shapes[loss.reference]} but call {loss.call!r} outputs "
                        f"{net.output_shape}"
                    )
            if loss.label is not None and (
                loss.label not in inputs or inputs[loss.label].kind != "condition"
            ):
                raise WorkloadError(f"{at}: label {loss.label!r} is not a condition input")
        for step in ("D", "G"):
            if not any(loss.step == step for loss in self.losses):
                raise WorkloadError(f"{g}: no loss for the {step}-step")
        self._order = tuple(order)
        return self

    @staticmethod
    def _check_feature_matching(
        at: str, loss: Loss, net: Network, calls: dict[str, NetworkCall], nets: dict[str, Network]
    ) -> None:
        assert loss.layer is not None and loss.reference is not None
        if loss.reference not in calls:
            raise WorkloadError(
                f"{at}: reference {loss.reference!r} is not a call (feature matching compares "
                "the activations of two calls)"
            )
        names = {ls.layer.name for ls in net.shapes()}
        if loss.layer not in names:
            raise WorkloadError(
                f"{at}: network {net.name!r} (call {loss.call!r}) has no layer {loss.layer!r}"
            )
        rnet = nets[calls[loss.reference].network]
        if loss.layer not in {ls.layer.name for ls in rnet.shapes()}:
            raise WorkloadError(
                f"{at}: network {rnet.name!r} (reference {loss.reference!r}) has no layer "
                f"{loss.layer!r}"
            )
        mine, theirs = net.shape_of(loss.layer), rnet.shape_of(loss.layer)
        if mine != theirs:
            raise WorkloadError(
                f"{at}: layer {loss.layer!r} has shape {mine} in {net.name!r} but {theirs} in "
                f"{rnet.name!r}"
            )

    def loss_shape(self, loss: Loss) -> Shape:
        """Per-sample shape of what ``loss`` reads from its call: the call's output, or the
        matched layer's activations for a feature matching loss."""
        net = self.network(self.call(loss.call).network)
        return net.shape_of(loss.layer) if loss.layer is not None else net.output_shape

    # --- queries ---------------------------------------------------------------------
    def network(self, name: str) -> Network:
        for net in self.networks:
            if net.name == name:
                return net
        raise WorkloadError(f"GAN {self.name!r} has no network {name!r}")

    def call(self, name: str) -> NetworkCall:
        for call in self.calls:
            if call.name == name:
                return call
        raise WorkloadError(f"GAN {self.name!r} has no call {name!r}")

    def input(self, name: str) -> GanInput:
        for inp in self.inputs:
            if inp.name == name:
                return inp
        raise WorkloadError(f"GAN {self.name!r} has no input {name!r}")

    def call_order(self) -> tuple[str, ...]:
        """Call names in an order where every call follows the calls it reads."""
        return self._order

    def generators(self) -> tuple[Network, ...]:
        return tuple(n for n in self.networks if n.role == "generator")

    def discriminators(self) -> tuple[Network, ...]:
        return tuple(n for n in self.networks if n.role == "discriminator")

    def shape_of(self, name: str) -> Shape:
        """Per-sample shape of a GAN input or of a call's output."""
        for inp in self.inputs:
            if inp.name == name:
                return inp.shape
        return self.network(self.call(name).network).output_shape

    def iter_layers(self) -> Iterator[tuple[Network, LayerShape]]:
        for net in self.networks:
            for ls in net.shapes():
                yield net, ls

    @property
    def param_count(self) -> int:
        return sum(n.param_count for n in self.networks)

    # --- serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dict (fields left at their defaults omitted, except
        each layer's ``kind``, which selects its type when read back)."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        for net, out in zip(self.networks, data["networks"], strict=True):
            out["layers"] = [layer_to_dict(layer) for layer in net.layers]
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GAN:
        return cls.model_validate(data)

    @classmethod
    def from_json(cls, text: str) -> GAN:
        return cls.model_validate_json(text)

    @classmethod
    def from_yaml(cls, text: str) -> GAN:
        """Validate a YAML description; malformed YAML is a :class:`WorkloadError` too."""
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 5-10x faster
        try:
            data = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            raise WorkloadError(f"GAN: not valid YAML: {exc}") from None
        return cls.model_validate(data)

    @classmethod
    def load(cls, path: str | Path) -> GAN:
        """Read a description from a ``.json``, ``.yaml`` or ``.yml`` file."""
        path = Path(path)
        text = path.read_text()
        if path.suffix in (".yaml", ".yml"):
            return cls.from_yaml(text)
        return cls.from_json(text)


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    """A layer as a plain dict: ``kind`` and ``name`` first, then non-default fields."""
    body = layer.model_dump(mode="json", exclude_defaults=True)
    return {"kind": layer.kind, "name": layer.name, **body}
