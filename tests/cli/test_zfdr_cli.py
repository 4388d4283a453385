"""`lergan zfdr`: the ZFDR report, for the DCGAN layers and for one layer from arguments."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lergan.cli import app
from lergan.zerofree import COMPUTATIONS, plan

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["zfdr", *args])


def test_default_report_shows_dcgan_and_deck_layers():
    result = _run()
    assert result.exit_code == 0, result.output
    for text in (
        "G.tconv2",
        "G.tconv5",
        "32x32 -> 64x64",
        "deck-k5",
        "16 patterns",
        "25 patterns",
        "zfdr-pattern",
        "on inserted zeros",
        "summary",
    ):
        assert text in result.output


def test_default_json_matches_plan():
    result = _run("--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    layers = doc["layers"]
    assert [layer["plan"]["output_size"] for layer in layers] == [
        [8, 8],
        [16, 16],
        [32, 32],
        [64, 64],
        [8, 8],
    ]
    first, deck = layers[0]["plan"], layers[-1]["plan"]
    assert first["layer"]["in_channels"] == 512 and first["layer"]["out_channels"] == 256
    assert layers[3]["plan"]["layer"]["out_channels"] == 3
    assert first["n_patterns"] == 16 and deck["n_patterns"] == 25
    assert first["modes"]["zero-inserting"]["mvm_steps"] == 64
    assert first["modes"]["zfdr-pattern"]["mvm_steps"] == 9
    assert deck["modes"]["zfdr-pattern"]["taps_stored"] == 100
    assert layers[0]["macs_per_batch"]["real"] == 64 * first["macs"]["real"]


@pytest.mark.parametrize("computation", COMPUTATIONS)
def test_every_computation_has_a_default_set(computation):
    result = _run("--computation", computation, "--json")
    assert result.exit_code == 0, result.output
    layers = json.loads(result.output)["layers"]
    assert layers and all(layer["plan"]["computation"] == computation for layer in layers)


def test_one_layer_from_arguments():
    args = [
        "--computation",
        "conv_transpose",
        "--input-size",
        "4,4",
        "--kernel",
        "5",
        "--stride",
        "2",
        "--padding",
        "2",
        "--output-padding",
        "1",
        "--in-channels",
        "512",
        "--out-channels",
        "256",
        "--batch",
        "8",
    ]
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.output
    (layer,) = json.loads(result.output)["layers"]
    expected = plan(
        "conv_transpose",
        input_size=(4, 4),
        kernel_size=5,
        stride=2,
        padding=2,
        output_padding=1,
        in_channels=512,
        out_channels=256,
    )
    assert layer["plan"] == json.loads(json.dumps(expected.to_dict()))
    assert layer["macs_per_batch"]["total"] == 8 * expected.macs.total

    table = _run(*args)
    assert table.exit_code == 0, table.output
    assert "25 patterns" in table.output and "4608 x 256" in table.output


def test_rank1_and_rank3_layers():
    for size in ("9", "3x4x5"):
        result = _run("--input-size", size, "--kernel", "3", "--stride", "2", "--json")
        assert result.exit_code == 0, result.output
        (layer,) = json.loads(result.output)["layers"]
        assert layer["plan"]["rank"] == len(size.split("x"))


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (
            ["--input-size", "4,4", "--kernel", "4", "--stride", "2", "--output-padding", "2"],
            "output_padding",
        ),
        (["--input-size", "4,4", "--kernel", "4", "--stride", "0"], "stride"),
        (["--input-size", "4,x", "--kernel", "4"], "--input-size"),
        (["--input-size", "4,4"], "--kernel"),
        (["--stride", "2"], "--input-size"),
        (["--computation", "deconv"], "--computation"),
        (["--input-size", "4,4", "--kernel", "3,3,3"], "kernel_size"),
        (
            ["--input-size", "4", "--kernel", "3", "--in-channels", "3", "--groups", "2"],
            "in_channels",
        ),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(args, named):
    result = _run(*args)
    assert result.exit_code == 2
    assert named in result.output
    assert "Traceback" not in result.output
