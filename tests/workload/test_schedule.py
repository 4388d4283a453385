"""Discriminator and generator steps per iteration (n_critic): the GAN's official schedule,
the IterationOptions override, the graph's steps and FlopCounterMode on the reference loop
doing the same."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_gans import tiny_conditional, tiny_dcgan

from lergan.errors import WorkloadError
from lergan.workload import suite
from lergan.workload.iteration import IterationOptions, build_iteration
from lergan.workload.modules import build_gan_modules
from lergan.workload.reference import count_iteration_flops, reference_iteration

TINY = {"dcgan": tiny_dcgan(), "conditional": tiny_conditional()}


@settings(max_examples=8)
@given(
    name=st.sampled_from(sorted(TINY)),
    d_steps=st.integers(1, 3),
    g_steps=st.integers(1, 3),
    latent=st.sampled_from(["fresh", "reuse"]),
    stale=st.booleans(),
)
def test_schedule_against_flop_counter_and_single_steps(name, d_steps, g_steps, latent, stale):
    gan = TINY[name]
    options = IterationOptions(
        d_steps=d_steps, g_steps=g_steps, g_step_latent=latent, stale_d_weights=stale
    )
    graph = build_iteration(gan, 2, options)
    assert (graph.d_steps, graph.g_steps) == (d_steps, g_steps)
    assert count_iteration_flops(gan, 2, options=options) == 2 * graph.total().nominal
    # every D-step is the one-step iteration's D-step; G-steps after the first are fresh ones
    one = build_iteration(gan, 2, options.model_copy(update={"d_steps": 1, "g_steps": 1}))
    fresh = build_iteration(gan, 2, IterationOptions())
    for k in range(1, d_steps + 1):
        ops = [op for op in graph.filter(step="D") if op.step_index == k]
        assert [op.macs for op in ops] == [op.macs for op in one.filter(step="D")]
    first = [op for op in graph.filter(step="G") if op.step_index == 1]
    assert [op.macs for op in first] == [op.macs for op in one.filter(step="G")]
    for k in range(2, g_steps + 1):
        ops = [op for op in graph.filter(step="G") if op.step_index == k]
        assert [op.macs for op in ops] == [op.macs for op in fresh.filter(step="G")]
        assert all(op.id.startswith(f"G{k}:") for op in ops)


def test_each_step_reads_the_previous_steps_weights_and_its_own_data():
    gan = tiny_dcgan()
    graph = build_iteration(gan, 4, IterationOptions(d_steps=3, g_steps=2))
    # D-step k reads the weights D-step k-1 wrote
    assert "D/conv1.weights@D-step" in graph.operation("D2:d_real+d_fake:conv1:forward").reads
    assert "D/conv1.weights@D2-step" in graph.operation("D3:d_real+d_fake:conv1:forward").reads
    assert "D/conv1.weights@D3-step" in graph.operation("G:d_fake:conv1:forward").reads
    assert "G/fc.weights@G-step" in graph.operation("G2:fake:fc:forward").reads
    # the first D-step and the first G-step share a batch; later steps draw their own
    assert "data/x" in graph.operation("D:d_real+d_fake:conv1:forward").reads
    assert "data@D2/x" in graph.operation("D2:d_real+d_fake:conv1:forward").reads
    assert {"D/z", "D2/z", "D3/z", "G/z", "G2/z"} <= set(graph.tensors)
    # stale: the G-steps use the weights from before the last D-step's update
    stale = build_iteration(gan, 4, IterationOptions(d_steps=3, stale_d_weights=True))
    assert "D/conv1.weights@D2-step" in stale.operation("G:d_fake:conv1:forward").reads
    # reuse: the first G-step reuses the last D-step's fakes and latent vectors
    reuse = build_iteration(gan, 4, IterationOptions(d_steps=2, g_step_latent="reuse"))
    assert not reuse.filter(step="G", network="G", pass_="forward")
    assert any(reuse.operation(c).step == "G" for c in reuse.tensors["D2/fake/tanh"].consumers)


def test_suite_records_the_official_schedules():
    gp, disco = suite.get("gp-gan"), suite.get("discogan")
    assert (gp.d_steps, gp.g_steps) == (5, 1)  # updater.py, --d_iters 5
    assert (disco.d_steps, disco.g_steps) == (1, 2)  # image_translation.py, update_interval 3
    for name in suite.names():
        if name not in ("gp-gan", "discogan"):
            assert (suite.get(name).d_steps, suite.get(name).g_steps) == (1, 1), name
    default = build_iteration(gp, 64)
    one = build_iteration(gp, 64, IterationOptions(d_steps=1))
    d_one = one.total(step="D")
    assert default.total(step="D") == d_one * 5
    assert default.total() == d_one * 5 + one.total(step="G")
    # descriptions keep their schedule through JSON
    assert type(gp).from_json(gp.to_json()) == gp


def test_bad_schedules_are_named():
    gan = tiny_dcgan()
    with pytest.raises(WorkloadError, match="d_steps"):
        type(gan).model_validate({**gan.to_dict(), "d_steps": 0})
    with pytest.raises(ValueError, match="g_steps"):
        IterationOptions(g_steps=0)


def test_reference_loop_steps_each_optimiser_as_scheduled():
    torch.manual_seed(0)
    gan = tiny_dcgan()
    modules = build_gan_modules(gan)
    optimizers = {n: torch.optim.SGD(m.parameters(), lr=0.01) for n, m in modules.items()}
    steps = {n: 0 for n in modules}
    for n, opt in optimizers.items():
        opt.register_step_post_hook(lambda *_, n=n: steps.__setitem__(n, steps[n] + 1))
    options = IterationOptions(d_steps=3, g_steps=2)
    reference_iteration(gan, modules, 4, options=options, optimizers=optimizers)
    assert steps == {"G": 2, "D": 3}
