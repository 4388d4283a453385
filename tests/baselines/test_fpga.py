"""The FPGA DSP-array model: only real MACs reach the DSPs, DRAM bounds what it must."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.baselines.fpga import cost_operation, load_fpga, simulate_fpga
from lergan.baselines.result import iteration_graph


@pytest.fixture(scope="module")
def graph():
    return iteration_graph("dcgan", 16, 16)[1]


def test_a_transposed_convolution_runs_its_real_macs_only(graph):
    spec = load_fpga("vc709")
    op = graph.operation("D:fake:tconv3:forward")
    assert op.macs.real < op.macs.zero_inserted  # zeros exist to be skipped
    c = cost_operation(op, graph.tensors, spec)
    t_compute = op.macs.real / (3600 * 0.8 * 1 * 200e6 * 0.9)
    nbytes = sum(graph.tensors[t].bytes for t in (*op.reads, *op.writes))
    assert c.bytes == nbytes  # DCGAN's weights fit the weight buffer: no refetch
    assert c.time_s == pytest.approx(max(t_compute, nbytes / (29.9e9 * 0.7)), rel=1e-12)
    assert c.flops == 2 * op.macs.real


def test_weights_larger_than_the_buffer_refetch_inputs(graph):
    op = graph.operation("D:d_real+d_fake:conv4:forward")
    big = cost_operation(op, graph.tensors, load_fpga("vc709"))
    small = cost_operation(op, graph.tensors, load_fpga("vc709", {"on_chip_bytes": 1024}))
    assert small.bytes > big.bytes


@settings(max_examples=15)
@given(dsps=st.integers(100, 20000), bw=st.floats(1e9, 1e11))
def test_more_dsps_or_bandwidth_never_slow_it_down(dsps, bw):
    base = simulate_fpga("cgan", "zcu102", 8)
    more = simulate_fpga("cgan", "zcu102", 8, {"dsps": max(dsps, 2520),
                                               "dram_bandwidth": max(bw, 19.2e9)})
    assert more.time_s <= base.time_s * (1 + 1e-12)
    assert 0 < more.power_w <= 20 + 1e-9  # between static and board power


def test_board_power_bounds_energy():
    r = simulate_fpga("magan", "fpga", 8)
    assert 45 * 0.3 * r.time_s <= r.energy_j <= 45 * r.time_s
    assert r.area_mm2 is None and r.architecture == "fpga" and r.preset == "vcu118"
    assert sum(r.breakdown("pass", "time").values()) == pytest.approx(r.time_s)


def test_select_keeps_some_operations():
    full = simulate_fpga("dcgan", "fpga", 8)
    fwd = simulate_fpga("dcgan", "fpga", 8, select=lambda op: op.pass_ == "forward")
    assert 0 < fwd.time_s < full.time_s
    assert {o.pass_ for o in fwd.ops} == {"forward"}
