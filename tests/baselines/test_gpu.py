"""The GPU roofline model: exact against hand arithmetic and FlopCounterMode, monotone in
its parameters, refusing what does not fit."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.baselines.data import BaselineError
from lergan.baselines.gpu import cost_operation, load_gpu, simulate_gpu
from lergan.baselines.result import iteration_graph
from lergan.errors import LerganError


@pytest.fixture(scope="module")
def dcgan_graph():
    return iteration_graph("dcgan", 16, 32)[1]


def test_one_convolution_by_hand(dcgan_graph):
    spec = load_gpu("titan-x-pascal")
    op = dcgan_graph.operation("D:fake:tconv2:forward")
    c = cost_operation(op, dcgan_graph.tensors, spec)
    flops = 2 * op.macs.nominal
    nbytes = sum(dcgan_graph.tensors[t].bytes for t in (*op.reads, *op.writes))
    occ = min(1.0, op.macs.nominal / (28 * 2048 * 64))
    t = max(flops / (11.0e12 * 0.58 * occ), nbytes / (480e9 * 0.83)) + 2 * 5e-6
    assert c.flops == flops and c.bytes == nbytes
    assert c.time_s == pytest.approx(t, rel=1e-12)
    busy = t - 2 * 5e-6
    assert occ == 1.0  # a full-size layer: the board draws its busy power
    assert c.energy_j == pytest.approx(250 * (busy + 0.15 * 2 * 5e-6), rel=1e-12)


def test_a_kernel_too_small_to_fill_the_gpu_draws_less_power():
    # memory made free so that kernels are compute bound: power follows occupancy
    spec = load_gpu("titan-x-pascal", {"memory_bandwidth": 1e18})
    g = iteration_graph("dcgan", 1, 32)[1]
    saturate = 28 * 2048 * 64
    seen = 0
    for op in g.operations:
        if op.kind in ("conv", "conv_transpose", "linear") and op.pass_ != "update":
            c = cost_operation(op, g.tensors, spec)
            launch = c.kernels * 5e-6
            busy = c.time_s - launch
            occ = min(1.0, op.macs.nominal / saturate)
            power = (c.energy_j - 0.15 * 250 * launch) / busy
            assert power == pytest.approx(37.5 + (250 - 37.5) * occ, rel=1e-6)
            seen += occ < 1
    assert seen


def test_mac_flops_equal_flop_counter_mode():
    """The model's arithmetic on convolutions and FC layers is what torch counts for the
    reference training iteration (FlopCounterMode on the meta device)."""
    from lergan.workload import suite
    from lergan.workload.reference import count_iteration_flops

    r = simulate_gpu("cgan", "gpu", 4)
    mac_flops = sum(o.flops for o in r.ops if o.kind in ("linear", "conv", "conv_transpose")
                    and o.pass_ != "update")
    assert mac_flops == count_iteration_flops(suite.get("cgan"), 4)


def test_totals_add_up_and_breakdowns_sum_to_them():
    r = simulate_gpu("magan", "gtx-1080", 8)
    assert r.time_s == pytest.approx(sum(o.time_s for o in r.ops))
    assert r.energy_j == pytest.approx(sum(o.energy_j for o in r.ops))
    for by in ("network", "step", "pass", "layer", "bound"):
        assert sum(r.breakdown(by, "time").values()) == pytest.approx(r.time_s)
        assert sum(r.breakdown(by, "energy").values()) == pytest.approx(r.energy_j)
    assert r.power_w <= 180 * 1.0 + 1e-9  # never above board power x busy fraction
    assert r.precision["weight_bits"] == 32 and r.precision["adc_bits"] is None
    d = r.to_dict()
    assert d["architecture"] == "gpu:gtx-1080" and d["area_mm2"] == pytest.approx(314)


@settings(max_examples=15)
@given(factor=st.floats(1.01, 10.0), key=st.sampled_from(
    ["peak_flops", "memory_bandwidth", "compute_efficiency", "memory_efficiency"]))
def test_a_faster_gpu_is_never_slower(factor, key):
    base = load_gpu("v100")
    faster = simulate_gpu("cgan", "v100", 8, {key: base.leaves[key].value * factor})
    slower = simulate_gpu("cgan", "v100", 8)
    assert faster.time_s <= slower.time_s * (1 + 1e-12)
    assert faster.time_s < slower.time_s or key in ("memory_bandwidth", "memory_efficiency")


@settings(max_examples=10)
@given(launch=st.floats(0.0, 50e-6))
def test_launch_overhead_adds_per_kernel(launch):
    r0 = simulate_gpu("dcgan", "gpu", 4, {"launch_overhead_s": 0.0})
    r = simulate_gpu("dcgan", "gpu", 4, {"launch_overhead_s": launch})
    kernels = sum(o.kernels for o in r.ops)
    assert r.time_s == pytest.approx(r0.time_s + kernels * launch, rel=1e-9, abs=1e-15)


def test_adam_moments_are_costed_in_the_update(dcgan_graph):
    spec = load_gpu("gpu")
    op = next(o for o in dcgan_graph.operations if o.pass_ == "update" and o.params)
    c = cost_operation(op, dcgan_graph.tensors, spec)
    graph_bytes = sum(dcgan_graph.tensors[t].bytes for t in (*op.reads, *op.writes))
    assert c.bytes == graph_bytes + 2 * 2 * op.params * 4


def test_a_gan_that_does_not_fit_memory_is_refused():
    with pytest.raises(BaselineError, match=r"benchmark '3d-gan' at batch 64 needs about .* "
                       r"GiB .*gtx-1080 has 1 GiB"):
        simulate_gpu("3d-gan", "gtx-1080", 64, {"memory_capacity": "1 GB"})


def test_bad_workloads_are_named():
    with pytest.raises(LerganError, match="benchmark 'nogan'"):
        simulate_gpu("nogan")
    with pytest.raises(LerganError, match="batch 0"):
        simulate_gpu("dcgan", batch=0)


def test_newer_gpus_are_faster_on_every_benchmark():
    from lergan.workload import suite

    for b in suite.names():
        times = [simulate_gpu(b, g, 16).time_s for g in ("gtx-1080", "titan-x-pascal", "v100",
                                                         "h100")]
        assert times == sorted(times, reverse=True), b
        assert all(math.isfinite(t) and t > 0 for t in times)
