"""Energy, area and time of the iteration, as records that every breakdown sums.

- Dynamic energy: each task's per-component energy from the mapping's cost (MVM reads, DACs,
  ADCs, shift-and-add, buffers, digital units, cell writes and reloads), each transfer's bits
  times the energy per bit of every hop (``link:<kind>``), and the 3D switches'
  reconfiguration energy.
- Static energy: the static power of what is powered (given per network and component by the
  caller, links from the topology) times the makespan (pass ``static``).
- Area: what the caller provisions per network and component plus the topology's links.
- Time: the critical path's segments, attributed to their task or transfer; the remainder of
  the makespan (when the path starts after time 0) is ``wait``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from lergan.system.interconnect import Topology
from lergan.system.result import Entry
from lergan.system.schedule import Schedule
from lergan.system.tasks import Task


def energy_entries(
    tasks: Sequence[Task],
    sch: Schedule,
    topology: Topology,
    static_power_w: Iterable[tuple[str, str, float]],
    by_id: Mapping[str, Task] | None = None,
) -> list[Entry]:
    """Dynamic and static energy records of the iteration (``by_id``: ``tasks`` by id, when
    the caller has them; the tasks must be a sequence, iterated twice without it)."""
    # One running sum per (network, step, pass, layer) and component, summed in task order;
    # a dict of components per key, since hashing a five-field key per component took
    # twice as long; ``order`` keeps each (key, component)'s first appearance: the order
    # of the records. The loop is written out for the tasks and the transfers (a call per
    # task cost a quarter of the time).
    sums: dict[tuple[str, str, str, str], dict[str, float]] = {}
    order: list[tuple[tuple[str, str, str, str], dict[str, float], str]] = []
    append = order.append
    sums_get = sums.get
    if by_id is None:
        by_id = {}
        for t in tasks:
            by_id[t.id] = t
    for t in tasks:
        energy_j = t.energy_j
        if energy_j:
            key = (t.network, t.step, "reload" if t.kind == "reload" else t.pass_, t.layer)
            acc = sums_get(key)
            if acc is None:
                acc = sums[key] = {}
            for comp, j in energy_j.items():
                if j:
                    v = acc.get(comp)
                    if v is None:
                        acc[comp] = j
                        append((key, acc, comp))
                    else:
                        acc[comp] = v + j
    for x in sch.transfers.values():
        energy_j = x.energy_j
        if energy_j:
            src = by_id[x.src_task]
            key = (src.network, x.step, "transfer", src.layer)
            acc = sums_get(key)
            if acc is None:
                acc = sums[key] = {}
            for comp, j in energy_j.items():
                if j:
                    v = acc.get(comp)
                    if v is None:
                        acc[comp] = j
                        append((key, acc, comp))
                    else:
                        acc[comp] = v + j
    # Entry._make without its Python frame (the fields are six); concatenating is faster
    # than unpacking into a new tuple
    new = tuple.__new__
    out = [new(Entry, key + (comp, acc[comp])) for key, acc, comp in order]  # noqa: RUF005
    for step, links in topology.new_links.items():
        if links and topology.reconfiguration_energy_j:
            out.append(Entry("interconnect", step, "reconfigure", "-", "switch",
                             len(links) * topology.reconfiguration_energy_j))
    for net, comp, watts in static_power_w:
        if watts:
            out.append(Entry(net, "-", "static", "-", comp, watts * sch.makespan_s))
    for kind, watts in topology.static_power_w().items():
        if watts:
            out.append(Entry("interconnect", "-", "static", "-", f"link:{kind}",
                             watts * sch.makespan_s))
    return out


def area_entries(area_m2: Iterable[tuple[str, str, float]], topology: Topology) -> list[Entry]:
    """Area records in mm2: the caller's per network and component, plus the links."""
    out = [Entry(net, "-", "-", "-", comp, a * 1e6) for net, comp, a in area_m2 if a]
    for kind, a in topology.area_m2().items():
        if a:
            out.append(Entry("interconnect", "-", "-", "-", f"link:{kind}", a * 1e6))
    return out


def time_entries(tasks: Mapping[str, Task], sch: Schedule) -> list[Entry]:
    """The makespan along the critical path, per task or transfer; the rest is ``wait``."""
    out: list[Entry] = []
    new = tuple.__new__  # Entry(...) without the Python frame of its __new__ (six fields)
    tasks_get = tasks.get
    for node, start, end in sch.critical_path:
        dt = end - start
        if dt <= 0:
            continue
        t = tasks_get(node)
        if t is not None:
            pass_ = "reload" if t.kind == "reload" else t.pass_
            out.append(new(Entry, (t.network, t.step, pass_, t.layer, t.kind, dt)))
            continue
        x = sch.transfers[node]
        src = tasks[x.src_task]
        comp = "+".join(dict.fromkeys(f"link:{h.spec.name}" for h in x.route.hops))
        out.append(new(Entry, (src.network, x.step, "transfer", src.layer, comp, dt)))
    rest = sch.makespan_s - sum(e.value for e in out)
    if rest > 1e-15 * max(sch.makespan_s, 1e-30):
        out.append(Entry("-", "-", "wait", "-", "wait", rest))
    return out
