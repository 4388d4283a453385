"""`lergan reproduce --gan` and `lergan compare` take a GAN of one's own, not only the suite."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lergan.cli.app import app

BUILDER = str(Path(__file__).resolve().parents[2] / "examples" / "my_gan.py") + ":build"


def test_reproduce_runs_a_gan_of_ones_own(tmp_path):
    out = tmp_path / "repro"
    res = CliRunner().invoke(app, ["reproduce", "--out", str(out), "--gan", BUILDER,
                                   "--arch", "lergan", "--arch", "prime", "--no-anchors"])
    assert res.exit_code == 0, res.output
    recs = json.loads((out / "results.json").read_text())["records"]
    assert {r["architecture"] for r in recs} == {"lergan", "prime"}
    assert all(r["time_s"] > 0 for r in recs)


def test_an_unknown_gan_is_named():
    res = CliRunner().invoke(app, ["reproduce", "--out", "unused", "--gan", "no_such_gan",
                                   "--arch", "lergan"])
    assert res.exit_code == 2 and "no_such_gan" in res.output
