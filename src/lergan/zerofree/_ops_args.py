"""Argument checking for the zero-free operations (private to :mod:`lergan.zerofree.ops`).

Every check raises :class:`ZeroFreeArgumentError` (a :class:`lergan.errors.LerganError`, so a
``ValueError``) whose message names the argument and what is wrong, in the spirit of torch's
own checks for ``conv_transpose*d`` (output padding must be smaller than stride or
dilation, channels must match the weight, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lergan.errors import LerganError

IntOrTuple = int | Sequence[int]


class ZeroFreeArgumentError(LerganError):
    """Bad arguments to a zero-free operation (names the argument and what is wrong)."""


def _err(op: str, msg: str) -> ZeroFreeArgumentError:
    return ZeroFreeArgumentError(f"{op}: {msg}")


def as_tuple(op: str, name: str, value: IntOrTuple, rank: int, minimum: int) -> tuple[int, ...]:
    """Normalise an int or a sequence of ``rank`` ints, each at least ``minimum``."""
    if isinstance(value, bool):
        raise _err(op, f"{name} must be an int or a tuple of {rank} ints, got {value!r}")
    if isinstance(value, int):
        out = (value,) * rank
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise _err(op, f"{name} must be an int or a tuple of ints, got {value!r}") from None
        if len(out) != rank or not all(isinstance(v, int) and not isinstance(v, bool) for v in out):
            raise _err(op, f"{name} must be an int or a tuple of {rank} ints, got {value!r}")
    for v in out:
        if v < minimum:
            raise _err(op, f"{name} must be >= {minimum} on every axis, got {value!r}")
    return out


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
            (n - 1) * s - 2 * p + d * (k - 1) + op + 1
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
    s = as_tuple(op, "stride", stride, rank, 1)
    p = as_tuple(op, "padding", padding, rank, 0)
    d = as_tuple(op, "dilation", dilation, rank, 1)
    opad = as_tuple(op, output_padding_name, output_padding, rank, 0)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise _err(op, f"groups must be a positive int, got {groups!r}")
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
        (n + 2 * p - d * (k - 1) - 1) // s + 1
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
    s = as_tuple(op, "stride", stride, rank, 1)
    p = as_tuple(op, "padding", padding, rank, 0)
    d = as_tuple(op, "dilation", dilation, rank, 1)
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
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise _err(op, f"groups must be a positive int, got {groups!r}")
    return Geometry(rank, tuple(expected), tuple(kernel), s, p, opad, d, groups)
