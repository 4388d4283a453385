"""A one-layer GAN (synthetic costs) whose iteration is timed and costed by hand.

G and D have one layer each; batch 2; LerGAN layout (G in B1-B3, D in B4-B6), one copy
per layer, 3D links of 1 GB/s, 1 ns, 1 pJ/bit; off-chip 0.25 GB/s, 10 ns, 20 pJ/bit.
Per sample: 1 us per pass, 100 bytes of activations or errors, 8 bytes of loss gradient;
weights 1000 bytes, written in 5 us. Times below in microseconds.
"""

from __future__ import annotations

import pytest
from synthetic import LayerCost, gan_ops, topology

from lergan.system.engine import run_engine
from lergan.system.placement import ChipSpec


def test_one_layer_gan_by_hand():
    ops = gan_ops([LayerCost()], [LayerCost()], 2)
    chip = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})
    r = run_engine(ops, chip, topology("3d"), replication="none", batch=2)
    t = {i.id: (i.start_s * 1e6, i.finish_s * 1e6) for i in r.timeline}
    ns = 1e-3
    # D-step. G forward: 2 samples x 1 us on B1.
    assert t["D.G.l0.fwd"] == pytest.approx((0, 2))
    # real samples: 100 B per sample at 0.25 GB/s = 0.4 us each, then 10 ns latency
    assert t["xfer:real:D.real->B4"] == pytest.approx((0, 0.8 + 10 * ns))
    # fakes B1->B4: sample 1 at 1 us (+0.1 us), sample 2 at 2 us (+0.1 us), +1 ns
    assert t["xfer:D.G.l0.fwd:D.fake->B4"] == pytest.approx((1, 2.1 + ns))
    # D forward on 4 samples (real at 0.41, 0.81; fakes at 1.101, 2.101):
    # starts at 0.41, ends max(0.41 + 4, 2.101 + 1) = 4.41
    assert t["D.D.l0.fwd"] == pytest.approx((0.41, 4.41))
    # loss gradient (8 B/sample, 8 ns) and saved input (100 B/sample) share link B4>B6:
    # loss chunks at 1.41, 2.41, 3.41, 4.41; the saved input's first and last chunks wait
    # 8 ns behind them: ends 4.418 + 0.1 + 1 ns
    assert t["xfer:D.D.l0.fwd:D.D.save0->B6"][1] == pytest.approx(4.518 + ns)
    # weight gradient on B6: ends max(1.519 + 4, 4.519 + 1) = 5.519
    assert t["D.D.l0.wg"] == pytest.approx((1.519, 5.519))
    # new weights to both copies in parallel (B6>B4, B6>B5): 1000 B = 1 us + 1 ns
    # then 5 us writes on the forward and the error tier's copy
    assert t["D.D.l0.upd@D/forward/l0"] == pytest.approx((6.52, 11.52))
    assert t["D.D.l0.upd@D/error/l0"] == pytest.approx((6.52, 11.52))
    # G-step: G forward overlaps the D update (2..4 us); D forward waits for fresh weights
    assert t["G.G.l0.fwd"] == pytest.approx((2, 4))
    assert t["G.D.l0.fwd"] == pytest.approx((11.52, 13.52))
    # loss (8 B) then saved input (100 B) over B4>B5; D error on B5:
    # ends max(12.629 + 2, 13.629 + 1) = 14.629
    assert t["G.D.l0.err"] == pytest.approx((12.629, 14.629))
    # dL/dx to G's update tier (B5>B3): 13.629..13.729, 14.629..14.729, +1 ns
    # G weight gradient: ends max(13.73 + 2, 14.73 + 1) = 15.73
    assert t["G.G.l0.wg"] == pytest.approx((13.73, 15.73))
    # new G weights B3>B1 (1 us + 1 ns), then a 5 us write: G has no error pass (its only
    # layer's input is z), so only the forward copy exists
    assert t["G.G.l0.upd@G/forward/l0"] == pytest.approx((16.731, 21.731))
    assert r.time_s * 1e6 == pytest.approx(21.731)

    # energy: 7 passes x 1 nJ; each update writes its copies for 10 nJ in all;
    # off-chip 200 B x 8 x 20 pJ;
    # bank links 4448 B x 8 x 1 pJ; static: 9 bank links (6 banks x 3 ports / 2) x 1 mW
    # and one off-chip channel x 5 mW, over the makespan
    link_bytes = 200 + 32 + 400 + 2 * 1000 + 200 + 16 + 200 + 200 + 200 + 1000
    expected = (7 * 1e-9 + 2 * 1e-8 + 200 * 8 * 20e-12 + link_bytes * 8 * 1e-12
                + (9 * 1e-3 + 5e-3) * 21.731e-6)
    assert r.energy_j == pytest.approx(expected, rel=1e-9)
    by = r.breakdown(("pass", "component"))
    assert by["transfer/link:bank_link"] == pytest.approx(link_bytes * 8e-12)
    assert by["static/link:bank_link"] == pytest.approx(9e-3 * 21.731e-6)
    # area: 9 bank links x 1e-8 m2 + one off-chip interface 5e-8 m2, in mm2
    assert r.area_mm2 == pytest.approx((9 * 1e-8 + 5e-8) * 1e6)
