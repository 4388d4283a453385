"""Provable invariants of the engine on random synthetic iterations (no real mapping)."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import LayerCost, gan_ops, topology

from lergan.errors import MappingError
from lergan.system.engine import demands, run_engine
from lergan.system.placement import ChipSpec, place
from lergan.system.schedule import schedule

layer = st.builds(
    LayerCost,
    crossbars=st.integers(1, 6),
    fwd_s=st.floats(1e-8, 1e-5),
    err_s=st.floats(1e-8, 1e-5),
    wg_s=st.floats(1e-8, 1e-5),
    upd_s=st.floats(1e-8, 1e-4),
    act_bytes=st.floats(1.0, 1e5),
    weight_bytes=st.floats(1.0, 1e6),
    energy_j=st.floats(1e-12, 1e-6),
    write_j=st.floats(1e-12, 1e-6),
    batch_norm=st.booleans(),
)

config = st.fixed_dictionaries({
    "g": st.lists(layer, min_size=1, max_size=4),
    "d": st.lists(layer, min_size=1, max_size=4),
    "batch": st.integers(1, 16),
    "kind": st.sampled_from(["3d", "2d-bus", "2d-offchip"]),
    "layout": st.sampled_from(["lergan", "prime"]),
    "per_bank": st.integers(6, 64),
    "ports": st.integers(1, 4),
    "replication": st.sampled_from(["auto", "none"]),
    "fresh": st.booleans(),
    "bw": st.floats(1e8, 1e11),
})


def _run(c):
    ops = gan_ops(c["g"], c["d"], c["batch"], fresh_d_weights=c["fresh"])
    chip = ChipSpec(6, c["per_bank"], {"G": (1, 2, 3), "D": (4, 5, 6)})
    topo = topology(c["kind"], ports=c["ports"], bw=c["bw"])
    return ops, run_engine(ops, chip, topo, layout=c["layout"], replication=c["replication"],
                           batch=c["batch"])


@settings(max_examples=40)
@given(config)
def test_schedule_invariants(c):
    _ops, r = _run(c)
    span = r.time_s
    eps = 1e-9 * span + 1e-18
    # no resource busy longer than the makespan; no two intervals of a resource overlap
    for res, u in r.utilisation.items():
        assert u <= 1 + 1e-9, res
    per_res = defaultdict(list)
    for i in r.timeline:
        if i.kind != "transfer":
            per_res[i.resource].append((i.start_s, i.finish_s))
    for res, ivs in per_res.items():
        ivs.sort()
        for (_s0, e0), (s1, _) in itertools.pairwise(ivs):
            assert s1 >= e0 - eps, res
    # critical path: contiguous, within the makespan
    cp = r.critical_path
    assert cp[-1]["end_s"] == pytest.approx(span)
    for a, b in itertools.pairwise(cp):
        assert b["start_s"] == pytest.approx(a["end_s"], rel=1e-9, abs=1e-18)
    cp_len = sum(s["end_s"] - s["start_s"] for s in cp)
    assert cp_len <= span + eps
    # makespan at most the sum of every task's and transfer's time
    total = sum(i.finish_s - i.start_s for i in r.timeline)
    assert span <= total + eps
    assert math.isfinite(span) and span > 0


@settings(max_examples=30)
@given(config)
def test_dependencies_are_respected(c):
    """A task starts no earlier than its inputs deliver their first (or, for whole
    dependencies and accumulating producers, last) sample, transfers included."""
    ops = gan_ops(c["g"], c["d"], c["batch"], fresh_d_weights=c["fresh"])
    chip = ChipSpec(6, c["per_bank"], {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip, layout=c["layout"], replication=c["replication"])
    topo = topology(c["kind"], ports=c["ports"], bw=c["bw"])
    topo.configure(demands(pl.tasks), ["D", "G"])
    sch = schedule(pl.tasks, topo)
    by_id = {t.id: t for t in pl.tasks}
    tm = sch.timings
    for t in pl.tasks:
        for d in t.deps:
            src = by_id[d.src]
            need = tm[d.src].last if (d.whole or src.accumulates or t.barrier) else tm[
                d.src].first
            if d.tensor and d.bytes > 0 and src.bank != t.bank:
                x = tm[f"xfer:{d.src}:{d.tensor}->B{t.bank}"]
                assert x.start >= tm[d.src].first - 1e-15
                need = max(need, x.first)
            if not d.first_sample:  # a dependency that feeds the task's first sample
                assert tm[t.id].start >= need - 1e-12 * max(need, 1e-9), (t.id, d.src)
            assert tm[t.id].finish >= tm[d.src].last - 1e-12 * max(need, 1e-9)
    # makespan <= the sum of every operation's own time (tasks' busy time, transfers' bytes
    # over their slowest link plus latency)
    work = sum(t.busy_s for t in pl.tasks) + sum(
        x.bytes * x.route.per_byte_s + x.route.latency_s for x in sch.transfers.values())
    assert sch.makespan_s <= work * (1 + 1e-9)
    assert sch.critical_path_s <= sch.makespan_s * (1 + 1e-9)


@settings(max_examples=40)
@given(config)
def test_bytes_and_breakdowns_add_up(c):
    ops, r = _run(c)
    ic = r.interconnect
    # bytes sent = bytes received = the bytes that dependencies carry between banks
    # (one transfer per tensor and destination bank), counted from the placed tasks
    chip = ChipSpec(6, c["per_bank"], {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip, layout=c["layout"], replication=c["replication"])
    bank = {t.id: t.bank for t in pl.tasks}
    moved, sent, received = {}, defaultdict(float), defaultdict(float)
    for t in pl.tasks:
        for d in t.deps:
            if d.tensor and d.bytes > 0 and bank[d.src] != t.bank:
                moved[(d.src, d.tensor, t.bank)] = (bank[d.src], t.bank, d.bytes)
    for src, dst, b in moved.values():
        sent[f"B{src}"] += b
        received[f"B{dst}"] += b
    assert ic["sent_by_bank"] == pytest.approx(dict(sent))
    assert ic["received_by_bank"] == pytest.approx(dict(received))
    assert ic["bytes_sent"] == pytest.approx(ic["bytes_received"])
    # breakdowns sum to the totals
    for key in ("network", "step", "pass", "layer", "component"):
        assert sum(r.breakdown(key, "energy").values()) == pytest.approx(r.energy_j, rel=1e-9)
        assert sum(r.breakdown(key, "time").values()) == pytest.approx(r.time_s, rel=1e-9)
        assert sum(r.breakdown(key, "area").values()) == pytest.approx(r.area_mm2, rel=1e-9)
    # dynamic energy: every op's energy is counted once per placed copy
    d = r.to_dict()
    assert d["energy_j"] == pytest.approx(d["dynamic_energy_j"] + d["static_energy_j"])


@settings(max_examples=25)
@given(config)
def test_compute_energy_is_independent_of_placement(c):
    """The same MVMs happen whatever the layout or topology: compute energy is invariant."""
    ops = gan_ops(c["g"], c["d"], c["batch"])
    chip = ChipSpec(6, c["per_bank"], {"G": (1, 2, 3), "D": (4, 5, 6)})
    results = []
    for kind in ("3d", "2d-bus"):
        r = run_engine(ops, chip, topology(kind), layout="lergan", replication="none")
        results.append(sum(e.value for e in r.energy if e.component == "crossbar"))
    expected = sum(o.cost.energy_j.get("crossbar", 0.0) for o in ops)
    assert results[0] == pytest.approx(expected)
    assert results[1] == pytest.approx(expected)


def test_zero_latency_links_match_no_transfer_cost():
    """With one bank for everything, nothing moves between banks."""
    ops = gan_ops([LayerCost()], [LayerCost()], 4)
    chip = ChipSpec(1, 64, {"G": (1,), "D": (1,)})
    r = run_engine(ops, chip, topology("2d-bus", banks=1), layout="prime")
    # only the real samples come from off-chip
    assert r.interconnect["transfers"] == 1


def test_layer_larger_than_its_tier_runs_in_pieces():
    ops = gan_ops([LayerCost(crossbars=40, fwd_s=1e-6)], [LayerCost()], 4)
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip)
    u = pl.units["G/forward/l0"]
    assert u.swapped and u.pieces == 3  # ceil(40 / 16)
    fwd = next(t for t in pl.tasks if t.id == "D.G.l0.fwd")
    assert fwd.latency_s == pytest.approx(3e-6)
    assert pl.groups["G/forward"].swap_crossbars == 16


def test_only_a_tier_without_crossbars_is_refused():
    ops = gan_ops([LayerCost()], [LayerCost()], 4)
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    with pytest.raises(MappingError, match=r"has 0\.5 crossbars.*short by 0\.5"):
        place(ops, chip, crossbar_budget=3)


def test_network_that_does_not_fit_is_time_multiplexed_with_reloads():
    g = [LayerCost(crossbars=10), LayerCost(crossbars=10)]
    ops = gan_ops(g, [LayerCost()], 4)
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip, layout="lergan")
    assert pl.groups["G/forward"].multiplexed
    reloads = [t for t in pl.tasks if t.kind == "reload"]
    # G forward runs twice (D-step and G-step) per layer on the forward tier, and the
    # error tier is multiplexed too (its one error pass, layer 1 only, needs no neighbour)
    fwd_reloads = [t for t in reloads if t.tier == "forward"]
    assert len(fwd_reloads) == 4
    assert all(t.cells_written > 0 for t in reloads)
    r = run_engine(ops, chip, topology("3d"), layout="lergan")
    assert r.breakdown("pass", "energy").get("reload", 0) > 0


def test_replication_override_and_budget():
    ops = gan_ops([LayerCost(), LayerCost()], [LayerCost()], 8)
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip, replication={"G/l0": 3})
    assert pl.units["G/forward/l0"].replication == 3
    with pytest.raises(MappingError, match="short by"):
        place(ops, chip, replication={"G/forward/l0": 9})
    pl = place(ops, chip, crossbar_budget=24)  # 4 crossbars per bank
    assert all(g.demand <= g.capacity for g in pl.groups.values())
    with pytest.raises(MappingError, match="exceeds the chip"):
        place(ops, chip, crossbar_budget=10_000)


def test_replication_speeds_up_a_pipeline():
    ops = gan_ops([LayerCost(fwd_s=1e-5)], [LayerCost()], 16)
    chip = ChipSpec(6, 64, {"G": (1, 2, 3), "D": (4, 5, 6)})
    slow = run_engine(ops, chip, topology("3d"), replication="none")
    fast = run_engine(ops, chip, topology("3d"), replication="auto")
    assert fast.time_s < slow.time_s


def test_stale_d_weights_never_slow_down():
    g, d = [LayerCost(), LayerCost()], [LayerCost(upd_s=1e-4), LayerCost()]
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    fresh = run_engine(gan_ops(g, d, 8, True), chip, topology("3d"))
    stale = run_engine(gan_ops(g, d, 8, False), chip, topology("3d"))
    assert stale.time_s < fresh.time_s


@settings(max_examples=30)
@given(config)
def test_3d_links_respect_ports_and_shared_links_serialise(c):
    """Each step's 3D configuration gives no bank more links than it has ports, and every
    resource (a unit, a link direction, the bus, the off-chip channel) runs one thing at a
    time: its busy intervals are disjoint, hold at least the work scheduled on it (a
    multi-hop transfer holds its whole route while it moves) and never exceed the
    makespan."""
    ops = gan_ops(c["g"], c["d"], c["batch"], fresh_d_weights=c["fresh"])
    chip = ChipSpec(6, c["per_bank"], {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip, layout=c["layout"], replication=c["replication"])
    topo = topology(c["kind"], ports=c["ports"], bw=c["bw"])
    topo.configure(demands(pl.tasks), ["D", "G"])
    for step, links in topo.direct.items():
        degree = defaultdict(int)
        for a, b in links:
            degree[a] += 1
            degree[b] += 1
        assert all(n <= c["ports"] for n in degree.values()), (step, sorted(links))
        if c["kind"] != "3d":
            assert not links
    sch = schedule(pl.tasks, topo)
    eps = 1e-12 * max(sch.makespan_s, 1e-30)
    for name, ivs in sch.intervals.items():
        for (_s0, e0, _), (s1, _e1, _) in itertools.pairwise(ivs):
            assert s1 >= e0 - eps, name
        length = sum(e - s for s, e, _ in ivs)
        assert length >= sch.busy_s[name] * (1 - 1e-9) - 1e-18, name
        assert length <= sch.makespan_s + eps
    # routes: 2D bus, every bank-to-bank transfer on the one bus; 2D off-chip, every
    # bank-to-bank transfer through memory and back (bus, channel, channel, bus); 3D, bank
    # links only
    # (or the bus / off-chip when no configured path joins the banks)
    for x in sch.transfers.values():
        names = [h.spec.name for h in x.route.hops]
        if 0 in (x.src_bank, x.dst_bank):
            assert "offchip" in names
        elif c["kind"] == "2d-bus":
            assert names == ["internal_bus"]
        elif c["kind"] == "2d-offchip":
            assert names == ["internal_bus", "offchip", "offchip", "internal_bus"]
        else:
            assert set(names) <= {"bank_link"} or names in (["internal_bus"],
                                                           ["offchip", "offchip"])
    # a link shared by several transfers carries them one after the other
    per_link = defaultdict(float)
    for x in sch.transfers.values():
        for res, sec in x.route.seconds_per_byte_by_resource().items():
            per_link[res] += x.bytes * sec
    for res, work in per_link.items():
        assert sch.busy_s[res] == pytest.approx(work, rel=1e-9)


def test_reload_moves_the_weights_from_where_they_live():
    """A swapped layer's reload waits for its weights, moved from the update tier: from the
    update of this iteration when the pass reads its result, else from the master copy
    (issue 9: before, a swapped layer got its weights for free while a resident copy paid
    for the update's transfer)."""
    big = [LayerCost(crossbars=10, weight_bytes=4000.0), LayerCost(crossbars=10)]
    ops = gan_ops(big, big, 4, fresh_d_weights=True)
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    pl = place(ops, chip, layout="lergan")
    sch = schedule(pl.tasks, _configured(pl))
    by_id = {t.id: t for t in pl.tasks}
    reloads = [t for t in pl.tasks if t.kind == "reload" and t.tier == "forward"]
    assert {t.network for t in reloads} == {"G", "D"}
    sources = set()
    for t in reloads:
        (fetch,) = [d for d in t.deps if d.tensor is not None]
        src = by_id[fetch.src]
        assert src.tier == "update" and src.bank == {"G": 3, "D": 6}[t.network]
        assert fetch.bytes == {"l0": 4000.0, "l1": 1000.0}[t.layer]
        x = sch.transfers[f"xfer:{fetch.src}:{fetch.tensor}->B{t.bank}"]
        assert sch.timings[t.id].start >= sch.timings[x.id].last - 1e-15
        # G is updated after its last forward pass: every G reload reads the master copy;
        # D's forward in the G-step reads the D-step's update (fresh weights)
        fresh = t.network == "D" and t.step == "G"
        assert src.kind == ("compute" if fresh else "source")
        if fresh:  # l1's reads follow its update only through l0's dependency on it
            assert src.op == f"D.D.{t.layer}.upd"
        sources.add(src.kind)
    assert sources == {"compute", "source"}
    r = run_engine(ops, chip, topology("3d"), layout="lergan")
    assert r.breakdown("pass", "energy")["transfer"] > 0


def _configured(pl):
    topo = topology("3d")
    topo.configure(demands(pl.tasks), list(dict.fromkeys(t.step for t in pl.tasks)))
    return topo


def _placed(c):
    """The placement of a random synthetic iteration (``None``: refused as too small)."""
    ops = gan_ops(c["g"], c["d"], c["batch"], fresh_d_weights=c["fresh"])
    chip = ChipSpec(6, c["per_bank"], {"G": (1, 2, 3), "D": (4, 5, 6)})
    try:
        return place(ops, chip, layout=c["layout"], replication=c["replication"])
    except MappingError:
        return None


@settings(max_examples=40)
@given(config)
def test_an_update_runs_where_most_of_its_bytes_are(c):
    """Each optimiser sits on the bank of its update tier that exchanges the most bytes with
    it (gradients in, new weights out to every copy and every reload's fetch), so no other
    bank of the tier would keep more of them local; ties go to the tier's first bank."""
    pl = _placed(c)
    if pl is None:
        return
    by_id = {t.id: t for t in pl.tasks}
    # bytes each optimiser (or master copy it stands for) exchanges with each bank
    with_bank: dict[tuple[str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    home: dict[tuple[str, str], int] = {}
    for t in pl.tasks:
        if t.id.endswith(":optimiser") or t.id.endswith(":master-weights"):
            home[(t.network, t.layer)] = t.bank
        for d in t.deps:
            src = by_id[d.src]
            if d.src.endswith(":optimiser") or d.src.endswith(":master-weights"):
                with_bank[(src.network, src.layer)][t.bank] += d.bytes  # weights out
            if t.id.endswith(":optimiser") and d.bytes > 0:
                with_bank[(t.network, t.layer)][src.bank] += d.bytes  # gradients in
    tiers = {"G": (1, 2, 3), "D": (4, 5, 6)} if c["layout"] == "prime" else {
        "G": (3,), "D": (6,)}
    for key, bank in home.items():
        local = with_bank[key].get(bank, 0.0)
        for b in tiers[key[0]]:
            other = with_bank[key].get(b, 0.0)
            assert local >= other * (1 - 1e-12), (key, bank, dict(with_bank[key]))
            if b < bank:  # an earlier bank of the tier only loses on bytes, not on a tie
                assert local > other * (1 + 1e-12) or other == local == 0, key


def _bank_loads_within_shares(pl) -> None:
    """Each bank of a multi-bank group holds at most its share of the group's crossbars
    (capacity over banks) but for one item (the swap region, on the group's first bank,
    counts as one): the units fill the banks in order from the end of the region, and a
    unit goes to the bank where it starts. A crossbar-free (digital) unit sits on the bank
    of the crossbar unit before it, the group's first bank if none."""
    for g in pl.groups.values():
        if len(g.banks) < 2:
            continue
        items: dict[int, list[float]] = {b: [] for b in g.banks}
        if g.multiplexed:
            items[g.banks[0]].append(g.swap_crossbars)
        last = g.banks[0]
        for u in pl.units.values():
            if u.group != g.name:
                continue
            if u.total_crossbars <= 0 and not u.swapped:
                assert u.bank == last, (u.name, u.bank, last)
                continue
            if u.total_crossbars > 0:
                last = u.bank
            if not u.swapped:
                items[u.bank].append(u.total_crossbars)
        share = g.capacity / len(g.banks)
        for b, xs in items.items():
            if xs:
                assert sum(xs) - max(xs) <= share * (1 + 1e-12), (g.name, b, xs, share)


@settings(max_examples=40)
@given(config)
def test_no_bank_holds_more_than_its_share_but_for_one_item(c):
    pl = _placed(c)
    if pl is not None:
        _bank_loads_within_shares(pl)


@pytest.mark.parametrize("name,arch,batch", [("cgan", "prime", 64),
                                             ("dcgan", "prime-inference", 64),
                                             ("discogan", "prime", 64)])
def test_suite_banks_hold_their_share(name, arch, batch, monkeypatch):
    """On suite GANs whose networks spread over PRIME's banks with a swap region (cgan's D:
    2,119 crossbars were put on one 1,024-crossbar bank before the region counted in it)."""
    import lergan.system.engine as engine
    from lergan.system import simulate

    seen = []
    real = engine.place

    def recording(*a, **k):
        seen.append(real(*a, **k))
        return seen[-1]

    monkeypatch.setattr(engine, "place", recording)
    simulate(name, arch, batch)
    (pl,) = seen
    _bank_loads_within_shares(pl)
