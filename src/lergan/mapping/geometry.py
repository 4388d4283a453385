"""A layer's geometry as the mapping needs it: channels, per-axis parameters, sizes.

:func:`layer_geometry` normalises a :mod:`lergan.workload.layers` description (``linear``,
``conv`` or ``conv_transpose``) and its per-sample input shape into a
:class:`LayerGeometry`; any object with the same attributes works (tests build plain ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lergan.errors import MappingError

if TYPE_CHECKING:
    from lergan.workload.layers import Layer

MAPPABLE_KINDS = ("linear", "conv", "conv_transpose")


@dataclass(frozen=True)
class LayerGeometry:
    """A linear, convolution or transposed-convolution layer and its input size.

    For ``linear`` layers ``rank`` is 0, the spatial tuples are empty and ``positions``
    counts the input vectors per sample (the product of the leading dimensions, 1 for a
    plain ``(features,)`` input).
    """

    name: str
    kind: str
    rank: int
    in_channels: int
    out_channels: int
    groups: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]
    input_size: tuple[int, ...]
    bias: bool
    positions: int = 1

    @property
    def output_size(self) -> tuple[int, ...]:
        """Spatial output size (torch's formulas for Conv*d and ConvTranspose*d)."""
        if self.kind == "conv":
            return tuple(
                (i + 2 * p - d * (k - 1) - 1) // s + 1
                for i, k, s, p, d in zip(
                    self.input_size, self.kernel_size, self.stride, self.padding,
                    self.dilation, strict=True,
                )
            )
        if self.kind == "conv_transpose":
            return tuple(
                (i - 1) * s - 2 * p + d * (k - 1) + op + 1
                for i, k, s, p, d, op in zip(
                    self.input_size, self.kernel_size, self.stride, self.padding,
                    self.dilation, self.output_padding, strict=True,
                )
            )
        return ()

    @property
    def taps(self) -> int:
        """Kernel taps ``prod(kernel_size)`` (1 for a linear layer)."""
        return math.prod(self.kernel_size)

    @property
    def in_positions(self) -> int:
        return math.prod(self.input_size) if self.rank else self.positions

    @property
    def out_positions(self) -> int:
        return math.prod(self.output_size) if self.rank else self.positions

    @property
    def weights(self) -> int:
        """Weights of the layer (bias excluded): ``C_in * C_out / groups * prod(k)``."""
        return self.in_channels * self.out_channels // self.groups * self.taps

    @property
    def bias_values(self) -> int:
        return self.out_channels if self.bias else 0

    def plan_args(self) -> dict[str, Any]:
        """Keyword arguments of :func:`lergan.zerofree.plan` for this layer."""
        return {
            "input_size": self.input_size,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding if self.kind == "conv_transpose" else 0,
            "dilation": self.dilation,
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "groups": self.groups,
        }


def _tuple(value: Any, rank: int, field: str, layer: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * rank
    t = tuple(int(v) for v in value)
    if len(t) != rank:
        raise MappingError(f"layer {layer!r}: {field} {t} has {len(t)} axes, rank is {rank}")
    return t


def layer_geometry(layer: Layer, input_shape: tuple[int, ...] | list[int]) -> LayerGeometry:
    """Normalise a layer description and its per-sample input shape (channels first).

    Raises :class:`MappingError` for a layer that has no crossbar mapping (batch norm,
    activations, ...) or an input shape that does not fit the layer.
    """
    kind = getattr(layer, "kind", None)
    name = str(getattr(layer, "name", "?"))
    shape = tuple(int(v) for v in input_shape)
    if kind not in MAPPABLE_KINDS:
        raise MappingError(
            f"layer {name!r} of kind {kind!r} has no crossbar mapping "
            f"(mappable kinds: {', '.join(MAPPABLE_KINDS)})"
        )
    if kind == "linear":
        fin, fout = int(layer.in_features), int(layer.out_features)
        if not shape or shape[-1] != fin:
            raise MappingError(
                f"layer {name!r}: input shape {shape} does not end in in_features={fin}"
            )
        return LayerGeometry(
            name=name, kind=kind, rank=0, in_channels=fin, out_channels=fout, groups=1,
            kernel_size=(), stride=(), padding=(), dilation=(), output_padding=(),
            input_size=(), bias=bool(getattr(layer, "bias", True)),
            positions=math.prod(shape[:-1]),
        )
    rank = int(layer.rank)
    if len(shape) != rank + 1:
        raise MappingError(
            f"layer {name!r}: input shape {shape} should be (channels, {rank} spatial sizes)"
        )
    if shape[0] != int(layer.in_channels):
        raise MappingError(
            f"layer {name!r}: input has {shape[0]} channels, in_channels={layer.in_channels}"
        )
    groups = int(getattr(layer, "groups", 1))
    if layer.in_channels % groups or layer.out_channels % groups:
        raise MappingError(
            f"layer {name!r}: groups={groups} does not divide in_channels={layer.in_channels} "
            f"and out_channels={layer.out_channels}"
        )
    geo = LayerGeometry(
        name=name,
        kind=kind,
        rank=rank,
        in_channels=int(layer.in_channels),
        out_channels=int(layer.out_channels),
        groups=groups,
        kernel_size=_tuple(layer.kernel_size, rank, "kernel_size", name),
        stride=_tuple(getattr(layer, "stride", 1), rank, "stride", name),
        padding=_tuple(getattr(layer, "padding", 0), rank, "padding", name),
        dilation=_tuple(getattr(layer, "dilation", 1), rank, "dilation", name),
        output_padding=_tuple(getattr(layer, "output_padding", 0), rank, "output_padding",
                              name),
        input_size=shape[1:],
        bias=bool(getattr(layer, "bias", True)),
    )
    if any(o < 1 for o in geo.output_size):
        raise MappingError(
            f"layer {name!r}: input size {geo.input_size} gives output size {geo.output_size}"
        )
    return geo
