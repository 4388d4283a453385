"""Argument normalisation and validation for :func:`lergan.zerofree.plan` (no torch).

The checks follow torch's own for ``torch.nn.functional.conv{1,2,3}d`` and
``conv_transpose{1,2,3}d``: per-axis arguments are an int or a tuple of length ``rank``;
kernel, stride and dilation are positive, padding and output padding non-negative, output
padding smaller than ``max(stride, dilation)`` (torch: "output padding must be smaller than
either stride or dilation"), channels divisible by groups, and the output non-empty.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from lergan.errors import LerganError

COMPUTATIONS = (
    "conv_transpose",
    "conv_input_grad",
    "conv_weight_grad",
    "conv_transpose_weight_grad",
)
TRANSPOSED = ("conv_transpose", "conv_transpose_weight_grad")


class ZeroFreeArgumentError(LerganError):
    """A bad argument to a zero-free plan (the message names the argument)."""


@dataclass(frozen=True)
class LayerArgs:
    """A layer's normalised description: per-axis tuples of length ``rank``."""

    computation: str
    rank: int
    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    in_channels: int
    out_channels: int
    groups: int

    @property
    def transposed(self) -> bool:
        return self.computation in TRANSPOSED

    def layer_output_size(self) -> tuple[int, ...]:
        """Spatial size of the layer's forward output (torch's formulas)."""
        out = []
        for n, k, s, p, op, d in zip(
            self.input_size,
            self.kernel_size,
            self.stride,
            self.padding,
            self.output_padding,
            self.dilation,
            strict=True,
        ):
            if self.transposed:
                out.append((n - 1) * s - 2 * p + d * (k - 1) + op + 1)
            else:
                out.append((n + 2 * p - d * (k - 1) - 1) // s + 1)
        return tuple(out)


def _is_int(v: object) -> bool:
    """An integer (numpy's included), not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _rank_of(values: dict[str, object]) -> int:
    for v in values.values():
        if isinstance(v, (tuple, list)):
            return len(v)
    return 1


def _per_axis(name: str, value: object, rank: int, minimum: int) -> tuple[int, ...]:
    if _is_int(value):
        out = (int(value),) * rank  # type: ignore[call-overload]
    elif isinstance(value, (tuple, list)):
        if len(value) != rank:
            raise ZeroFreeArgumentError(
                f"{name} {tuple(value)!r} has {len(value)} entries, expected {rank} "
                f"(one per spatial axis of input_size)"
            )
        if not all(_is_int(v) for v in value):
            raise ZeroFreeArgumentError(f"{name} {tuple(value)!r} must contain integers")
        out = tuple(int(v) for v in value)
    else:
        raise ZeroFreeArgumentError(
            f"{name} must be an int or a tuple of {rank} ints, got {value!r}"
        )
    if any(v < minimum for v in out):
        what = "positive" if minimum == 1 else "non-negative"
        raise ZeroFreeArgumentError(f"{name} {out!r} must be {what}")
    return out


def normalize(
    computation: str,
    *,
    input_size: int | tuple[int, ...],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    output_padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    in_channels: int = 1,
    out_channels: int = 1,
    groups: int = 1,
) -> LayerArgs:
    """Validate a layer description and return it with per-axis tuples."""
    if computation not in COMPUTATIONS:
        raise ZeroFreeArgumentError(
            f"computation {computation!r} is not one of {', '.join(COMPUTATIONS)}"
        )
    spatial = {
        "input_size": input_size,
        "kernel_size": kernel_size,
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "dilation": dilation,
    }
    rank = len(input_size) if isinstance(input_size, (tuple, list)) else _rank_of(spatial)
    if not 1 <= rank <= 3:
        raise ZeroFreeArgumentError(
            f"input_size {input_size!r} has rank {rank}; only 1, 2 and 3 spatial axes are supported"
        )
    minimum = {"padding": 0, "output_padding": 0}
    norm = {k: _per_axis(k, v, rank, minimum.get(k, 1)) for k, v in spatial.items()}
    for name, value in (
        ("in_channels", in_channels),
        ("out_channels", out_channels),
        ("groups", groups),
    ):
        if not _is_int(value) or value < 1:
            raise ZeroFreeArgumentError(f"{name} must be a positive integer, got {value!r}")
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
        if value % groups:
            raise ZeroFreeArgumentError(f"{name} ({value}) must be divisible by groups ({groups})")
    args = LayerArgs(
        computation=computation,
        rank=rank,
        in_channels=int(in_channels),
        out_channels=int(out_channels),
        groups=int(groups),
        **norm,
    )
    if args.transposed:
        for op, s, d in zip(args.output_padding, args.stride, args.dilation, strict=True):
            if op >= max(s, d):
                raise ZeroFreeArgumentError(
                    f"output_padding {args.output_padding!r} must be smaller than "
                    f"max(stride, dilation) on every axis (stride {args.stride!r}, "
                    f"dilation {args.dilation!r})"
                )
    elif any(args.output_padding):
        raise ZeroFreeArgumentError(
            f"output_padding {args.output_padding!r} applies only to transposed "
            f"convolutions; {computation} describes a convolution"
        )
    if not args.transposed:
        for n, k, p, d in zip(
            args.input_size, args.kernel_size, args.padding, args.dilation, strict=True
        ):
            if n + 2 * p < d * (k - 1) + 1:
                raise ZeroFreeArgumentError(
                    f"input_size {args.input_size!r} with padding {args.padding!r} is smaller "
                    f"than the dilated kernel (kernel_size {args.kernel_size!r}, dilation "
                    f"{args.dilation!r}): the convolution's output would be empty"
                )
    elif any(v < 1 for v in args.layer_output_size()):
        raise ZeroFreeArgumentError(
            f"padding {args.padding!r} is too large for input_size {args.input_size!r}: the "
            f"transposed convolution's output size {args.layer_output_size()!r} is not positive"
        )
    return args
