"""``auto_replication`` (index-based, early stop, memo) against the plain greedy it replaces.

The reference below is the heap water-filling as first written: one copy (one per sample
beyond the samples) at a time to the busiest unit, ties by heap order (the earlier unit), a
unit that cannot take its next step passed over for good. The fast one must give exactly
the same copies for any units, fixed copies and spare crossbars.
"""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.system.replication import auto_replication, choose_plan
from lergan.system.tasks import Unit


def reference_auto_replication(units, fixed, spare):
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
            continue
        reps[u.name] = r + step
        spare -= u.crossbars * step
        heapq.heappush(heap, (-u.busy_estimate_s / reps[u.name], i))
    return reps


# few distinct busy times, so that ties (and their order in the heap) occur often
busy = st.one_of(st.sampled_from([0.0, 1e-6, 2e-6, 3e-6, 4e-6]), st.floats(0.0, 1e-3))
unit = st.tuples(
    st.integers(0, 40),         # crossbars per copy
    busy,                       # busy estimate (s)
    st.integers(0, 70),         # samples
    st.integers(0, 9),          # split cap
    st.one_of(st.none(), st.integers(1, 4)),  # fixed copies
)


def _units(specs):
    us, fixed = [], {}
    for i, (xb, b, samples, split, f) in enumerate(specs):
        name = f"N/forward/l{i}"
        us.append(Unit(name, "N", f"l{i}", "forward", 1, "N/forward", crossbars=xb,
                       busy_estimate_s=b, max_samples=samples, max_split=split))
        if f is not None:
            fixed[name] = f
    return us, fixed


@settings(max_examples=300)
@given(specs=st.lists(unit, max_size=10),
       spare=st.one_of(st.integers(-5, 400).map(float), st.floats(-5.0, 400.0)))
def test_auto_replication_is_the_plain_greedy(specs, spare):
    us, fixed = _units(specs)
    want = reference_auto_replication(us, fixed, spare)
    assert auto_replication(us, fixed, spare) == want
    memo: dict = {}
    assert auto_replication(us, fixed, spare, memo) == want
    assert auto_replication(us, fixed, spare, memo) == want  # from the memo
    # units alike under other names share the memo's entry, and get the same copies
    renamed = [Unit(f"M/forward/x{i}", "M", f"x{i}", "forward", 1, "M/forward",
                    crossbars=u.crossbars, busy_estimate_s=u.busy_estimate_s,
                    max_samples=u.max_samples, max_split=u.max_split)
               for i, u in enumerate(us)]
    fixed2 = {f"M/forward/x{i}": fixed[u.name] for i, u in enumerate(us) if u.name in fixed}
    assert auto_replication(renamed, fixed2, spare, memo) == {
        f"M/forward/x{i}": r for i, r in enumerate(want.values())}


@settings(max_examples=100)
@given(specs=st.lists(unit.map(lambda t: (max(t[0], 1), *t[1:4], None)), min_size=1,
                      max_size=8),
       capacity=st.integers(1, 300))
def test_choose_plan_with_a_memo_is_choose_plan(specs, capacity):
    us, _fixed = _units(specs)
    memo: dict = {}
    assert choose_plan(float(capacity), us, {}, {}, memo=memo) == choose_plan(
        float(capacity), us, {}, {})
    assert choose_plan(float(capacity), us, {}, {}, memo=memo) == choose_plan(
        float(capacity), us, {}, {})
