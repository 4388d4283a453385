"""Results out and readable output (issue 13, parts 2 and 3): CSV wherever JSON, the
per-layer table, provenance, schemas, --version, 80-column tables, whole cell counts."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lergan
from lergan.cli import app
from lergan.report.per_layer import COLUMNS, per_layer_rows

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, columns: int = 80):
    res = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def result():
    return lergan.simulate("dcgan", batch=4)


def test_per_layer_rows_add_up_to_the_totals(result):
    rows = per_layer_rows(result)
    assert all(set(r) == set(COLUMNS) for r in rows)
    assert sum(r["energy_j"] for r in rows) == pytest.approx(result.energy_j)
    assert sum(r["critical_path_s"] for r in rows) == pytest.approx(result.time_s)
    assert sum(r["area_mm2"] for r in rows) == pytest.approx(result.area_mm2)
    assert sum(r["cells_written"] for r in rows) == pytest.approx(result.cells_written)
    fwd = {(r["network"], r["layer"]): r for r in rows if r["pass"] == "forward"}
    assert fwd[("G", "tconv2")]["latency_s"] > 0 and fwd[("G", "tconv2")]["area_mm2"] > 0


@pytest.mark.parametrize("args", [
    ("simulate", "dcgan", "--batch", "4"),
    ("map", "dcgan", "G.tconv2"),
    ("peak", "lergan"),
    ("hardware", "show", "lergan", "adc"),
    ("hardware", "actions", "isaac"),
])
def test_csv_wherever_json(args, tmp_path):
    out = tmp_path / "x.csv"
    run(*args, "--csv", str(out))
    rows = list(csv.DictReader(out.open()))
    assert rows and all(len(r) >= 2 for r in rows)
    text = run(*args, "--csv", "-")
    assert text.splitlines()[0] == out.read_text().splitlines()[0]


def test_simulate_csv_is_the_per_layer_table(result):
    rows = list(csv.DictReader(io.StringIO(run("simulate", "dcgan", "--batch", "4",
                                               "--csv", "-"))))
    assert tuple(rows[0]) == COLUMNS
    assert sum(float(r["energy_j"]) for r in rows) == pytest.approx(result.energy_j)


def test_per_layer_table_fits_80_columns_and_names_layers_by_network():
    text = run("simulate", "gp-gan", "--batch", "2", "--per-layer")
    assert max(map(len, text.splitlines())) <= 80
    assert "…" not in text
    assert re.search(r"^ G\s+dec_tconv", text, re.M)


@pytest.mark.parametrize("args", [
    ("simulate", "dcgan", "--batch", "2"), ("map", "dcgan", "G.tconv2"),
    ("peak", "lergan"), ("workload", "dcgan"), ("hardware", "actions", "lergan"),
    ("hardware", "show", "lergan", "adc"),
])
def test_json_results_record_their_provenance(args):
    data = json.loads(run(*args, "--json", columns=200))
    prov = data["provenance"]
    assert prov["lergan"] == lergan.__version__
    assert "commit" in prov
    assert any(k.endswith("_sha256") for k in prov) or "hardware_sha256" in data.get(
        "options", {})


def test_simulate_json_records_the_resolved_hardware_hash():
    a = json.loads(run("simulate", "dcgan", "--batch", "2", "--json", columns=200))
    b = json.loads(run("simulate", "dcgan", "--batch", "2", "--json", "--set", "adc.bits=5",
                       columns=200))
    assert a["options"]["hardware_sha256"] != b["options"]["hardware_sha256"]
    assert a["provenance"]["options_sha256"] != b["provenance"]["options_sha256"]


def test_version_prints_the_package_version():
    first, engine = run("--version").strip().splitlines()
    assert first == f"lergan {lergan.__version__}"
    assert engine.startswith("engine: ")


def test_version_agrees_with_pyproject_citation_and_changelog():
    text = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{lergan.__version__}"' in text
    assert f"version: {lergan.__version__}" in (ROOT / "CITATION.cff").read_text()
    assert f"## [{lergan.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


@pytest.mark.parametrize("kind", ["gan", "hardware", "result"])
def test_schemas_validate_what_lergan_reads_and_writes(kind):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from lergan.workload import suite

    schema = json.loads(run("schema", kind, columns=200))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    if kind == "gan":
        docs = [json.loads(suite.get(n).to_json()) for n in suite.names()]
        bad = {"name": "x"}
    elif kind == "hardware":
        presets = ROOT / "src" / "lergan" / "hardware" / "presets"
        docs = [yaml.safe_load(p.read_text()) for p in sorted(presets.glob("*.yaml"))]
        bad = {"adc": {"energy_j": {"value": 1, "unit": "pJ"}}}  # no source
    else:
        docs = [lergan.simulate("dcgan", batch=2).to_dict()]
        bad = {"benchmark": "x"}
    for doc in docs:
        assert not list(v.iter_errors(doc))
    assert list(v.iter_errors(bad))


def test_hardware_show_section_and_assumptions():
    whole = run("hardware", "show", "lergan", "--csv", "-")
    adc = run("hardware", "show", "lergan", "adc", "--csv", "-")
    keys = [line.split(",")[0] for line in adc.splitlines()[1:]]
    assert keys and all(k.startswith("adc.") for k in keys)
    assumed = list(csv.DictReader(io.StringIO(
        run("hardware", "show", "lergan", "--assumptions", "--csv", "-"))))
    assert assumed and all(r["assumption"] == "True" for r in assumed)
    assert len(assumed) < len(whole.splitlines())
    res = runner.invoke(app, ["hardware", "show", "lergan", "nope"])
    assert res.exit_code == 2 and "sections: adc" in res.output


@pytest.mark.parametrize("args", [
    ("simulate", "dcgan", "--batch", "64"), ("simulate", "3d-gan", "--batch", "2"),
    ("workload", "dcgan"), ("workload", "3d-gan"), ("map", "dcgan", "G.tconv2"),
    ("zfdr", "--workload", "3d-gan"), ("zfdr",), ("hardware", "show", "lergan", "adc"),
    ("peak", "lergan", "--breakdown"), ("simulate", "dcgan", "--batch", "2", "--compare",
                                        "budget"),
])
def test_tables_fit_80_columns_without_cutting_digits(args):
    text = run(*args)
    assert "…" not in text
    assert max(map(len, text.splitlines())) <= 80


def test_cell_counts_are_whole(result):
    text = run("simulate", "dcgan", "--batch", "4", "--all", columns=200)
    section = text.split("Cells written per iteration", 1)[1].split("lifetime", 1)[0]
    counts = re.findall(r"\s([\d,]+(?:\.\d+)?)\s+[\d.]+\s*$", section, re.M)
    assert counts and all("." not in c for c in counts)


def test_timeline_lanes_are_readable():
    from lergan.report.timeline import lane_label

    assert lane_label("3d:B4>B6") == "B4 → B6 (3D link)"
    assert lane_label("conv2:wg") == "conv2 (weight gradient)"
    assert lane_label("offchip") == "off-chip"
    assert lane_label("tconv1") == "tconv1"


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"),
                                           (".svg", b"<?xml")])
def test_timeline_format_follows_the_suffix(suffix, magic, tmp_path):
    out = tmp_path / f"t{suffix}"
    run("timeline", "dcgan", "--batch", "2", "--out", str(out), "--width", "6",
        "--height", "4", "--font-size", "5")
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("opt, value", [("--width", "0"), ("--height", "1e9"),
                                        ("--font-size", "-1")])
def test_timeline_size_options_are_bounded(opt, value, tmp_path):
    res = runner.invoke(app, ["timeline", "dcgan", "--batch", "2", "--out",
                              str(tmp_path / "t.png"), opt, value])
    assert res.exit_code == 2 and opt in res.output


def test_number_formatter():
    from lergan.report.format import count, number

    assert number(4524012.4) == "4,524,012"
    assert number(12.3456) == "12.35"
    assert number(0) == "0" and number(1024.0) == "1,024"
    assert number(float("nan")) == "-"
    assert count(233016.89) == "233,017"
