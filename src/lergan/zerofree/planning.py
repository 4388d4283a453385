"""Pattern analysis of the zero-inserting computations of GAN training (ZFDR plans).

Pure Python and numpy, no torch: :mod:`lergan.workload` and :mod:`lergan.mapping` call
:func:`plan` for every zero-inserting operation of an iteration.

Every computation is written as a **dense correlation** along each axis (the form a
zero-inserting accelerator executes; ``docs/model.md`` section 1)::

    out[j] = sum_u kernel[u] * operand[j * S + u * D],   j in [0, J), u in [0, K)

where the operand is zero-inserted (real elements ``spacing`` apart) and padded, and the
kernel may itself be zero-inserted (the dilated error of a strided convolution's weight
gradient). The four computations (``docs/architecture.md`` section 2; parameters always
describe the *layer*, as in torch):

- ``conv_transpose`` (T-CONV forward): outputs are the output pixels, the kernel is the
  flipped weight (dilation d), the operand the input zero-inserted by s and padded by
  ``d(k-1)-p`` (plus the output padding on the right; negative padding crops).
- ``conv_input_grad`` (S-CONV error propagation): outputs are the input pixels (dL/dx),
  the kernel is the flipped weight, the operand the output error zero-inserted by s.
- ``conv_weight_grad`` (W-CONV of a convolution): outputs are the weight's taps (output
  stride d), the kernel is the output error dilated by s, the operand the input padded by p.
- ``conv_transpose_weight_grad`` (W-CONV of a transposed convolution): outputs are the
  weight's taps (output stride d), the kernel is the output error, the operand the input
  zero-inserted by s and padded by ``d(k-1)-p``.

For the weight gradients the *outputs* are the weight's kernel positions and the *taps* are
the output error's positions (the error is the crossbar-stationary kernel, PipeLayer-style;
LerGAN's exact W-CONV mapping is not published: a choice). Tap indices are those of the
stored tensor in its own, un-inserted coordinates: the weight index ``t`` (torch layout, not
flipped) for T-CONV and S-CONV error, the error index ``o`` for the weight gradients.

MAC convention (contract, ``docs/dev/contracts.md``): ``total`` is what the dense
correlation performs; a MAC whose operands touch an inserted zero on any axis is
``inserted_zero``, else one touching padding on any axis is ``padding``, else ``real``.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lergan.errors import ZeroFreeArgumentError
from lergan.zerofree._plan_args import (
    COMPUTATIONS,
    LayerArgs,
    conv_length,
    normalize,
    transposed_length,
)

__all__ = [
    "COMPUTATIONS",
    "MODES",
    "AxisPlan",
    "MacCounts",
    "ModeFigures",
    "Pattern",
    "TapClass",
    "ZeroFreeArgumentError",
    "ZeroFreePlan",
    "plan",
]

MODES = ("zero-inserting", "zfdr-phase", "zfdr-pattern")


@dataclass(frozen=True)
class TapClass:
    """Output positions (``positions`` of them) that meet exactly the kernel taps ``taps``."""

    taps: tuple[int, ...]
    positions: int


@dataclass(frozen=True)
class MacCounts:
    """Multiply-accumulates split by what the operands are (``total = real + zeros``)."""

    total: int
    real: int
    inserted_zero: int
    padding: int

    @property
    def inserted_share(self) -> float:
        return self.inserted_zero / self.total if self.total else 0.0

    @property
    def padding_share(self) -> float:
        return self.padding / self.total if self.total else 0.0

    @property
    def real_share(self) -> float:
        return self.real / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "real": self.real,
            "inserted_zero": self.inserted_zero,
            "padding": self.padding,
            "inserted_share": self.inserted_share,
            "padding_share": self.padding_share,
        }


@dataclass(frozen=True)
class AxisPlan:
    """One spatial axis of the dense correlation.

    ``classes``: output positions grouped by the set of taps that meet real data (border
    classes included; a class with ``taps == ()`` holds positions that meet no real data).
    ``phases``: output positions grouped by the taps that meet the operand's real lattice
    when padding is ignored (the ZFDR phases; ``taps == ()`` for a phase that meets none).
    ``macs``: this axis's MACs for one channel pair (``outputs * kernel`` in total).
    """

    outputs: int
    kernel: int
    classes: tuple[TapClass, ...]
    phases: tuple[TapClass, ...]
    macs: MacCounts


@dataclass(frozen=True)
class Pattern:
    """A compacted sub-kernel: taps per axis, ``rows = row_channels * n_taps`` by ``cols``."""

    taps: tuple[tuple[int, ...], ...]
    n_taps: int
    positions: int
    rows: int
    cols: int


@dataclass(frozen=True)
class ModeFigures:
    """Crossbar figures of one mapping mode (per sample, one layer copy).

    ``groups``: crossbar groups (sub-kernels times convolution groups); ``group_rows``: rows
    of each group; ``taps_stored``: kernel taps stored per channel block (weight
    duplication; a convolution group stores the same number); ``cells``: weight cells,
    ``sum(group_rows) * cols``; ``mvm_steps``: MVM steps with one output pixel per MVM per
    group and all groups in parallel; ``macs_executed``: MACs the crossbars perform.
    """

    rows_per_group: int
    group_rows: tuple[int, ...]
    groups: int
    cols: int
    taps_stored: int
    cells: int
    mvm_steps: int
    macs_executed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_per_group": self.rows_per_group,
            "group_rows": list(self.group_rows),
            "groups": self.groups,
            "cols": self.cols,
            "taps_stored": self.taps_stored,
            "cells": self.cells,
            "mvm_steps": self.mvm_steps,
            "macs_executed": self.macs_executed,
        }


@dataclass(frozen=True)
class ZeroFreePlan:
    """The ZFDR plan of one zero-inserting computation of one layer (per sample).

    Channel roles: a crossbar row block holds ``row_channels`` channels of the operand per
    tap (the channels summed over: the layer's in-channels per group for T-CONV, its
    out-channels per group for S-CONV error, 1 for weight gradients, which sum over
    positions only); ``cols`` are the channels produced per group; each output position
    needs ``vectors_per_position`` MVMs (the layer's in-channels per group for weight
    gradients, else 1). MACs per sample = ``row_channels * cols * groups *
    vectors_per_position`` times the spatial count, which is ``in_channels * out_channels /
    groups`` for every computation.
    """

    computation: str
    rank: int
    layer: LayerArgs
    output_size: tuple[int, ...]
    kernel_extent: tuple[int, ...]
    row_channels: int
    cols: int
    vectors_per_position: int
    axes: tuple[AxisPlan, ...]
    patterns: tuple[Pattern, ...]
    idle_positions: int
    macs: MacCounts
    modes: dict[str, ModeFigures] = field(hash=False)

    @property
    def output_positions(self) -> int:
        return math.prod(self.output_size)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary of the whole plan."""
        layer = self.layer
        return {
            "computation": self.computation,
            "rank": self.rank,
            "layer": {
                "input_size": list(layer.input_size),
                "kernel_size": list(layer.kernel_size),
                "stride": list(layer.stride),
                "padding": list(layer.padding),
                "output_padding": list(layer.output_padding),
                "dilation": list(layer.dilation),
                "in_channels": layer.in_channels,
                "out_channels": layer.out_channels,
                "groups": layer.groups,
            },
            "output_size": list(self.output_size),
            "kernel_extent": list(self.kernel_extent),
            "row_channels": self.row_channels,
            "cols": self.cols,
            "vectors_per_position": self.vectors_per_position,
            "axes": [
                {
                    "outputs": a.outputs,
                    "kernel": a.kernel,
                    "classes": [
                        {"taps": list(c.taps), "positions": c.positions} for c in a.classes
                    ],
                    "phases": [{"taps": list(c.taps), "positions": c.positions} for c in a.phases],
                    "macs": a.macs.to_dict(),
                }
                for a in self.axes
            ],
            "patterns": [
                {
                    "taps": [list(t) for t in p.taps],
                    "n_taps": p.n_taps,
                    "positions": p.positions,
                    "rows": p.rows,
                    "cols": p.cols,
                }
                for p in self.patterns
            ],
            "n_patterns": len(self.patterns),
            "idle_positions": self.idle_positions,
            "macs": self.macs.to_dict(),
            "modes": {m: f.to_dict() for m, f in self.modes.items()},
        }


