"""Argument checking for the zero-free operations (private to :mod:`lergan.zerofree.ops`).

Every check raises :class:`lergan.errors.ZeroFreeArgumentError` (a
:class:`lergan.errors.LerganError`, so a ``ValueError``) whose message names the argument
and what is wrong, in the spirit of torch's own checks for ``conv_transpose*d`` (output
padding must be smaller than stride or dilation, channels must match the weight, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lergan.errors import ZeroFreeArgumentError
from lergan.zerofree._plan_args import (
    conv_length,
    per_axis,
    positive_int,
    transposed_length,
)

IntOrTuple = int | Sequence[int]


def _err(op: str, msg: str) -> ZeroFreeArgumentError:
    return ZeroFreeArgumentError(f"{op}: {msg}")


def as_tuple(op: str, name: str, value: IntOrTuple, rank: int, minimum: int) -> tuple[int, ...]:
    """Normalise an int or a sequence of ``rank`` ints, each at least ``minimum`` (the plan's
    rule, :func:`lergan.zerofree._plan_args.per_axis`, with the operation's name)."""
    return per_axis(name, value, rank, minimum, where=op)


def check_groups(op: str, groups: int) -> int:
    """``groups`` must be a positive int."""
    return positive_int("groups", groups, where=op)


def check_tensor(op: str, name: str, t: object) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise _err(op, f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if not t.is_floating_point():
        raise _err(op, f"{name} must be a floating-point tensor, got dtype {t.dtype}")
    return t


def check_same(op: str, a: torch.Tensor, an: str, b: torch.Tensor, bn: str) -> None:
    if a.dtype != b.dtype:
        raise _err(op, f"{an} has dtype {a.dtype} but {bn} has dtype {b.dtype}")
    if a.device != b.device:
        raise _err(op, f"{an} is on {a.device} but {bn} is on {b.device}")


def weight_rank(op: str, weight: torch.Tensor) -> int:
    if weight.dim() not in (3, 4, 5):
        raise _err(
            op,
            f"weight must have 3, 4 or 5 dimensions (channels, channels, kernel of rank 1-3), "
            f"got shape {tuple(weight.shape)}",
        )
    if any(s == 0 for s in weight.shape):
        raise _err(op, f"weight must not be empty, got shape {tuple(weight.shape)}")
    return weight.dim() - 2


def batched(op: str, name: str, t: torch.Tensor, rank: int, weight_name: str = "weight") -> bool:
    """True for a batched tensor (rank + 2 dims), False for an unbatched one (rank + 1)."""
    if t.dim() == rank + 2:
        return True
    if t.dim() == rank + 1:
        return False
    raise _err(
        op,
        f"{name} must have {rank + 1} (unbatched) or {rank + 2} (batched) dimensions for a "
        f"{rank}-D {weight_name}, got shape {tuple(t.shape)}",
    )


@dataclass(frozen=True)
class Geometry:
    """A transposed convolution, normalised: the frame of every zero-free computation.

    ``in_size``/``out_size`` are the transposed convolution's input and output spatial sizes.
    """

    rank: int
    in_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int

    @property
    def out_size(self) -> tuple[int, ...]:
        return tuple(
            transposed_length(n, k, s, p, op, d)
            for n, k, s, p, op, d in zip(
                self.in_size,
                self.kernel,
                self.stride,
                self.padding,
                self.output_padding,
                self.dilation,
                strict=True,
            )
        )


def _stride_padding_dilation(
    op: str, rank: int, stride: IntOrTuple, padding: IntOrTuple, dilation: IntOrTuple
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    return (
        as_tuple(op, "stride", stride, rank, 1),
        as_tuple(op, "padding", padding, rank, 0),
        as_tuple(op, "dilation", dilation, rank, 1),
    )


def transposed_geometry(
    op: str,
    rank: int,
    in_size: Sequence[int],
    kernel: Sequence[int],
    stride: IntOrTuple,
    padding: IntOrTuple,
    output_padding: IntOrTuple,
    dilation: IntOrTuple,
    groups: int,
    *,
    output_padding_name: str = "output_padding",
) -> Geometry:
    """Check and normalise the parameters of a transposed convolution."""
    s, p, d = _stride_padding_dilation(op, rank, stride, padding, dilation)
    opad = as_tuple(op, output_padding_name, output_padding, rank, 0)
    check_groups(op, groups)
    for a in range(rank):
        if opad[a] >= max(s[a], d[a]):
            raise _err(
                op,
                f"{output_padding_name} must be smaller than stride or dilation on every "
                f"axis, got {output_padding_name}={opad}, stride={s}, dilation={d}",
            )
    if any(n < 1 for n in in_size):
        raise _err(op, f"spatial input size must be >= 1 on every axis, got {tuple(in_size)}")
    g = Geometry(rank, tuple(in_size), tuple(kernel), s, p, opad, d, groups)
    if any(n < 1 for n in g.out_size):
        raise _err(
            op,
            f"padding={p} is too large: the output size {g.out_size} would be empty "
            f"(input size {tuple(in_size)}, kernel {tuple(kernel)}, stride {s}, dilation {d})",
        )
    return g


def conv_out_size(
    in_size: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
) -> tuple[int, ...]:
    """Output size of a (non-transposed) convolution."""
    return tuple(
        conv_length(n, k, s, p, d)
        for n, k, s, p, d in zip(in_size, kernel, stride, padding, dilation, strict=True)
    )


def conv_geometry(
    op: str,
    rank: int,
    in_size: Sequence[int],
    kernel: Sequence[int],
    stride: IntOrTuple,
    padding: IntOrTuple,
    dilation: IntOrTuple,
    groups: int,
    out_size: Sequence[int],
    out_name: str,
) -> Geometry:
    """A convolution (input ``in_size``) seen as the transposed convolution of its output.

    Checks that ``out_size`` (the convolution's output, e.g. of ``grad_output``) is what the
    convolution produces; the returned geometry's ``in_size`` is that output and its
    ``out_size`` is the convolution's input size (output padding absorbs the remainder).
    """
    s, p, d = _stride_padding_dilation(op, rank, stride, padding, dilation)
    if any(n < 1 for n in in_size):
        raise _err(op, f"input spatial size must be >= 1 on every axis, got {tuple(in_size)}")
    expected = conv_out_size(in_size, kernel, s, p, d)
    if any(e < 1 for e in expected):
        raise _err(
            op,
            f"kernel {tuple(kernel)} with dilation {d} does not fit the padded input "
            f"{tuple(in_size)} (padding {p})",
        )
    if tuple(out_size) != expected:
        raise _err(
            op,
            f"{out_name} has spatial size {tuple(out_size)} but a convolution of input size "
            f"{tuple(in_size)} (kernel {tuple(kernel)}, stride {s}, padding {p}, "
            f"dilation {d}) gives {expected}",
        )
    opad = tuple(
        n + 2 * pp - dd * (k - 1) - 1 - (e - 1) * ss
        for n, k, ss, pp, dd, e in zip(in_size, kernel, s, p, d, expected, strict=True)
    )
    check_groups(op, groups)
    return Geometry(rank, tuple(expected), tuple(kernel), s, p, opad, d, groups)
