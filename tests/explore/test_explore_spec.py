"""Sweep specifications: validation names what is wrong; expansion is complete and stable."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.explore.spec import (
    SpecError,
    axis_values,
    count_rows,
    design_points,
    expand,
    load_spec,
    point_key,
    swept_parameters,
)

BASE = {"benchmarks": ["dcgan"], "batch": 64}


def spec(**kw):
    return load_spec({**BASE, **kw})


def test_grid_is_the_full_factorial_over_benchmarks_and_architectures():
    s = spec(benchmarks=["dcgan", "magan"], architectures=["lergan", "prime"],
             batch=[32, 64],
             parameters={"adc.bits": [4, 6, 8], "mode": ["zero-inserting", "zfdr-pattern"]})
    rows = list(expand(s))
    assert len(rows) == count_rows(s) == 3 * 2 * 2 * 2 * 2
    assert len({r.key for r in rows}) == len(rows)
    assert {r.architecture for r in rows} == {"lergan", "prime"}
    r = rows[0]
    assert r.overrides == {"adc.bits": 4} and r.options == {"mode": "zero-inserting"}
    assert swept_parameters(s) == ["batch", "adc.bits", "mode"]
    # the rows of one design point share its design hash
    assert len({x.design for x in rows}) == 3 * 2 * 2


def test_units_are_converted_to_si_and_integer_fields_stay_integers():
    s = spec(parameters={
        "adc.energy_j": {"range": ["1 pJ", "4 pJ"], "steps": 3, "scale": "log"},
        "crossbar.rows": {"range": [64, 256], "steps": 4},
    })
    e = axis_values("adc.energy_j", s.parameters["adc.energy_j"])
    assert e == pytest.approx([1e-12, 2e-12, 4e-12])
    rows = axis_values("crossbar.rows", s.parameters["crossbar.rows"])
    assert rows == [64, 128, 192, 256] and all(type(v) is int for v in rows)


@pytest.mark.parametrize(("params", "words"), [
    ({"adc.bitz": [4]}, ["adc.bitz", "unknown"]),
    ({"nonsense": [1]}, ["nonsense", "neither a simulation option"]),
    ({"adc.bits": []}, ["adc.bits", "empty axis"]),
    ({"adc.energy_j": ["2 ns"]}, ["adc.energy_j", "2 ns"]),
    ({"adc.energy_j": [-1.0]}, ["adc.energy_j"]),
    ({"adc.bits": [6.5]}, ["adc.bits", "whole number"]),
    ({"mode": ["zero-free"]}, ["mode", "zero-free"]),
    ({"adc.bits": {"range": [4, 8]}}, ["adc.bits", "steps"]),
    ({"adc.bits": {"range": [8, 4], "steps": 2}}, ["adc.bits", "exceeds"]),
    ({"adc.energy_j": {"range": [0, 1e-12], "steps": 2, "scale": "log"}},
     ["adc.energy_j", "log"]),
    ({"adc": [4]}, ["adc", "group"]),
    ({"adc.bits": [4, 6, 4]}, ["adc.bits", "4 given twice"]),
    ({"adc.energy_j": ["1 pJ", 1e-12]}, ["adc.energy_j", "twice"]),
])
def test_bad_parameters_are_named(params, words):
    with pytest.raises(SpecError) as err:
        spec(parameters=params)
    for w in words:
        assert w in str(err.value)


@pytest.mark.parametrize(("fields", "words"), [
    ({"benchmarks": []}, ["benchmarks", "empty"]),
    ({"benchmarks": ["nogan"]}, ["nogan"]),
    ({"batch": []}, ["batch", "empty"]),
    ({"batch": [0]}, ["batch"]),
    ({"architectures": ["nope"]}, ["architectures", "nope"]),
    ({"base": "nope"}, ["base", "nope"]),
    ({"benchmarks": ["dcgan", "dcgan"]}, ["benchmarks", "twice"]),
    ({"architectures": ["lergan", "lergan"]}, ["architectures", "twice"]),
    ({"colour": "red"}, ["colour"]),
])
def test_bad_fields_are_named(fields, words):
    with pytest.raises(SpecError) as err:
        spec(**fields)
    for w in words:
        assert w in str(err.value)


def test_a_key_absent_from_one_architecture_is_refused_before_running():
    # lergan has a 3D bank link, ISAAC has none: the error names the key and the preset
    key = "interconnect.links.bank_link.latency_s"
    assert count_rows(spec(architectures=["lergan"], parameters={key: [5e-9]})) == 1
    with pytest.raises(SpecError) as err:
        spec(architectures=["lergan", "isaac"], parameters={key: [5e-9]})
    assert key in str(err.value) and "isaac" in str(err.value)


def test_yaml_file_errors(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("benchmarks: [dcgan\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(bad)
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(SpecError, match="mapping"):
        load_spec(bad)
    good = tmp_path / "good.yaml"
    good.write_text("benchmarks: [dcgan]\nparameters:\n  adc.bits: [4, 6]\n")
    assert count_rows(load_spec(good)) == 2


def test_point_key_is_stable():
    # a changed hash would make every stored sweep look unfinished: pin one value
    key = point_key("dcgan", "lergan", 64, {"adc.bits": 6}, {"mode": "scatter"})
    assert key == "8d6d6e41d69a97fcc24f95da92caa03b30c458632cb7badc3dc3c0e1b78cd18c"
    assert point_key("dcgan", "lergan", 64, {"adc.bits": 7}, {"mode": "scatter"}) != key
    assert point_key("dcgan", "prime", 64, {"adc.bits": 6}, {"mode": "scatter"}) != key


@settings(max_examples=25)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**31), method=st.sampled_from(
    ["lhs", "random"]))
def test_samples_are_seeded_in_range_and_lhs_stratified(n, seed, method):
    s = spec(sample={"method": method, "points": n, "seed": seed, "parameters": {
        "adc.energy_j": {"range": ["1 pJ", "16 pJ"], "scale": "log"},
        "adc.bits": {"range": [4, 8]},
        "mode": {"values": ["scatter", "zfdr-pattern"]},
    }})
    pts = design_points(s)
    assert pts == design_points(s)  # same seed, same points
    assert len(pts) == n
    e = [p["params"]["adc.energy_j"] for p in pts]
    assert all(1e-12 <= x <= 16e-12 * (1 + 1e-12) for x in e)
    assert all(p["params"]["adc.bits"] in range(4, 9) for p in pts)
    if method == "lhs":
        # one sample per stratum of the (log) range
        strata = sorted(int(math.log(x / 1e-12) / math.log(16) * n - 1e-9) for x in e)
        assert strata == list(range(n))


@settings(max_examples=20)
@given(bits=st.lists(st.integers(1, 16), min_size=1, max_size=4, unique=True),
       rows=st.lists(st.sampled_from([32, 64, 128, 256]), min_size=1, max_size=3,
                     unique=True),
       batches=st.lists(st.integers(1, 128), min_size=1, max_size=2, unique=True))
def test_row_count_is_the_product_of_the_axes(bits, rows, batches):
    s = spec(batch=batches, parameters={"adc.bits": bits, "crossbar.rows": rows})
    pts = list(expand(s))
    assert len(pts) == count_rows(s) == len(bits) * len(rows) * len(batches)
    assert {(p.params["adc.bits"], p.params["crossbar.rows"], p.batch) for p in pts} == {
        (b, r, n) for b in bits for r in rows for n in batches}


def test_tied_fields_take_the_same_value():
    s = spec(parameters={"crossbar.rows+crossbar.cols": [64, 128]})
    rows = list(expand(s))
    assert [r.overrides for r in rows] == [{"crossbar.rows": 64, "crossbar.cols": 64},
                                           {"crossbar.rows": 128, "crossbar.cols": 128}]
    assert rows[0].params == {"crossbar.rows+crossbar.cols": 64}
    with pytest.raises(SpecError, match="ties a simulation option"):
        spec(parameters={"adc.bits+mode": [4]})
    with pytest.raises(SpecError, match=r"crossbar\.colz"):
        spec(parameters={"crossbar.rows+crossbar.colz": [64]})
    with pytest.raises(SpecError, match=r"crossbar\.rows.*2 pJ"):
        spec(parameters={"crossbar.rows+adc.energy_j": ["2 pJ"]})


def test_the_readme_example_is_the_shipped_file_and_loads():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    example = root / "examples" / "sweep-adc-crossbar-mode.yaml"
    blocks = re.findall(r"```yaml\n(.*?)```", (root / "README.md").read_text(), flags=re.S)
    assert example.read_text() in blocks
    s = load_spec(example)
    assert count_rows(s) == 36 and set(s.benchmarks) == {"dcgan", "magan"}


@settings(max_examples=30)
@given(name=st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True))
def test_any_unknown_field_is_named(name):
    from lergan.hardware.schema import Adc

    if name in Adc.model_fields:
        return
    with pytest.raises(SpecError) as err:
        spec(parameters={f"adc.{name}": [1]})
    assert f"adc.{name}" in str(err.value)
