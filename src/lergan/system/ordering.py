"""Orders placed tasks: write-after-read edges for weight updates, then a topological order.

A read of a unit's weights that does not (even indirectly) depend on an update uses the
weights from before it (in the same step, or in a later step with stale weights), so the
update's write on that unit must come after the read.
"""

from __future__ import annotations

import heapq
import operator
from collections import defaultdict
from collections.abc import Mapping, Sequence

from lergan.errors import InternalError
from lergan.system.tasks import Dep, OpSpec, Task

#: A dependency's source, by position (a C call per dependency, no Python frame).
_SRC = operator.itemgetter(Dep._fields.index("src"))
#: Where a Task holds its dependencies, and tuple.__new__ to build one positionally.
_DEPS = Task._fields.index("deps")
_new = tuple.__new__


def write_after_read(
    ops: Sequence[OpSpec],
    tasks: list[Task],
    follows: tuple[Mapping[str, int], Mapping[str, int]] | None = None,
) -> list[Task]:
    """Make each weight write wait for the reads of the old weights on its unit.

    A read of a unit's weights that does not (even indirectly) depend on the update uses the
    weights from before it (in the same step, or in a later step with stale weights), so the
    write must come after it. Tasks are then re-ordered topologically (stable).

    ``follows``, where the caller has it (placement does): the updates each operation
    follows, even indirectly (operation id -> one bit per update; an update's own bit may
    be set too, as a write is never checked against its own update), and each update's
    bit; otherwise they are found here (checking that ``ops`` are in topological order).
    """
    readers: dict[str, list[Task]] = defaultdict(list)
    writes: list[int] = []  # the positions of the writes
    for i, t in enumerate(tasks):
        kind = t.kind
        if kind == "compute":
            if t.pass_ in ("forward", "error"):
                readers[t.unit].append(t)
        elif kind == "write":
            writes.append(i)
    # one bit per update whose write has readers; an op's ancestors as the bits of those
    # updates it depends on, even indirectly (ops are topologically ordered): small ints,
    # instead of one bit per op
    roots: dict[str, int] = {}
    for i in writes:
        t = tasks[i]
        if t.op not in roots and readers.get(t.unit):
            roots[t.op] = 1 << len(roots)
    ancestors: Mapping[str, int] = {}
    if roots and follows is not None:
        ancestors, bits = follows
        roots = {uid: bits[uid] for uid in roots}
    elif roots:
        ancestors = {}
        # what an op passes on to its dependants: its ancestors and its own bit (one lookup
        # per dependency); a dependency on an op not seen yet is one listed later (an
        # error) or on no op at all (ignored)
        passed: dict[str, int] = {}
        passed_get = passed.get
        roots_get = roots.get
        ids: set[str] | None = None
        for op in ops:
            anc = 0
            for d in op.deps:
                a = passed_get(d.src)
                if a is None:
                    if ids is None:
                        ids = {o.id for o in ops}
                    if d.src in ids:
                        raise InternalError(
                            f"operation {op.id}: depends on {d.src!r}, listed after it "
                            "(operations must be in topological order)")
                    continue
                anc |= a
            ancestors[op.id] = anc  # type: ignore[index]
            passed[op.id] = anc | roots_get(op.id, 0)
    out = list(tasks)
    for i in writes:
        t = tasks[i]
        if readers.get(t.unit):
            bit = roots[t.op]
            # Dep(r.id, whole=True), by position (no NamedTuple.__new__ frame per record)
            extra = [_new(Dep, (r.id, None, 0.0, True, None)) for r in readers[t.unit]
                     if r.op != t.op and not ancestors.get(r.op, 0) & bit]
            if extra:  # t._replace(deps=...) without its Python-level field loop
                out[i] = _new(Task, (*t[:_DEPS], (*t.deps, *extra), *t[_DEPS + 1:]))
    return toposort(out)


def toposort(tasks: list[Task]) -> list[Task]:
    """Stable topological order (Kahn's algorithm, ties by original position).

    An order that is already topological is returned as it is (Kahn's algorithm with ties
    by position would return it unchanged), after one pass over the dependencies.
    """
    seen: set[str] = set()
    covers = seen.issuperset
    add = seen.add
    for t in tasks:
        if not covers(map(_SRC, t.deps)):  # one listed later, or unknown (reported below)
            break
        add(t.id)
    else:
        return list(tasks)
    index = {t.id: i for i, t in enumerate(tasks)}
    indeg = [0] * len(tasks)
    succ: list[list[int]] = [[] for _ in tasks]
    for i, t in enumerate(tasks):
        for d in t.deps:
            j = index.get(d.src)
            if j is None:
                raise InternalError(f"task {t.id}: depends on unknown operation {d.src!r}")
            succ[j].append(i)
            indeg[i] += 1
    ready = [i for i, k in enumerate(indeg) if k == 0]
    heapq.heapify(ready)
    order: list[Task] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(tasks[i])
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(tasks):
        stuck = [tasks[i].id for i, k in enumerate(indeg) if k > 0][:5]
        raise InternalError(f"the iteration's dependencies form a cycle (through {stuck})")
    return order
