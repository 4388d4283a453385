"""Timing the placed tasks and their transfers on their resources: a list schedule.

Model (``docs/architecture.md`` section 5, reconstructed):

- **Sample streams.** A streaming task (a layer's forward or error pass) handles its
  ``N`` samples one after another, ``r`` at a time on ``r`` copies: a copy takes
  ``latency_s`` per sample. What a task delivers is a *profile*: the times its first and
  last sample are ready (samples in between are taken evenly spaced, an exact description
  when one stage paces the stream and an upper bound otherwise, because the delivery times
  of a pipeline are convex in the sample index).
- **A consumer waits for its producer, sample by sample.** With ``a_i`` the time sample
  ``i`` is available, a task started at ``S`` finishes at
  ``max(S + ceil(N/r)*d, max_i a_i + ceil((N-i+1)/r)*d)``; availability is piecewise linear,
  so the maximum is taken at the breakpoints. Producer and consumer sample counts may differ
  (D runs on ``B`` real then ``B`` fake samples): a producer of ``n < N`` samples supplies
  the consumer's last ``n``; one of ``n > N`` its last ``N``.
- **Barriers.** A batch-norm task (``barrier``) needs every input sample before its first
  output; a task that ``accumulates`` (weight gradients, update, writes) delivers
  everything when it finishes; a ``whole`` dependency waits for the producer's last sample.
- **Resources.** A task occupies its unit from start to finish; a transfer occupies every
  resource of its route from start to its last byte. Each resource runs one thing at a time;
  a new task or transfer takes the earliest gap that fits (list scheduling in the order of
  the given task list, which must be topological).
- **Transfers** stream with their producer, in chunks (the first sample alone, then up to
  ``transfer_chunks - 1`` more): each chunk takes ``bytes * per_byte_s`` of the route on all
  its resources as soon as its samples exist and the route is free, plus the route's
  latency; chunks of concurrent transfers interleave on a shared link.

The critical path is the chain of binding constraints from the end of the schedule
backwards (each task's finish is bound by its own start or by an input's last sample;
each start by an input's first sample or by the resource's previous occupant); its segments
do not overlap, so their sum never exceeds the makespan, and they say where every second of
it goes.
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from lergan.errors import InternalError
from lergan.system.interconnect import Route, Topology
from lergan.system.tasks import Task


@dataclass(slots=True)
class Timing:
    """When a node (task or transfer) ran, what it delivers, and what bound it.

    ``start_by`` / ``finish_by`` name the node that bound the start / the finish (an input
    or the resource's previous occupant; ``finish_by`` is ``None`` when the node's own work
    from its start did), and ``*_by_time`` the time at which that binder released it.
    """

    start: float
    finish: float
    first: float  # time its first sample is delivered
    last: float   # time its last sample is delivered
    n: int        # samples it delivers
    start_by: str | None = None
    start_by_time: float = 0.0
    finish_by: str | None = None
    finish_by_time: float = 0.0


#: The fields of a Task that scheduling reads, in one C call (``_TASK_FIELDS(task)``).
_TASK_FIELDS = operator.itemgetter(*(Task._fields.index(f) for f in (
    "id", "step", "network", "unit", "bank", "samples", "replication", "latency_s", "deps",
    "barrier", "accumulates")))


#: tuple.__new__, to build a NamedTuple positionally without its Python-level ``__new__``.
_new = tuple.__new__


@dataclass(slots=True)
class Transfer:
    """Data moved between banks for one dependency (deduplicated per tensor and bank)."""

    id: str
    src_task: str
    dst_bank: int
    src_bank: int
    tensor: str | None
    bytes: float
    step: str
    network: str
    route: Route
    energy_j: dict[str, float]
    crosses: bool
    whole: bool


class Segment(NamedTuple):
    """A piece of the critical path: ``node`` was the binding activity from ``start`` to ``end``."""

    node: str
    start: float
    end: float


@dataclass
class Schedule:
    """Start and finish of every task and transfer, resources' busy time, critical path."""

    timings: dict[str, Timing]
    transfers: dict[str, Transfer]
    busy_s: dict[str, float]
    resources: dict[str, _Resource]
    makespan_s: float
    critical_path: list[Segment] = field(default_factory=list)

    @property
    def intervals(self) -> dict[str, list[tuple[float, float, str]]]:
        """Each resource's busy intervals ``(start, end, owner)``, sorted and merged where
        they touch (an interval keeps the owner of its latest end)."""
        return {name: list(zip(r.starts, r.ends, r.owners, strict=True))
                for name, r in self.resources.items()}

    @property
    def critical_path_s(self) -> float:
        """Sum of the critical path's segments."""
        return sum(s.end - s.start for s in self.critical_path)

    def utilisation(self) -> dict[str, float]:
        """Busy time over makespan, per resource."""
        if self.makespan_s <= 0:
            return dict.fromkeys(self.busy_s, 0.0)
        return {k: v / self.makespan_s for k, v in self.busy_s.items()}


