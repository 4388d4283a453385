"""Multiply-accumulate bookkeeping of the zero-free operations (private).

The reference is the dense, zero-inserting computation of
``../shared/reference/lergan-architecture.md`` section 2: a dense convolution over the
zero-inserted, padded operand. Per axis, every (output position, kernel tap) pair of that
dense computation touches a real element, an inserted zero, or padding; over several axes a
MAC that touches an inserted zero on any axis counts as inserted-zero, otherwise one that
touches padding on any axis counts as padding (``docs/dev/contracts.md``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from math import prod

from lergan.zerofree._ops_args import Geometry


@dataclass(frozen=True)
class MacReport:
    """Multiply-accumulates of one call of a zero-free operation (whole batch).

    - ``executed``: MACs the operation's own convolutions / matrix multiplies perform; equal
      to ``torch.utils.flop_counter.FlopCounterMode``'s count on the call divided by 2. It
      includes the products with padding zeros and with zero weight taps that the chosen
      formulation does perform.
    - ``skipped_inserted_zero``: MACs of the dense zero-inserting computation that touch an
      inserted zero. No formulation here performs any of them.
    - ``skipped_padding``: MACs of the dense computation that touch padding (no inserted
      zero) and that this formulation does not perform.
    - ``real``: MACs of the dense computation with both operands real (the useful work).
      ``executed - real`` is the formulation's own overhead (padding, zero taps, cropped
      outputs).
    """

    executed: int
    skipped_inserted_zero: int
    skipped_padding: int
    real: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class AxisCounts:
    """(output position, tap) pairs of the dense computation along one axis."""

    total: int
    real: int
    inserted: int
    grid: int  # pairs whose operand lies on the stride grid (real or padding)

    @property
    def not_inserted(self) -> int:
        return self.total - self.inserted


@lru_cache(maxsize=4096)
def transposed_axis(n_in: int, k: int, s: int, p: int, d: int, n_out: int) -> AxisCounts:
    """Counts for a transposed convolution's zero-inserted frame (T-CONV, S-CONV error, and
    the transposed convolution's weight gradient, which pairs the same elements)."""
    real = inserted = grid = 0
    last = (n_in - 1) * s
    for o in range(n_out):
        for t in range(k):
            pos = o + p - t * d  # position in the zero-inserted (unpadded) input
            if pos % s == 0:
                grid += 1
                if 0 <= pos <= last:
                    real += 1
            elif 0 <= pos <= last:
                inserted += 1
    return AxisCounts(n_out * k, real, inserted, grid)


@lru_cache(maxsize=4096)
def conv_weight_axis(n_in: int, k: int, s: int, p: int, d: int, n_out: int) -> AxisCounts:
    """Counts for a strided convolution's weight gradient: the padded input correlated with
    the output error dilated by the stride (inserted zeros between error elements)."""
    span = (n_out - 1) * s + 1
    real = 0
    for t in range(k):
        for j in range(n_out):
            if 0 <= t * d + j * s - p < n_in:
                real += 1
    grid = k * n_out
    return AxisCounts(k * span, real, k * span - grid, grid)


def report(axes: list[AxisCounts], channels: int, executed: int, executed_dense: str) -> MacReport:
    """Assemble a :class:`MacReport`.

    ``channels`` multiplies the per-axis pair counts (batch x in x out channels per group);
    ``executed_dense`` says which dense MACs the formulation performs: ``"grid"`` (all on the
    stride grid: real or grid padding) or ``"real"`` (only real ones).
    """
    real = prod(a.real for a in axes)
    not_inserted = prod(a.not_inserted for a in axes)
    total = prod(a.total for a in axes)
    done = prod(a.grid for a in axes) if executed_dense == "grid" else real
    return MacReport(
        executed=executed,
        skipped_inserted_zero=channels * (total - not_inserted),
        skipped_padding=channels * (not_inserted - done),
        real=channels * real,
    )


def transposed_axes(g: Geometry) -> list[AxisCounts]:
    return [
        transposed_axis(n, k, s, p, d, o)
        for n, k, s, p, d, o in zip(
            g.in_size, g.kernel, g.stride, g.padding, g.dilation, g.out_size, strict=True
        )
    ]
