"""`lergan simulate` and `lergan timeline` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lergan.cli import app

runner = CliRunner()
SMALL = ["--batch", "4"]


@pytest.fixture(scope="module")
def dcgan_json():
    res = runner.invoke(app, ["simulate", "dcgan", "--arch", "lergan", *SMALL, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_simulate_json_has_the_record_fields(dcgan_json):
    d = dcgan_json
    assert d["benchmark"] == "dcgan" and d["architecture"] == "lergan" and d["batch"] == 4
    assert d["time_s"] > 0 and d["energy_j"] > 0 and d["area_mm2"] > 0
    assert sum(d["breakdowns"]["energy"]["pass"].values()) == pytest.approx(d["energy_j"])


def test_simulate_tables_show_where_time_and_energy_go(dcgan_json):
    res = runner.invoke(app, ["simulate", "dcgan", "--arch", "lergan", *SMALL],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for title in ("Time along the critical path", "Energy by network, step, pass and layer",
                  "Energy by component", "Area", "Busiest resources", "Placement"):
        assert title in res.output
    assert f"{dcgan_json['time_s'] * 1e6:,.1f} us" in res.output


def test_set_routes_options_and_hardware_overrides():
    res = runner.invoke(app, ["simulate", "dcgan", *SMALL, "--json", "--set", "mode=zfdr-phase",
                              "--set", "replication=none", "--set", "adc.bits=6"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["options"]["mode"] == "zfdr-phase"
    assert d["options"]["replication"] == "none"
    assert d["options"]["overrides"] == {"adc.bits": "6"}


def test_compare_table_names_every_mode_variant():
    res = runner.invoke(app, ["simulate", "dcgan", *SMALL, "--compare", "budget"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for mode in ("zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern"):
        assert f"lergan[{mode}]" in res.output


def test_compare_flag_runs_the_ablations():
    res = runner.invoke(app, ["simulate", "dcgan", *SMALL, "--compare", "area", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    assert [r["variant"] for r in rows][:4] == [
        "lergan", "lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip"]


def test_user_errors_exit_2_without_traceback():
    for args in (["simulate", "nope"], ["simulate", "dcgan", "--set", "mode=fast"],
                 ["simulate", "dcgan", "--set", "crossbar_budget=5"],
                 ["simulate", "dcgan", "--compare", "colour"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output


def test_timeline_writes_a_png(tmp_path):
    out = tmp_path / "t.png"
    res = runner.invoke(app, ["timeline", "dcgan", "--arch", "lergan-2d-bus", *SMALL,
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
