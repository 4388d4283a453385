"""Typed layer descriptions and their per-sample shape inference.

A layer description is a frozen pydantic model; :data:`Layer` is the discriminated union of
all of them on the field ``kind``. Shapes are per sample, channels first, without the batch
dimension: ``(C,)`` for a vector, ``(C, L)``, ``(C, H, W)``, ``(C, D, H, W)`` for 1/2/3-D
maps. Per-axis parameters of convolutions and pools accept an int or a tuple and are tuples
of length ``rank`` after validation.

Every layer has a ``name`` (unique in its network) and an optional ``input``: the tensor it
reads, a network input's name or an earlier layer's name; by default the previous layer's
output (the network's first input for the first layer). ``concat`` and ``add`` also name a
``source``, which makes conditioning (a GAN input joined along channels) and skip connections
(U-Net encoders, residual blocks) describable.

Output sizes follow PyTorch's documented formulas (``torch.nn.Conv2d``,
``torch.nn.ConvTranspose2d``, ``torch.nn.MaxPool2d``):
``out = floor((in + 2p - d(k-1) - 1) / s) + 1`` for a convolution and
``out = (in - 1) s - 2p + d(k-1) + output_padding + 1`` for a transposed convolution.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, Union, get_args

from pydantic import Field, field_validator, model_validator

from lergan.workload.base import Description, Name
from lergan.zerofree.planning import conv_length, transposed_length

Shape = tuple[int, ...]

__all__ = [
    "ACTIVATIONS",
    "LAYER_KINDS",
    "Activation",
    "Add",
    "BatchNorm",
    "Concat",
    "Conv",
    "ConvTranspose",
    "Dropout",
    "Flatten",
    "InstanceNorm",
    "Layer",
    "LayerBase",
    "Linear",
    "Maxout",
    "Pool",
    "Reshape",
    "ShapeMismatch",
    "Upsample",
    "conv_output_size",
    "conv_transpose_output_size",
]


class ShapeMismatch(Exception):
    """Raised by :meth:`LayerBase.infer`; :class:`~lergan.workload.gan.Network` turns it
    into a :class:`~lergan.errors.WorkloadError` naming the network and the layer."""


def _tuple(value: Any, rank: int, field: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, (list, tuple)):
        out = tuple(value)
        if len(out) != rank:
            raise ValueError(f"{field} has {len(out)} entries but rank is {rank}")
        return out
    raise ValueError(f"{field} must be an int or a list of {rank} ints, got {value!r}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a convolution along one axis (PyTorch ``Conv1d`` formula)."""
    return conv_length(size, kernel, stride, padding, dilation)


def conv_transpose_output_size(
    size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int
) -> int:
    """Output length of a transposed convolution along one axis (``ConvTranspose1d``)."""
    return transposed_length(size, kernel, stride, padding, output_padding, dilation)


class LayerBase(Description):
    """Fields every layer has; subclasses add ``kind`` and their own parameters."""

    what: ClassVar[str] = "layer"

    name: Name = Field(description="unique name of the layer in its network")
    input: str | None = Field(
        default=None,
        description="tensor read: a network input or an earlier layer (default: previous)",
    )

    #: Whether the layer multiplies (has MACs); others are element-wise or data movement.
    has_macs: ClassVar[bool] = False

    @property
    def sources(self) -> tuple[str, ...]:
        """Names of tensors read besides ``input`` (``concat`` / ``add`` sources)."""
        return ()

    @property
    def param_count(self) -> int:
        """Number of trainable parameters."""
        return 0

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        """Per-sample output shape; raises :class:`ShapeMismatch` if the input does not fit."""
        raise NotImplementedError


def _need_rank(layer: LayerBase, shape: Shape, rank: int, what: str) -> None:
    if len(shape) != rank + 1:
        raise ShapeMismatch(
            f"{layer.kind} ({what}) expects a ({'C' + ', spatial' * rank}) input of "  # type: ignore[attr-defined]
            f"{rank + 1} dimensions, got shape {shape}"
        )