@dataclass(frozen=True)
class DenseAxis:
    """One axis of the dense correlation ``out[j] = sum_u kern[u] * opnd[j*S + u*D]``.

    The operand's real elements sit at ``left + i * spacing`` for ``i in [0, count)``; the
    kernel's real taps at multiples of ``kern_spacing``. A tap ``u`` is reported as
    ``(K - 1 - u if flip else u) // kern_spacing``.
    """

    outputs: int
    kernel: int
    out_stride: int
    kern_dilation: int
    left: int
    spacing: int
    count: int
    kern_spacing: int
    flip: bool


def transposed_frame_axis(n: int, k: int, s: int, p: int, d: int, outputs: int) -> DenseAxis:
    """The zero-inserted frame of a transposed convolution along one axis: ``n`` real
    elements ``s`` apart, correlated with the flipped kernel (T-CONV, S-CONV error)."""
    return DenseAxis(outputs, k, 1, d, d * (k - 1) - p, s, n, 1, True)


def conv_weight_frame_axis(n: int, k: int, s: int, p: int, d: int, m: int) -> DenseAxis:
    """A strided convolution's weight gradient along one axis: the padded input (``n``)
    correlated with the ``m`` output errors dilated by the stride."""
    return DenseAxis(k, (m - 1) * s + 1, d, 1, p, 1, n, s, False)


