"""The schedule uses the units that area and power count (issue: resources that agree).

Digital work (batch norm, activations, losses, the optimiser, digital weight gradients) runs
on its bank's pool of MAC units, whose size the cost assumes and the area counts: at no
instant do the MACs in use exceed the MACs the chip has.
"""

from __future__ import annotations

import itertools

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
