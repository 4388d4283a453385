"""simulate() on real workloads, presets and mapping: invariants, options and errors."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden import BATCH, small_gan
from lergan.errors import LerganError, MappingError
from lergan.system import SimulationOptions, simulate
from lergan.system.ablation import compare


@pytest.fixture(scope="module")
def gan():
    return small_gan()


def _check(r):
    span = r.time_s
    assert span > 0 and math.isfinite(span)
    for key in ("network", "step", "pass", "layer", "component"):
        assert sum(r.breakdown(key, "energy").values()) == pytest.approx(r.energy_j, rel=1e-9)
        assert sum(r.breakdown(key, "time").values()) == pytest.approx(span, rel=1e-9)
        assert sum(r.breakdown(key, "area").values()) == pytest.approx(r.area_mm2, rel=1e-9)
    assert all(u <= 1 + 1e-9 for u in r.utilisation.values())
    assert sum(s["end_s"] - s["start_s"] for s in r.critical_path) <= span * (1 + 1e-9)
    assert span <= sum(i.finish_s - i.start_s for i in r.timeline) * (1 + 1e-9)
    ic = r.interconnect
    assert ic["bytes_sent"] == pytest.approx(sum(ic["received_by_bank"].values()))


@settings(max_examples=8)
@given(
    arch=st.sampled_from(["lergan", "lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip",
                          "prime"]),
    mode=st.sampled_from([None, "zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern"]),
    layout=st.sampled_from([None, "lergan", "prime"]),
    replication=st.sampled_from(["auto", "none", 2]),
    stale=st.booleans(),
    budget=st.sampled_from([None, 3000, 40]),
)
def test_invariants_on_a_real_gan(gan, arch, mode, layout, replication, stale, budget):
    opts = SimulationOptions(mode=mode, layout=layout, replication=replication,
                             stale_d_weights=stale, crossbar_budget=budget)
    try:
        r = simulate(gan, arch, BATCH, options=opts)
    except MappingError as exc:  # only impossible configurations, saying by how much
        assert "short by" in str(exc) or "exceeds the chip" in str(exc)
        assert any(ch.isdigit() for ch in str(exc).rsplit("by", 1)[-1])
        return
    _check(r)


def test_mapped_energy_is_accounted_once(gan):
    """The crossbar, DAC and ADC energy of the result is the mapping's, op by op."""
    from lergan.mapping import cost, map_operation
    from lergan.system.api import iteration_graph, load_architecture

    r = simulate(gan, "lergan", BATCH, options={"replication": "none", "mode": "zfdr-pattern"})
    arch, *_ = load_architecture("lergan", None)
    _, graph = iteration_graph(gan, BATCH, SimulationOptions())
    expected = {"crossbar": 0.0, "adc": 0.0, "dac": 0.0, "cell_write": 0.0}
    mapped = ("linear", "conv", "conv_transpose")
    with_error = {(o.network, o.layer) for o in graph.operations
                  if o.pass_ == "error" and o.kind in mapped}
    for op in graph.operations:
        if op.kind in mapped:
            # a layer without an error pass keeps no transposed copy to program
            over = {} if op.pass_ != "update" or (op.network, op.layer) in with_error else {
                "error_propagation": "transposed-read"}
            c = cost(map_operation(op, arch, "zfdr-pattern", **over), arch)
            for k in expected:
                expected[k] += c.energy_j[k]
    by: dict[str, float] = {}
    for e in r.energy:
        if e.pass_ != "static":  # leakage is not the mapping's
            by[e.component] = by.get(e.component, 0.0) + e.value
    for k, v in expected.items():
        if k == "cell_write":  # reloads of swapped units add writes
            assert by.get(k, 0.0) >= v * (1 - 1e-9)
        else:
            assert by.get(k, 0.0) == pytest.approx(v, rel=1e-9)


def test_fresh_d_weights_wait_for_the_update(gan):
    """Each G-step pass over a D layer starts after every copy of that layer is rewritten."""
    r = simulate(gan, "lergan", BATCH)
    writes: dict[str, float] = {}
    for i in r.timeline:
        if i.kind == "write" and i.network == "D":
            writes[i.layer] = max(writes.get(i.layer, 0.0), i.finish_s)
    users = [i for i in r.timeline if i.step == "G" and i.network == "D"
             and i.kind == "compute" and i.layer in writes]
    assert users
    for i in users:
        assert i.start_s >= writes[i.layer] - 1e-15, i.id
    stale = simulate(gan, "lergan", BATCH, options={"stale_d_weights": True})
    assert stale.time_s <= r.time_s * (1 + 1e-9)


