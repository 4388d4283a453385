"""The schedule uses the units that area and power count (issue: resources that agree).

Digital work (batch norm, activations, losses, the optimiser, digital weight gradients) runs
on its bank's pool of MAC units, whose size the cost assumes and the area counts: at no
instant do the MACs in use exceed the MACs the chip has. Buffer traffic shares the bank's
buffer ports (lergan.system.ports): at no instant does a bank move more than its ports'
bandwidth.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.hardware import load_preset
from lergan.system import simulate
from lergan.workload import suite

GAN = suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)


def _macs_in_use_peak(r, per_pool: float) -> float:
    events = []
    for i in r.timeline:
        if i.resource.endswith(":digital") and i.finish_s > i.start_s:
            events += [(i.start_s, 1), (i.finish_s, -1)]
    events.sort(key=lambda e: (e[0], e[1]))  # a finish before a start at the same instant
    live = peak = 0
    for _, d in events:
        live += d
        peak = max(peak, live)
    return peak * per_pool


@settings(max_examples=8, deadline=None)
@given(arch=st.sampled_from(["lergan", "prime", "lergan-2d-bus"]),
       mac=st.sampled_from([0.0625, 0.25, 1.0]),
       wg=st.sampled_from(["crossbar", "digital"]))
def test_digital_macs_in_use_never_exceed_what_the_area_counts(arch, mac, wg):
    over = {"organisation.per_mat.mac": mac, "training.weight_gradients": wg}
    a = load_preset(arch, overrides=over)
    r = simulate(GAN, arch, 4, overrides=over)
    per_pool = a.components.per_bank("mac")
    assert _macs_in_use_peak(r, per_pool) <= a.components.instances("mac") + 1e-9
    # every digital interval sits on a bank's pool, one task at a time
    pools = {i.resource for i in r.timeline if i.resource.endswith(":digital")}
    assert pools and len(pools) <= a.organisation.banks
    for p in pools:
        ivs = sorted((i.start_s, i.finish_s) for i in r.timeline if i.resource == p)
        assert all(b[0] >= a_[1] - 1e-15 for a_, b in itertools.pairwise(ivs))


def test_more_macs_per_mat_never_slow_the_digital_work():
    for wg in ("crossbar", "digital"):
        times = [simulate(GAN, "lergan", 4, overrides={
            "organisation.per_mat.mac": m, "training.weight_gradients": wg}).time_s
            for m in (0.0625, 0.25, 1.0)]
        assert times == sorted(times, reverse=True)
        if wg == "digital":  # digital weight gradients: the pool is on the critical path
            assert times[-1] < times[0]


def _port_peaks(arch: str, over: dict) -> tuple[dict[int, float], float, dict]:
    """Each bank's peak buffer traffic, in buffers' worth of bandwidth, over the schedule
    the engine builds (placement, shared ports, schedule), and the bank's ports."""
    from lergan.mapping.elementwise import bank_buffer
    from lergan.system.api import _iteration_graph, chip_of, topology_of
    from lergan.system.build import op_specs
    from lergan.system.options import SimulationOptions
    from lergan.system.placement import place
    from lergan.system.ports import copies_at_once, share_ports
    from lergan.system.schedule import schedule

    a = load_preset(arch, overrides=over)
    _, g = _iteration_graph(GAN, 4, SimulationOptions())
    specs, _ = op_specs(g, a, "auto:time" if a.training.mapping_mode == "auto"
                        else a.training.mapping_mode)
    by_id = {o.id: o for o in specs}
    ports = a.components.per_bank(bank_buffer(a))
    pl = place(specs, chip_of(a), layout=a.organisation.layout)
    shared, use = share_ports(pl.tasks, specs, ports)
    topo = topology_of(a, SimulationOptions())
    topo.configure([], [])
    sch = schedule(shared, topo)
    events: dict[int, list[tuple[float, float]]] = {}
    for t0 in pl.tasks:
        o = by_id.get(t0.op)
        if t0.kind != "compute" or o is None or o.cost.buffer_s <= 0:
            continue
        tm = sch.timings[t0.id]
        if tm.finish <= tm.start:
            continue
        buffer_time = (-(-max(t0.samples, 1) // max(t0.replication, 1)) * copies_at_once(t0, o)
                       * t0.latency_s * o.cost.buffer_s / o.cost.latency_s)
        rate = buffer_time / (tm.finish - tm.start)  # buffers' worth, averaged over the task
        events.setdefault(t0.bank, []).extend([(tm.start, rate), (tm.finish, -rate)])
    peaks = {}
    for bank, ev in events.items():
        ev.sort(key=lambda e: (e[0], e[1]))  # a finish before a start at the same instant
        live = peak = 0.0
        for _, d in ev:
            live += d
            peak = max(peak, live)
        peaks[bank] = peak
    return peaks, ports, use


@settings(max_examples=8, deadline=None)
@given(arch=st.sampled_from(["lergan", "prime", "lergan-2d-bus"]),
       per_mat=st.sampled_from([1 / 512, 1 / 96, 1 / 16]),
       wg=st.sampled_from(["crossbar", "digital"]))
def test_buffer_traffic_never_exceeds_the_ports_the_area_counts(arch, per_mat, wg):
    over = {"organisation.per_mat.bank_buffer": per_mat, "training.weight_gradients": wg}
    peaks, ports, use = _port_peaks(arch, over)
    assert peaks
    for bank, peak in peaks.items():
        assert peak <= ports * (1 + 1e-9), (bank, peak, ports, use[bank])


def test_too_few_buffer_ports_slow_the_iteration():
    few = simulate(GAN, "lergan", 4, overrides={"organisation.per_mat.bank_buffer": 1 / 4096})
    many = simulate(GAN, "lergan", 4, overrides={"organisation.per_mat.bank_buffer": 1.0})
    assert any(u["slowdown"] > 1 for u in few.placement["buffer_ports"].values())
    assert all(u["slowdown"] == 1 for u in many.placement["buffer_ports"].values())
    assert few.time_s > many.time_s
    assert any("buffer ports oversubscribed" in n for n in few.notes)


def test_ports_stretch_streaming_by_hand():
    """Two units of one bank each stream 0.75 of a buffer's bandwidth (buffer 0.75 us of a
    1 us sample): with one buffer they need 1.5, so streaming runs 1.5x slower (1.5 us a
    sample); the programming part (0.5 us) is not stretched; another bank is untouched."""
    from lergan.system.ports import share_ports
    from lergan.system.tasks import OpCost, OpSpec, Task

    cost = OpCost(1.5e-6, {}, buffer_s=0.75e-6, stream_s=1e-6)  # 0.5 us programming
    ops = [OpSpec(n, "N", "D", "forward", n, 4, "crossbar", 1, cost) for n in "abc"]

    def task(name, bank):
        return Task(id=name, op=name, kind="compute", network="N", step="D",
                    pass_="forward", layer=name, unit=f"N/{name}", bank=bank, tier="forward",
                    samples=4, replication=1, latency_s=1.5e-6, energy_j={})

    out, use = share_ports([task("a", 1), task("b", 1), task("c", 2)], ops, 1.0)
    assert use[1].need == pytest.approx(1.5) and use[1].slowdown == pytest.approx(1.5)
    assert use[2].slowdown == 1.0
    assert [t.latency_s for t in out] == pytest.approx([2e-6, 2e-6, 1.5e-6])


@settings(max_examples=8, deadline=None)
@given(arch=st.sampled_from(["lergan", "lrgan", "prime", "lergan-2d-bus"]),
       batch=st.integers(1, 8), share=st.floats(0.05, 1.0))
def test_average_power_never_exceeds_the_peak_of_what_is_provisioned(arch, batch, share):
    """Energy over time stays at or below the peak power of the same provisioned parts
    (every component at its peak rate, the mats the budget provisions): time, energy and
    power count the same units. With the whole chip the peak is the preset's
    (``lergan peak``), and a smaller budget provisions less."""
    from lergan.hardware.peak import peak
    from lergan.system.api import load_architecture

    whole = simulate(GAN, arch, batch)
    assert whole.peak_power_w == pytest.approx(peak(load_architecture(arch, None)[0]).power_w,
                                               rel=1e-12)
    total = whole.options["crossbar_budget"]
    budget = max(int(total * share), max(
        g["crossbars"] for g in whole.placement["groups"].values()) * 6)
    r = simulate(GAN, arch, batch, options={"crossbar_budget": min(budget, total)})
    for x in (whole, r):
        assert 0 < x.power_w <= x.peak_power_w
        assert x.to_dict()["peak_power_w"] == x.peak_power_w
    assert r.peak_power_w <= whole.peak_power_w * (1 + 1e-12)
