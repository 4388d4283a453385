"""A one-layer GAN on the real workload, mapping and `lergan` preset, derived by hand.

G is one linear layer (8 -> 16), D one linear layer (16 -> 1); batch 2; PRIME-style layout
(each network's passes share its banks: G in bank 1, D in bank 4), the 2D bus, one copy per
layer. Per-operation latencies and energies are the mapping's (section 5 of docs/model.md);
what is derived here is how the iteration combines them: transfers, pipelining, the update
and the totals. Times in nanoseconds.
"""

from __future__ import annotations

import pytest

from lergan.hardware import load_preset
from lergan.hardware.cost import actions
from lergan.mapping import cost, map_operation
from lergan.system import simulate
from lergan.system.api import iteration_graph
from lergan.system.options import SimulationOptions
from lergan.workload.gan import GAN, GanInput, Loss, Network, NetworkCall, NetworkInput
from lergan.workload.layers import Linear

OPTS = {"replication": "none", "layout": "prime", "topology": "2d-bus"}


def one_layer_gan() -> GAN:
    return GAN(
        name="one-layer", source="tests", description="one linear layer per network",
        inputs=(GanInput(name="z", kind="latent", shape=(8,)),
                GanInput(name="x", kind="image", shape=(16,))),
        networks=(
            Network(name="G", role="generator", inputs=(NetworkInput(name="z", shape=(8,)),),
                    layers=(Linear(name="fc", in_features=8, out_features=16, bias=False),)),
            Network(name="D", role="discriminator",
                    inputs=(NetworkInput(name="x", shape=(16,)),),
                    layers=(Linear(name="fc", in_features=16, out_features=1, bias=False),)),
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


def test_one_layer_gan_time_and_energy_by_hand():
    gan = one_layer_gan()
    no_leak = {"technology.leakage_fraction": 0}  # static power checked elsewhere
    arch = load_preset("lergan", overrides=no_leak)
    r = simulate(gan, "lergan", 2, options=OPTS, overrides=no_leak)
    t = {i.id: (i.start_s * 1e9, i.finish_s * 1e9) for i in r.timeline}
    _, graph = iteration_graph(gan, 2, SimulationOptions())
    ops = {op.id: op for op in graph.operations}
    c = {k: cost(map_operation(op, arch, "zfdr-pattern"), arch)
         for k, op in ops.items() if op.kind == "linear"}
    # G has no error pass (its input is z), so no transposed copy of G's weights exists:
    # its update programs the forward copy only
    c["G:G:fc:update"] = cost(map_operation(ops["G:G:fc:update"], arch, "zfdr-pattern",
                                            error_propagation="transposed-read"), arch)
    bus, off = arch.interconnect.links["internal_bus"], arch.interconnect.links["offchip"]
    # off-chip -> bank: channel then bus, paced by the slower (the bus), both latencies
    per_byte = 1e9 / min(bus.bandwidth_bytes_per_s, off.bandwidth_bytes_per_s)
    lat_in = (bus.latency_s + off.latency_s) * 1e9
    z_sample, x_sample = 8 * 2, 16 * 2  # bytes per sample at 16 bits
    # the three inputs share channel and bus, one sample at a time, in graph order:
    # D-step z (2 x 16 B), then x (2 x 32 B), then G-step z (2 x 16 B)
    z1 = z_sample * per_byte
    assert t["xfer:source:D/z:D/z->B1"] == pytest.approx((0, 2 * z1 + lat_in))
    x_start = 2 * z1
    x1 = x_sample * per_byte
    assert t["xfer:source:data/x:data/x->B4"] == pytest.approx((x_start,
                                                                x_start + 2 * x1 + lat_in))
    # G forward (D-step): 2 samples, d per sample = the mapping's latency / 2, from z's
    # first sample
    d_g = c["D:fake:fc:forward"].latency_s * 1e9 / 2
    g0 = z1 + lat_in
    assert t["D:fake:fc:forward"] == pytest.approx((g0, g0 + 2 * d_g))
    # fakes over the bus (32 B per sample): each sample as G delivers it
    fake1 = x_sample * 1e9 / bus.bandwidth_bytes_per_s
    fake_first = g0 + d_g + fake1 + bus.latency_s * 1e9
    fake_last = g0 + 2 * d_g + fake1 + bus.latency_s * 1e9
    # D forward on 4 samples: real ones (x) first, then the fakes
    d_d = c["D:d_real+d_fake:fc:forward"].latency_s * 1e9 / 4
    x_first, x_last = x_start + x1 + lat_in, x_start + 2 * x1 + lat_in
    d_end = max(x_first + 4 * d_d, x_last + 3 * d_d, fake_first + 2 * d_d, fake_last + d_d)
    assert t["D:d_real+d_fake:fc:forward"] == pytest.approx((x_first, d_end))
    # the G-step's G forward runs on G's unit right after the D-step's
    assert t["G:fake:fc:forward"] == pytest.approx((g0 + 2 * d_g, g0 + 4 * d_g))
    # the last chain: G's weight gradient, its optimiser step, then G's one stored copy
    # programmed (G has no error pass: its input is z, so no transposed copy is used)
    wg_end = t["G:fake:fc:weight_gradient"][1]
    upd = c["G:G:fc:update"]
    opt_end = wg_end + max(upd.latency_parts_s["read"], upd.latency_parts_s["digital"],
                           upd.latency_parts_s["buffer"]) * 1e9
    assert t["G:G:fc:update:optimiser"][1] == pytest.approx(opt_end)
    assert t["G:G:fc:update@G/fc"] == pytest.approx(
        (opt_end, opt_end + upd.latency_parts_s["write"] * 1e9))
    assert r.time_s * 1e9 == pytest.approx(opt_end + upd.latency_parts_s["write"] * 1e9)

    # energy: every mapped operation's energy once (the update's programming shared by
    # D's two copies adds up to the mapping's), the losses on the digital units, every
    # transferred byte over its route, and no static power (no leakage in this test)
    act = actions(arch)
    mapped = sum(sum(k.energy_j.values()) for k in c.values())
    losses = 0.0
    for op in ops.values():
        if op.pass_ == "loss":
            elems = op.samples * 1  # one value per sample
            rd = sum(graph.tensors[n].bytes for n in op.reads)
            wr = sum(graph.tensors[n].bytes for n in op.writes)
            losses += (2 * elems * act["digital.mac.op"].energy_j
                       + rd * act["buffer.bank_buffer.read"].energy_j
                       + wr * act["buffer.bank_buffer.write"].energy_j)
    bit = 8.0
    inputs = (2 * z_sample + 2 * x_sample + 2 * z_sample) * bit * (
        bus.energy_j_per_bit + off.energy_j_per_bit)
    # between G (bank 1) and D (bank 4): fakes twice (D-step, G-step), dL/dx once
    between = (2 * (2 * x_sample) + 2 * x_sample) * bit * bus.energy_j_per_bit
    assert r.static_energy_j == 0.0
    assert r.energy_j == pytest.approx(mapped + losses + inputs + between, rel=1e-9)
    assert r.breakdown("pass").get("transfer") == pytest.approx(inputs + between, rel=1e-9)
