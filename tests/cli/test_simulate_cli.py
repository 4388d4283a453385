"""`lergan simulate` and `lergan timeline` through typer's CliRunner."""

from __future__ import annotations

import json
import re
import shlex

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
    for title in ("Time along the critical path", "Energy by step, network, pass and layer",
                  "Energy by component", "Area", "Busiest resources", "Placement"):
        assert title in res.output
    assert f"{dcgan_json['time_s'] * 1e6:,.1f} us" in res.output


def test_simulate_reports_cell_writes_and_lifetime(dcgan_json):
    d = dcgan_json
    life = d["lifetime"]
    assert sum(d["breakdowns"]["writes"]["component"].values()) == pytest.approx(
        d["cells_written"])
    assert set(d["breakdowns"]["writes"]["component"]) <= {
        "forward copy", "transposed copy", "weight-gradient operand", "reload"}
    worst = max(g["writes_per_cell"] for g in d["wear_groups"])
    assert life["writes_per_cell_per_iteration"] == worst
    assert life["iterations"] == pytest.approx(life["endurance_writes"] / worst)
    assert life["seconds"] == pytest.approx(life["iterations"] * d["time_s"])
    assert life["limiting"]["resource"] == life["groups"][0]["resource"]
    res = runner.invoke(app, ["simulate", "dcgan", "--arch", "lergan", *SMALL],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Cells written per iteration" in res.output and "Most-worn cells" in res.output
    assert f"lifetime {life['iterations']:,.3g} iterations" in res.output
    assert life["limiting"]["resource"] in res.output


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


def test_compare_takes_arch_as_its_reference():
    res = runner.invoke(app, ["simulate", "dcgan", *SMALL, "--arch", "prime", "--compare",
                              "budget", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    assert rows[0]["variant"] == "prime" and rows[0]["speedup"] == 1.0
    assert "prime[zfdr-phase]" in [r["variant"] for r in rows]
    assert len({r["variant"] for r in rows}) == len(rows)


def test_user_errors_exit_2_without_traceback():
    for args in (["simulate", "nope"], ["simulate", "dcgan", "--set", "mode=fast"],
                 ["simulate", "dcgan", "--set", "crossbar_budget=5"],
                 ["simulate", "dcgan", "--compare", "colour"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output


def test_long_tables_fold_into_one_other_row_and_all_shows_every_row():
    from lergan.cli.simulate import TOP_ROWS, fold_rows
    from lergan.system import simulate

    r = simulate("dcgan", "lergan", 4)
    rows = r.breakdown(("step", "network", "pass", "layer"), "time")
    assert len(rows) > TOP_ROWS + 1
    shown, (n, rest) = fold_rows(rows, TOP_ROWS)
    assert len(shown) == TOP_ROWS and n == len(rows) - TOP_ROWS
    assert sum(v for _, v in shown) + rest == pytest.approx(r.time_s, rel=1e-12)
    assert min(abs(v) for _, v in shown) >= max(abs(v) for k, v in rows.items()
                                               if k not in dict(shown))
    assert fold_rows(dict(list(rows.items())[:TOP_ROWS + 1]), TOP_ROWS)[1] is None

    res = runner.invoke(app, ["simulate", "dcgan", *SMALL], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert f"other ({len(rows) - TOP_ROWS} operations)" in res.output
    full = runner.invoke(app, ["simulate", "dcgan", *SMALL, "--all"], env={"COLUMNS": "200"})
    assert full.exit_code == 0, full.output
    assert "other (" not in full.output
    time_table = full.output.split("Energy by step")[0]
    assert all(k.split("/")[-1] in time_table for k in rows)


@pytest.mark.parametrize("arch", ["lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip",
                                  "prime", "lrgan"])
def test_every_named_architecture_simulates(arch):
    res = runner.invoke(app, ["simulate", "dcgan", "--arch", arch, *SMALL, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["architecture"] == arch


@pytest.mark.parametrize(("args", "named"), [
    (["simulate", "nope"], "benchmark 'nope'"),
    (["simulate", "dcgan", "--arch", "nope"], "architecture 'nope'"),
    (["simulate", "dcgan", "--set", "mode=fast"], "option mode = 'fast'"),
    (["simulate", "dcgan", "--set", "replication=abc"], "option replication = 'abc'"),
    (["simulate", "dcgan", "--set", "colour=red"], "colour"),
    (["simulate", "dcgan", "--set", "adc.bits=x"], "adc.bits"),
    (["simulate", "dcgan", "--set", "noequals"], "noequals"),
    (["simulate", "dcgan", "--set", "reconfiguration_energy_j=1e-11"],
     "--set interconnect.reconfiguration_energy_j=1e-11"),
    (["timeline", "nope", "--out", "x.png"], "benchmark 'nope'"),
    (["timeline", "dcgan", "--arch", "nope", "--out", "x.png"], "architecture 'nope'"),
])
def test_user_errors_name_the_culprit(args, named):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (args, res.output)
    assert named in " ".join(res.output.split()), res.output


def test_timeline_lanes_group_units_and_split_routes():
    from lergan.report.timeline import DIGITAL, LINKS, MEMORY, lanes_of, layout_lanes
    from lergan.system import simulate

    assert lanes_of("3d:B4>B6+3d:B6>B5", "transfer") == [(LINKS, "3d:B4>B6"),
                                                          (LINKS, "3d:B6>B5")]
    assert lanes_of("G/forward/bn1:forward:digital", "compute") == [("G/forward",
                                                                     "digital units")]
    assert lanes_of("D/update/conv2:wg", "compute") == [("D/update", "conv2:wg")]
    assert lanes_of("G/conv1:T", "compute") == [("G", "conv1:T")]
    assert lanes_of("D/error:swap", "reload") == [("D/error", "swap region")]
    assert lanes_of("B3:digital", "compute") == [(DIGITAL, "bank 3")]
    assert lanes_of("B3:memory", "spill") == [(MEMORY, "bank 3")]
    assert lanes_of("offchip", "spill") == [(LINKS, "offchip")]
    r = simulate("dcgan", "lergan", 4)
    lanes, hidden = layout_lanes(r.timeline, 1000)
    assert hidden == 0
    drawn = {lane for b in r.timeline for lane in lanes_of(b.resource, b.kind)}
    assert set(lanes) == drawn and len(lanes) == len(drawn)
    groups = list(dict.fromkeys(g for g, _ in lanes))
    assert groups[-1] == LINKS
    assert groups[:3] == ["D/forward", "D/error", "D/update"] or groups[:3] == [
        "G/forward", "G/error", "G/update"]
    few, hidden = layout_lanes(r.timeline, 10)
    assert len(few) == 10 and hidden == len(lanes) - 10
    # PRIME layout: a network's passes share its banks, so its groups are the networks
    prime, _ = layout_lanes(simulate("dcgan", "prime", 4).timeline, 1000)
    assert set(dict.fromkeys(g for g, _ in prime)) == {"G", "D", DIGITAL, MEMORY, LINKS}


def test_timeline_writes_a_png(tmp_path):
    out = tmp_path / "t.png"
    res = runner.invoke(app, ["timeline", "dcgan", "--arch", "lergan-2d-bus", *SMALL,
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("command", ["simulate", "timeline"])
def test_help_examples_run(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
    examples = re.findall(r"`(lergan [^`]+)`", text.split("Examples:", 1)[1])
    assert examples
    for ex in examples:
        res = runner.invoke(app, shlex.split(ex)[1:], env={"COLUMNS": "200"})
        assert res.exit_code == 0, (ex, res.output)


def test_simulate_shows_bank_stores_and_port_need():
    res = runner.invoke(app, ["simulate", "dcgan", "--batch", "4"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Bank stores (MB) and buffer ports" in text
    assert "memory mats" in text and "port need" in text
