"""Replication and swap planning of one group (a network's tier) under its crossbar capacity.

See :mod:`lergan.system.placement` for the model: ``auto`` gives the busiest unit more
copies while the group has room (ISAAC's and PipeLayer's pipeline balancing; beyond a
unit's samples, copies split each sample's positions); a group whose
units do not fit (or that gains by it) swaps its least busy units through a shared region.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from lergan.errors import MappingError
from lergan.system.tasks import Group, Unit


def replication_overrides(replication: str | int | Mapping[str, int]) -> dict[str, int]:
    if replication == "auto":
        return {}
    if replication == "none":
        return {"*": 1}
    if isinstance(replication, int):
        return {"*": replication}
    if isinstance(replication, Mapping):
        return {str(k): int(v) for k, v in replication.items()}
    raise MappingError(
        f"replication {replication!r}: expected 'auto', 'none', an integer or a mapping from "
        "unit name (or network/layer) to an integer"
    )


def override_for(u: Unit, overrides: Mapping[str, int]) -> int | None:
    if not overrides:  # auto: nothing fixed (no key to build)
        return None
    if u.name in overrides:
        return overrides[u.name]
    key = f"{u.network}/{u.layer}"
    if key in overrides:
        return overrides[key]
    return overrides.get("*")


#: what :func:`auto_replication` reads of a unit, in order: its fixed copies (``None``:
#: free), busy estimate, crossbars per copy, samples and split cap
UnitKey = tuple[int | None, float, int, int, int]


def auto_replication(units: Sequence[Unit], fixed: Mapping[str, int], spare: float,
                     memo: dict | None = None) -> dict[str, int]:
    """Copies per unit: the busiest unit gets more copies while they fit (balances the
    group's pipeline); units in ``fixed`` keep theirs.

    Below its samples a unit gains one copy at a time; beyond them, one copy per sample at a
    time (each sample's positions split over one more copy), up to its samples times its
    positions per sample. A unit that cannot grow (at that cap, or its next step larger
    than the spare crossbars) is passed over: the next busiest may still gain, since the
    steps of an iteration run at different times.

    The copies depend only on what :data:`UnitKey` holds of each unit, in order, and on
    ``spare`` (not on the names): ``memo``, a dict the caller keeps, reuses them for units
    alike (placement passes one per placement: DiscoGAN's two generators are alike).
    """
    key = (tuple((fixed.get(u.name), u.busy_estimate_s, u.crossbars, u.max_samples,
                  u.max_split) for u in units), spare)
    if memo is None:
        copies = _copies(*key)
    else:
        copies = memo.get(key)
        if copies is None:
            copies = memo[key] = _copies(*key)
    return {u.name: r for u, r in zip(units, copies, strict=True)}


def _copies(units: tuple[UnitKey, ...], spare: float) -> tuple[int, ...]:
    """:func:`auto_replication`'s greedy on unit records, by position: a heap of the free
    units by busy time per copy (ties: the earlier unit), the busiest popped and given its
    next step, or passed over (left out of the heap) when it cannot take it."""
    reps = [1 if f is None else f for f, *_ in units]
    heap = [(-busy, i) for i, (f, busy, *_) in enumerate(units) if f is None and busy > 0]
    if not heap:
        return tuple(reps)
    heapq.heapify(heap)
    pop, pushpop = heapq.heappop, heapq.heappushpop
    # once the spare crossbars are fewer than the smallest unit's, every unit left in the
    # heap would be popped and passed over (a step is a copy or more): stop there
    least = min(units[i][2] for _, i in heap)
    if least < 0:  # (no crossbars are negative; kept exact for any input)
        least = -math.inf
    # the entries are distinct (one per unit, its index in each), so the order they leave
    # the heap in is that of their values: a grown unit's push and the next pop are one
    # heappushpop (which hands the entry straight back while it is still the busiest)
    top = pop(heap)
    while not spare < least:  # (NaN spare: on, as the plain loop would)
        i = top[1]
        _f, busy, crossbars, samples, split = units[i]
        r = reps[i]
        n = samples if samples > 1 else 1
        step = 1 if r < n else n
        if r + step > n * (split if split > 1 else 1) or crossbars * step > spare:
            if not heap:  # this unit cannot grow: leave it, try the next busiest
                break
            top = pop(heap)
            continue
        r += step
        reps[i] = r
        spare -= crossbars * step
        top = pushpop(heap, (-busy / r, i))
    return tuple(reps)


class Plan(NamedTuple):
    """A group's replication and swap plan: its estimated pipeline time (``None`` when the
    replication is fixed), the swapped units and the copies of the resident ones."""

    estimate_s: float | None
    swapped: tuple[str, ...]
    replication: dict[str, int]
    swap_crossbars: int


def choose_plan(capacity: float, us: Sequence[Unit], overrides: Mapping[str, int],
                reload_s: Mapping[str, float], name: str = "group",
                memo: dict | None = None) -> Plan:
    """The swapped units and the copies of a group's units under ``capacity`` crossbars.

    Candidates swap the ``k`` least busy units (``k = 0`` when everything fits), besides
    the units larger than the group (``pieces > 1``), which always are. With ``auto``
    replication each candidate is replicated and scored by its estimated pipeline time (the
    busiest resident unit, or the swap region's turns and reloads, whichever is longer); the
    best wins (ties: fewer swapped). Otherwise the fewest swaps that fit win. ``memo``: see
    :func:`auto_replication`.
    """
    slots = math.floor(capacity + 1e-9)
    big = [u for u in us if u.pieces > 1]  # larger than the group: always swapped, in pieces
    order = sorted((u for u in us if u.pieces == 1),
                   key=lambda u: (u.busy_estimate_s, u.crossbars, u.name))
    fixed = {u.name: r for u in us if (r := override_for(u, overrides)) is not None}
    for uname, r in fixed.items():
        if r < 1:
            raise MappingError(f"replication of {uname}: {r} (must be >= 1)")
    auto = overrides.get("*") is None
    best: tuple[float, int, dict[str, int]] | None = None
    for k in range(len(order) + 1):
        swapped, resident = big + order[:k], order[k:]
        size = max((min(u.crossbars, slots) for u in swapped), default=0)
        if any(fixed.get(u.name, 1) != 1 for u in swapped):
            continue
        used = sum(u.crossbars * fixed.get(u.name, 1) for u in resident) + size
        if used > capacity:
            continue
        if not auto:
            best = (math.nan, k, {u.name: fixed.get(u.name, 1) for u in resident})
            break
        t_swap = sum(u.busy_estimate_s * u.pieces + reload_s.get(u.name, 0.0)
                     for u in swapped)
        if best is not None and t_swap >= best[0] * (1 - 1e-9):
            break  # t_swap only grows with k: no later candidate can score better
        reps = auto_replication(resident, fixed, capacity - used, memo)
        t_res = max((u.busy_estimate_s / reps[u.name] for u in resident), default=0.0)
        score = max(t_res, t_swap)
        if best is None or score < best[0] * (1 - 1e-9):
            best = (score, k, reps)
    if best is None:
        over = [u.name for u in us if fixed.get(u.name, 1) != 1]
        used = sum(u.crossbars * fixed.get(u.name, 1) for u in us)
        raise MappingError(
            f"replication overrides of {name} ({', '.join(over)}) need {used} crossbars, "
            f"it has {capacity:g}: short by {used - capacity:g}"
        )
    score, k, reps = best
    swapped = big + order[:k]
    size = max((min(u.crossbars, slots) for u in swapped), default=0)
    return Plan(None if math.isnan(score) else score, tuple(u.name for u in swapped), reps,
                size)


def plan_group(g: Group, us: list[Unit], overrides: Mapping[str, int],
               reload_s: Mapping[str, float], memo: dict | None = None) -> int:
    """Apply :func:`choose_plan` to a group's units; returns the swap region's size."""
    plan = choose_plan(g.capacity, us, overrides, reload_s, g.name, memo)
    swapped = set(plan.swapped)
    for u in us:
        if u.name in swapped:
            u.swapped = True
            u.replication = 1
        else:
            u.replication = plan.replication[u.name]
    g.multiplexed = bool(swapped)
    g.swap_crossbars = plan.swap_crossbars
    return plan.swap_crossbars
