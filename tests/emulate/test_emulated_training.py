"""Training on emulated crossbars: a short run, resume after interruption, corrupt and
foreign checkpoints, divergence, FID sanity, write statistics, the CLI."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from lergan.cli.app import app
from lergan.emulate import EmulationError, load_write_stats, write_fractions
from lergan.emulate.checkpoint import load_checkpoint
from lergan.emulate.training import TrainConfig, train

# tiny: 2-channel networks, batch 8, a few iterations; noisy so that generator states
# matter for resuming; prime's truncating ADC runs the faithful path
TINY = dict(arch="prime-inference", width=2, batch=8, fid_samples=40, fid_every=2,
            sample_every=2,
            programming_noise=0.3, read_noise=0.5, stuck_fraction=0.01)


def test_short_emulated_run_writes_metrics_samples_checkpoint(tmp_path) -> None:
    m = train(TrainConfig(iters=3, checkpoint_every=2, **TINY), tmp_path)
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk["iterations"] == m["iterations"] == 3
    assert m["fid"] > 0 and len(m["curves"]["loss_D"]) == 3
    assert m["cell_writes"] + m["cell_writes_skipped"] == sum(
        sum(lay["cells"].values()) * lay["updates"] for lay in m["layers"].values())
    assert m["gradient_operand_writes"] > 0
    assert set(m["layers"]) == {"G/fc", "G/tconv1", "G/tconv2", "D/conv1", "D/conv2", "D/fc"}
    assert (tmp_path / "samples_000002.png").exists() and (tmp_path / "samples_000003.png")
    assert load_checkpoint(tmp_path / "checkpoint.pt")["iteration"] == 3
    stats = load_write_stats(tmp_path / "metrics.json")
    assert set(write_fractions(tmp_path / "metrics.json")) == set(m["layers"])
    assert all(0 <= f <= 1 for f in stats.layers.values())
    assert stats.fraction("G", "tconv1") == stats.layers["G/tconv1"]
    assert stats.fraction("G", "not-a-layer") == stats.networks["G"]
    assert stats.fraction("X", "y") == stats.overall


def test_resume_after_interruption_matches_an_uninterrupted_run(tmp_path) -> None:
    whole = train(TrainConfig(iters=4, checkpoint_every=2, **TINY), tmp_path / "a")

    def crash(i: int, _: dict[str, float]) -> None:
        if i == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(iters=4, checkpoint_every=2, **TINY), tmp_path / "b",
              on_iteration=crash)
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["iteration"] == 2
    resumed = train(TrainConfig(iters=4, checkpoint_every=2, **TINY), tmp_path / "b")
    assert resumed["curves"]["loss_D"] == whole["curves"]["loss_D"]
    assert resumed["curves"]["loss_G"] == whole["curves"]["loss_G"]
    assert resumed["cell_writes"] == whole["cell_writes"]
    assert resumed["fid"] == whole["fid"]


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_corrupt_or_foreign_checkpoint_is_refused(tmp_path) -> None:
    (tmp_path / "checkpoint.pt").write_bytes(b"\x80\x04not a checkpoint")
    with pytest.raises(EmulationError, match="corrupt"):
        train(TrainConfig(iters=1, **TINY), tmp_path)
    good = tmp_path / "good"
    train(TrainConfig(iters=1, **TINY), good)
    data = (good / "checkpoint.pt").read_bytes()
    (good / "checkpoint.pt").write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(EmulationError, match="corrupt"):
        train(TrainConfig(iters=2, **TINY), good)
    torch.save({"format": "x", "payload": object()}, tmp_path / "obj.pt")
    with pytest.raises(EmulationError, match="refused"):
        load_checkpoint(tmp_path / "obj.pt")
    other = tmp_path / "other"
    train(TrainConfig(iters=1, **TINY), other)
    with pytest.raises(EmulationError, match="another run"):
        train(TrainConfig(iters=2, **{**TINY, "arch": "lergan"}), other)


def test_divergence_stops_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch) -> None:
    from lergan.emulate import training

    calls = []
    real_write = training._write

    def poisoned(model) -> None:  # the D update of iteration 3 writes NaN master weights
        calls.append(1)
        if len(calls) == 5:
            for p in model.parameters():
                p.data.fill_(float("nan"))
        real_write(model)

    monkeypatch.setattr(training, "_write", poisoned)
    with pytest.raises(EmulationError, match=r"diverged at iteration 3.*iteration 2"):
        train(TrainConfig(iters=4, checkpoint_every=1, **TINY), tmp_path)
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert state["iteration"] == 2
    assert all(torch.isfinite(v).all() for v in state["D"].values() if v.is_floating_point())


def test_fid_sanity() -> None:
    from lergan.emulate.digits import load
    from lergan.emulate.fid import fid

    x, _ = load("digits")
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    same = fid(x[perm[:900]], x[perm[900:]])
    noise = fid(torch.rand(900, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1,
                x)
    assert 0 <= same < 10
    assert noise > 30 * same


def test_write_stats_refuses_float_runs_and_missing_files(tmp_path) -> None:
    with pytest.raises(EmulationError, match="no such file"):
        load_write_stats(tmp_path / "none.json")
    with pytest.raises(EmulationError, match="--float"):
        load_write_stats({"layers": {}, "cell_writes": None})


def test_cli_trains_and_refuses_bad_input(tmp_path) -> None:
    runner = CliRunner()
    args = ["train", "--out", str(tmp_path), "--iters", "1", "--arch", "prime-inference",
            "--set", "width=2", "--set", "batch=4", "--set", "fid_samples=20"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "FID" in r.output and (tmp_path / "metrics.json").exists()
    bad = runner.invoke(app, [*args, "--set", "adc.bits=0"])
    assert bad.exit_code == 2 and "adc.bits" in bad.output
    lossless = runner.invoke(app, [*args, "--set", "adc.precision_policy=lossless"])
    assert lossless.exit_code == 2 and "adc.bits" in lossless.output


def test_measured_write_fractions_feed_the_simulator(tmp_path) -> None:
    """`lergan simulate --write-stats`: the run's measured shares replace the preset's
    assumed write.fraction_rewritten (per layer, else per network, else the run's)."""
    from lergan.system import simulate

    train(TrainConfig(iters=2, checkpoint_every=2, width=2, batch=8, fid_samples=20,
                      fid_every=2, sample_every=2, arch="lrgan"), tmp_path)
    stats = load_write_stats(tmp_path / "metrics.json")
    fractions = {**stats.layers, **stats.networks, "*": stats.overall}
    base = simulate("cgan", "lrgan", 4)
    measured = simulate("cgan", "lrgan", 4, options={"write_fractions": fractions})
    assert measured.options["write_fractions"] == fractions
    if abs(stats.overall - 0.25) > 1e-3:  # lrgan assumes 0.25
        assert measured.cells_written != base.cells_written
    everything = simulate("cgan", "lrgan", 4, options={"write_fractions": {"*": 1.0}})
    nothing = simulate("cgan", "lrgan", 4, options={"write_fractions": {"*": 0.0}})
    assert nothing.cells_written <= measured.cells_written <= everything.cells_written
    assert nothing.cells_written < everything.cells_written
    res = CliRunner().invoke(app, ["simulate", "cgan", "--arch", "lrgan", "--batch", "4",
                                   "--write-stats", str(tmp_path / "metrics.json"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["options"]["write_fractions"] == pytest.approx(fractions)
    bad = CliRunner().invoke(app, ["simulate", "cgan", "--write-stats",
                                   str(tmp_path / "missing.json")])
    assert bad.exit_code == 2 and "write-stats" in bad.output
