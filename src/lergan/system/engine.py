"""The engine: place operations, configure the interconnect, schedule, account.

:func:`run_engine` works on the engine's own records (:class:`~lergan.system.tasks.OpSpec`),
so that it can be tested on small synthetic iterations; :func:`lergan.system.simulate`
builds those records from a workload, a preset and the mapping.
"""

from __future__ import annotations

import contextlib
import gc
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from lergan.system import accounting, wear
from lergan.system.interconnect import Demand, Topology
from lergan.system.placement import ChipSpec, Placement, place
from lergan.system.ports import share_ports
from lergan.system.result import Entry, Interval, SimulationResult
from lergan.system.schedule import Schedule, schedule
from lergan.system.storage import StorageSpec, place_data
from lergan.system.tasks import OpSpec, Task


def demands(tasks: Sequence[Task], by_id: Mapping[str, Task] | None = None) -> list[Demand]:
    """Bytes each step moves between banks (what the 3D configuration is chosen for): one
    demand per (source, tensor, destination bank), as the schedule's transfers
    (``by_id``: the tasks by id, when the caller has them)."""
    if by_id is None:
        by_id = {t.id: t for t in tasks}
    seen: set[tuple[str, str | None, int]] = set()
    out = []
    new = tuple.__new__  # Demand._make without its Python frame (five fields)
    for t in tasks:
        bank = t.bank
        for src_id, tensor, nbytes, _, _ in t.deps:
            if tensor is None or nbytes <= 0:
                continue
            src = by_id[src_id]
            if src.bank == bank:
                continue
            key = (src_id, tensor, bank)
            if key in seen:
                continue
            seen.add(key)
            out.append(new(Demand, (t.step, src.bank, bank, nbytes, src.network != t.network)))
    return out


def run_engine(
    ops: Sequence[OpSpec],
    chip: ChipSpec,
    topology: Topology,
    *,
    layout: str = "lergan",
    crossbar_budget: int | None = None,
    replication: str | int | Mapping[str, int] = "auto",
    transfer_chunks: int = 8,
    static_power_w: Iterable[tuple[str, str, float]] = (),
    area_m2: Iterable[tuple[str, str, float]] = (),
    provision: Callable[[Placement], tuple[Iterable, Iterable]] | None = None,
    storage: StorageSpec | None = None,
    ports: float | None = None,
    benchmark: str = "synthetic",
    architecture: str = "synthetic",
    batch: int = 1,
    options: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
    extra_placement: Mapping[str, Any] | None = None,
) -> SimulationResult:
    """Simulate one iteration given as engine records: place, configure the interconnect
    for each step, schedule, account. ``provision(placement) -> (area_m2, static_power_w)``
    replaces the fixed ``area_m2`` / ``static_power_w`` records when what is provisioned
    depends on the placement; ``storage`` places the iteration's data in bank buffers, memory
    mats and off chip, charging spills (:mod:`lergan.system.storage`; ``None``: every
    bank buffer holds what it is given); ``ports``: each bank's buffer bandwidth in buffers'
    worth, shared by what runs in the bank (:mod:`lergan.system.ports`; ``None``: every
    operation has a port of its own); notes on time-multiplexed groups and spills are
    added."""
    with _cyclic_gc_paused():  # the placement and schedule are freed before it resumes
        return _run(ops, chip, topology, layout, crossbar_budget, replication,
                    transfer_chunks, static_power_w, area_m2, provision, storage, ports,
                    benchmark, architecture, batch, options, notes, extra_placement)


