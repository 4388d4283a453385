"""Stored matrices of a zero-inserting computation in each mapping mode, from its ZFDR plan.

The modes (``docs/architecture.md`` section 2) and what each stores, per convolution group
(``plan.row_channels`` channels per tap on the rows, ``plan.cols`` columns):

- ``zero-inserting``: the dense kernel, ``row_channels * prod(kernel_extent)`` rows; one MVM
  per output position (times ``plan.vectors_per_position``), inserted and padding zeros fed.
  Optional gating of row tiles whose rows all meet zeros (see :func:`gated_row_tiles`).
- ``zfdr-phase``: one sub-kernel per non-empty ZFDR phase (per-axis phases multiplied), each
  at the largest phase's size; each phase's positions use its own sub-kernel.
- ``zfdr-pattern``: one compacted sub-kernel per pattern, used by that pattern's positions.
- ``scatter`` (input-stationary): handled in :mod:`lergan.mapping.passes` (it is not a plan
  mode: every input pixel multiplies the whole ``C_in x (C_out * k^d)`` weight matrix).

Positions that meet no real tap (``plan.idle_positions``; a phase that meets no tap) output
the bias only and take no MVM in the ZFDR modes.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from lergan.errors import MappingError
from lergan.vocabulary import MODES as MODES  # re-exported: the one definition
from lergan.zerofree import ZeroFreePlan

PLAN_MODES = ("zero-inserting", "zfdr-phase", "zfdr-pattern")


@dataclass(frozen=True)
class MatrixUse:
    """One stored K x N matrix and its MVMs.

    ``copies`` identical matrices exist (convolution groups); ``mvms`` counts the MVMs of
    one copy over the whole operation (all samples). With row-tile gating,
    ``active_tile_mvms`` / ``active_row_mvms`` give, per copy, the sum over its MVMs of the
    row tiles (and of their rows) that receive any non-zero input; ``None`` means every row
    tile works in every MVM.
    """

    role: str
    k: int
    n: int
    copies: int
    mvms: int
    active_tile_mvms: int | None = None
    active_row_mvms: int | None = None


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise MappingError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")


def plan_matrices(plan: ZeroFreePlan, mode: str, samples: int) -> tuple[MatrixUse, ...]:
    """The matrices a plan mode stores and their MVMs for ``samples`` samples."""
    g = plan.layer.groups
    vec = plan.vectors_per_position
    rc, cols = plan.row_channels, plan.cols
    if mode == "zero-inserting":
        k = rc * math.prod(plan.kernel_extent)
        return (MatrixUse("dense kernel", k, cols, g, samples * plan.output_positions * vec),)
    if mode == "zfdr-phase":
        phases = [[c for c in a.phases if c.taps] for a in plan.axes]
        taps = math.prod(max((len(c.taps) for c in ph), default=0) for ph in phases)
        out = []
        for combo in itertools.product(*phases):
            positions = math.prod(c.positions for c in combo)
            out.append(MatrixUse("phase", rc * taps, cols, g, samples * positions * vec))
        return tuple(out)
    if mode == "zfdr-pattern":
        return tuple(
            MatrixUse("pattern", p.rows, cols, g, samples * p.positions * vec)
            for p in plan.patterns
        )
    raise MappingError(f"mode {mode!r} has no plan figures (plan modes: {PLAN_MODES})")


def _dense_index(plan: ZeroFreePlan, axis: int, taps: tuple[int, ...]) -> np.ndarray:
    """Dense kernel index of reported taps on one axis (inverse of the plan's reporting)."""
    t = np.asarray(taps, dtype=np.int64)
    k = plan.axes[axis].kernel
    if plan.computation in ("conv_transpose", "conv_input_grad"):
        return k - 1 - t  # flipped weight, kernel spacing 1
    if plan.computation == "conv_weight_grad":
        return t * plan.layer.stride[axis]  # the error dilated by the stride
    return t


def gated_row_tiles(
    plan: ZeroFreePlan, crossbar_rows: int, samples: int
) -> tuple[int, int]:
    """Row tiles (and their rows) that work, summed over the dense kernel's MVMs, per copy.

    Rows are laid out tap-major (the ``row_channels`` channels of one dense tap are
    contiguous, taps in row-major order over the axes): a choice that lets a row tile be
    skipped when every tap it holds meets an inserted zero or padding for that output
    position. Returns ``(active_tile_mvms, active_row_mvms)``; positions that meet no real
    tap gate every tile.
    """
    rc = plan.row_channels
    extent = plan.kernel_extent
    k_rows = rc * math.prod(extent)
    strides = [math.prod(extent[a + 1:]) for a in range(len(extent))]
    tile_rows = np.minimum(
        crossbar_rows, k_rows - np.arange(-(-k_rows // crossbar_rows)) * crossbar_rows
    )
    tiles_sum = rows_sum = 0
    for combo in itertools.product(*([c for c in a.classes if c.taps] for a in plan.axes)):
        flat = np.zeros(1, dtype=np.int64)
        for a, cls in enumerate(combo):
            idx = _dense_index(plan, a, cls.taps) * strides[a]
            flat = (flat[:, None] + idx[None, :]).ravel()
        first = (flat * rc) // crossbar_rows
        last = (flat * rc + rc - 1) // crossbar_rows
        cover = np.zeros(len(tile_rows) + 1, dtype=np.int64)
        np.add.at(cover, first, 1)
        np.add.at(cover, last + 1, -1)
        active = np.cumsum(cover)[:-1] > 0
        positions = math.prod(c.positions for c in combo)
        tiles_sum += positions * int(active.sum())
        rows_sum += positions * int(tile_rows[active].sum())
    mult = samples * plan.vectors_per_position
    return tiles_sum * mult, rows_sum * mult
