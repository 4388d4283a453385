"""Placing every operation of the iteration on a bank and a unit; replication; multiplexing.

Layouts (``docs/architecture.md`` section 4):

- ``lergan``: each network's banks form three tiers, forward, error and update (the deck:
  G in banks B1-B3, D in B4-B6). Forward passes run on the forward tier's copy of a layer's
  weights, error passes on the error tier's copy, weight gradients and the update on the
  update tier. The update writes every copy (forward and error tier).
- ``prime``: a network's passes share its banks (PRIME-style, PipeLayer-like training): one
  copy of a layer's weights serves forward and error passes (``transposed-read``), or a
  transposed copy sits beside it in the same banks (``transposed-copy``).

A **unit** is the group of crossbars (or the digital unit) that runs a layer's pass in a tier;
distinct units work in parallel, one unit runs one thing at a time. A **group** is a
network's tier (``prime``: the network), with a crossbar capacity: its banks' crossbars
(under ``crossbar_budget``, shared evenly by the groups that share a bank).

**Replication** (ISAAC, PipeLayer): a unit may hold ``r`` copies of its crossbars and
process ``r`` samples at once; beyond its samples, copies split each sample's output
positions (PipeLayer's parallelism granularity: ``r // samples`` copies per sample, at most
its MVM steps per sample; not for passes that program an operand per sample). ``auto``
balances each group's pipeline: the unit with the longest busy time gets one more copy (one
more per sample beyond the samples) while the group's spare crossbars allow; a unit that
cannot take more is passed over and the next busiest gains. Overrides fix a unit's ``r``
(keys: a unit name such as ``D/forward/conv1``, or ``network/layer`` for all its units).

**Time-multiplexing**: when a group's layers do not fit at ``r = 1``, its least busy units
move, one by one, into a shared *swap region* (as large as the largest of them) until the
resident units plus the region fit. Swapped units take turns in the region, each pass of a
unit that holds weights preceded by a reload of that layer's weights (a weight-gradient
unit programs its own operands) (a write costed like that copy's share of the
update, every cell of it: the approximate update's ``write.fraction_rewritten`` does not
apply to a region that held another layer; the update itself then writes only the master
copy, the next reload loads it). The weights a reload programs travel from where they
live, the update tier: from the update that wrote them in this iteration, else from the
master copy (a transfer of the layer's weights per reload, on the step's route).
With ``auto`` replication a group that fits may also swap its least busy units when the
crossbars this frees, given as copies to its busiest units, shorten its estimated pipeline
(see :func:`lergan.system.replication.choose_plan`). A layer larger than its whole group
is swapped in ``pieces`` (``ceil(crossbars / capacity)``): every sample goes through each
piece in turn (its compute time times the pieces), each piece loaded once per pass (one
full reload of the layer). Only a group without a single crossbar is refused
(``MappingError`` saying by how much).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from lergan.errors import MappingError
from lergan.system.interconnect import OFFCHIP
from lergan.system.ordering import write_after_read
from lergan.system.replication import plan_group, replication_overrides
from lergan.system.tasks import (
    MASTER_WEIGHTS,
    PASS_TIER,
    Dep,
    Group,
    OpCost,
    OpSpec,
    Task,
    Unit,
    position_split,
)
from lergan.system.wear import hot_spot
from lergan.vocabulary import TIERS

LAYOUTS = ("lergan", "prime")


@dataclass(frozen=True)
class ChipSpec:
    """What placement needs of the organisation: banks, crossbars per bank, fixed placements."""

    banks: int
    crossbars_per_bank: int
    network_banks: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    error_copy: bool = True  # prime layout: a transposed copy for the error pass


@dataclass
class Placement:
    """Tasks in schedule order, with their units and groups."""

    layout: str
    tasks: list[Task]
    units: dict[str, Unit]
    groups: dict[str, Group]
    op_tasks: dict[str, tuple[str, ...]]

    @property
    def crossbars_used(self) -> int:
        return sum(u.total_crossbars for u in self.units.values())


def network_banks(networks: Sequence[str], chip: ChipSpec) -> dict[str, tuple[int, ...]]:
    """Banks of each network: the preset's ``network_banks`` where it names the network
    (exactly, or by the same first letter G/D when that is unambiguous), else the free banks
    split in network order into runs whose sizes differ by at most one (networks share banks
    when there are fewer banks than networks)."""
    out: dict[str, tuple[int, ...]] = {}
    given = dict(chip.network_banks)
    for net in networks:
        if net in given:
            out[net] = tuple(given[net])
            continue
        cands = [k for k in given if k[:1].upper() == net[:1].upper()]
        same_letter = [n for n in networks if n[:1].upper() == net[:1].upper()]
        if len(cands) == 1 and len(same_letter) == 1:
            out[net] = tuple(given[cands[0]])
    rest = [n for n in networks if n not in out]
    if rest:
        used = {b for bs in out.values() for b in bs}
        free = [b for b in range(1, chip.banks + 1) if b not in used] or list(
            range(1, chip.banks + 1)
        )
        if len(free) >= len(rest):  # consecutive runs, sizes differing by at most one
            per, extra = divmod(len(free), len(rest))
            i = 0
            for k, net in enumerate(rest):
                m = per + (1 if k < extra else 0)
                out[net] = tuple(free[i:i + m])
                i += m
        else:
            for k, net in enumerate(rest):
                out[net] = (free[k % len(free)],)
    return out


def _tier_banks(banks: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Split a network's banks into the three tiers in order (fewer banks: tiers share)."""
    n = len(banks)
    if n >= 3:
        per, extra = divmod(n, 3)
        out, i = {}, 0
        for k, tier in enumerate(TIERS):
            m = per + (1 if k < extra else 0)
            out[tier] = banks[i:i + m]
            i += m
        return out
    return {tier: (banks[k % n],) for k, tier in enumerate(TIERS)}


