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


# --- --workload NAME: the zero-inserting computations of a suite GAN's iteration ---------


def _workload_json(*args: str) -> dict:
    result = _run("--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("name", ["dcgan", "gp-gan", "magan"])
def test_workload_covers_every_zero_inserting_operation(name):
    from lergan.workload import suite
    from lergan.workload.iteration import build_iteration

    doc = _workload_json("--workload", name, "--batch", "4")
    assert doc["workload"] == name and doc["batch"] == 4
    graph = build_iteration(suite.get(name), 4)
    zero_inserting = [op for op in graph.operations if op.computation is not None]
    listed = [op_id for layer in doc["layers"] for op_id in layer["operations"]]
    assert sorted(listed) == sorted(op.id for op in zero_inserting)
    for layer in doc["layers"]:
        ops = [graph.operation(i) for i in layer["operations"]]
        assert {(op.network, op.layer, op.pass_, op.computation) for op in ops} == {
            (layer["network"], layer["layer"], layer["pass_"], layer["plan"]["computation"])
        }
        assert layer["samples_per_iteration"] == sum(op.samples for op in ops)
        # the plan's counts times the samples are the graph's real and zero-inserted MACs
        assert layer["macs_per_iteration"]["real"] == sum(op.macs.real for op in ops)
        assert layer["macs_per_iteration"]["total"] == sum(op.macs.zero_inserted for op in ops)
        assert layer["macs_per_batch"]["real"] == 4 * layer["plan"]["macs"]["real"]


def test_workload_filters_and_schedule():
    doc = _workload_json("--workload", "dcgan", "--network", "G", "--pass", "forward")
    assert [layer["name"] for layer in doc["layers"]] == [f"G.tconv{i} fwd" for i in range(1, 6)]
    first = doc["layers"][1]["plan"]  # 4x4 -> 8x8, kernel 4, stride 2, padding 1
    assert first["n_patterns"] == 16 and first["modes"]["zfdr-pattern"]["mvm_steps"] == 9
    # D-step and G-step forwards of G: 2 x batch samples per iteration
    assert {layer["samples_per_iteration"] for layer in doc["layers"]} == {2 * 64}
    errors = _workload_json("--workload", "discogan", "--pass", "error", "-c", "conv_input_grad")
    assert {layer["plan"]["computation"] for layer in errors["layers"]} == {"conv_input_grad"}
    assert {layer["network"] for layer in errors["layers"]} == {"G_AB", "G_BA", "D_A", "D_B"}
    # GP-GAN's five critic steps: D's weight gradients over real and fake, five times
    gp = _workload_json("--workload", "gp-gan", "--network", "D", "--pass", "weight_gradient")
    assert {layer["samples_per_iteration"] for layer in gp["layers"]} == {5 * 2 * 64}
    both = _workload_json("--workload", "dcgan", "--network", "G,D", "--pass", "error")
    assert {layer["network"] for layer in both["layers"]} == {"D"}


def test_workload_tables():
    result = _run("--workload", "dcgan", "--network", "G")
    assert result.exit_code == 0, result.output
    for text in ("G.tconv2 fwd", "G.tconv5 wgrad", "dcgan forward pass", "summary"):
        assert text in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workload", "nope"], "unknown benchmark 'nope'"),
        (["--workload", "dcgan", "--network", "X"], "--network 'X'"),
        (["--workload", "dcgan", "--pass", "update"], "--pass 'update'"),
        (["--workload", "dcgan", "--network", "D", "--pass", "forward"], "no zero-inserting"),
        (["--workload", "dcgan", "--kernel", "3"], "drop --kernel"),
        (["--network", "G"], "give --workload"),
        (["--workload", "dcgan", "-c", "conv_transpose,bad"], "--computation 'bad'"),
        (["-c", "conv_transpose,conv_weight_grad"], "need --workload"),
    ],
)
def test_workload_errors_are_named(args, message):
    result = _run(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
