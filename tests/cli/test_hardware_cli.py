"""`lergan hardware --list / show / actions` and `lergan peak`."""

import json

import pytest
from typer.testing import CliRunner

from lergan.cli import app
from lergan.hardware import list_presets, load_preset
from lergan.hardware.peak import peak

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, list(args), terminal_width=200)


def test_list():
    r = _run("hardware", "--list")
    assert r.exit_code == 0, r.output
    for name in list_presets():
        assert name in r.output


def test_hardware_without_arguments_prints_help():
    r = _run("hardware")
    assert r.exit_code == 0
    assert "show" in r.output and "actions" in r.output


@pytest.mark.parametrize("preset", ["isaac", "lergan"])
def test_show_lists_every_field_with_unit_and_source(preset):
    r = _run("hardware", "show", preset, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    arch = load_preset(preset)
    assert set(data["fields"]) == set(arch.provenance_table())
    f = data["fields"]["adc.energy_j"]
    assert f["unit"] == "J" and f["source"]
    assert data["deviations"]


def test_show_table_with_set():
    r = _run("hardware", "show", "lergan", "--set", "adc.bits=5")
    assert r.exit_code == 0, r.output
    assert "adc.bits" in r.output and "override" in r.output
    assert "assumption" in r.output


def test_actions_json_and_table():
    r = _run("hardware", "actions", "isaac", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["adc.convert"]["energy_j"] == pytest.approx(1.5625e-12)
    assert data["crossbar.read"]["latency_s"] == pytest.approx(100e-9)
    r = _run("hardware", "actions", "lrgan")
    assert r.exit_code == 0 and "cell.write" in r.output


def test_peak_json_matches_the_library():
    r = _run("peak", "isaac", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    p = peak(load_preset("isaac")).to_dict()
    for key in ("gops", "area_mm2", "power_w", "gops_per_mm2", "gops_per_w"):
        assert data[key] == pytest.approx(p[key])
    assert data["gops_per_mm2"] == pytest.approx(479, rel=0.05)


def test_peak_with_set_and_breakdown():
    r = _run("peak", "isaac", "--set", "adc.bits=7",
             "--set", "adc.precision_policy=truncate", "--json", "--breakdown")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["power_w"] < 65.8
    assert any(b["component"] == "adc" for b in data["breakdown"])
    r = _run("peak", "lergan", "--breakdown")
    assert r.exit_code == 0 and "gops_per_w" in r.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("peak", "nosuch"), "no such preset"),
        (("peak", "isaac", "--set", "adc.bitz=3"), "adc.bitz"),
        (("peak", "isaac", "--set", "adc.bits"), "KEY=VALUE"),
        (("hardware", "show", "isaac", "--set", "adc.energy_j=3 ns"), "adc.energy_j"),
        (("hardware", "actions", "isaac", "--set", "adc.bits=0"), "adc.bits"),
    ],
)
def test_user_errors_exit_2_and_name_the_key(args, needle):
    r = _run(*args)
    assert r.exit_code == 2
    assert needle in r.output
    assert "Traceback" not in r.output


def test_preset_file_path(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("base: isaac\nname: mine\n"
                 "organisation:\n  banks: {value: 84, unit: count, source: half an ISAAC}\n")
    r = _run("peak", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["gops"] == pytest.approx(peak(load_preset("isaac")).gops / 2)


def test_show_prints_brackets_in_sources_verbatim(tmp_path):
    f = tmp_path / "br.yaml"
    f.write_text("base: isaac\nname: br\n"
                 "adc:\n  bits: {value: 9, unit: bit, source: \"Smith [bold] et al. [/]\"}\n")
    r = _run("hardware", "show", str(f))
    assert r.exit_code == 0, r.output
    flat = "".join(r.output.replace("│", "").split())  # the table folds long cells
    assert "Smith[bold]etal.[/]" in flat


def test_si_prefixes():
    from lergan.cli.hardware import si

    assert si(3.90625e-13, "J", 4) == "390.6 fJ"
    assert si(1e-7, "s") == "100 ns"
    assert si(0.9999999e-9, "s") == "1 ns"  # rounds up into the next prefix
    assert si(2.5e3, "W") == "2.5 kW" and si(0, "J") == "0 J"


def test_actions_table_prints_energies_and_latencies_with_prefixes():
    """Was '3e-11' and '1e-07' under 'energy (J)' / 'latency (s)'."""
    r = _run("hardware", "actions", "isaac")
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "crossbar.read" in x)
    assert "30 pJ" in line and "100 ns" in line


def test_show_names_the_file_that_sets_each_field():
    r = runner.invoke(app, ["hardware", "show", "lrgan"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    arch = load_preset("lrgan")
    for key in ("technology.node_m", "write.fraction_rewritten"):
        line = next(x for x in r.output.splitlines() if f" {key} " in x)
        assert line.split("│")[2].strip() == arch.provenance(key).defined_in
    assert {arch.provenance(k).defined_in for k in ("technology.node_m",
                                                    "write.fraction_rewritten")} == {
        "prime-inference.yaml", "lrgan.yaml"}


def test_peak_table_labels_every_figure_with_its_unit():
    r = _run("peak", "isaac")
    assert r.exit_code == 0, r.output
    rows = {x.split("│")[1].strip(): x.split("│")[2:4] for x in r.output.splitlines()
            if x.count("│") == 5}
    assert [c.strip() for c in rows["computational efficiency"]] == ["483.3", "GOPS/mm2"]
    assert [c.strip() for c in rows["power efficiency"]] == ["627.4", "GOPS/W"]
    assert [c.strip() for c in rows["area"]] == ["85.42", "mm2"]


def test_show_lists_derived_values_with_their_inputs_and_filters_them():
    r = runner.invoke(app, ["hardware", "show", "lergan", "--json"])
    derived = json.loads(r.output)["derived"]
    assert derived["crossbar.area_m2"]["inputs"] == [
        "crossbar.rows", "crossbar.cols", "crossbar.cell_area_f2", "technology.node_m"]
    assert derived["organisation.per_mat.adc"]["value"] == 2  # 256 columns / 128 per ADC
    sec = runner.invoke(app, ["hardware", "show", "lergan", "crossbar", "--json"])
    assert set(json.loads(sec.output)["derived"]) == {k for k in derived
                                                      if k.startswith("crossbar.")}
    only = runner.invoke(app, ["hardware", "show", "lergan", "--assumptions", "--json"])
    assert json.loads(only.output)["derived"] == {}
