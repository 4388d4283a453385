"""Argument normalisation and validation for :func:`lergan.zerofree.plan` (no torch).

The checks follow torch's own for ``torch.nn.functional.conv{1,2,3}d`` and
``conv_transpose{1,2,3}d``: per-axis arguments are an int or a tuple of length ``rank``;
kernel, stride and dilation are positive, padding and output padding non-negative, output
padding smaller than ``max(stride, dilation)`` (torch: "output padding must be smaller than
either stride or dilation"), channels divisible by groups, and the output non-empty.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lergan.errors import ZeroFreeArgumentError
from lergan.vocabulary import COMPUTATIONS

TRANSPOSED = ("conv_transpose", "conv_transpose_weight_grad")


def transposed_length(n: int, k: int, s: int, p: int, op: int, d: int) -> int:
    """Output length of a transposed convolution along one axis (torch's formula)."""
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def conv_length(n: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a convolution along one axis (torch's formula)."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


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
                out.append(transposed_length(n, k, s, p, op, d))
            else:
                out.append(conv_length(n, k, s, p, d))
        return tuple(out)


def is_int(v: object) -> bool:
    """An integer (numpy's included), not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _rank_of(values: dict[str, object]) -> int:
    for v in values.values():
        if isinstance(v, (tuple, list)):
            return len(v)
    return 1


def _prefixed(where: str, msg: str) -> ZeroFreeArgumentError:
    return ZeroFreeArgumentError(f"{where}: {msg}" if where else msg)


def per_axis(
    name: str, value: object, rank: int, minimum: int, *, where: str = ""
) -> tuple[int, ...]:
    """Normalise an int or a sequence of ``rank`` ints, each at least ``minimum`` (0 or 1).

    ``where`` (an operation's name) prefixes the message of the error raised.
    """
    if is_int(value):
        out = (int(value),) * rank  # type: ignore[call-overload]
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != rank:
            raise _prefixed(
                where,
                f"{name} {tuple(value)!r} has {len(value)} entries, expected {rank} "
                f"(one per spatial axis)",
            )
        if not all(is_int(v) for v in value):
            raise _prefixed(where, f"{name} {tuple(value)!r} must contain integers")
        out = tuple(int(v) for v in value)
    else:
        raise _prefixed(where, f"{name} must be an int or a tuple of {rank} ints, got {value!r}")
    if any(v < minimum for v in out):
        what = "positive" if minimum == 1 else "non-negative"
        raise _prefixed(where, f"{name} {out!r} must be {what}")
    return out


def positive_int(name: str, value: object, *, where: str = "") -> int:
    """Check a positive integer (a channel count, ``groups``) and return it as an int."""
    if not is_int(value) or value < 1:  # type: ignore[operator]
        raise _prefixed(where, f"{name} must be a positive integer, got {value!r}")
    return int(value)  # type: ignore[call-overload]


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
    norm = {k: per_axis(k, v, rank, minimum.get(k, 1)) for k, v in spatial.items()}
    for name, value in (
        ("in_channels", in_channels),
        ("out_channels", out_channels),
        ("groups", groups),
    ):
        positive_int(name, value)
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