def _run(ops, chip, topology, layout, crossbar_budget, replication, transfer_chunks,
         static_power_w, area_m2, provision, storage, ports, benchmark, architecture, batch,
         options, notes, extra_placement) -> SimulationResult:
    """:func:`run_engine`'s work (its arguments in order)."""
    pl = place(ops, chip, layout=layout, crossbar_budget=crossbar_budget,
               replication=replication)
    if ports is not None:
        pl.tasks, use = share_ports(pl.tasks, ops, ports)
        extra_placement = {**(extra_placement or {}),
                           "buffer_ports": {f"B{b}": u.to_dict() for b, u in use.items()}}
        slow = [f"B{b} x{u.slowdown:.2f}" for b, u in use.items() if u.slowdown > 1]
        if slow:
            notes = [*notes, "bank buffer ports oversubscribed (operations that may run at "
                     f"once need more than the ports): {', '.join(slow)} slower streaming"]
    if storage is not None:
        st = place_data(pl.tasks, ops, storage)
        pl.tasks = st.tasks
        extra_placement = {**(extra_placement or {}), "storage": st.to_dict()}
        notes = [*notes, *st.notes()]
    by_id = {t.id: t for t in pl.tasks}  # one for demands, schedule and assemble
    steps = list(dict.fromkeys(map(_STEP, pl.tasks)))
    topology.configure(demands(pl.tasks, by_id), steps)
    sch = schedule(pl.tasks, topology, transfer_chunks=transfer_chunks, by_id=by_id)
    if provision is not None:
        area_m2, static_power_w = provision(pl)
    return assemble(pl, sch, topology, static_power_w=static_power_w, area_m2=area_m2,
                    benchmark=benchmark, architecture=architecture, batch=batch,
                    options=options, notes=[*notes, *multiplexing_notes(pl)],
                    extra_placement=extra_placement, by_id=by_id)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the engine runs.

    The engine allocates tens of thousands of records (tasks, timings, intervals,
    entries) that form no reference cycles and live until it returns; each collection
    the allocations trigger would traverse them, and the memoised graphs and costs, for
    nothing (on average about 5 ms of a DiscoGAN or GP-GAN iteration, timed with
    gc.callbacks; 0.6 ms with the pause).
    Reference counting still frees what dies; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def multiplexing_notes(pl: Placement) -> list[str]:
    """One line per time-multiplexed group: why, and which units take turns."""
    notes = []
    for g in pl.groups.values():
        if g.multiplexed:
            names = [u.name + (f" (in {u.pieces} pieces)" if u.pieces > 1 else "")
                     for u in pl.units.values() if u.group == g.name and u.swapped]
            why = ("does not fit" if not g.fits else
                   "fits, but frees crossbars for copies of its busiest layers")
            notes.append(f"{g.name} ({g.capacity:g} crossbars) {why}: {', '.join(names)} "
                         f"take turns in a {g.swap_crossbars}-crossbar swap region, "
                         "reloading their weights")
    return notes


#: Timeline order: start, then id (Interval's fields start_s and id, without a Python call).
_START_ID = operator.itemgetter(Interval._fields.index("start_s"), Interval._fields.index("id"))
#: An Entry's value and a Task's cells written, by position (``sum(map(...))`` over them adds
#: the same values in the same order as a generator over the attributes, without its frames).
_VALUE = operator.itemgetter(Entry._fields.index("value"))
_CELLS_WRITTEN = operator.itemgetter(Task._fields.index("cells_written"))
_STEP = operator.itemgetter(Task._fields.index("step"))