class Linear(LayerBase):
    """Fully connected layer on a vector ``(in_features,)`` (``torch.nn.Linear``)."""

    kind: Literal["linear"] = "linear"
    in_features: int = Field(gt=0)
    out_features: int = Field(gt=0)
    bias: bool = True
    has_macs: ClassVar[bool] = True

    @property
    def param_count(self) -> int:
        return self.in_features * self.out_features + (self.out_features if self.bias else 0)

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        if input_shape != (self.in_features,):
            raise ShapeMismatch(
                f"linear expects input ({self.in_features},), got {input_shape}"
                + (" (add a flatten layer before it)" if len(input_shape) > 1 else "")
            )
        return (self.out_features,)


class _ConvLike(LayerBase):
    rank: Literal[1, 2, 3]
    in_channels: int = Field(gt=0)
    out_channels: int = Field(gt=0)
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...] = 1  # type: ignore[assignment]
    padding: tuple[int, ...] = 0  # type: ignore[assignment]
    dilation: tuple[int, ...] = 1  # type: ignore[assignment]
    groups: int = Field(default=1, gt=0)
    bias: bool = True
    has_macs: ClassVar[bool] = True
    _per_axis: ClassVar[tuple[str, ...]] = ("kernel_size", "stride", "padding", "dilation")

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and "rank" in data:
            data = dict(data)
            rank = data["rank"]
            if rank in (1, 2, 3):
                defaults = {"stride": 1, "padding": 0, "dilation": 1, "output_padding": 0}
                for field in cls._per_axis:
                    if field in data:
                        data[field] = _tuple(data[field], rank, field)
                    elif field in defaults:
                        data[field] = (defaults[field],) * rank
        return data

    @model_validator(mode="after")
    def _check(self) -> _ConvLike:
        for field in self._per_axis:
            values = getattr(self, field)
            low = 0 if field in ("padding", "output_padding") else 1
            if any(v < low for v in values):
                raise ValueError(f"{field} must be >= {low} on every axis, got {values}")
        for what in ("in_channels", "out_channels"):
            if getattr(self, what) % self.groups:
                raise ValueError(
                    f"{what}={getattr(self, what)} is not divisible by groups={self.groups}"
                )
        return self

    @property
    def taps(self) -> int:
        """Kernel taps per channel pair: the product of ``kernel_size``."""
        return math.prod(self.kernel_size)

    def spatial_output(self, size: Shape) -> Shape:
        """Spatial output size for the spatial input ``size`` (torch's formula per axis)."""
        raise NotImplementedError

    def _empty_output(self, input_shape: Shape, out: Shape) -> str:
        raise NotImplementedError

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        _need_rank(self, input_shape, self.rank, f"rank {self.rank}")
        if input_shape[0] != self.in_channels:
            raise ShapeMismatch(
                f"{self.kind} expects {self.in_channels} input channels, got "  # type: ignore[attr-defined]
                f"{input_shape[0]} (input shape {input_shape})"
            )
        out = self.spatial_output(input_shape[1:])
        if any(o < 1 for o in out):
            raise ShapeMismatch(self._empty_output(input_shape, out))
        return (self.out_channels, *out)


