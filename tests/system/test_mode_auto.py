"""``mode="auto"``: a mapping mode per layer pass, chosen for a stated objective."""

from __future__ import annotations

import pytest

from lergan.errors import LerganError
from lergan.hardware import load_preset
from lergan.mapping import MODES, cost, map_operation
from lergan.system import simulate
from lergan.system.api import iteration_graph
from lergan.system.build import choose_mode, mode_score
from lergan.system.options import SimulationOptions
from lergan.vocabulary import ZERO_INSERTING
from lergan.workload import suite

GAN = suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)


@pytest.mark.parametrize("objective", ["time", "energy", "edp"])
def test_each_choice_is_the_best_mode_of_its_pass(objective):
    arch = load_preset("lergan")
    _, graph = iteration_graph(GAN, 4, SimulationOptions())
    for op in graph.operations:
        if op.kind != "conv_transpose" or op.pass_ == "update":
            continue
        best, scores = choose_mode(op, arch, objective)
        by_hand = {}
        for md in MODES:
            m = map_operation(op, arch, md)
            by_hand[md] = mode_score(cost(m, arch), m.crossbars, objective)
        if (op.kind, op.pass_) in ZERO_INSERTING:
            assert scores == pytest.approx(by_hand)
        else:  # no inserted zero: every mode maps alike, the first is taken untried
            assert len(set(by_hand.values())) == 1 and list(scores) == [MODES[0]]
            assert scores[MODES[0]] == pytest.approx(by_hand[MODES[0]])
        assert scores[best] == pytest.approx(min(by_hand.values()))


def test_results_record_every_choice_and_why():
    r = simulate(GAN, "lergan", 4, options={"mode": "auto", "mode_objective": "energy"})
    modes = r.placement["modes"]
    assert modes and r.options["mode"] == "auto"
    assert {v["mode"] for v in modes.values()} <= set(MODES)
    tconv = [v for k, v in modes.items() if ":tconv" in k and k.endswith(":forward")]
    assert tconv and all(v["objective"] == "energy" and set(v["scores"]) == set(MODES)
                         for v in tconv)
    # a fixed mode records no choice
    assert simulate(GAN, "lergan", 4, options={"mode": "zfdr-phase"}).placement["modes"] == {}


def test_lergan_defaults_to_auto_and_it_beats_each_fixed_mode_on_dcgan():
    """The comparison behind lergan's default (docs/model.md section 6)."""
    assert load_preset("lergan").training.mapping_mode == "auto"
    auto = simulate("dcgan", "lergan", 16)
    for md in ("zero-inserting", "zfdr-pattern"):
        assert auto.time_s < simulate("dcgan", "lergan", 16, options={"mode": md}).time_s


def test_bad_objective_is_refused():
    with pytest.raises(LerganError, match="mode_objective"):
        simulate(GAN, "lergan", 4, options={"mode": "auto", "mode_objective": "speed"})
