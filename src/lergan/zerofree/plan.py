"""Pattern analysis of the zero-inserting computations (ZFDR plans); pure Python, no torch.

Placeholder data types per docs/dev/contracts.md; :func:`plan` is implemented next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMPUTATIONS = (
    "conv_transpose",
    "conv_input_grad",
    "conv_weight_grad",
    "conv_transpose_weight_grad",
)
MODES = ("zero-inserting", "zfdr-phase", "zfdr-pattern")


@dataclass(frozen=True)
class TapClass:
    taps: tuple[int, ...]
    positions: int


@dataclass(frozen=True)
class MacCounts:
    total: int
    real: int
    inserted_zero: int
    padding: int


@dataclass(frozen=True)
class AxisPlan:
    classes: tuple[TapClass, ...]
    macs: MacCounts


@dataclass(frozen=True)
class Pattern:
    taps: tuple[tuple[int, ...], ...]
    n_taps: int
    positions: int
    rows: int
    cols: int


@dataclass(frozen=True)
class ModeFigures:
    rows_per_group: int
    group_rows: tuple[int, ...]
    groups: int
    taps_stored: int
    mvm_steps: int
    macs_executed: int


@dataclass(frozen=True)
class ZeroFreePlan:
    computation: str
    rank: int
    output_size: tuple[int, ...]
    axes: tuple[AxisPlan, ...]
    patterns: tuple[Pattern, ...]
    macs: MacCounts
    modes: dict[str, ModeFigures]

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


def plan(computation: str, **kwargs: Any) -> ZeroFreePlan:
    """Not implemented yet (placeholder so that ``lergan.zerofree`` imports)."""
    raise NotImplementedError("lergan.zerofree.plan is being implemented")