class Conv(_ConvLike):
    """Convolution in 1/2/3-D (``torch.nn.Conv1d/2d/3d``, zero padding)."""

    kind: Literal["conv"] = "conv"

    @property
    def param_count(self) -> int:
        w = self.out_channels * (self.in_channels // self.groups) * self.taps
        return w + (self.out_channels if self.bias else 0)

    def spatial_output(self, size: Shape) -> Shape:
        return tuple(
            conv_output_size(n, k, s, p, d)
            for n, k, s, p, d in zip(
                size, self.kernel_size, self.stride, self.padding, self.dilation, strict=True
            )
        )

    def _empty_output(self, input_shape: Shape, out: Shape) -> str:
        return (
            f"conv input {input_shape} is too small for kernel {self.kernel_size}, "
            f"padding {self.padding}, dilation {self.dilation}: output {out}"
        )


class ConvTranspose(_ConvLike):
    """Transposed convolution in 1/2/3-D (``torch.nn.ConvTranspose1d/2d/3d``)."""

    kind: Literal["conv_transpose"] = "conv_transpose"
    output_padding: tuple[int, ...] = 0  # type: ignore[assignment]
    _per_axis: ClassVar[tuple[str, ...]] = (
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "output_padding",
    )

    @model_validator(mode="after")
    def _check_output_padding(self) -> ConvTranspose:
        for op, s, d in zip(self.output_padding, self.stride, self.dilation, strict=True):
            if op >= max(s, d):
                raise ValueError(
                    f"output_padding {self.output_padding} must be smaller than stride "
                    f"{self.stride} or dilation {self.dilation} on each axis"
                )
        return self

    @property
    def param_count(self) -> int:
        w = self.in_channels * (self.out_channels // self.groups) * self.taps
        return w + (self.out_channels if self.bias else 0)

    def spatial_output(self, size: Shape) -> Shape:
        return tuple(
            conv_transpose_output_size(n, k, s, p, op, d)
            for n, k, s, p, op, d in zip(
                size,
                self.kernel_size,
                self.stride,
                self.padding,
                self.output_padding,
                self.dilation,
                strict=True,
            )
        )

    def _empty_output(self, input_shape: Shape, out: Shape) -> str:
        return (
            f"conv_transpose output {out} is empty for input {input_shape} "
            f"(padding {self.padding} too large)"
        )


class _Norm(LayerBase):
    num_features: int = Field(gt=0)
    eps: float = Field(default=1e-5, gt=0)
    momentum: float | None = 0.1

    def _check_channels(self, input_shape: Shape) -> Shape:
        if not input_shape or input_shape[0] != self.num_features:
            raise ShapeMismatch(
                f"{self.kind} has num_features={self.num_features} but the input has "  # type: ignore[attr-defined]
                f"shape {input_shape}"
            )
        return input_shape


class BatchNorm(_Norm):
    """Batch normalisation over channels (``torch.nn.BatchNorm1d/2d/3d`` by input rank).

    A barrier over the whole batch in forward and in backward (architecture note, section 1).
    """

    kind: Literal["batch_norm"] = "batch_norm"
    affine: bool = True
    track_running_stats: bool = True

    @property
    def param_count(self) -> int:
        return 2 * self.num_features if self.affine else 0

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        return self._check_channels(input_shape)


class InstanceNorm(_Norm):
    """Instance normalisation (``torch.nn.InstanceNorm1d/2d/3d``); per sample, no barrier."""

    kind: Literal["instance_norm"] = "instance_norm"
    affine: bool = False
    track_running_stats: bool = False

    @property
    def param_count(self) -> int:
        return 2 * self.num_features if self.affine else 0

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        if len(input_shape) < 2:
            raise ShapeMismatch(f"instance_norm needs spatial dimensions, got {input_shape}")
        return self._check_channels(input_shape)


ActivationFunction = Literal[
    "relu",
    "leaky_relu",
    "tanh",
    "sigmoid",
    "elu",
    "selu",
    "gelu",
    "softplus",
    "softmax",
    "identity",
]
ACTIVATIONS: tuple[str, ...] = get_args(ActivationFunction)


class Activation(LayerBase):
    """Element-wise activation; ``softmax`` normalises over channels (dimension 0).

    ``negative_slope`` applies to ``leaky_relu`` (``torch.nn.LeakyReLU``, default 0.01) and
    ``alpha`` to ``elu``.
    """

    kind: Literal["activation"] = "activation"
    function: ActivationFunction
    negative_slope: float | None = None
    alpha: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # PyTorch's defaults made explicit, so that equal activations compare equal
        if isinstance(data, dict):
            if data.get("function") == "leaky_relu" and data.get("negative_slope") is None:
                data = {**data, "negative_slope": 0.01}
            if data.get("function") == "elu" and data.get("alpha") is None:
                data = {**data, "alpha": 1.0}
        return data

    @model_validator(mode="after")
    def _check(self) -> Activation:
        if self.negative_slope is not None and self.function != "leaky_relu":
            raise ValueError(f"negative_slope only applies to leaky_relu, not {self.function}")
        if self.alpha is not None and self.function != "elu":
            raise ValueError(f"alpha only applies to elu, not {self.function}")
        return self

    @property
    def slope(self) -> float:
        """The leaky ReLU's negative slope (PyTorch's default 0.01 when not given)."""
        return 0.01 if self.negative_slope is None else self.negative_slope

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        return input_shape


class Maxout(LayerBase):
    """Maxout (Goodfellow et al. 2013): the maximum over ``pieces`` consecutive channels.

    Channels ``[j * pieces, (j + 1) * pieces)`` form output channel ``j`` (as the cGAN
    paper's maxout units, Mirza & Osindero 2014, after a linear layer of units x pieces).
    """

    kind: Literal["maxout"] = "maxout"
    pieces: int = Field(gt=1)

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        if not input_shape or input_shape[0] % self.pieces:
            raise ShapeMismatch(
                f"maxout with {self.pieces} pieces needs channels divisible by {self.pieces}, "
                f"got shape {input_shape}"
            )
        return (input_shape[0] // self.pieces, *input_shape[1:])


class Dropout(LayerBase):
    """Dropout with probability ``p`` (element-wise; no MACs)."""

    kind: Literal["dropout"] = "dropout"
    p: float = Field(default=0.5, ge=0, lt=1)

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        return input_shape


class Reshape(LayerBase):
    """Reshape each sample to ``shape`` (one entry may be -1), e.g. a vector to ``(C, 4, 4)``."""

    kind: Literal["reshape"] = "reshape"
    shape: tuple[int, ...] = Field(min_length=1)

    @field_validator("shape")
    @classmethod
    def _check_shape(cls, shape: tuple[int, ...]) -> tuple[int, ...]:
        if sum(1 for v in shape if v == -1) > 1 or any(v == 0 or v < -1 for v in shape):
            raise ValueError(f"shape {shape} must have positive entries and at most one -1")
        return shape

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        n = math.prod(input_shape)
        known = math.prod(v for v in self.shape if v != -1)
        if -1 in self.shape:
            if n % known:
                raise ShapeMismatch(f"cannot reshape {input_shape} ({n} values) to {self.shape}")
            return tuple(n // known if v == -1 else v for v in self.shape)
        if known != n:
            raise ShapeMismatch(
                f"cannot reshape {input_shape} ({n} values) to {self.shape} ({known} values)"
            )
        return self.shape


class Flatten(LayerBase):
    """Flatten each sample to a vector (``torch.nn.Flatten()``)."""

    kind: Literal["flatten"] = "flatten"

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        return (math.prod(input_shape),)


class Concat(LayerBase):
    """Join ``source`` (a network input such as a condition, or an earlier layer) to the
    activations along channels.

    With ``broadcast`` a vector source ``(C_s,)`` (or ``(C_s, 1, ..., 1)``) is repeated over
    the activations' spatial positions (cGAN / ArtGAN conditioning of convolutional maps:
    ``y`` tiled to ``(C_s, H, W)``); otherwise the source's spatial size must equal the
    activations'. ``source_first`` puts the source's channels first
    (``torch.cat([source, x], 1)``).
    """

    kind: Literal["concat"] = "concat"
    source: str = Field(min_length=1)
    broadcast: bool = False
    source_first: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,)

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        (src,) = source_shapes
        if self.broadcast:
            if any(v != 1 for v in src[1:]) or len(src) > len(input_shape):
                raise ShapeMismatch(
                    f"concat broadcasts a vector source (C,) or (C, 1, ...), but "
                    f"{self.source!r} has shape {src} and the activations {input_shape}"
                )
            return (input_shape[0] + src[0], *input_shape[1:])
        if src[1:] != input_shape[1:]:
            raise ShapeMismatch(
                f"concat of {self.source!r} {src} onto {input_shape}: spatial sizes differ"
                + (" (set broadcast: true to tile a vector)" if len(src) == 1 else "")
            )
        return (input_shape[0] + src[0], *input_shape[1:])


class Add(LayerBase):
    """Element-wise sum with ``source`` (an earlier layer or input of the same shape)."""

    kind: Literal["add"] = "add"
    source: str = Field(min_length=1)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,)

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        (src,) = source_shapes
        if src != input_shape:
            raise ShapeMismatch(f"add of {self.source!r} {src} onto {input_shape}: shapes differ")
        return input_shape


class Pool(LayerBase):
    """Max or average pooling in 1/2/3-D (``torch.nn.MaxPool2d`` / ``AvgPool2d``).

    ``stride`` defaults to ``kernel_size`` as in PyTorch. Average pooling counts padding in
    the divisor (PyTorch's ``count_include_pad=True``).
    """

    kind: Literal["pool"] = "pool"
    op: Literal["max", "avg"]
    rank: Literal[1, 2, 3]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...] | None = None
    padding: tuple[int, ...] = 0  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("rank") in (1, 2, 3):
            data = dict(data)
            rank = data["rank"]
            for field in ("kernel_size", "stride", "padding"):
                if data.get(field) is not None:
                    data[field] = _tuple(data[field], rank, field)
            if data.get("stride") is None and "kernel_size" in data:
                data["stride"] = data["kernel_size"]
            data.setdefault("padding", (0,) * rank)
        return data

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        _need_rank(self, input_shape, self.rank, f"rank {self.rank}")
        stride = self.stride or self.kernel_size
        out = tuple(
            conv_output_size(n, k, s, p, 1)
            for n, k, s, p in zip(
                input_shape[1:], self.kernel_size, stride, self.padding, strict=True
            )
        )
        if any(o < 1 for o in out):
            raise ShapeMismatch(f"pool input {input_shape} is too small: output {out}")
        return (input_shape[0], *out)


class Upsample(LayerBase):
    """Upsampling by an integer factor per axis (``torch.nn.Upsample``): ``nearest`` or
    ``linear`` (linear, bilinear or trilinear by rank, ``align_corners=False``)."""

    kind: Literal["upsample"] = "upsample"
    rank: Literal[1, 2, 3]
    scale_factor: tuple[int, ...]
    mode: Literal["nearest", "linear"] = "nearest"

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("rank") in (1, 2, 3) and "scale_factor" in data:
            data = dict(data)
            data["scale_factor"] = _tuple(data["scale_factor"], data["rank"], "scale_factor")
        return data

    def infer(self, input_shape: Shape, source_shapes: tuple[Shape, ...] = ()) -> Shape:
        _need_rank(self, input_shape, self.rank, f"rank {self.rank}")
        return (
            input_shape[0],
            *(n * f for n, f in zip(input_shape[1:], self.scale_factor, strict=True)),
        )


Layer = Annotated[
    Union[  # noqa: UP007  (pydantic discriminated unions read clearer this way)
        Linear,
        Conv,
        ConvTranspose,
        BatchNorm,
        InstanceNorm,
        Activation,
        Maxout,
        Dropout,
        Reshape,
        Flatten,
        Concat,
        Add,
        Pool,
        Upsample,
    ],
    Field(discriminator="kind"),
]

LAYER_KINDS = (
    "linear",
    "conv",
    "conv_transpose",
    "batch_norm",
    "instance_norm",
    "activation",
    "maxout",
    "dropout",
    "reshape",
    "flatten",
    "concat",
    "add",
    "pool",
    "upsample",
)
