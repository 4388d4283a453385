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
    if u.name in overrides:
        return overrides[u.name]
    key = f"{u.network}/{u.layer}"
    if key in overrides:
        return overrides[key]
    return overrides.get("*")


def auto_replication(units: Sequence[Unit], fixed: Mapping[str, int],
                      spare: float) -> dict[str, int]:
    """Copies per unit: the busiest unit gets more copies while they fit (balances the
    group's pipeline); units in ``fixed`` keep theirs.

    Below its samples a unit gains one copy at a time; beyond them, one copy per sample at a
    time (each sample's positions split over one more copy), up to its samples times its
    positions per sample. A unit that cannot grow (at that cap, or its next step larger
    than the spare crossbars) is passed over: the next busiest may still gain, since the
    steps of an iteration run at different times.
    """
    reps = {u.name: fixed.get(u.name, 1) for u in units}
    free = [i for i, u in enumerate(units) if u.name not in fixed and u.busy_estimate_s > 0]
    heap = [(-units[i].busy_estimate_s, i) for i in free]
    heapq.heapify(heap)
    while heap:
        _neg, i = heapq.heappop(heap)
        u = units[i]
        r = reps[u.name]
        n = max(u.max_samples, 1)
        step = 1 if r < n else n
        cap = n * max(u.max_split, 1)
        if r + step > cap or u.crossbars * step > spare:
            continue  # this unit cannot grow: leave it, try the next busiest
        reps[u.name] = r + step
        spare -= u.crossbars * step
        heapq.heappush(heap, (-u.busy_estimate_s / reps[u.name], i))
    return reps


def plan_group(g: Group, us: list[Unit], overrides: Mapping[str, int],
                reload_s: Mapping[str, float]) -> int:
    """Choose the swapped units and the copies of a group's units; returns the swap size.

    Candidates swap the ``k`` least busy units (``k = 0`` when everything fits). With
    ``auto`` replication each candidate is replicated and scored by its estimated pipeline
    time (the busiest resident unit, or the swap region's turns and reloads, whichever is
    longer); the best wins (ties: fewer swapped). Otherwise the fewest swaps that fit win.
    """
    slots = math.floor(g.capacity + 1e-9)
    big = [u for u in us if u.pieces > 1]  # larger than the group: always swapped, in pieces
    order = sorted((u for u in us if u.pieces == 1),
                   key=lambda u: (u.busy_estimate_s, u.crossbars, u.name))
    fixed = {u.name: r for u in us if (r := override_for(u, overrides)) is not None}
    for name, r in fixed.items():
        if r < 1:
            raise MappingError(f"replication of {name}: {r} (must be >= 1)")
    auto = overrides.get("*") is None
    best: tuple[float, int, dict[str, int]] | None = None
    for k in range(len(order) + 1):
        swapped, resident = big + order[:k], order[k:]
        size = max((min(u.crossbars, slots) for u in swapped), default=0)
        if any(fixed.get(u.name, 1) != 1 for u in swapped):
            continue
        used = sum(u.crossbars * fixed.get(u.name, 1) for u in resident) + size
        if used > g.capacity:
            continue
        if not auto:
            best = (0.0, k, {u.name: fixed.get(u.name, 1) for u in resident})
            break
        t_swap = sum(u.busy_estimate_s * u.pieces + reload_s.get(u.name, 0.0)
                     for u in swapped)
        if best is not None and t_swap >= best[0] * (1 - 1e-9):
            break  # t_swap only grows with k: no later candidate can score better
        reps = auto_replication(resident, fixed, g.capacity - used)
        t_res = max((u.busy_estimate_s / reps[u.name] for u in resident), default=0.0)
        score = max(t_res, t_swap)
        if best is None or score < best[0] * (1 - 1e-9):
            best = (score, k, reps)
    if best is None:
        over = [u.name for u in us if fixed.get(u.name, 1) != 1]
        used = sum(u.crossbars * fixed.get(u.name, 1) for u in us)
        raise MappingError(
            f"replication overrides of {g.name} ({', '.join(over)}) need {used} crossbars, "
            f"it has {g.capacity:g}: short by {used - g.capacity:g}"
        )
    _, k, reps = best
    for u in big + order[:k]:
        u.swapped = True
        u.replication = 1
    for u in order[k:]:
        u.replication = reps[u.name]
    size = max((min(u.crossbars, slots) for u in big + order[:k]), default=0)
    g.multiplexed = bool(big) or k > 0
    g.swap_crossbars = size
    return size
