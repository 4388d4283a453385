"""The engine's records: operations, the units and groups they are placed on, placed tasks.

The system engine does not read workload or hardware objects directly: :mod:`lergan.system.build`
turns an iteration graph and the mapping's per-operation costs into :class:`OpSpec` records,
:mod:`lergan.system.placement` puts them on banks and units (:class:`Unit`, grouped in
:class:`Group`, sized by :mod:`lergan.system.replication`) as :class:`Task` records, and
:mod:`lergan.system.schedule` times the tasks. Synthetic tests build these records by hand.

Times are in seconds, energies in joules, per the conventions of ``docs/dev/contracts.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

#: What executes an operation (:attr:`OpSpec.executor`).
Executor = Literal["crossbar", "digital", "write", "source"]
TaskKind = Literal["compute", "write", "reload", "source", "spill"]

#: Suffix of the source task that stands for a layer's master copy in its update tier, where
#: a swapped layer's reload takes its weights from (placement adds it, storage reads it).
MASTER_WEIGHTS = ":master-weights"

#: Where a pass runs in the LerGAN layout (architecture section 4: forward, error, update tiers).
PASS_TIER: dict[str, str] = {
    "forward": "forward",
    "error": "error",
    "weight_gradient": "update",
    "update": "update",
}


class Dep(NamedTuple):
    """A dependency of an operation on another one.

    ``tensor`` names the data that flows (``None`` for an ordering-only dependency), ``bytes``
    its size for all of the producer's samples. ``whole``: the consumer needs every sample of
    the producer before its first sample (weights, accumulated gradients, a batch-norm
    barrier); otherwise samples stream (sample ``i`` of the consumer waits for sample ``i`` of
    the producer, see :mod:`lergan.system.schedule`). ``first_sample``: the producer's
    samples feed the consumer's samples from this 0-based index on (D runs on real samples
    ``0..B-1`` then fakes ``B..2B-1``); ``None`` aligns the producer's last sample with the
    consumer's last.
    """

    src: str
    tensor: str | None = None
    bytes: float = 0.0
    whole: bool = False
    first_sample: int | None = None


@dataclass(frozen=True, slots=True)
class OpCost:
    """Cost of one operation at a given replication: the engine's view of ``OperationCost``.

    ``latency_s`` is the time of one sample on one copy of the crossbars for streaming
    operations, and of the whole operation for accumulating ones (``samples == 1``).
    Wear (:mod:`lergan.system.wear`): the ``cells_written`` land on ``cells_in_use`` cells
    (one copy at replication 1; ``0``: the cells of one round, ``cells_written /
    write_rounds``) in ``write_rounds`` programming rounds (crossbar weight gradients: one
    per sample; an update: one).
    """

    latency_s: float
    energy_j: Mapping[str, float]
    cells_written: float = 0.0
    cells_in_use: float = 0.0
    write_rounds: int = 1
    #: of ``latency_s``: the time its bank-buffer traffic takes at one buffer's bandwidth,
    #: and the part that streams (reads, digital work and buffer traffic overlap; the rest
    #: is programming), which a shared buffer port stretches (:mod:`lergan.system.ports`)
    buffer_s: float = 0.0
    stream_s: float = 0.0


@dataclass(frozen=True, slots=True)
class OpSpec:
    """One operation of the iteration graph, as placement and scheduling need it.

    ``executor``: what executes it (``crossbar``: MVMs on a layer's crossbars, ``digital``:
    digital units, ``write``: programming a layer's crossbars at the update, ``source``: data
    that comes from off-chip, e.g. real samples). ``crossbars``: crossbars needed at
    replication 1. ``cost``: cost at replication 1; ``weights_bytes``: the layer's weights
    (moved from the update tier to the tiers that hold copies). For an update (``executor ==
    "write"``), ``cost`` is the optimiser step (digital, in the update tier) and ``write``
    the programming of every stored copy at replication 1 (placement shares it among the
    units holding a copy, times their replication). ``positions``: how many copies one
    sample's output positions can be spread over. ``barrier``: needs all its
    input samples before its first output (batch norm). ``accumulates``: its output exists
    only when it finishes (weight gradients, update).
    """

    id: str
    network: str
    step: str
    pass_: str
    layer: str
    samples: int
    executor: Executor
    crossbars: int
    cost: OpCost
    deps: tuple[Dep, ...] = ()
    barrier: bool = False
    accumulates: bool = False
    weights_bytes: float = 0.0
    write: OpCost | None = None
    #: MVM steps of one sample on one copy (a streaming crossbar pass): the most copies
    #: one sample's output positions can be split over (PipeLayer's granularity)
    positions: int = 1
    #: an update's master weights and optimiser state, kept all iteration where its
    #: optimiser runs (:mod:`lergan.system.storage`)
    state_bytes: float = 0.0


class Task(NamedTuple):
    """A placed operation: what runs on which resource for how long.

    ``unit`` is the resource it occupies (a group of crossbars, a digital unit, a
    time-multiplexed tier); ``bank`` is 1-based, 0 means off-chip. ``latency_s`` is per
    sample per copy; the task's busy time is ``ceil(samples / replication) * latency_s``.
    ``writes_per_cell``: writes per iteration of the most-written cells the task programs;
    ``cells_in_use``: how many cells get that many (:func:`lergan.system.wear.hot_spot`).
    """

    id: str
    op: str
    kind: TaskKind
    network: str
    step: str
    pass_: str
    layer: str
    unit: str
    bank: int
    tier: str
    samples: int
    replication: int
    latency_s: float
    energy_j: Mapping[str, float]
    deps: tuple[Dep, ...] = ()
    barrier: bool = False
    accumulates: bool = False
    cells_written: float = 0.0
    crossbars: int = 0
    writes_per_cell: float = 0.0
    cells_in_use: float = 0.0

    @property
    def busy_s(self) -> float:
        """Time the task keeps its unit busy."""
        return -(-self.samples // self.replication) * self.latency_s


@dataclass
class Unit:
    """A placed unit: where it is and how many crossbars (per copy) and copies it has."""

    name: str
    network: str
    layer: str
    tier: str
    bank: int
    group: str
    crossbars: int = 0
    replication: int = 1
    busy_estimate_s: float = 0.0
    max_samples: int = 1
    #: copies one sample's output positions may be spread over (the fewest MVM steps per
    #: sample among the unit's passes; 1 for passes that program an operand per sample)
    max_split: int = 0
    holds_weights: bool = False
    swapped: bool = False
    pieces: int = 1

    @property
    def total_crossbars(self) -> int:
        return self.crossbars * self.replication


@dataclass
class Group:
    """A network's tier (or a whole network in the ``prime`` layout) and its capacity."""

    name: str
    network: str
    tier: str
    banks: tuple[int, ...]
    capacity: float
    demand: int = 0
    multiplexed: bool = False
    swap_crossbars: int = 0
    fits: bool = True


def position_split(replication: int, samples: int, positions: int) -> int:
    """Copies one sample's output positions are spread over (PipeLayer's parallelism
    granularity): beyond its samples, ``replication // samples`` copies per sample, at most
    its ``positions`` (MVM steps per sample); 1 otherwise."""
    if replication > samples > 0 and positions > 1:
        return min(replication // samples, positions)
    return 1
