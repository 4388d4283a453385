"""`lergan map WORKLOAD LAYER --arch PRESET`: per pass and mode, table and JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lergan.cli import app
from lergan.hardware import load_preset
from lergan.mapping import MODES, PASSES, cost, map_pass
from lergan.workload import suite

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["map", *args])


def test_table_shows_every_pass_and_mode():
    result = _run("dcgan", "G.tconv2", "--arch", "lergan", "--batch", "4")
    assert result.exit_code == 0, result.output
    for text in (*PASSES, *MODES, "MVM", "ADC", "cells", "dcgan G.tconv2"):
        assert text in result.output


def test_json_is_what_the_library_computes():
    result = _run("dcgan", "tconv2", "--arch", "lergan", "--batch", "1", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["network"], doc["layer"], doc["input_shape"]) == ("G", "tconv2", [512, 4, 4])
    assert len(doc["rows"]) == len(PASSES) * len(MODES)
    steps = {(r["pass"], r["mode"]): r["mvm_steps"] for r in doc["rows"]}
    # the deck's figure: 4x4 -> 8x8, k4 s2 p1, one sample
    assert steps[("forward", "zero-inserting")] == 64
    assert steps[("forward", "zfdr-pattern")] == 9
    arch = load_preset("lergan")
    layer = suite.get("dcgan").networks[0].layer("tconv2")
    for row in doc["rows"]:
        m = map_pass(layer, row["pass"], (512, 4, 4), 1, arch, row["mode"])
        c = cost(m, arch)
        assert row["crossbars"] == m.crossbars
        assert row["adc_conversions"] == m.adc_conversions
        assert row["cells_written"] == m.cells_written
        assert row["energy_j"] == pytest.approx(c.total_energy_j)
        assert row["latency_s"] == pytest.approx(c.latency_s)


def test_options_select_and_override():
    result = _run("dcgan", "D.conv2", "--arch", "isaac", "--mode", "zfdr-phase", "--pass",
                  "error", "--replication", "2", "--set",
                  "training.error_propagation=transposed-read", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["error_propagation"] == "transposed-read" and doc["replication"] == 2
    (row,) = doc["rows"]
    assert (row["pass"], row["mode"], row["form"]) == ("error", "zfdr-phase",
                                                        "transposed-read")


@pytest.mark.parametrize(
    "args,message",
    [
        (("dcgan", "bn2"), "several networks"),
        (("dcgan", "G.nope"), "no such layer"),
        (("dcgan", "G.bn1"), "no crossbar mapping"),
        (("dcgan", "G.tconv2", "--mode", "fast"), "--mode"),
        (("dcgan", "G.tconv2", "--pass", "backward"), "--pass"),
        (("dcgan", "G.tconv2", "--set", "adc.nonsense=3"), "adc.nonsense"),
        (("no-such-gan", "G.tconv2"), "no-such-gan"),
    ],
)
def test_user_errors_exit_2_with_a_message(args, message):
    result = _run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_help_points_to_the_right_list_option_and_names_the_choices():
    result = runner.invoke(app, ["map", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "lergan workload --list" in result.output
    assert "lergan workload list" not in result.output  # no such command
    for choice in (*MODES, *PASSES):
        assert choice in result.output


def test_latency_and_energy_carry_their_unit_and_are_never_cut():
    """Was "37.6k" under "latency (us)" and "ener…" at 80 columns."""
    result = runner.invoke(app, ["map", "3d-gan", "G.tconv2", "--pass", "error"],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    doc = json.loads(_run("3d-gan", "G.tconv2", "--pass", "error", "--json").output)
    row = doc["rows"][0]
    line = next(line for line in result.output.splitlines() if line.startswith(" zero-ins"))
    assert f"{row['latency_s'] * 1e3:.3g} ms" in line
    assert f"{row['energy_j'] * 1e3:.3g} mJ" in line


def test_a_description_file_maps_like_the_suite_gan(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(suite.get("dcgan").to_yaml())
    mine = _run(str(path), "G.tconv2", "--batch", "2", "--json")
    assert mine.exit_code == 0, mine.output
    ref = json.loads(_run("dcgan", "G.tconv2", "--batch", "2", "--json").output)
    assert json.loads(mine.output)["rows"] == ref["rows"]