class _Resource:
    """Busy intervals of one resource: sorted, disjoint, merged when they touch.

    Kept as three parallel lists (``starts`` for :func:`bisect.bisect_right`, ``ends``,
    ``owners``). A merged interval keeps the owner of its latest end: what a later start
    that waits for it is bound by.
    """

    __slots__ = ("ends", "owners", "starts")

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.owners: list[str] = []

    def reserve(self, ready: float, length: float, owner: str | None,
                tail: float = -math.inf) -> tuple[float, str | None]:
        """Earliest ``s >= ready`` with the window ``[s, max(s + length, tail))`` free, and
        the occupant whose end pushed it there (``None`` when ``s == ready``).

        The window is marked busy for ``owner`` (merged with the intervals it touches);
        ``owner=None`` only searches. One method for both, so that a task or a transfer
        chunk costs one Python call.
        """
        starts, ends, owners = self.starts, self.ends, self.owners
        n = len(starts)
        s = ready
        bound: str | None = None
        if n == 0 or ready >= ends[-1]:  # free from ready on (most calls)
            j = n
        else:
            i = bisect.bisect_right(starts, s) - 1
            if i >= 0 and ends[i] > s:  # ready falls inside interval i
                s, bound = ends[i], owners[i]
            j = i + 1
            while j < n:
                e = s + length
                if starts[j] >= (e if e > tail else tail):  # the window fits before j
                    break
                if ends[j] > s:
                    s, bound = ends[j], owners[j]
                j += 1
        if owner is None:
            return s, bound
        e = s + length
        if e < tail:
            e = tail
        # intervals before j end by s; interval j starts at or after e
        if j > 0 and ends[j - 1] >= s:  # touches the previous interval: extend it
            j -= 1
            if e >= ends[j]:
                ends[j] = e
                owners[j] = owner
        else:
            starts.insert(j, s)
            ends.insert(j, e)
            owners.insert(j, owner)
        if j + 1 < len(starts) and starts[j + 1] <= ends[j]:  # touches the next: merge
            if ends[j + 1] >= ends[j]:
                ends[j] = ends[j + 1]
                owners[j] = owners[j + 1]
            del starts[j + 1], ends[j + 1], owners[j + 1]
        return s, bound


def _fit_for(resources: Sequence[_Resource], ready: float,
             dur: float) -> tuple[float, str | None]:
    """Earliest start ``>= ready`` at which ``[start, start + dur)`` is free on every
    resource, and the occupant that last pushed it: each resource's search in turn until
    none moves it."""
    s = ready
    bound: str | None = None
    moved = True
    while moved:
        moved = False
        for r in resources:
            s2, b = r.reserve(s, dur, None)
            if s2 > s:
                s, bound, moved = s2, b, True
    return s, bound


