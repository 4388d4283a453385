"""Capacity and spills (lergan.system.storage): what each bank stores, where it lands, and
what moving it costs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.errors import LerganError
from lergan.hardware import load_preset
from lergan.mapping.params import OPTIMISER_STATE_TENSORS
from lergan.system import simulate
from lergan.system.api import _iteration_graph, storage_of, topology_of
from lergan.system.interconnect import LinkSpec
from lergan.system.options import SimulationOptions
from lergan.system.storage import StorageSpec, place_bytes
from lergan.workload import suite

SMALL = suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)
OFF = LinkSpec("offchip", 19.2e9, 50e-9, 20e-12)


def _spec(buffer_bytes: float, memory_bytes: float) -> StorageSpec:
    return StorageSpec(buffer_bytes, memory_bytes, 32768.0, 57.6e9, 1e9, 2e9, 1e-11, 1e-12,
                       1e-12, OFF, 4)


def split(demand: float, spec: StorageSpec) -> dict[str, float]:
    """Share of a bank's demand in each level (its whole store placed from 0)."""
    if demand <= 0:
        return {"buffer": 1.0, "memory": 0.0, "offchip": 0.0}
    return {lv: v / demand for lv, v in place_bytes(0.0, demand, spec).items()}


# capacities and sizes are bytes: no subnormal floats (a share of a 1e-308-byte buffer
# does not survive the division by the demand)
BYTES = {"allow_subnormal": False}


@given(demand=st.floats(0, 1e12, **BYTES), buf=st.floats(0, 1e9, **BYTES),
       mem=st.floats(0, 1e11, **BYTES))
def test_split_fills_buffer_then_memory_then_off_chip(demand, buf, mem):
    sh = split(demand, _spec(buf, mem))
    assert sum(sh.values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in sh.values())
    if demand > 0:
        assert sh["buffer"] * demand <= buf * (1 + 1e-12)
        assert sh["memory"] * demand <= mem * (1 + 1e-12)
        if sh["offchip"] > 1e-12:  # off chip only once the buffer and the mats are full
            assert sh["buffer"] * demand == pytest.approx(buf)
            assert sh["memory"] * demand == pytest.approx(mem)
        # more memory never sends more off chip
        assert split(demand, _spec(buf, mem * 2 + 1))["offchip"] <= sh["offchip"] + 1e-12


@given(at=st.floats(0, 1e10), n=st.floats(0, 1e10), buf=st.floats(0, 1e9),
       mem=st.floats(0, 1e10))
def test_place_bytes_splits_an_item_over_the_levels_in_order(at, n, buf, mem):
    lv = place_bytes(at, n, _spec(buf, mem))
    tol = 1e-12 * (at + n + buf + mem) + 1e-6  # offsets are subtracted in floating point
    assert sum(lv.values()) == pytest.approx(n, rel=1e-9, abs=tol)
    assert lv["buffer"] <= max(0.0, buf - at) + tol
    if lv["offchip"] > 1e-6:  # off chip only past the buffer and the memory mats
        assert at + n > buf + mem
    # two halves placed in turn are the whole
    a, b = place_bytes(at, n / 2, _spec(buf, mem)), place_bytes(at + n / 2, n / 2,
                                                                    _spec(buf, mem))
    for k in lv:
        assert a[k] + b[k] == pytest.approx(lv[k], rel=1e-9, abs=tol)


def test_storage_spec_refuses_bad_values():
    with pytest.raises(LerganError, match="buffer_bytes"):
        _spec(-1.0, 0.0)
    with pytest.raises(LerganError, match="memory_bytes"):
        _spec(0.0, math.nan)


def test_storage_spec_is_derived_from_the_preset():
    a = load_preset("lergan")
    s = storage_of(a, topology_of(a, SimulationOptions()))
    org, xb = a.organisation, a.crossbar
    mat = xb.rows * xb.cols * xb.cell_bits / 8 * org.crossbars_per_mat
    assert s.mat_bytes == mat
    # the memory is the bank's capacity less its compute mats
    assert s.memory_bytes == pytest.approx(org.capacity_bytes / org.banks - org.mats_per_bank * mat)
    assert s.buffer_bytes == pytest.approx(a.buffers["bank_buffer"].capacity_bytes * (
        org.per_mat["bank_buffer"] * org.mats_per_bank + org.per_bank["bank_buffer"]))
    assert s.write_j_per_byte == pytest.approx(
        8 / xb.cell_bits * a.write.pulses_per_write * a.write.energy_per_pulse_j)
    # no capacity given (an ISAAC-like accelerator): nothing but the buffers on chip
    org = a.organisation.model_copy(update={"capacity_bytes": None, "compute_fraction": None})
    b = a.model_copy(update={"organisation": org})
    assert storage_of(b, topology_of(b, SimulationOptions())).memory_bytes == 0.0