def test_result_is_json_and_has_the_reproduce_fields(gan):
    d = simulate(gan, "lergan", BATCH).to_dict()
    text = json.dumps(d)
    back = json.loads(text)
    assert list(back)[:6] == ["benchmark", "architecture", "batch", "time_s", "energy_j",
                              "area_mm2"]
    assert back["benchmark"] == "dcgan" and back["batch"] == BATCH


def test_simulation_is_pure(gan):
    a = simulate(gan, "lergan-2d-bus", BATCH).to_dict()
    simulate(gan, "lergan", BATCH, overrides={"adc.bits": 6})
    b = simulate(gan, "lergan-2d-bus", BATCH).to_dict()
    assert a == b


def test_3d_links_beat_off_chip_exchange_on_energy(gan):
    r3 = simulate(gan, "lergan", BATCH)
    r_off = simulate(gan, "lergan-2d-offchip", BATCH)
    assert r_off.breakdown("component").get("link:offchip", 0) > r3.breakdown(
        "component").get("link:offchip", 0)


def test_errors_name_what_is_wrong(gan):
    with pytest.raises(LerganError, match="benchmark 'nope'"):
        simulate("nope")
    with pytest.raises(LerganError, match="batch"):
        simulate(gan, batch=0)
    with pytest.raises(MappingError, match="short by"):
        simulate(gan, "lergan", BATCH, options={"crossbar_budget": 5})
    with pytest.raises(MappingError, match="exceeds the chip"):
        simulate(gan, "lergan", BATCH, options={"crossbar_budget": 10**9})
    with pytest.raises(LerganError, match="option mode = 'fast'"):
        simulate(gan, "lergan", BATCH, options={"mode": "fast"})
    with pytest.raises(LerganError, match=r"interconnect\.reconfiguration_latency_s=VALUE"):
        simulate(gan, "lergan", BATCH, options={"reconfiguration_latency_s": 1e-9})
    with pytest.raises(LerganError, match="option 'colour': unknown"):
        simulate(gan, "lergan", BATCH, options={"colour": 1})
    with pytest.raises(LerganError, match="architecture 'nope': no such preset or ablation"):
        simulate(gan, "nope", BATCH)
    with pytest.raises(LerganError, match="breakdown by 'colour'"):
        simulate(gan, "lergan", BATCH).breakdown("colour")


def test_elementwise_figures_are_overridable(gan):
    """Batch norm's digital energy scales with its ops-per-element assumption; nothing else
    moves but the static energy over a (possibly) different makespan."""
    def bn_digital(r):
        return sum(e.value for e in r.energy
                   if e.component == "digital" and e.pass_ == "forward"
                   and "bn" in e.layer)

    base = simulate(gan, "lergan", BATCH)
    more = simulate(gan, "lergan", BATCH,
                    options={"ops_per_element": {"batch_norm/forward": 8.0}})
    assert bn_digital(base) > 0
    assert bn_digital(more) == pytest.approx(2 * bn_digital(base))
    with pytest.raises(LerganError, match="ops_per_element 'batch_norm'"):
        simulate(gan, "lergan", BATCH, options={"ops_per_element": {"batch_norm": 1.0}})


def test_preset_fields_drive_the_simulation(gan, tmp_path):
    """Static power, switch reconfiguration and the default mode come from the preset."""
    from lergan.hardware import load_preset

    base = simulate(gan, "lergan", BATCH)
    r = simulate(gan, "lergan", BATCH, overrides={"technology.leakage_fraction": 0.2,
                                                  "interconnect.reconfiguration_energy_j": "20 pJ"})
    arch = load_preset("lergan", overrides={"technology.leakage_fraction": 0.2})
    adcs = arch.components.instances("adc")  # budget = the whole chip
    powered = min(1.0, r.placement["crossbars_used"] / arch.organisation.crossbars)
    static_adc = sum(e.value for e in r.energy if e.pass_ == "static" and e.component == "adc")
    assert static_adc == pytest.approx(
        adcs * powered * arch.components["adc"].static_power_w * r.time_s)
    assert arch.components["adc"].static_power_w == pytest.approx(
        0.2 * arch.components["adc"].peak_power_w)
    assert r.time_s == base.time_s
    sw = [sum(e.value for e in x.energy if e.component == "switch") for x in (base, r)]
    assert sw[0] > 0 and sw[1] == pytest.approx(2 * sw[0])
    slow = simulate(gan, "lergan", BATCH,
                    overrides={"interconnect.reconfiguration_latency_s": "50 us"})
    assert slow.time_s > base.time_s
    # a preset file of one's own inherits its base's mode and layout
    f = tmp_path / "mine.yaml"
    f.write_text("base: lergan\nname: mine\n")
    mine = simulate(gan, str(f), BATCH)
    assert (mine.options["mode"], mine.options["layout"]) == ("auto", "lergan")
    assert mine.time_s == base.time_s and mine.energy_j == base.energy_j
    assert simulate(gan, "lergan-no-zfdr", BATCH).options["mode"] == "zero-inserting"
    phase = simulate(gan, "lergan", BATCH, overrides={"training.mapping_mode": "zfdr-phase"})
    assert phase.options["mode"] == "zfdr-phase"