def place(
    ops: Sequence[OpSpec],
    chip: ChipSpec,
    *,
    layout: str = "lergan",
    crossbar_budget: int | None = None,
    replication: str | int | Mapping[str, int] = "auto",
) -> Placement:
    """Place ``ops`` (topologically ordered) on ``chip``; see the module docstring.

    The phases, in order: groups and their capacity, units, each group's fit (pieces,
    multiplexing, replication), the banks of the units, then the tasks.
    """
    if layout not in LAYOUTS:
        raise MappingError(f"layout {layout!r}: expected one of {LAYOUTS}")
    budget = _crossbar_budget(chip, crossbar_budget)
    groups, tier_banks = _groups(ops, chip, layout, budget)
    units, op_units, update_of = _units(ops, chip, layout)
    holders = _weight_holders(units)
    # the operations each unit runs (ops ids are unique: op_units has one entry per op)
    uses = Counter(chain.from_iterable(op_units.values()))
    _fit_groups(units, groups, update_of, uses, replication_overrides(replication))
    _assign_banks(units, groups)
    opt_banks = _optimiser_banks(units, op_units, update_of, holders, tier_banks, uses)
    tasks, op_tasks, follows = _tasks(ops, units, groups, op_units, update_of, holders,
                                      opt_banks)
    return Placement(layout, write_after_read(ops, tasks, follows), units, groups, op_tasks)


def _crossbar_budget(chip: ChipSpec, crossbar_budget: int | None) -> int:
    """The crossbars placement may use: the whole chip, or a positive budget within it."""
    total = chip.banks * chip.crossbars_per_bank
    budget = total if crossbar_budget is None else int(crossbar_budget)
    if budget <= 0:
        raise MappingError(f"crossbar_budget {crossbar_budget}: must be positive")
    if budget > total:
        raise MappingError(
            f"crossbar_budget {budget} exceeds the chip's {total} crossbars "
            f"({chip.banks} banks x {chip.crossbars_per_bank}) by {budget - total}"
        )
    return budget


def _group_name(layout: str, network: str, tier: str) -> str:
    return f"{network}/{tier}" if layout == "lergan" else network