@pytest.mark.parametrize("optimiser", ["sgd", "adam"])
def test_state_is_the_master_weights_and_optimiser_state(optimiser):
    over = {"training.optimiser": optimiser}
    r = simulate(SMALL, "lergan", 4, overrides=over)
    a = load_preset("lergan", overrides=over)
    p = a.precision
    per_value = (p.master_weight_bits + OPTIMISER_STATE_TENSORS[optimiser]
                 * p.optimiser_state_bits) / 8
    _, g = _iteration_graph(SMALL, 4, SimulationOptions())
    # every updated layer's values (weights and biases) that crossbars hold
    mapped = {(o.network, o.layer) for o in g.operations
              if o.pass_ == "update" and o.kind in ("linear", "conv", "conv_transpose")}
    values = 0.0
    for t in g.tensors.values():  # "G/tconv1.weights" (not the per-step "...@G-step")
        net, _, rest = t.name.partition("/")
        if t.kind == "weights" and "@" not in rest and (net, rest[:-8]) in mapped:
            values += t.bytes / (p.weight_bits / 8)
    state = sum(b["state_bytes"] for b in r.placement["storage"]["banks"].values())
    assert state == pytest.approx(values * per_value)


def test_banks_report_demand_split_over_levels():
    r = simulate("dcgan", "lergan", 64)
    st_ = r.placement["storage"]
    spec = storage_of(load_preset("lergan"), topology_of(load_preset("lergan"),
                                                           SimulationOptions()))
    for b in st_["banks"].values():
        assert b["demand_bytes"] == pytest.approx(b["state_bytes"] + b["kept_bytes"])
        assert b["buffer_bytes"] + b["memory_bytes"] + b["offchip_bytes"] == pytest.approx(
            b["demand_bytes"])
        assert b["buffer_bytes"] <= spec.buffer_bytes * (1 + 1e-9)
        assert b["memory_bytes"] <= spec.memory_bytes * (1 + 1e-9)
    # what the spill tasks move to memory mats: each bank's state, then every step's kept
    # tensors after it (the items of a step fill the store in turn)
    mem = 0.0
    for b in st_["banks"].values():
        mem += place_bytes(0.0, b["state_bytes"], spec)["memory"]
        for kept in b["kept_by_step"].values():
            mem += place_bytes(b["state_bytes"], kept, spec)["memory"]
    assert st_["spilled_bytes"]["memory"] == pytest.approx(mem, rel=1e-9)
    assert any("spills" in n for n in r.notes)
    # spills are charged: energy and time of their own, and the totals still add up
    assert r.breakdown("component")["memory_write"] > 0
    assert r.breakdown("component")["memory_read"] > 0
    assert sum(r.breakdown("pass").values()) == pytest.approx(r.energy_j)
    assert sum(r.breakdown("pass", "time").values()) == pytest.approx(r.time_s)


def test_more_capacity_keeps_data_on_chip():
    base = simulate("dcgan", "lergan", 64)
    big = simulate("dcgan", "lergan", 64,
                   overrides={"organisation.capacity_bytes": 4 * 768 * 2**20})
    off = base.placement["storage"]["spilled_bytes"].get("offchip", 0.0)
    assert off > 0  # D's update bank holds more than its 96 MiB of memory mats
    assert big.placement["storage"]["spilled_bytes"].get("offchip", 0.0) == 0.0


def test_a_buffer_that_holds_everything_spills_nothing():
    over = {"buffers.bank_buffer.capacity_bytes": 2**40}
    r = simulate(SMALL, "lergan", 4, overrides=over)
    assert r.placement["storage"]["spilled_bytes"] == {}
    assert not any(i.kind == "spill" for i in r.timeline)
    assert "memory_write" not in r.breakdown("component")


def test_reloads_fetch_their_weights_from_the_update_bank():
    # a budget that makes groups swap: a reload that takes its weights from the master
    # copy (not from this iteration's update) first reads them where the state lives
    r = simulate("dcgan", "lergan", 8, options={"crossbar_budget": 1536})
    reloads = {i.id for i in r.timeline if i.kind == "reload"}
    fetches = {i.id for i in r.timeline if i.id.endswith(":fetch")}
    assert fetches
    assert {f.removesuffix(":fetch") for f in fetches} <= reloads
    fetched = sum(v for k, v in r.placement["storage"]["spilled_bytes"].items()
                  if k.startswith("fetched from"))
    assert fetched > 0


