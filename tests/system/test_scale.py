"""`lergan.system.scale` and `lergan scale`: an iteration against the memory's capacity."""

from __future__ import annotations

import itertools

import pytest
from typer.testing import CliRunner

from lergan.cli import app
from lergan.errors import LerganError
from lergan.system.scale import bottleneck, scale
from lergan.workload import suite

GAN = suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)


def test_points_follow_the_capacity_and_name_a_bottleneck():
    pts = scale(GAN, "lergan", (0.5, 1.0, 2.0), batch=4)
    assert [p.factor for p in pts] == [0.5, 1.0, 2.0]
    assert [p.crossbars for p in pts] == [3072, 6144, 12288]
    for p in pts:
        assert p.power_w == pytest.approx(p.energy_j / p.time_s)
        assert p.bottleneck != "-" and 0 < p.bottleneck_share <= 1 + 1e-9
        assert p.power_w < p.peak_power_w
    # twice the mats provision more peak power (not quite twice: bank- and chip-level parts)
    assert pts[0].peak_power_w < pts[1].peak_power_w < pts[2].peak_power_w < (
        2 * pts[1].peak_power_w)
    # a preset sized by mats scales its mats
    isaac_like = scale(GAN, "prime", (1.0, 2.0), batch=4)
    assert isaac_like[1].crossbars == 2 * isaac_like[0].crossbars


def test_bottleneck_is_the_largest_share_of_the_critical_path():
    from lergan.system import simulate

    r = simulate(GAN, "lergan", 4)
    label, share = bottleneck(r)
    by = r.breakdown(("network", "pass", "layer"), "time")
    assert share == pytest.approx(max(by.values()) / r.time_s)
    assert label


def test_bad_factors_and_outputs_are_refused(tmp_path):
    with pytest.raises(LerganError, match="factors"):
        scale(GAN, "lergan", (0.0,))
    runner = CliRunner()
    r = runner.invoke(app, ["scale", "cgan", "--factors", "a,b"])
    assert r.exit_code == 2 and "--factors" in r.output
    r = runner.invoke(app, ["scale", "cgan", "--out", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and ".png" in r.output


def test_scale_command_writes_the_figure(tmp_path):
    out = tmp_path / "scale.png"
    r = CliRunner().invoke(app, ["scale", "cgan", "--factors", "1,2", "--batch", "4",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 10_000 and "bottleneck" in r.output


@pytest.mark.parametrize("arch", ["lergan", "lergan-2d-bus"])
def test_doubling_the_memory_is_faster_until_a_named_bottleneck(arch):
    """The issue's criterion on the default design and its 2D ablation (a small DCGAN,
    batch 64, 1/4x to 16x): each doubling is at least as fast as the one before and the
    last point names what stops it. The simulated time is not guaranteed monotone in
    general (docs/model.md, Monotonicity: the `prime` layout's curve here rises at 1x and
    4x); this keeps the default design's curve as documented."""
    pts = scale(GAN, arch, (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0), batch=64)
    times = [p.time_s for p in pts]
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(times))
    assert times[-1] < 0.5 * times[0]
    assert pts[-1].bottleneck.endswith("weight gradient")
