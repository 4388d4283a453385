"""Cell wear of an iteration: cells written per network, step, pass and layer, and lifetime.

Every programmed cell is a write (PipeLayer, Song et al., HPCA 2017: weights updated in
place, weight gradients computed by programming the error into crossbars). An iteration
writes cells in four ways (the ``component`` of :func:`write_entries`):

- ``forward copy`` / ``transposed copy``: the update programs every stored copy of a layer
  (the forward tier's and, with ``transposed-copy`` error propagation, the error tier's), a
  share ``write.fraction_rewritten`` of their cells (the mapping's rate; LrGAN's
  approximate update is taken as spread evenly, a mean, since which cells change is
  data-dependent);
- ``weight-gradient operand``: a crossbar weight gradient programs each sample's error into
  one copy of its unit (``write_rounds`` rounds at replication 1); ``r`` copies take turns,
  so the most-used copy is programmed ``ceil(rounds / r)`` times per operation, about
  batch-size times as often as weights are updated;
- ``reload``: a time-multiplexed layer's weights loaded into its group's swap region before
  each of its passes (costed like its share of the update, see
  :mod:`lergan.system.placement`).

Wear is counted per **physical** group of cells: a unit's crossbars (all its copies), or a
group's swap region. A layer in ``p`` pieces passes each piece through the same crossbars,
so their first cells are programmed ``p`` times per round (:func:`hot_spot`). Within a group
every writer starts at the group's first crossbar (a unit's tasks write the same layer; a
swap region is filled from its start), so the group's most-written cells receive the sum of
every writer's writes per cell, and they number as many as the smallest writer's cells
(:func:`wear_groups`). The iteration's lifetime is that of its most-worn group
(:func:`iteration_lifetime`, each group through :func:`lergan.hardware.cost.lifetime`), not
a mean over the chip: writes are not levelled across groups.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lergan.hardware.cost import lifetime
from lergan.system.result import Entry
from lergan.system.tasks import OpCost, Task

if TYPE_CHECKING:
    from lergan.hardware import Architecture

#: What a cell-writing task programs (the ``component`` of a write entry).
WRITES = ("forward copy", "transposed copy", "weight-gradient operand", "reload")


def hot_spot(cost: OpCost, replication: int = 1, pieces: int = 1) -> tuple[float, float]:
    """(writes per cell, cells) of the most-written cells of a cell-writing operation.

    ``cost.cells_written`` land on ``cost.cells_in_use`` cells (one copy) in
    ``cost.write_rounds`` rounds; with ``replication`` copies taking rounds in turn the
    most-used copy gets ``ceil(rounds / replication)`` of them; a layer in ``pieces`` pieces
    programs the same crossbars once per piece, on ``cells / pieces`` cells.
    """
    if cost.cells_written <= 0:
        return 0.0, 0.0
    rounds = max(int(cost.write_rounds), 1)
    footprint = cost.cells_in_use or cost.cells_written / rounds
    per_round = cost.cells_written / (rounds * footprint)
    per_copy = -(-rounds // max(int(replication), 1))
    return per_copy * per_round * pieces, footprint / pieces


def what_written(task: Task) -> str:
    """Which of :data:`WRITES` a cell-writing task programs."""
    if task.kind == "reload":
        return "reload"
    if task.pass_ == "weight_gradient":
        return "weight-gradient operand"
    return "transposed copy" if task.tier == "error" else "forward copy"


def write_entries(tasks: Iterable[Task]) -> list[Entry]:
    """Cells written per iteration as records (network, step, pass, layer, what, cells);
    they sum to the iteration's ``cells_written``."""
    acc: dict[tuple[str, str, str, str, str], float] = defaultdict(float)
    for t in tasks:
        if t.cells_written > 0:
            pass_ = "reload" if t.kind == "reload" else t.pass_
            acc[(t.network, t.step, pass_, t.layer, what_written(t))] += t.cells_written
    return [Entry(*k, v) for k, v in acc.items()]


@dataclass(frozen=True)
class WearGroup:
    """A physical group of cells (a unit's crossbars or a swap region) and its wear.

    ``writes_per_cell``: writes per iteration of its most-written cells, of which there are
    ``cells``; ``cells_written``: every write into the group per iteration.
    """

    resource: str
    network: str
    layers: tuple[str, ...]
    writes: tuple[str, ...]
    cells: float
    writes_per_cell: float
    cells_written: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["layers"], d["writes"] = list(self.layers), list(self.writes)
        return d


def wear_groups(tasks: Iterable[Task]) -> list[WearGroup]:
    """The iteration's groups of written cells, most-worn first (see the module docstring)."""
    by: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        if t.cells_written > 0:
            by[t.unit].append(t)
    out = []
    for res, ts in by.items():
        out.append(WearGroup(
            resource=res,
            network=ts[0].network,
            layers=tuple(dict.fromkeys(t.layer for t in ts)),
            writes=tuple(dict.fromkeys(what_written(t) for t in ts)),
            cells=min(t.cells_in_use for t in ts),
            writes_per_cell=sum(t.writes_per_cell for t in ts),
            cells_written=sum(t.cells_written for t in ts),
        ))
    out.sort(key=lambda g: (-g.writes_per_cell, g.resource))
    return out


@dataclass(frozen=True)
class IterationLifetime:
    """Iterations (and seconds at the simulated iteration time) until the most-worn group's
    cells reach ``endurance_writes``; ``groups``: each group with its own lifetime."""

    endurance_writes: float
    iterations: float
    seconds: float | None
    writes_per_cell_per_iteration: float
    limiting: WearGroup | None
    groups: tuple[tuple[WearGroup, float], ...]

    def to_dict(self) -> dict[str, Any]:
        def fin(x: float | None) -> float | None:
            return None if x is None or math.isinf(x) else x

        return {
            "iterations": fin(self.iterations),
            "seconds": fin(self.seconds),
            "endurance_writes": self.endurance_writes,
            "writes_per_cell_per_iteration": self.writes_per_cell_per_iteration,
            "limiting": self.limiting.to_dict() if self.limiting else None,
            "groups": [g.to_dict() | {"lifetime_iterations": fin(life)}
                       for g, life in self.groups],
        }


def iteration_lifetime(arch: Architecture, groups: Sequence[WearGroup],
                       iteration_s: float | None = None) -> IterationLifetime:
    """The shortest lifetime over ``groups`` on ``arch`` (``cell.endurance_writes``), each
    group's from :func:`lergan.hardware.cost.lifetime` (its most-written cells, written
    evenly ``writes_per_cell`` times per iteration); infinite when nothing is written."""
    lives = []
    for g in groups:
        life = lifetime(arch, g.writes_per_cell * g.cells, g.cells, iteration_s)
        lives.append((g, life))
    lives.sort(key=lambda gl: (gl[1].iterations, gl[0].resource))
    if not lives:
        return IterationLifetime(arch.cell.endurance_writes, math.inf,
                                 None if iteration_s is None else math.inf, 0.0, None, ())
    g, life = lives[0]
    return IterationLifetime(
        endurance_writes=arch.cell.endurance_writes,
        iterations=life.iterations,
        seconds=life.seconds,
        writes_per_cell_per_iteration=life.writes_per_cell_per_iteration,
        limiting=g,
        groups=tuple((gr, lf.iterations) for gr, lf in lives),
    )