def _axes(args: LayerArgs) -> list[DenseAxis]:
    axes = []
    for n, k, s, p, op, d in zip(
        args.input_size,
        args.kernel_size,
        args.stride,
        args.padding,
        args.output_padding,
        args.dilation,
        strict=True,
    ):
        c = args.computation
        if c == "conv_transpose":
            axes.append(transposed_frame_axis(n, k, s, p, d, transposed_length(n, k, s, p, op, d)))
        elif c == "conv_input_grad":
            axes.append(transposed_frame_axis(conv_length(n, k, s, p, d), k, s, p, d, n))
        elif c == "conv_weight_grad":
            axes.append(conv_weight_frame_axis(n, k, s, p, d, conv_length(n, k, s, p, d)))
        else:  # conv_transpose_weight_grad
            big_n = transposed_length(n, k, s, p, op, d)
            axes.append(DenseAxis(k, big_n, d, 1, d * (k - 1) - p, s, n, 1, False))
    return axes


def _group(mask: np.ndarray, reported: np.ndarray) -> tuple[TapClass, ...]:
    """Group the rows of ``mask`` (outputs x taps) by their set of taps, in first-seen order."""
    packed = np.ascontiguousarray(np.packbits(mask, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.argsort(first)
    return tuple(
        TapClass(tuple(sorted(int(t) for t in reported[mask[first[i]]])), int(counts[i]))
        for i in order
    )


#: bounds on the work of one plan, checked before it is done: (output, tap) pairs one axis
#: classifies (arrays of this many elements; a 4096-wide layer with a kernel of 1024 fits),
#: and patterns (the product of the per-axis classes; GAN layers have at most a few
#: hundred)
MAX_AXIS_PAIRS = 1 << 22
MAX_PATTERNS = 1 << 16


@functools.lru_cache(maxsize=4096)
def analyse_axis(ax: DenseAxis) -> AxisPlan:
    """Classify every (output, tap) pair of one axis (cached: layers repeat)."""
    j = np.arange(ax.outputs, dtype=np.int64)[:, None]
    u = np.arange(ax.kernel, dtype=np.int64)[None, :]
    q = j * ax.out_stride + u * ax.kern_dilation - ax.left  # offset from first real element
    kern_real = (u % ax.kern_spacing) == 0
    inside = (q >= 0) & (q <= (ax.count - 1) * ax.spacing)
    aligned = (q % ax.spacing) == 0
    real = kern_real & inside & aligned
    inserted = ~kern_real | (inside & ~aligned)
    interior = kern_real & aligned
    reported = (ax.kernel - 1 - u[0] if ax.flip else u[0]) // ax.kern_spacing
    n_real, n_ins = int(real.sum()), int(inserted.sum())
    total = ax.outputs * ax.kernel
    return AxisPlan(
        outputs=ax.outputs,
        kernel=ax.kernel,
        classes=_group(real, reported),
        phases=_group(interior, reported),
        macs=MacCounts(total, n_real, n_ins, total - n_real - n_ins),
    )


def combine_axes(axes: Iterable[MacCounts], channels: int) -> MacCounts:
    """MACs of a multi-axis dense correlation from its per-axis counts, times ``channels``:
    a MAC touching an inserted zero on any axis is ``inserted_zero``, else one touching
    padding on any axis is ``padding`` (contract, ``docs/dev/contracts.md``)."""
    total = real = not_inserted = 1
    for a in axes:
        total *= a.total
        real *= a.real
        not_inserted *= a.real + a.padding
    return MacCounts(
        total=total * channels,
        real=real * channels,
        inserted_zero=(total - not_inserted) * channels,
        padding=(not_inserted - real) * channels,
    )


def grid_pairs(axis: AxisPlan) -> int:
    """Pairs of one axis whose operand lies on the operand's real lattice and whose tap is
    real, padding ignored (the ZFDR phases' pairs: real or padding on the grid)."""
    return sum(len(c.taps) * c.positions for c in axis.phases)


def _channel_roles(args: LayerArgs) -> tuple[int, int, int]:
    """(row_channels, cols, vectors_per_position) per convolution group."""
    cin, cout = args.in_channels // args.groups, args.out_channels // args.groups
    if args.computation == "conv_transpose":
        return cin, cout, 1
    if args.computation == "conv_input_grad":
        return cout, cin, 1
    return 1, cout, cin


def _figures(group_rows: list[int], cols: int, taps: int, steps: int, macs: int) -> ModeFigures:
    return ModeFigures(
        rows_per_group=max(group_rows, default=0),
        group_rows=tuple(group_rows),
        groups=len(group_rows),
        cols=cols,
        taps_stored=taps,
        cells=sum(group_rows) * cols,
        mvm_steps=steps,
        macs_executed=macs,
    )


def plan(
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
) -> ZeroFreePlan:
    """Plan one zero-inserting computation of a layer (see the module docstring).

    Parameters describe the layer as torch does: a transposed convolution for
    ``conv_transpose`` and ``conv_transpose_weight_grad``, a convolution for
    ``conv_input_grad`` and ``conv_weight_grad``; ``input_size`` is its forward input's
    spatial size. Raises :class:`ZeroFreeArgumentError` (a ``LerganError``) naming the bad
    argument.

    Mapping modes (``docs/architecture.md`` section 2, formulas in ``docs/model.md`` §1):

    - ``zero-inserting``: one copy of the dense kernel per convolution group, one output
      pixel per MVM step; executes every dense MAC.
    - ``zfdr-phase``: one sub-kernel per non-empty ZFDR phase (product of per-axis phases),
      each stored at the largest phase's size (``ceil(k * gcd(s, d) / s)`` taps per axis for
      T-CONV; smaller phases padded with zero-weight taps); one pixel per phase group per
      step, so ``mvm_steps`` is the largest phase; border pixels still multiply padding.
    - ``zfdr-pattern``: one compacted sub-kernel per distinct pattern; ``mvm_steps`` is the
      largest pattern class; executes exactly the real MACs.

    For weight gradients each output position takes ``vectors_per_position`` MVMs (one per
    input channel of the group), which multiplies ``mvm_steps``.
    """
    args = normalize(
        computation,
        input_size=input_size,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        in_channels=in_channels,
        out_channels=out_channels,
        groups=groups,
    )
    geometry = _axes(args)
    for i, ax in enumerate(geometry):
        if ax.outputs * ax.kernel > MAX_AXIS_PAIRS:
            raise ZeroFreeArgumentError(
                f"{computation}: axis {i} has {ax.outputs:,} output positions x {ax.kernel:,} "
                f"kernel taps = {ax.outputs * ax.kernel:,} (output, tap) pairs to classify, "
                f"over the bound of {MAX_AXIS_PAIRS:,} (input_size {args.input_size!r}, "
                f"kernel_size {args.kernel_size!r})")
    axes = tuple(analyse_axis(ax) for ax in geometry)
    n_patterns = math.prod(sum(1 for c in a.classes if c.taps) for a in axes)
    if n_patterns > MAX_PATTERNS:
        raise ZeroFreeArgumentError(
            f"{computation}: {n_patterns:,} patterns (per axis "
            f"{' x '.join(str(sum(1 for c in a.classes if c.taps)) for a in axes)}), over the "
            f"bound of {MAX_PATTERNS:,} (input_size {args.input_size!r}, kernel_size "
            f"{args.kernel_size!r}, stride {args.stride!r})")
    row_ch, cols, vectors = _channel_roles(args)
    g = args.groups
    chan = row_ch * cols * vectors * g

    macs = combine_axes((a.macs for a in axes), chan)

    patterns = tuple(
        Pattern(
            taps=tuple(c.taps for c in combo),
            n_taps=math.prod(len(c.taps) for c in combo),
            positions=math.prod(c.positions for c in combo),
            rows=row_ch * math.prod(len(c.taps) for c in combo),
            cols=cols,
        )
        for combo in itertools.product(*([c for c in a.classes if c.taps] for a in axes))
    )
    output_positions = math.prod(a.outputs for a in axes)
    idle = output_positions - sum(p.positions for p in patterns)

    dense_taps = math.prod(a.kernel for a in axes)
    zero_inserting = _figures(
        [row_ch * dense_taps] * g, cols, dense_taps, output_positions * vectors, macs.total
    )

    phase_lists = [[c for c in a.phases if c.taps] for a in axes]
    phase_taps = math.prod(max((len(c.taps) for c in ph), default=0) for ph in phase_lists)
    n_phase_groups = math.prod(len(ph) for ph in phase_lists)
    phase_positions = math.prod(sum(c.positions for c in ph) for ph in phase_lists)
    largest_phase = math.prod(max((c.positions for c in ph), default=0) for ph in phase_lists)
    zfdr_phase = _figures(
        [row_ch * phase_taps] * (n_phase_groups * g),
        cols,
        n_phase_groups * phase_taps,
        largest_phase * vectors,
        phase_positions * row_ch * phase_taps * cols * vectors * g,
    )

    zfdr_pattern = _figures(
        [p.rows for _ in range(g) for p in patterns],
        cols,
        sum(p.n_taps for p in patterns),
        max((p.positions for p in patterns), default=0) * vectors,
        macs.real,
    )

    return ZeroFreePlan(
        computation=args.computation,
        rank=args.rank,
        layer=args,
        output_size=tuple(a.outputs for a in axes),
        kernel_extent=tuple(a.kernel for a in axes),
        row_channels=row_ch,
        cols=cols,
        vectors_per_position=vectors,
        axes=axes,
        patterns=patterns,
        idle_positions=idle,
        macs=macs,
        modes={
            "zero-inserting": zero_inserting,
            "zfdr-phase": zfdr_phase,
            "zfdr-pattern": zfdr_pattern,
        },
    )