def assemble(
    pl: Placement,
    sch: Schedule,
    topology: Topology,
    *,
    static_power_w: Iterable[tuple[str, str, float]],
    area_m2: Iterable[tuple[str, str, float]],
    benchmark: str,
    architecture: str,
    batch: int,
    options: Mapping[str, Any] | None,
    notes: Sequence[str],
    extra_placement: Mapping[str, Any] | None = None,
    by_id: Mapping[str, Task] | None = None,
) -> SimulationResult:
    """Turn a placement and its schedule into a :class:`SimulationResult` (``by_id``: the
    placement's tasks by id, when the caller has them)."""
    tasks = {t.id: t for t in pl.tasks} if by_id is None else by_id
    energy = accounting.energy_entries(pl.tasks, sch, topology, static_power_w, tasks)
    area = accounting.area_entries(area_m2, topology)
    time = accounting.time_entries(tasks, sch)
    # one pass over the tasks and one over the transfers; totals keep ``sum`` over the
    # same values in the same order
    timeline: list[Interval] = []
    append = timeline.append
    new = tuple.__new__  # Interval._make without its Python frame (nine fields)
    timings = sch.timings
    written: list[Task] = []
    for t in pl.tasks:
        tm = timings[t.id]
        start, finish = tm.start, tm.finish
        if finish > start:
            append(new(Interval, (t.id, t.unit, t.kind, t.network, t.step, t.pass_, t.layer,
                                  start, finish)))
        if t.cells_written > 0:
            written.append(t)
    bytes_by_link: dict[str, float] = {}
    sent_by_bank: dict[str, float] = {}
    received_by_bank: dict[str, float] = {}
    sent_bytes: list[float] = []
    crossing_bytes: list[float] = []
    for x in sch.transfers.values():
        tm = timings[x.id]
        src = tasks[x.src_task]
        nbytes = x.bytes
        resources = x.route.resources
        for res in resources:
            bytes_by_link[res] = bytes_by_link.get(res, 0.0) + nbytes
        append(new(Interval, (x.id, "+".join(resources) or "local", "transfer", src.network,
                              x.step, "transfer", src.layer, tm.start, tm.finish)))
        sent_bytes.append(nbytes)
        if x.crosses:
            crossing_bytes.append(nbytes)
        k = f"B{x.src_bank}"
        sent_by_bank[k] = sent_by_bank.get(k, 0.0) + nbytes
        k = f"B{x.dst_bank}"
        received_by_bank[k] = received_by_bank.get(k, 0.0) + nbytes
    timeline.sort(key=_START_ID)
    sent = sum(sent_bytes)
    interconnect = {
        "topology": topology.kind,
        "transfers": len(sch.transfers),
        "bytes_sent": sent,
        "bytes_received": sum(received_by_bank.values()),
        "sent_by_bank": sent_by_bank,
        "received_by_bank": received_by_bank,
        "bytes_between_networks": sum(crossing_bytes),
        "bytes_by_resource": bytes_by_link,
        "direct_links": {s: sorted(f"B{a}-B{b}" for a, b in v)
                         for s, v in topology.direct.items()},
        "reconfigurations": topology.reconfigurations(),
    }
    placement = {
        "layout": pl.layout,
        "crossbars_used": pl.crossbars_used,
        "groups": {g.name: {"network": g.network, "tier": g.tier, "banks": list(g.banks),
                            "capacity": g.capacity, "crossbars": g.demand,
                            "multiplexed": g.multiplexed, "swap_crossbars": g.swap_crossbars}
                   for g in pl.groups.values()},
        **(extra_placement or {}),
        "units": {u.name: {"network": u.network, "layer": u.layer, "tier": u.tier,
                           "bank": u.bank, "crossbars": u.crossbars,
                           "replication": u.replication, "swapped": u.swapped,
                           "pieces": u.pieces}
                  for u in pl.units.values()},
    }
    crit = []
    for seg in sch.critical_path:
        t = tasks.get(seg.node)
        crit.append({"id": seg.node, "kind": t.kind if t else "transfer",
                     "start_s": seg.start, "end_s": seg.end})
    return SimulationResult(
        benchmark=benchmark,
        architecture=architecture,
        batch=batch,
        time_s=sch.makespan_s,
        energy_j=sum(map(_VALUE, energy)),
        area_mm2=sum(map(_VALUE, area)),
        energy=energy,
        time=time,
        area=area,
        timeline=timeline,
        critical_path=crit,
        utilisation=sch.utilisation(),
        placement=placement,
        interconnect=interconnect,
        cells_written=sum(map(_CELLS_WRITTEN, pl.tasks)),
        options=dict(options or {}),
        notes=list(notes),
        writes=wear.write_entries(written),
        wear=wear.wear_groups(written),
    )
