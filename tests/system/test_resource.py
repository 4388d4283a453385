"""The schedule's busy-interval list (``_Resource``) against a naive list of intervals.

The naive model keeps every reservation as it came and answers "earliest free window" by
trying ``ready`` and every end at or after it, in order; ``_Resource`` keeps sorted, merged
intervals and searches them with bisection. Times are multiples of 1/4, so that sums are
exact and touching intervals (which merge) come up often.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from synthetic import topology

from lergan.errors import InternalError
from lergan.system.ordering import toposort, write_after_read
from lergan.system.schedule import _fit_for, _Resource, schedule
from lergan.system.tasks import Dep, OpCost, OpSpec, Task

quarter = st.integers(0, 60).map(lambda k: k / 4)
length = st.integers(1, 12).map(lambda k: k / 4)


def naive_earliest(busy: list[tuple[float, float, str]], ready: float, dur: float,
                   tail: float) -> float:
    """Smallest ``s >= ready`` with ``[s, max(s + dur, tail))`` overlapping no interval."""
    for s in sorted({ready, *(e for _, e, _ in busy if e >= ready)}):
        w = max(s + dur, tail)
        if all(not (a < w and b > s) for a, b, _ in busy):
            return s
    raise AssertionError("unreachable: after the last end everything is free")


def union(busy: list[tuple[float, float, str]]) -> list[tuple[float, float]]:
    """The naive intervals merged where they overlap or touch."""
    out: list[list[float]] = []
    for a, b, _ in sorted(busy):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def check_state(res: _Resource, busy: list[tuple[float, float, str]]) -> None:
    assert list(zip(res.starts, res.ends, strict=True)) == union(busy)
    for a, b, owner in zip(res.starts, res.ends, res.owners, strict=True):
        # the owner of a merged interval is one whose reservation ends where it ends
        assert any(o == owner and e == b and a <= s for s, e, o in busy)


@given(st.lists(st.tuples(quarter, length, st.none() | st.integers(0, 16),
                          st.booleans()), max_size=25))
def test_reserve_matches_naive_intervals(ops):
    res = _Resource()
    busy: list[tuple[float, float, str]] = []
    for k, (ready, dur, tail_after, commit) in enumerate(ops):
        tail = -math.inf if tail_after is None else ready + tail_after / 4
        owner = f"t{k}" if commit else None
        s, bound = res.reserve(ready, dur, owner, tail)
        assert s == naive_earliest(busy, ready, dur, tail)
        if s == ready:
            assert bound is None
        else:  # what pushed it: a reservation that ends at s
            assert any(o == bound and e == s for _, e, o in busy)
        if commit:
            busy.append((s, max(s + dur, tail), owner))
        check_state(res, busy)


@given(st.lists(st.lists(st.tuples(quarter, length), max_size=8), min_size=1, max_size=3),
       quarter, length)
def test_fit_for_matches_naive_on_every_resource(per_resource, ready, dur):
    resources, all_busy = [], []
    for r_id, reservations in enumerate(per_resource):
        res = _Resource()
        for k, (a, d) in enumerate(reservations):
            owner = f"r{r_id}.{k}"
            s, _ = res.reserve(a, d, owner)
            all_busy.append((s, s + d, owner))
        resources.append(res)
    s, bound = _fit_for(resources, ready, dur)
    assert s == naive_earliest(all_busy, ready, dur, -math.inf)
    assert (bound is None) == (s == ready)
    if bound is not None:
        assert any(o == bound and e == s for _, e, o in all_busy)


def _task(id_: str, *deps: str) -> Task:
    return Task(id_, id_, "compute", "G", "d", "forward", id_, f"u{id_}", 1, "forward", 1, 1,
                1e-6, {}, tuple(Dep(d) for d in deps))


def test_broken_task_lists_are_internal_errors():
    """Duplicate ids, an order that is not topological, a cycle: bugs, not user errors."""
    topo = topology()
    with pytest.raises(InternalError, match=r"ids are not unique \(a, \.\.\.\).*bug in lergan"):
        schedule([_task("a"), _task("a")], topo)
    with pytest.raises(InternalError, match="scheduled before its dependency 'b'"):
        schedule([_task("a", "b"), _task("b")], topo)
    assert [t.id for t in toposort([_task("a", "b"), _task("b")])] == ["b", "a"]
    with pytest.raises(InternalError, match="form a cycle"):
        toposort([_task("a", "b"), _task("b", "a")])


def test_write_after_read_orders_the_update_after_old_reads():
    """An update's write waits for a read of the old weights on its unit that does not depend
    on it; a read that does (the next step's forward) is not waited for; a dependency on an
    operation listed later is a bug, one on no operation is ignored."""
    def op(id_: str, *deps: str) -> OpSpec:
        return OpSpec(id_, "G", "d", "forward", "l", 1, "crossbar", 1, OpCost(1e-6, {}),
                      tuple(Dep(d) for d in deps))

    read = _task("read")._replace(unit="u")
    write = _task("write", "grad")._replace(kind="write", pass_="update", unit="u")
    later = _task("later", "write")._replace(unit="u")
    tasks = [_task("grad"), write, read, later]
    ops = [op("elsewhere"), op("grad", "elsewhere", "outside"), op("write", "grad"),
           op("read"), op("later", "write")]
    out = write_after_read(ops, tasks)
    assert [t.id for t in out] == ["grad", "read", "write", "later"]
    assert [d.src for d in out[2].deps] == ["grad", "read"]
    with pytest.raises(InternalError, match="depends on 'read', listed after it"):
        write_after_read([ops[0], op("grad", "read"), *ops[2:]], tasks)
