"""Cells written per iteration and the lifetime (lergan.system.wear), by hand and invariants.

The one-layer GAN: G is one transposed convolution (z 8x1x1 -> 1x4x4, no error pass: its
input is z), D one convolution (1x4x4 -> 1x1x1); batch B. Per iteration (one D-step, one
G-step), with crossbar weight gradients (PipeLayer: each sample's error programmed into the
weight-gradient crossbars, every programmed cell a write):
- D's weight gradient runs over 2B samples (real and fake) in the D-step: its crossbars are
  programmed 2B times, so each of their cells is written 2B times (one copy); with r copies
  taking samples in turn, the busiest copy ceil(2B / r) times;
- G's weight gradient over B samples in the G-step: B writes per cell;
- each update rewrites its stored copies once: D's forward and transposed copies, G's
  forward copy, a share ``write.fraction_rewritten`` of their cells (1 for lergan).
The lifetime is endurance / (the largest of these), in iterations.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden import small_gan
from lergan.hardware import load_preset
from lergan.hardware.cost import lifetime
from lergan.mapping import cost, map_operation
from lergan.system import simulate
from lergan.system.api import iteration_graph
from lergan.system.options import SimulationOptions
from lergan.system.wear import WRITES
from lergan.workload import layers as L
from lergan.workload.gan import GAN, GanInput, Loss, Network, NetworkCall, NetworkInput


def conv_gan() -> GAN:
    g = L.ConvTranspose(name="tconv", rank=2, in_channels=8, out_channels=1, kernel_size=4,
                        stride=1, padding=0, bias=False)
    d = L.Conv(name="conv", rank=2, in_channels=1, out_channels=1, kernel_size=4, stride=1,
               padding=0, bias=False)
    return GAN(
        name="one-conv", source="tests", description="one convolution per network",
        inputs=(GanInput(name="z", kind="latent", shape=(8, 1, 1)),
                GanInput(name="x", kind="image", shape=(1, 4, 4))),
        networks=(
            Network(name="G", role="generator",
                    inputs=(NetworkInput(name="z", shape=(8, 1, 1)),), layers=(g,)),
            Network(name="D", role="discriminator",
                    inputs=(NetworkInput(name="x", shape=(1, 4, 4)),), layers=(d,)),
        ),
        calls=(NetworkCall(name="fake", network="G", inputs={"z": "z"}),
               NetworkCall(name="d_real", network="D", inputs={"x": "x"}),
               NetworkCall(name="d_fake", network="D", inputs={"x": "fake"})),
        losses=(Loss(name="d_real", step="D", kind="adversarial", call="d_real",
                     target="real", criterion="bce"),
                Loss(name="d_fake", step="D", kind="adversarial", call="d_fake",
                     target="fake", criterion="bce"),
                Loss(name="g_adv", step="G", kind="adversarial", call="d_fake",
                     target="real", criterion="bce")),
    )


@pytest.mark.parametrize("preset", ["lergan", "lrgan"])
@pytest.mark.parametrize("copies", [1, 3])
def test_one_layer_gan_writes_and_lifetime_by_hand(preset, copies):
    batch = 4
    gan = conv_gan()
    arch = load_preset(preset)
    # one copy of every unit ("*") except D's weight-gradient crossbars
    r = simulate(gan, preset, batch,
                 options={"replication": {"*": 1, "D/update/conv:wg": copies},
                          "mode": "zfdr-pattern"})
    _, graph = iteration_graph(gan, batch, SimulationOptions())
    ops = {op.id: op for op in graph.operations}
    wg = map_operation(ops["D:d_real+d_fake:conv:weight_gradient"], arch, "zfdr-pattern")
    assert wg.samples == 2 * batch and wg.write_rounds == 2 * batch
    assert wg.cells_written == 2 * batch * wg.cells_per_copy  # the whole copy per sample
    groups = {g.resource: g for g in r.wear}
    d_wg = groups["D/update/conv:wg"]
    assert d_wg.writes == ("weight-gradient operand",)
    assert d_wg.writes_per_cell == math.ceil(2 * batch / copies)  # busiest copy
    assert d_wg.cells == wg.cells_per_copy
    assert groups["G/update/tconv:wg"].writes_per_cell == batch
    f = arch.write.fraction_rewritten
    for unit in ("D/forward/conv", "D/error/conv", "G/forward/tconv"):
        assert groups[unit].writes_per_cell == pytest.approx(f)  # one update, its share
    assert "G/error/tconv" not in groups  # G has no error pass, so no transposed copy
    worst = max(math.ceil(2 * batch / copies), batch)
    assert r.lifetime.writes_per_cell_per_iteration == worst
    assert r.lifetime.iterations == pytest.approx(arch.cell.endurance_writes / worst)
    assert r.lifetime.seconds == pytest.approx(r.lifetime.iterations * r.time_s)
    assert r.lifetime.limiting.resource == ("D/update/conv:wg" if 2 * batch / copies > batch
                                            else "G/update/tconv:wg")
    # cells written: the weight gradient's programming, then each update's copies
    writes = r.breakdown(("network", "pass", "component"), "writes")
    assert writes["D/weight_gradient/weight-gradient operand"] == wg.cells_written
    upd = cost(map_operation(ops["D:D:conv:update"], arch, "zfdr-pattern"), arch)
    assert (writes["D/update/forward copy"] + writes["D/update/transposed copy"]
            == pytest.approx(upd.cells_written))
    assert sum(writes.values()) == pytest.approx(r.cells_written)
    d = r.to_dict()
    assert d["lifetime"]["iterations"] == pytest.approx(r.lifetime.iterations)
    assert d["lifetime"]["limiting"]["resource"] == r.lifetime.limiting.resource
    assert sum(d["breakdowns"]["writes"]["pass"].values()) == pytest.approx(r.cells_written)


ARCHS = ("lergan", "lrgan", "prime", "lergan-no-zfdr")


@settings(max_examples=12)
@given(arch=st.sampled_from(ARCHS), batch=st.integers(1, 6),
       replication=st.sampled_from(["none", "auto"]),
       budget=st.sampled_from([None, 96, 40]))
def test_lifetime_is_bounded_by_every_group_and_operation(arch, batch, replication, budget):
    """The lifetime never exceeds endurance over any group's writes per cell, nor (one copy
    per unit) over any mapped operation's writes per cell; the write records sum to the
    cells written and name only the four kinds of writes."""
    opts = {"replication": replication, "crossbar_budget": budget}
    r = simulate(small_gan(), arch, batch, options=opts)
    a = load_preset(arch if arch != "lergan-no-zfdr" else "lergan")
    endurance = a.cell.endurance_writes
    life = r.lifetime
    assert sum(e.value for e in r.writes) == pytest.approx(r.cells_written)
    assert {e.component for e in r.writes} <= set(WRITES)
    assert r.wear and life.iterations < math.inf
    for g in r.wear:
        assert life.iterations <= endurance / g.writes_per_cell * (1 + 1e-12)
        assert g.cells_written >= g.writes_per_cell * g.cells * (1 - 1e-9)
    assert life.iterations == pytest.approx(endurance / max(g.writes_per_cell for g in r.wear))
    # the same through the hardware model's lifetime: the most-worn group's cells
    g = life.limiting
    assert life.iterations == pytest.approx(
        lifetime(a, g.writes_per_cell * g.cells, g.cells).iterations)
    if replication == "none":
        _, graph = iteration_graph(small_gan(), batch, SimulationOptions())
        chosen = r.placement["modes"]  # mode "auto": each operation's own
        for op in graph.operations:
            if op.kind in ("linear", "conv", "conv_transpose") and op.pass_ in (
                    "weight_gradient", "update"):
                mode = chosen[op.id]["mode"] if op.id in chosen else r.options["mode"]
                c = cost(map_operation(op, a, mode), a)
                if c.cells_written:
                    assert life.iterations <= endurance / c.writes_per_cell * (1 + 1e-12)


@settings(max_examples=6)
@given(batch=st.integers(1, 6), budget=st.sampled_from([None, 96, 40]))
def test_approximate_update_never_shortens_lifetime(batch, budget):
    opts = {"crossbar_budget": budget}
    exact = simulate(small_gan(), "lergan", batch, options=opts)
    approx = simulate(small_gan(), "lrgan", batch, options=opts)
    assert approx.lifetime.iterations >= exact.lifetime.iterations
    assert approx.cells_written <= exact.cells_written
    by_res = {g.resource: g.writes_per_cell for g in exact.wear}
    for g in approx.wear:
        assert g.writes_per_cell <= by_res[g.resource] * (1 + 1e-12)


def test_reload_programs_the_whole_copy():
    """A swap region held another layer: a reload writes every cell of the copy, also under
    the approximate update (its fraction applies to in-place updates only)."""
    # zfdr-pattern stores the most weights: DCGAN's tiers then swap
    exact = simulate("dcgan", "lergan", 8, options={"mode": "zfdr-pattern"})
    approx = simulate("dcgan", "lrgan", 8, options={"mode": "zfdr-pattern"})
    reload_exact = exact.breakdown("component", "writes")["reload"]
    assert reload_exact > 0
    assert approx.breakdown("component", "writes")["reload"] == pytest.approx(reload_exact)
    assert (approx.breakdown("component", "writes")["forward copy"]
            < exact.breakdown("component", "writes")["forward copy"])
