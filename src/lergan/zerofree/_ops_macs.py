"""Multiply-accumulate bookkeeping of the zero-free operations (private).

The reference is the dense, zero-inserting computation of
``docs/architecture.md`` section 2: a dense convolution over the
zero-inserted, padded operand. Per axis, every (output position, kernel tap) pair of that
dense computation touches a real element, an inserted zero, or padding; over several axes a
MAC that touches an inserted zero on any axis counts as inserted-zero, otherwise one that
touches padding on any axis counts as padding (``docs/dev/contracts.md``). The per-axis
counting is the plan's (:func:`lergan.zerofree.planning.analyse_axis`): the operations and the
plans classify the same dense computation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from math import prod

from lergan.zerofree._ops_args import Geometry
from lergan.zerofree.planning import (
    AxisPlan,
    analyse_axis,
    combine_axes,
    conv_weight_frame_axis,
    grid_pairs,
    transposed_frame_axis,
)


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


@lru_cache(maxsize=4096)
def transposed_axis(n_in: int, k: int, s: int, p: int, d: int, n_out: int) -> AxisPlan:
    """Counts for a transposed convolution's zero-inserted frame (T-CONV, S-CONV error, and
    the transposed convolution's weight gradient, which pairs the same elements)."""
    return analyse_axis(transposed_frame_axis(n_in, k, s, p, d, n_out))


@lru_cache(maxsize=4096)
def conv_weight_axis(n_in: int, k: int, s: int, p: int, d: int, n_out: int) -> AxisPlan:
    """Counts for a strided convolution's weight gradient: the padded input correlated with
    the output error dilated by the stride (inserted zeros between error elements)."""
    return analyse_axis(conv_weight_frame_axis(n_in, k, s, p, d, n_out))


def report(axes: list[AxisPlan], channels: int, executed: int, executed_dense: str) -> MacReport:
    """Assemble a :class:`MacReport` from the plan's per-axis counts
    (:func:`lergan.zerofree.planning.combine_axes`).

    ``channels`` multiplies the per-axis pair counts (batch x in x out channels per group);
    ``executed_dense`` says which dense MACs the formulation performs: ``"grid"`` (all on the
    stride grid: real or grid padding) or ``"real"`` (only real ones).
    """
    macs = combine_axes((a.macs for a in axes), channels)
    done = prod(grid_pairs(a) if executed_dense == "grid" else a.macs.real for a in axes)
    return MacReport(
        executed=executed,
        skipped_inserted_zero=macs.inserted_zero,
        skipped_padding=macs.real + macs.padding - channels * done,
        real=macs.real,
    )


def transposed_axes(g: Geometry) -> list[AxisPlan]:
    """Per-axis counts of a transposed convolution of geometry ``g`` (T-CONV, S-CONV error
    and the transposed convolution's weight gradient share them)."""
    return [
        transposed_axis(n, k, s, p, d, o)
        for n, k, s, p, d, o in zip(
            g.in_size, g.kernel, g.stride, g.padding, g.dilation, g.out_size, strict=True
        )
    ]


def conv_weight_axes(g: Geometry) -> list[AxisPlan]:
    """Per-axis counts of a strided convolution's weight gradient, geometry ``g``."""
    return [
        conv_weight_axis(n, k, s, p, d, e)
        for n, k, s, p, d, e in zip(
            g.out_size, g.kernel, g.stride, g.padding, g.dilation, g.in_size, strict=True
        )
    ]