def _groups(
    ops: Sequence[OpSpec], chip: ChipSpec, layout: str, budget: int
) -> tuple[dict[str, Group], dict[tuple[str, str], tuple[int, ...]]]:
    """The groups (a network's tiers, or the network in ``prime``) with their capacity,
    and the banks of each (network, tier).

    A group's capacity is its banks' crossbars under the budget (spread evenly over the
    banks in use), each bank's share divided among the groups on that bank.
    """
    networks = list(dict.fromkeys(o.network for o in ops if o.executor != "source"))
    nbanks = network_banks(networks, chip)
    groups: dict[str, Group] = {}
    tier_banks: dict[tuple[str, str], tuple[int, ...]] = {}
    for net in networks:
        if layout == "lergan":
            for tier, bs in _tier_banks(nbanks[net]).items():
                tier_banks[(net, tier)] = bs
                name = _group_name(layout, net, tier)
                groups[name] = Group(name, net, tier, bs, 0.0)
        else:
            for tier in TIERS:
                tier_banks[(net, tier)] = nbanks[net]
            groups[net] = Group(net, net, "shared", nbanks[net], 0.0)
    used_banks = sorted({b for g in groups.values() for b in g.banks})
    per_bank = min(chip.crossbars_per_bank, budget / max(len(used_banks), 1))
    sharing: dict[int, int] = defaultdict(int)
    for g in groups.values():
        for b in g.banks:
            sharing[b] += 1
    for g in groups.values():
        g.capacity = sum(per_bank / sharing[b] for b in g.banks)
    return groups, tier_banks


@lru_cache(maxsize=1 << 16)  # a pure function of strings, asked once per operation
def _unit_name(network: str, layer: str, pass_: str, executor: str, tier: str, layout: str,
               error_copy: bool) -> str:
    """The unit that runs an operation (its network, layer, pass and executor): the
    layer's crossbars in a tier (``lergan``) or in its network's banks (``prime``; ``:T``
    the transposed copy), a weight-gradient unit (``:wg``) or a digital pass
    (``:<pass>:digital``)."""
    if layout == "lergan":
        name = f"{network}/{tier}/{layer}"
    else:
        name = f"{network}/{layer}"
        if pass_ == "error" and error_copy and executor == "crossbar":
            name += ":T"
    if pass_ == "weight_gradient":
        name += ":wg"
    if executor == "digital":
        name += f":{pass_}:digital"
    return name


def _units(
    ops: Sequence[OpSpec], chip: ChipSpec, layout: str
) -> tuple[dict[str, Unit], dict[str, list[str]], dict[tuple[str, str], OpSpec]]:
    """The units with their crossbars per copy and busy estimate, the units of each
    operation (none yet for sources and updates), and each layer's update operation."""
    units: dict[str, Unit] = {}
    op_units: dict[str, list[str]] = {}
    update_of: dict[tuple[str, str], OpSpec] = {}
    error_copy = chip.error_copy
    for op in ops:
        executor = op.executor
        if executor == "source":
            op_units[op.id] = []
            continue
        pass_ = op.pass_
        if executor == "write":
            update_of[(op.network, op.layer)] = op
            op_units[op.id] = []  # an update writes the weight holders (_update_tasks)
            continue
        tier = PASS_TIER.get(pass_, "forward")
        crossbar = executor == "crossbar"
        if crossbar and pass_ == "error" and not error_copy:
            tier = "forward"  # transposed read of the forward copy
        name = _unit_name(op.network, op.layer, pass_, executor, tier, layout, error_copy)
        u = units.get(name)
        if u is None:
            u = units[name] = Unit(name, op.network, op.layer, tier, 0,
                                   _group_name(layout, op.network, tier))
        if crossbar:
            if op.crossbars > u.crossbars:
                u.crossbars = op.crossbars
            samples = op.samples
            u.busy_estimate_s += samples * op.cost.latency_s
            if samples > u.max_samples:
                u.max_samples = samples
            positions, split = op.positions, u.max_split
            # (the fewest positions: min(split, positions) without the builtin's call)
            u.max_split = positions if not split or positions < split else split
            if not u.holds_weights:
                u.holds_weights = pass_ in ("forward", "error")
        op_units[op.id] = [name]
    return units, op_units, update_of