def schedule(
    tasks: Sequence[Task],
    topology: Topology,
    *,
    transfer_chunks: int = 8,
    by_id: Mapping[str, Task] | None = None,
) -> Schedule:
    """Time ``tasks`` (in a topological order) and the transfers their dependencies need
    (``by_id``: the tasks by id, when the caller has them)."""
    if by_id is None:
        by_id = {t.id: t for t in tasks}
    if len(by_id) != len(tasks):
        dup = sorted(k for k, c in Counter(t.id for t in tasks).items() if c > 1)
        raise InternalError(f"schedule: task ids are not unique ({', '.join(dup[:5])}, ...)")
    timings: dict[str, Timing] = {}
    # per scheduled task: its timing and what its consumers read of it (one lookup per
    # dependency instead of one in ``by_id`` and one in ``timings``)
    done: dict[str, tuple[Timing, int, str, bool]] = {}
    done_get = done.get
    resources: dict[str, _Resource] = {}
    busy: dict[str, float] = {}
    transfers: dict[str, Transfer] = {}
    # per (source, tensor, destination bank): the transfer's id and timing
    xfer_key: dict[tuple[str, str | None, int], tuple[str, Timing]] = {}
    # per (step, source bank, destination bank, crosses): the route, its resources, the
    # seconds per byte each resource is busy and the energy per byte of each hop
    routes: dict[tuple[str, int, int, bool], tuple] = {}
    inf = math.inf
    makespan = -inf  # the latest finish, and the node (task or transfer) that has it
    last = ""  # ties: the largest id

    def res(name: str) -> _Resource:
        r = resources.get(name)
        if r is None:
            r = resources[name] = _Resource()
            busy[name] = 0.0
        return r

    for task in tasks:
        tid, tstep, tnet, tunit, bank, n, r, d, deps, barrier, accumulates = _TASK_FIELDS(task)
        n = n if n > 1 else 1
        r = r if r > 1 else 1
        own = -(-n // r) * d  # its busy time: ceil(n / r) rounds of d
        ready = 0.0
        ready_by: str | None = None
        tail = -inf
        tail_by: str | None = None
        tail_time = 0.0
        latest = -inf  # barrier: the last input sample of all
        latest_by: str | None = None
        for src_id, tensor, nbytes, dep_whole, first_sample in deps:
            info = done_get(src_id)
            if info is None:
                if src_id not in by_id:
                    raise InternalError(f"task {tid}: depends on unknown task {src_id!r}")
                raise InternalError(
                    f"task {tid}: scheduled before its dependency {src_id!r} (order the "
                    "tasks topologically)"
                )
            st, src_bank, src_net, src_acc = info
            node = src_id
            if tensor is not None and nbytes > 0 and src_bank != bank:
                key = (src_id, tensor, bank)
                known = xfer_key.get(key)
                if known is None:
                    xid = f"xfer:{src_id}:{tensor}->B{bank}"
                    crosses = src_bank != 0 and src_net != tnet
                    rkey = (tstep, src_bank, bank, crosses)
                    route_info = routes.get(rkey)
                    if route_info is None:
                        route = topology.route(tstep, src_bank, bank, crosses)
                        route_info = routes[rkey] = (
                            route, [res(name) for name in route.resources],
                            tuple(route.seconds_per_byte_by_resource().items()),
                            tuple((f"link:{h.spec.name}", h.spec.energy_j_per_bit)
                                  for h in route.hops),
                        )
                    route, rs, spb, hop_energy = route_info
                    whole = dep_whole or src_acc
                    xt = _transfer_timing(st, route, rs, nbytes, whole, src_id, xid,
                                          transfer_chunks)
                    timings[xid] = xt
                    f = xt.finish
                    if f > makespan or (f == makespan and xid > last):
                        makespan, last = f, xid
                    energy: dict[str, float] = {}
                    for k, epb in hop_energy:  # Route.energy_by_link_j, per hop in order
                        energy[k] = energy.get(k, 0.0) + 8.0 * nbytes * epb
                    transfers[xid] = Transfer(
                        xid, src_id, bank, src_bank, tensor, nbytes, tstep,
                        tnet, route, energy, crosses, whole,
                    )
                    for name, sec_per_byte in spb:
                        busy[name] += nbytes * sec_per_byte
                    xfer_key[key] = (xid, xt)
                    st = xt
                else:
                    xid, st = known
                node = xid
            if barrier:
                # every input sample before the first output: only the last one counts
                t = st.last
                if t > latest:
                    latest, latest_by = t, node
                continue
            if n == 1 or dep_whole or src_acc:
                t = st.last
                if t > ready:
                    ready, ready_by = t, node
                v = t + own
                if v > tail:
                    tail, tail_by, tail_time = v, node, t
                continue
            # the producer's n samples feed consumer samples first_sample + 1 .. (clipped
            # to the consumer's N; by default aligned on the last sample): breakpoints
            # (consumer sample index from 1, time available) at the first and last fed
            pn = st.n if st.n > 1 else 1
            off = n - pn if first_sample is None else first_sample
            lo = 1 + off if off > 0 else 1
            hi = pn + off if pn + off < n else n
            if hi < lo:
                continue
            if pn == 1 or st.first == st.last:
                t = st.last
                if lo == 1 and t > ready:
                    ready, ready_by = t, node
                v = t + -(-(n - lo + 1) // r) * d
                if v > tail:
                    tail, tail_by, tail_time = v, node, t
                continue
            first = st.first
            step = (st.last - first) / (pn - 1)
            t = first + (lo - off - 1) * step
            if lo == 1 and t > ready:
                ready, ready_by = t, node
            v = t + -(-(n - lo + 1) // r) * d
            if v > tail:
                tail, tail_by, tail_time = v, node, t
            t = first + (hi - off - 1) * step
            if hi == 1 and t > ready:
                ready, ready_by = t, node
            v = t + -(-(n - hi + 1) // r) * d
            if v > tail:
                tail, tail_by, tail_time = v, node, t
        if barrier and latest_by is not None:
            ready, ready_by = latest, latest_by
            tail, tail_by, tail_time = latest + own, latest_by, latest
        if own > 0:
            unit = resources.get(tunit) or res(tunit)
            s, rbound = unit.reserve(ready, own, tid, tail)
            if rbound is None:
                rbound = ready_by
                rtime = ready
            else:
                rtime = s
            busy[tunit] += own
        else:
            s, rbound, rtime = ready, ready_by, ready
        e = s + own
        if tail > e:
            e = tail
            finish_by, finish_by_time = tail_by, tail_time
        else:
            finish_by, finish_by_time = None, 0.0
        if accumulates:
            timing = Timing(s, e, e, e, 1, rbound, rtime, finish_by, finish_by_time)
        else:
            first = s + d
            timing = Timing(s, e, first if first < e else e, e, n, rbound, rtime, finish_by,
                            finish_by_time)
        timings[tid] = timing
        done[tid] = (timing, bank, tnet, accumulates)
        if e > makespan or (e == makespan and tid > last):
            makespan, last = e, tid
    if makespan == -inf:  # nothing scheduled
        makespan = 0.0
    sch = Schedule(timings, transfers, busy, resources, makespan)
    sch.critical_path = _critical_path(sch, last)
    return sch


def _transfer_timing(src: Timing, route: Route, rs: list[_Resource], nbytes: float,
                     whole: bool, src_id: str, xid: str, chunks: int) -> Timing:
    """Schedule one transfer in chunks on every resource ``rs`` of its route.

    A streamed transfer moves its first sample alone, then the rest in ``chunks - 1``
    nearly equal chunks, each as soon as its last sample exists and the route is free
    (earliest common gap on its resources), in order: a shared link interleaves the chunks
    of concurrent streams, one at a time.
    """
    n = 1 if whole else max(src.n, 1)
    per_sample = nbytes / n * route.per_byte_s
    lat = route.latency_s
    first_avail = src.last if whole else src.first
    step = 0.0 if n <= 1 else (src.last - src.first) / (n - 1)
    plan = _chunk_plan(n, n if n < chunks else chunks if chunks > 1 else 1)
    last_c = len(plan) - 1
    cursor = -math.inf
    start = first_end = end = 0.0
    start_by: str | None = src_id
    start_by_time = first_avail
    finish_by: str | None = None
    finish_by_time = 0.0
    single = rs[0] if len(rs) == 1 else None
    for c, (size, before) in enumerate(plan):
        avail = first_avail + before * step  # when the chunk's last sample exists
        ready = avail if avail > cursor else cursor
        dur = size * per_sample
        rbound: str | None = None
        if dur > 0:
            if single is not None:  # one search that also reserves
                s, rbound = single.reserve(ready, dur, xid)
                e = s + dur
            else:  # the earliest start free on every resource, reserved on each
                for r in rs:
                    ends = r.ends
                    if ends and ready < ends[-1]:  # busy after ready: search
                        s, rbound = _fit_for(rs, ready, dur)
                        break
                else:  # every resource free from ready on (what _fit_for would find)
                    s = ready
                e = s + dur
                for r in rs:  # [s, e) is free on each
                    r.reserve(s, dur, xid)
        else:
            s = e = ready
        if c == 0:
            start, first_end = s, e
            if rbound is not None:
                start_by, start_by_time = rbound, s
        if c == last_c and c > 0:
            if rbound is not None:
                finish_by, finish_by_time = rbound, s
            elif avail >= cursor:
                finish_by, finish_by_time = src_id, avail
        cursor = e
        end = e
    return Timing(start, end + lat, first_end + lat, end + lat, n, start_by, start_by_time,
                  finish_by, finish_by_time)


@functools.lru_cache(maxsize=1024)
def _chunk_plan(n: int, k: int) -> tuple[tuple[int, int], ...]:
    """``(size, samples before the chunk's last one)`` of each chunk (:func:`_chunk_sizes`)."""
    out, cum = [], 0
    for size in _chunk_sizes(n, k):
        cum += size
        out.append((size, cum - 1))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _chunk_sizes(n: int, k: int) -> tuple[int, ...]:
    """Chunk sizes of a stream of ``n`` samples: the first alone, then ``k - 1`` even ones."""
    return (n,) if k == 1 else (1, *(len(c) for c in _split(n - 1, k - 1)))


def _split(total: int, parts: int) -> list[range]:
    """``total`` items in ``parts`` nearly equal consecutive ranges."""
    base, extra = divmod(total, parts)
    out, i = [], 0
    for p in range(parts):
        m = base + (1 if p < extra else 0)
        out.append(range(i, i + m))
        i += m
    return [c for c in out if len(c)]


def _critical_path(sch: Schedule, last: str | None = None) -> list[Segment]:
    """Walk the binding constraints back from the node that finishes last (``last``, when
    the caller knows it: the latest finish, ties to the largest id).

    At a node entered at time ``t``: if ``t`` is its finish and its finish was bound by a
    binder, the node owns ``[binder time, t]`` and the walk goes on at the binder; otherwise
    it owns ``[start, t]`` and the walk goes on at whatever bound its start. Segments are
    contiguous and do not overlap.
    """
    if not sch.timings:
        return []
    node: str | None
    if last is not None:
        node, t = last, sch.timings[last].finish
    else:
        items = iter(sch.timings.items())
        node, first = next(items)
        t = first.finish
        for k, tm in items:  # the latest finish, ties to the largest id
            f = tm.finish
            if f > t or (f == t and k > node):
                node, t = k, f
    segs: list[Segment] = []
    for _ in range(4 * len(sch.timings) + 8):
        if node is None:
            break
        tm = sch.timings[node]
        at_finish = t >= tm.finish - 1e-12 * max(abs(tm.finish), 1e-30)
        if at_finish and tm.finish_by is not None and tm.finish_by_time < t:
            segs.append(_new(Segment, (node, tm.finish_by_time, t)))
            node, t = tm.finish_by, tm.finish_by_time
            continue
        lo = min(tm.start, t)
        if t > lo:
            segs.append(_new(Segment, (node, lo, t)))
        if tm.start_by is None or tm.start_by not in sch.timings or lo <= 0:
            break
        node, t = tm.start_by, min(tm.start_by_time, lo)
    segs.reverse()
    return segs
