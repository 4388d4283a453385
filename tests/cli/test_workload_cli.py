"""`lergan workload`: the per-layer table, its JSON and CSV, the suite list, errors."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from lergan.cli import app
from lergan.workload import suite
from lergan.workload.iteration import IterationOptions, build_iteration

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["workload", *args], env={"COLUMNS": "220"})


def test_list_names_every_benchmark_with_its_source():
    result = _run("--list")
    assert result.exit_code == 0, result.output
    for name in suite.names():
        assert name in result.output
    doc = json.loads(_run("--list", "--json").output)
    assert [b["name"] for b in doc["benchmarks"]] == suite.names()
    assert all(b["source"] for b in doc["benchmarks"])


@pytest.mark.parametrize("name", suite.names())
def test_table_lists_every_layer(name):
    result = _run(name, "--batch", "4")
    assert result.exit_code == 0, result.output
    gan = suite.get(name)
    for net in gan.networks:
        assert f"{net.name} total" in result.output
    assert "iteration" in result.output and "zero-ins" in result.output


def test_json_totals_equal_the_graph(tmp_path):
    result = _run("dcgan", "--json", "--batch", "8", "--g-step-latent", "reuse")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    graph = build_iteration(suite.get("dcgan"), 8, IterationOptions(g_step_latent="reuse"))
    for p in ("forward", "error", "weight_gradient"):
        assert doc["totals"][p]["real"] == graph.total(pass_=p).real
        assert doc["totals"][p]["nominal"] == sum(r[p]["nominal"] for r in doc["layers"])
    assert doc["options"]["g_step_latent"] == "reuse"
    assert {r["layer"] for r in doc["layers"] if r["network"] == "G"} == {
        layer.name for layer in suite.get("dcgan").network("G").layers
    }


def test_csv_and_graph_files(tmp_path):
    table, graph_json, graph_csv = tmp_path / "t.csv", tmp_path / "g.json", tmp_path / "g.csv"
    result = _run("magan", "--batch", "2", "--csv", str(table), "--graph", str(graph_json))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(table.open()))
    gan = suite.get("magan")
    assert len(rows) == sum(len(n.layers) for n in gan.networks)
    graph = build_iteration(gan, 2)
    assert (
        sum(int(r["forward_zero_inserted"]) for r in rows)
        == graph.total(pass_="forward").zero_inserted
    )
    assert len(json.loads(graph_json.read_text())["operations"]) == len(graph.operations)
    assert _run("magan", "--graph", str(graph_csv)).exit_code == 0
    assert graph_csv.read_text().startswith("id,step,network")


def test_description_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(suite.get("dcgan", image_size=32).to_yaml())
    result = _run(str(path), "--passes", "fwd", "--counts", "real")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    top = next(i for i, line in enumerate(lines) if "fwd" in line)
    assert lines[top].split() == ["fwd", "fwd"] and "wgrad" not in result.output
    assert lines[top + 1].split()[-2:] == ["real", "zeros"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("no-such-gan",), "unknown benchmark"),
        (("dcgan", "--counts", "dense"), "--counts"),
        (("dcgan", "--set", "image_size"), "KEY=VALUE"),
        (("dcgan", "--set", "imagesize=64"), "unknown option"),
        (("missing.yaml",), "does not exist"),
        (("dcgan", "--g-step-latent", "old"), "--g-step-latent"),
        ((), "NAME"),
    ],
)
def test_user_errors_exit_2_without_traceback(args, needle):
    result = _run(*args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "body", "needle"),
    [
        ("bad.yaml", "name: x\n  bad: [\n", "not valid YAML"),
        ("bad.json", "{bad json", "not valid JSON"),
    ],
)
def test_malformed_description_file_is_a_user_error(tmp_path, name, body, needle):
    path = tmp_path / name
    path.write_text(body)
    result = _run(str(path))
    assert result.exit_code == 2, result.output
    assert needle in result.output and name in result.output
    assert "Traceback" not in result.output


def test_bad_g_step_latent_names_the_option_and_choices():
    result = _run("dcgan", "--g-step-latent", "old")
    assert result.exit_code == 2, result.output
    assert "--g-step-latent 'old'" in result.output and "fresh, reuse" in result.output
    assert "pydantic" not in result.output


@pytest.mark.parametrize("columns", ["80", "120"])
def test_narrow_or_redirected_output_never_cuts_numbers(columns):
    """Rich used to fit the table to 80 columns by printing "3…" for 3.29G."""
    result = runner.invoke(app, ["workload", "dcgan"], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    graph = build_iteration(suite.get("dcgan"), 64)
    tconv2 = [line for line in result.output.splitlines() if " tconv2 " in line]
    real = graph.total(pass_="forward", network="G", layer="tconv2").real
    assert any(f"{real / 1e9:.3g}G" in line for line in tconv2)
    # at 80 columns: the layers, then one table per pass, each within the width (issue 13)
    assert max(len(line) for line in result.output.splitlines()) <= int(columns)


def test_the_step_schedule_is_shown_and_can_be_set():
    """GP-GAN's iteration runs 5 D-steps (n_critic); the table used to say nothing of it."""
    gan = suite.get("gp-gan")
    result = _run("gp-gan", "--batch", "2")
    assert result.exit_code == 0, result.output
    assert f"({gan.d_steps} D-steps and {gan.g_steps} G-step" in result.output
    doc = json.loads(_run("gp-gan", "--batch", "2", "--json", "--d-steps", "1").output)
    assert (doc["d_steps"], doc["g_steps"]) == (1, gan.g_steps)
    graph = build_iteration(gan, 2, IterationOptions(d_steps=1))
    assert doc["totals"]["forward"]["real"] == graph.total(pass_="forward").real
    assert _run("gp-gan", "--d-steps", "0").exit_code == 2


@pytest.mark.parametrize(
    ("option", "name", "needle"),
    [
        ("--csv", "", "cannot write"),  # a directory
        ("--csv", "no/such/dir/t.csv", "cannot write"),
        ("--graph", "no/such/dir/g.json", "cannot write"),
        ("--graph", "g.txt", "must end in .json or .csv"),
    ],
)
def test_output_files_that_cannot_be_written_are_user_errors(tmp_path, option, name, needle):
    target = str(tmp_path / name) if name else str(tmp_path)
    result = _run("dcgan", "--batch", "2", option, target)
    assert result.exit_code == 2, result.output
    assert option in result.output and needle in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "g.txt").exists()