def _weight_holders(units: Mapping[str, Unit]) -> dict[tuple[str, str], list[str]]:
    """The units holding a copy of each (network, layer)'s weights: the update writes them."""
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for u in units.values():
        if u.holds_weights:
            holders[(u.network, u.layer)].append(u.name)
    return holders


def _fit_groups(
    units: Mapping[str, Unit],
    groups: Mapping[str, Group],
    update_of: Mapping[tuple[str, str], OpSpec],
    uses: Mapping[str, int],
    overrides: Mapping[str, int],
) -> None:
    """Fit each group's crossbar units in its capacity: a layer larger than the group in
    pieces, then swapped units and copies (:func:`lergan.system.replication.plan_group`).

    A unit's reload time (its share of the update's programming time, once per use of the
    unit: ``uses``, the operations it runs) is what keeping it in a swap region costs.
    """
    by_group: dict[str, list[Unit]] = defaultdict(list)
    for u in units.values():
        if u.crossbars > 0:
            by_group[u.group].append(u)
    reload_s = {}
    for u in units.values():
        upd = update_of.get((u.network, u.layer))
        w = upd.write.latency_s if upd is not None and upd.write is not None else 0.0
        reload_s[u.name] = w * uses[u.name]
    memo: dict = {}  # auto_replication's copies of units alike, this placement only
    for gname, us in by_group.items():
        g = groups[gname]
        g.demand = sum(u.crossbars for u in us)
        slots = math.floor(g.capacity + 1e-9)
        if slots < 1:
            raise MappingError(
                f"{gname} (banks {list(g.banks)}) has {g.capacity:g} crossbars under the "
                f"crossbar budget, but its layers need crossbars: short by {1 - g.capacity:g} "
                "(raise crossbar_budget)"
            )
        for u in us:
            if u.crossbars > slots:
                u.pieces = -(-u.crossbars // slots)
        g.fits = g.demand <= g.capacity
        swap_size = plan_group(g, us, overrides, reload_s, memo)
        g.demand = sum(u.total_crossbars for u in us if not u.swapped) + swap_size


def _assign_banks(units: Mapping[str, Unit], groups: Mapping[str, Group]) -> None:
    """Put each unit on a bank: a group's banks filled in layer order by crossbars, its swap
    region first (a swapped unit, and a unit of a one-bank group, on the group's first bank;
    the resident units from the end of the region on, so that the region counts in its
    bank's share); a digital unit, which holds no crossbars, on the bank of the crossbar
    unit before it (its producer's, or its layer's), the group's first bank if none."""
    fill: dict[str, float] = {}
    last: dict[str, int] = {}  # per group: the bank of the latest crossbar unit
    for u in units.values():
        g = groups[u.group]
        banks = g.banks
        if len(banks) == 1 or u.swapped:
            u.bank = banks[0]
        elif u.total_crossbars <= 0:
            u.bank = last.get(u.group, banks[0])
        else:
            level = fill.get(u.group)
            if level is None:
                level = float(g.swap_crossbars) if g.multiplexed else 0.0
            cap_bank = g.capacity / len(banks)
            idx = min(int(level // cap_bank) if cap_bank > 0 else 0, len(banks) - 1)
            u.bank = banks[idx]
            fill[u.group] = level + u.total_crossbars
        if u.total_crossbars > 0:
            last[u.group] = u.bank


def _optimiser_banks(
    units: Mapping[str, Unit],
    op_units: Mapping[str, list[str]],
    update_of: Mapping[tuple[str, str], OpSpec],
    holders: Mapping[tuple[str, str], list[str]],
    tier_banks: Mapping[tuple[str, str], tuple[int, ...]],
    uses: Mapping[str, int],
) -> dict[tuple[str, str], int]:
    """The bank of each layer's optimiser (and master copy): of its update tier's banks,
    the one that moves the fewest bytes between banks, its gradients in (from the banks of
    the units that produce them) and its new weights out (to the bank of every unit that
    holds a copy; a swapped one's region once per pass it runs, each after a reload that
    fetches the weights); ties go to the tier's first bank.

    A choice (``docs/model.md``, "Placement"): with one bank per tier (the ``lergan``
    preset) it is that bank; with several (``prime``, larger organisations) the layer's
    update runs where its data already is, as a memory controller that owns the bank would.
    """
    out: dict[tuple[str, str], int] = {}
    for key, upd in update_of.items():
        banks = tier_banks[(upd.network, "update")]
        if len(banks) == 1:
            out[key] = banks[0]
            continue
        inbound: dict[int, float] = defaultdict(float)  # bytes arriving from each bank
        for d in upd.deps:  # gradients, from the units of the operations that make them
            for name in op_units.get(d.src, ()):
                inbound[units[name].bank] += d.bytes
        for name in holders.get(key, ()):
            u = units[name]
            inbound[u.bank] += upd.weights_bytes * (uses[name] if u.swapped else 1)
        total = sum(inbound.values())
        out[key] = min(banks, key=lambda b: total - inbound.get(b, 0.0))  # first on ties
    return out


def _remap(deps: Sequence[Dep], expanded: Mapping[str, tuple[str, ...]]) -> tuple[Dep, ...]:
    """``deps`` with a dependency on an operation placed as several tasks (an update: its
    writes) replaced by one dependency on each of them."""
    if expanded:
        for d in deps:
            if d[0] in expanded:  # Dep.src, by position (a NamedTuple's attribute is a call)
                out: list[Dep] = []
                for d2 in deps:
                    ids = expanded.get(d2[0])
                    if ids is None:
                        out.append(d2)
                        continue
                    rest = d2[1:]
                    for tid in ids:  # Dep(tid, tensor, bytes, whole, first_sample)
                        out.append(_NEW(Dep, (tid, *rest)))
                return tuple(out)
    return tuple(deps)


#: builds a NamedTuple record from its fields in order without NamedTuple.__new__'s Python
#: frame (the records are the same; :func:`_remap` makes hundreds per placement)
_NEW = tuple.__new__


def _source_task(op: OpSpec) -> Task:
    """Data that comes from off-chip (real samples): no unit, no time of its own."""
    return Task(
        id=op.id, op=op.id, kind="source", network=op.network, step=op.step,
        pass_=op.pass_, layer=op.layer, unit="offchip-memory", bank=OFFCHIP,
        tier="offchip", samples=op.samples, replication=1, latency_s=0.0,
        energy_j={}, deps=(),
    )


def _reload_task(op: OpSpec, u: Unit, region: str, cost: tuple[OpCost, float, float],
                 deps: tuple[Dep, ...]) -> Task:
    """Loading a swapped unit's weights into its group's swap region before ``op``, after
    ``deps`` (the region's previous pass, the weights' move from where they live)."""
    c, hot, hot_cells = cost
    return _NEW(Task, (  # Task's fields in order, as in _compute_task
        f"{op.id}:reload", op.id, "reload", op.network, op.step, "reload", op.layer,
        region, u.bank, u.tier, 1, 1, c.latency_s, dict(c.energy_j),  # .. energy_j
        deps, False, True,  # deps .. accumulates
        c.cells_written, u.crossbars, hot, hot_cells,
    ))


def _compute_task(op: OpSpec, u: Unit, unit_res: str, deps: tuple[Dep, ...]) -> Task:
    """``op`` on its unit's resource ``unit_res``: its latency times the pieces of a unit
    swapped in pieces (every sample goes through each), divided by the copies that split
    a sample's output positions when the unit has more copies than samples (PipeLayer)."""
    crossbar = op.executor == "crossbar"
    c = op.cost
    pieces = u.pieces if crossbar else 1
    if pieces > 1:
        c = OpCost(c.latency_s * pieces, c.energy_j, c.cells_written, c.cells_in_use,
                   c.write_rounds)
    replication = u.replication if crossbar else 1
    split = position_split(replication, op.samples, op.positions) if replication > 1 else 1
    if split > 1:
        c = OpCost(c.latency_s / split, c.energy_j, c.cells_written, c.cells_in_use,
                   c.write_rounds)
    # an operation that writes no cells has no hot spot
    hot, hot_cells = hot_spot(c, replication, pieces) if c.cells_written > 0 else (0.0, 0.0)
    # the placement's hot path: Task's 21 fields by position (tuple.__new__, without
    # _make's Python frame), since binding them by keyword took a third of its time
    return _NEW(Task, (
        op.id, op.id, "compute", op.network, op.step, op.pass_, op.layer,  # id .. layer
        unit_res, u.bank, u.tier,  # unit, bank, tier
        1 if op.accumulates and op.executor == "digital" and op.samples <= 1
        else op.samples,  # samples
        replication, c.latency_s, c.energy_j, deps, op.barrier, op.accumulates,
        c.cells_written,
        u.crossbars * replication if crossbar else 0,  # crossbars (Unit.total_crossbars)
        hot, hot_cells,  # writes_per_cell, cells_in_use
    ))


#: a dependency's source, by position (a C call per dependency, no Python frame)
_SRC = itemgetter(0)


def _tasks(
    ops: Sequence[OpSpec],
    units: Mapping[str, Unit],
    groups: Mapping[str, Group],
    op_units: Mapping[str, list[str]],
    update_of: Mapping[tuple[str, str], OpSpec],
    holders: Mapping[tuple[str, str], list[str]],
    opt_banks: Mapping[tuple[str, str], int],
) -> tuple[list[Task], dict[str, tuple[str, ...]],
           tuple[dict[str, int], dict[str, int]] | None]:
    """The tasks of every operation in order, the task ids of each operation, and which
    updates each operation follows, even indirectly (operation id -> one bit per update,
    an update's own bit included, and update id -> its bit;
    :func:`lergan.system.ordering.write_after_read` reuses them; ``None`` when an
    operation depends on one not listed before it).

    Digital work takes turns on its bank's pool of MAC units (:func:`digital_pool`). The
    passes of swapped units take turns in their group's swap region, each after a reload
    of its layer's weights.
    """
    tasks: list[Task] = []
    append = tasks.append
    op_tasks: dict[str, tuple[str, ...]] = {}
    last_on_region: dict[str, str] = {}  # swap region -> the last operation that ran in it
    reloads: dict[str, tuple[OpCost, float, float]] = {}  # swapped unit -> cost, hot spot
    expanded: dict[str, tuple[str, ...]] = {}  # operations placed as tasks of other ids
    expanded_disjoint = expanded.keys().isdisjoint
    # update op id -> its optimiser task; "NET/LAYER:master-weights" -> the master copy
    weight_sources: dict[str, Task] = {}
    # which updates each operation follows, even indirectly (one bit per update): where a
    # swapped layer's reload takes its weights from, and which reads a write must wait for
    update_bit: dict[str, int] = {}
    updates: list[str] = []  # the update of each bit
    layer_bits: dict[tuple[str, str], int] = {}  # the bits of each layer's updates
    passed: dict[str, int] = {}  # what an op passes on: the updates it follows, and itself
    passed_get = passed.get
    pools: dict[int, str] = {}  # bank -> its digital pool
    in_order = True  # every dependency on an operation listed before
    for op in ops:
        oid = op.id
        executor = op.executor
        op_deps = op.deps
        bits = 0
        for d in op_deps:
            a = passed_get(d[0])  # Dep.src, by position
            if a is None:  # listed later, or no operation: write_after_read checks
                in_order = False
            else:
                bits |= a
        if executor == "write":
            bit = update_bit[oid] = 1 << len(update_bit)
            passed[oid] = bits | bit
            updates.append(oid)
            key = (op.network, op.layer)
            layer_bits[key] = layer_bits.get(key, 0) | bit
        else:
            passed[oid] = bits
        if executor == "source":
            append(_source_task(op))
            op_tasks[oid] = (oid,)
            continue
        if executor == "write":
            update = _update_tasks(op, _remap(op_deps, expanded), holders, units,
                                   opt_banks[(op.network, op.layer)])
            tasks.extend(update)
            weight_sources[oid] = update[0]  # the optimiser: where the new weights come from
            ids = tuple(t.id for t in update if t.kind == "write") or (update[0].id,)
            op_tasks[oid] = ids
            if ids != (oid,):
                expanded[oid] = ids
            continue
        (uname,) = op_units[oid]
        u = units[uname]
        # nothing to replace unless it depends on an operation placed as other tasks
        if expanded and not expanded_disjoint(map(_SRC, op_deps)):
            deps = _remap(op_deps, expanded)
        else:
            deps = tuple(op_deps)
        if executor == "crossbar":
            unit_res = uname
            if u.swapped:
                unit_res = f"{groups[u.group].name}:swap"
                upd = update_of.get((op.network, op.layer))
                prev = last_on_region.get(unit_res)
                # a weight-gradient unit programs its own operands (its cost holds those
                # writes): it takes its turn in the region without a reload of the weights
                if u.holds_weights and upd is not None and upd.write is not None:
                    reload = reloads.get(uname)  # the same for every pass of the unit
                    if reload is None:
                        c = _full_copy(_share(upd.write, _copy_share(upd, u, holders, units),
                                              1))
                        reload = reloads[uname] = (c, *hot_spot(c, 1, u.pieces))
                    rdeps = (_NEW(Dep, (prev, None, 0.0, True, None)),) if prev else ()
                    rdeps = (*rdeps, _weights_fetch(op, upd, f"{oid}:reload",
                                                    weight_sources, bits, updates,
                                                    layer_bits, opt_banks, tasks))
                    append(_reload_task(op, u, unit_res, reload, rdeps))
                    deps = (*deps, _NEW(Dep, (f"{oid}:reload", None, 0.0, True, None)))
                elif prev:
                    deps = (*deps, _NEW(Dep, (prev, None, 0.0, True, None)))
                last_on_region[unit_res] = oid
            append(_compute_task(op, u, unit_res, deps))
        else:  # digital: on its bank's pool
            bank = u.bank
            unit_res = pools.get(bank)
            if unit_res is None:
                unit_res = pools[bank] = digital_pool(bank)
            append(_compute_task(op, u, unit_res, deps))
        op_tasks[oid] = (oid,)
    return tasks, op_tasks, (passed, update_bit) if in_order else None


def _weights_fetch(op: OpSpec, upd: OpSpec, rid: str, weight_sources: dict[str, Task],
                   follows: int, updates: Sequence[str],
                   layer_bits: Mapping[tuple[str, str], int],
                   opt_banks: Mapping[tuple[str, str], int], tasks: list[Task]) -> Dep:
    """The dependency that brings a reload its weights from where they live: the latest
    update of the layer in this iteration that ``op`` follows (``follows``: the bits of the
    updates it depends on, even indirectly; ``updates``: the update of each bit, in order;
    ``layer_bits``: the bits of each layer's updates), from its optimiser in the update tier; else
    the master copy at the layer's optimiser bank (:func:`_optimiser_banks`; a zero-time
    ``source`` task there, added to ``tasks`` once per layer and kept in ``weight_sources``
    under its id). The tensor is named per reload: the swap region held other weights in
    between, so every reload moves the layer's weights again (issue 9: a reload reads its
    weights where they live).
    """
    src = None
    mine = follows & layer_bits.get((op.network, op.layer), 0)
    if mine:  # the latest of them: the highest bit
        src = weight_sources[updates[mine.bit_length() - 1]]
    if src is None:
        mid = f"{op.network}/{op.layer}{MASTER_WEIGHTS}"
        src = weight_sources.get(mid)
        if src is None:
            bank = opt_banks[(op.network, op.layer)]
            src = Task(id=mid, op=upd.id, kind="source", network=op.network, step=op.step,
                       pass_="reload", layer=op.layer, unit=f"B{bank}{MASTER_WEIGHTS}",
                       bank=bank, tier="update", samples=1, replication=1, latency_s=0.0,
                       energy_j={})
            tasks.append(src)
            weight_sources[mid] = src
    return _NEW(Dep, (src.id, f"{op.layer}.weights>{rid}", upd.weights_bytes, True, None))


def digital_pool(bank: int) -> str:
    """The resource of a bank's digital units: every digital task on the bank (batch norm,
    activations, losses, the optimiser, digital weight gradients) takes turns on the pool
    of MAC units that the bank holds (``organisation.per_mat.mac`` x mats + ``per_bank``),
    which its cost already assumes whole."""
    return f"B{bank}:digital"


def _share(c: OpCost, fraction: float, replication: int) -> OpCost:
    """``fraction`` of a write's energy and cells, ``replication`` times (latency unchanged:
    copies are programmed in parallel; every copy's cells written, so the cells in use
    scale alike)."""
    k = fraction * replication
    cells = c.cells_written * k
    if c.cells_written > 0:  # whole cells: the copy's share rounded, energy with it
        cells = float(round(cells))  # exactly whole (cells_written * k may not be)
        k = cells / c.cells_written
    return OpCost(c.latency_s, {n: v * k for n, v in c.energy_j.items()}, cells,
                  c.cells_in_use * k, c.write_rounds)


def _full_copy(c: OpCost) -> OpCost:
    """A reload programs every cell of its copy (the swap region held another layer), not
    the share ``write.fraction_rewritten`` that an in-place update rewrites."""
    if not 0 < c.cells_written < c.cells_in_use:
        return c
    cells = float(round(c.cells_in_use))  # whole cells
    k = cells / c.cells_written
    return OpCost(c.latency_s, {n: v * k for n, v in c.energy_j.items()}, cells, cells,
                  c.write_rounds)


def _copy_share(op: OpSpec, u: Unit, holders: Mapping[tuple[str, str], list[str]],
                units: Mapping[str, Unit]) -> float:
    """The share of a layer's stored copies held by unit ``u`` (by crossbars per copy)."""
    names = holders.get((op.network, op.layer), [])
    total = sum(units[n].crossbars for n in names)
    return u.crossbars / total if total else 1.0


def _update_tasks(op: OpSpec, deps: tuple[Dep, ...],
                  holders: Mapping[tuple[str, str], list[str]], units: Mapping[str, Unit],
                  bank: int) -> list[Task]:
    """An update: the optimiser step in the update tier, then one write per stored copy.

    The new weights travel from the update tier to each unit holding a copy, which is then
    programmed (its share of the layer's cells, times its replication). A unit in a
    swap region is not written: its next reload loads the new weights.
    """
    opt_id = f"{op.id}:optimiser" if op.write is not None else op.id
    out = [_NEW(Task, (  # Task's fields in order, as in _compute_task
        opt_id, op.id, "compute", op.network, op.step, op.pass_, op.layer,  # id .. layer
        digital_pool(bank), bank, "update", 1, 1,  # unit .. replication
        op.cost.latency_s, op.cost.energy_j, deps, False, True,  # latency .. accumulates
        0.0, 0, 0.0, 0.0,  # cells_written, crossbars, writes_per_cell, cells_in_use
    ))]
    if op.write is None:
        return out
    names = holders.get((op.network, op.layer), [])
    written = False
    for uname in names:
        u = units[uname]
        if u.swapped:
            continue
        c = _share(op.write, _copy_share(op, u, holders, units), u.replication)
        hot, hot_cells = hot_spot(c)
        out.append(_NEW(Task, (  # Task's fields in order
            f"{op.id}@{uname}", op.id, "write", op.network, op.step, op.pass_, op.layer,
            uname, u.bank, u.tier, 1, 1, c.latency_s, dict(c.energy_j),  # unit .. energy_j
            (_NEW(Dep, (opt_id, f"{op.layer}.weights", op.weights_bytes, True, None)),),
            False, True, c.cells_written, u.total_crossbars,  # barrier .. crossbars
            hot, hot_cells,  # writes_per_cell, cells_in_use
        )))
        written = True
    if not written and not names:
        # no crossbars hold this layer (nothing mapped): the write goes with the optimiser
        c = op.write
        hot, hot_cells = hot_spot(c)
        out[0] = out[0]._replace(latency_s=out[0].latency_s + c.latency_s,
                         energy_j={**out[0].energy_j, **c.energy_j},
                         cells_written=c.cells_written, writes_per_cell=hot,
                         cells_in_use=hot_cells)
    return out