@settings(max_examples=6, deadline=None)
@given(factor=st.sampled_from([0.5, 1.0, 2.0]), optimiser=st.sampled_from(["sgd", "adam"]))
def test_spilled_bytes_never_grow_with_capacity(factor, optimiser):
    def spilled(f: float) -> tuple[float, float]:
        over = {"organisation.capacity_bytes": 768 * 2**20 * f, "training.optimiser": optimiser}
        s = simulate(SMALL, "lergan", 4, overrides=over).placement["storage"]
        return s["spilled_bytes"].get("offchip", 0.0), s["banks"]["B1"]["demand_bytes"]
    small, big = spilled(factor), spilled(factor * 2)
    assert big[0] <= small[0]
    assert big[1] == small[1]  # the demand is the workload's, not the machine's


def test_a_spilled_tensor_costs_its_round_trip_by_hand():
    """One bank, a forward pass whose output the error pass reads: with no buffer the
    1,000 bytes go to memory mats and back, 1 us each way at 1 GB/s, between the two."""
    from lergan.system.engine import run_engine
    from lergan.system.interconnect import Topology
    from lergan.system.placement import ChipSpec
    from lergan.system.tasks import Dep, OpCost, OpSpec

    ops = [OpSpec("a", "N", "D", "forward", "l0", 1, "crossbar", 2,
                  OpCost(1e-6, {"crossbar": 1e-9})),
           OpSpec("b", "N", "D", "error", "l0", 1, "crossbar", 2,
                  OpCost(1e-6, {"crossbar": 1e-9}), (Dep("a", "x", 1000.0),))]
    links = {"internal_bus": LinkSpec("internal_bus", 1e9, 0.0, 0.0),
             "offchip": OFF}
    spec = StorageSpec(0.0, 1e6, 32768.0, 1e9, 1e9, 2e9, 2e-12, 1e-12, 0.0, OFF, 4)

    def run(storage):
        return run_engine(ops, ChipSpec(1, 16), Topology("2d-bus", 1, 1, links),
                          layout="prime", replication="none", storage=storage)

    plain, spilled = run(None), run(spec)
    assert plain.time_s == pytest.approx(2e-6)
    # write-out 1,000 B / min(port 1 GB/s, 1 mat x 1 GB/s) + read-back / min(1, 2) GB/s
    assert spilled.time_s == pytest.approx(4e-6)
    trip = [i for i in spilled.timeline if i.kind == "spill"]
    assert len(trip) == 1 and trip[0].resource == "B1:memory"
    assert (trip[0].start_s, trip[0].finish_s) == pytest.approx((1e-6, 3e-6))
    comp = spilled.breakdown("component")
    assert comp["memory_write"] == pytest.approx(1000 * 2e-12)
    assert comp["memory_read"] == pytest.approx(1000 * 1e-12)
    assert spilled.placement["storage"]["banks"]["B1"]["kept_bytes"] == 1000.0


def test_swapped_weight_gradient_units_reload_no_weights():
    """A weight-gradient unit programs its own operands (its cost holds those writes): in a
    swap region it takes turns without a reload of the layer's weights."""
    r = simulate("dcgan", "lergan", 8, options={"crossbar_budget": 512})
    swapped_wg = [n for n, u in r.placement["units"].items() if u["swapped"]
                  and n.endswith(":wg")]
    assert swapped_wg  # the budget makes them take turns
    assert not [i.id for i in r.timeline if i.kind == "reload" and "weight_gradient" in i.id]
    assert [i.id for i in r.timeline if i.kind == "reload"]  # the weight holders still do


def test_moves_are_whole_records(monkeypatch):
    """place_data builds its spill tasks and their dependencies by position (and replaces a
    reader's dependencies by slicing): each must be a whole record, every value in its
    field. A field added to Task or Dep must be placed there too."""
    from lergan.system import engine
    from lergan.system.tasks import Dep, Task

    out = []
    place_data = engine.place_data

    def recording(*args):
        out.append(place_data(*args))
        return out[-1]

    monkeypatch.setattr(engine, "place_data", recording)
    simulate("dcgan", "lergan", 8, options={"crossbar_budget": 1536},
             overrides={"organisation.capacity_bytes": 192 * 2**20})
    st_ = out[-1]
    assert st_.spilled_bytes.get("memory", 0) > 0 and st_.spilled_bytes.get("offchip", 0) > 0
    assert len({t.id for t in st_.tasks}) == len(st_.tasks)
    moves = [t for t in st_.tasks if t.kind == "spill"]
    assert {t.unit for t in moves} >= {"offchip"} and any(
        t.unit.endswith(":memory") for t in moves)
    for t in st_.tasks:
        assert type(t) is Task and len(t) == len(Task._fields)
        assert all(type(d) is Dep and len(d) == len(Dep._fields) for d in t.deps)
    for t in moves:
        assert t.pass_ in ("spill", "reload") and t.samples == t.replication == 1
        assert t.accumulates and not t.barrier and t.cells_written == 0.0
        assert isinstance(t.energy_j, dict) and t.latency_s > 0 and t.bank >= 1
        assert all(d.whole for d in t.deps)