@pytest.mark.parametrize("basis", ["budget", "area"])
def test_ablations_compare_on_the_same_graph(gan, basis):
    rows = compare(gan, BATCH, basis=basis)
    labels = [r["variant"] for r in rows]
    assert labels[:4] == ["lergan", "lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip"]
    assert rows[0]["speedup"] == 1.0
    ref = rows[0]
    for row in rows:
        if basis == "budget":
            assert row["crossbar_budget"] == ref["crossbar_budget"]
        else:  # within one crossbar's area of the reference
            assert row["area_mm2"] == pytest.approx(ref["area_mm2"], abs=0.01)
    by = {r["variant"]: r for r in rows}
    assert by["lergan-no-zfdr"]["mode"] == "zero-inserting"
    assert by["lergan-2d-bus"]["result"].options["topology"] == "2d-bus"


@pytest.mark.parametrize("arch", ["lergan", "lergan-2d-offchip", "prime"])
def test_real_schedule_respects_every_dependency(gan, arch):
    """On the real graph: each task starts after its inputs' first samples arrive (their
    last, for whole dependencies, barriers and accumulating producers), transfers included,
    and no unit runs two tasks at once."""
    from lergan.system.api import chip_of, iteration_graph, load_architecture, topology_of
    from lergan.system.build import op_specs
    from lergan.system.engine import demands
    from lergan.system.placement import place
    from lergan.system.schedule import schedule

    a, mode, layout, _ = load_architecture(arch, None)
    opts = SimulationOptions()
    _, graph = iteration_graph(gan, BATCH, opts)
    specs, _ = op_specs(graph, a, mode)
    pl = place(specs, chip_of(a), layout=layout)
    topo = topology_of(a, opts)
    topo.configure(demands(pl.tasks), ["D", "G"])
    sch = schedule(pl.tasks, topo)
    tm = sch.timings
    by_id = {t.id: t for t in pl.tasks}
    for t in pl.tasks:
        for d in t.deps:
            src = by_id[d.src]
            need = tm[d.src].last if (d.whole or src.accumulates or t.barrier) else tm[
                d.src].first
            x = tm.get(f"xfer:{d.src}:{d.tensor}->B{t.bank}")
            if d.tensor and d.bytes > 0 and src.bank != t.bank:
                need = max(need, x.last if (d.whole or src.accumulates or t.barrier)
                           else x.first)
            if not d.first_sample:
                assert tm[t.id].start >= need * (1 - 1e-12), (t.id, d.src)
            assert tm[t.id].finish >= tm[d.src].last * (1 - 1e-12), (t.id, d.src)
    work = sum(t.busy_s for t in pl.tasks) + sum(
        x.bytes * x.route.per_byte_s + x.route.latency_s for x in sch.transfers.values())
    assert sch.critical_path_s <= sch.makespan_s * (1 + 1e-9) <= work * (1 + 1e-9) ** 2
    per_unit: dict[str, list[tuple[float, float]]] = {}
    for t in pl.tasks:
        if t.busy_s > 0:
            per_unit.setdefault(t.unit, []).append((tm[t.id].start, tm[t.id].finish))
    for unit, ivs in per_unit.items():
        ivs.sort()
        for (_s0, e0), (s1, _e1) in itertools.pairwise(ivs):
            assert s1 >= e0 * (1 - 1e-12), unit


def test_memoised_graph_is_not_shared():
    """Each caller gets its own copy of a suite benchmark's graph: changing it changes no
    later result."""
    from lergan.system import SimulationOptions, simulate
    from lergan.system.api import iteration_graph

    opts = SimulationOptions()
    before = simulate("dcgan", "lergan", 8).to_dict()
    _, g1 = iteration_graph("dcgan", 8, opts)
    _, g2 = iteration_graph("dcgan", 8, opts)
    assert g1 is not g2 and g1.to_dict() == g2.to_dict()
    g1.operations.clear()
    g1.tensors.clear()
    assert iteration_graph("dcgan", 8, opts)[1].to_dict() == g2.to_dict()
    assert simulate("dcgan", "lergan", 8).to_dict() == before
