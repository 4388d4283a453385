"""Sensitivity: assumption ranges (recorded or default, clipped), headline ranges against
direct simulations, the JSON result and the tornado plot; the loader's ``range`` key."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lergan.errors import HardwareError, LerganError
from lergan.explore.sensitivity import (
    FORMAT,
    assumptions,
    field_bounds,
    last_result_path,
    plot_tornado,
    read_last,
    run_sensitivity,
)
from lergan.hardware import load_preset
from lergan.system import simulate

PRESET = """\
base: lergan
name: lergan-ranged
write:
  pulses_per_write: {value: 8, unit: count, assumption: true, reason: test,
                     range: [6, 12]}
adc:
  energy_j: {value: 2, unit: pJ, assumption: true, reason: test, range: [1, 5]}
interconnect:
  links:
    bank_link:
      latency_s: {value: 0, unit: s, assumption: true, reason: test}
"""


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("LERGAN_STATE_DIR", str(tmp_path / "state"))


def _by_key(table):
    return {a.key: a for a in table}


def test_default_ranges_are_clipped_rounded_or_not_varied():
    t = _by_key(assumptions("lergan"))
    hw = load_preset("lergan")
    assert set(t) == {k for k, p in hw.provenance_table().items() if p.assumption}
    plain = [a for a in t.values() if a.varied and not a.integer and a.range_source ==
             "default" and set(field_bounds(a.key)) <= {"ge", "gt"}]
    assert plain
    for a in plain:  # unbounded above, positive: exactly x0.5 and x2
        assert a.low == pytest.approx(a.nominal / 2) and a.high == pytest.approx(a.nominal * 2)
    f = t["write.fraction_rewritten"]  # a fraction: clipped to 1
    assert (f.low, f.high) == (0.5, 1.0) and field_bounds(f.key) == {"ge": 0.0, "le": 1.0}
    r = t["write.rows_in_parallel"]  # a count >= 1, whole numbers
    assert (r.low, r.high) == (1, 2) and r.integer and type(r.low) is int
    s = t["organisation.per_mat.shift_add"]  # a count that may be a fraction
    assert (s.low, s.high) == (0.5, 2.0) and not s.integer
    c = t["training.optimiser"]
    assert not c.varied and "choice" in c.reason


def test_recorded_ranges_win_and_are_converted_to_si(tmp_path):
    p = tmp_path / "ranged.yaml"
    p.write_text(PRESET)
    arch = load_preset(str(p))
    assert arch.provenance("adc.energy_j").range == pytest.approx((1e-12, 5e-12))
    assert load_preset("lergan").provenance("adc.energy_j").range is None
    t = _by_key(assumptions(str(p)))
    e = t["adc.energy_j"]
    assert (e.low, e.high, e.range_source) == (pytest.approx(1e-12), pytest.approx(5e-12),
                                               "preset")
    assert (t["write.pulses_per_write"].low, t["write.pulses_per_write"].high) == (6, 12)
    z = t["interconnect.links.bank_link.latency_s"]  # zero without a range: not varied
    assert not z.varied and "nominal 0" in z.reason and z.low is None


@pytest.mark.parametrize(("leaf", "words"), [
    ("{value: 2, unit: pJ, assumption: true, reason: t, range: [3, 5]}", "does not contain"),
    ("{value: 2, unit: pJ, assumption: true, reason: t, range: [1]}", "[low, high]"),
    ("{value: 2, unit: pJ, assumption: true, reason: t, range: [a, b]}", "[low, high]"),
])
def test_bad_ranges_name_the_key(tmp_path, leaf, words):
    p = tmp_path / "bad.yaml"
    p.write_text(f"base: lergan\nadc:\n  energy_j: {leaf}\n")
    with pytest.raises(HardwareError) as err:
        load_preset(str(p))
    assert "adc.energy_j" in str(err.value) and words in str(err.value)


def test_a_range_on_a_text_leaf_is_refused(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("base: lergan\ntraining:\n  optimiser: {value: sgd, assumption: true, "
                 "reason: t, range: [1, 2]}\n")
    with pytest.raises(HardwareError, match=r"training\.optimiser"):
        load_preset(str(p))


def _keys():
    """An assumption lergan shares with prime (varied in both) and, where there is one, one
    it does not (prime stays nominal); the clock first, as it moves time."""
    table = [a for a in assumptions("lergan", baselines=["prime"]) if a.varied]
    shared = sorted((a.key for a in table if "prime" in a.shared_with),
                    key=lambda k: k != "technology.clock_hz")[:1]
    own = [a.key for a in table if "prime" not in a.shared_with][:1]
    return shared + own


KEYS = _keys()


@pytest.fixture(scope="module")
def result():
    return run_sensitivity("lergan", baselines=("prime", "lergan-no-zfdr"),
                           benchmarks=["cgan"], params=KEYS, workers=0)


def test_headline_ranges_match_direct_simulations(result):
    lergan = simulate("cgan", arch="lergan")
    prime = simulate("cgan", arch="prime")
    h = {(x["metric"], x["baseline"], x["benchmark"]): x for x in result["headlines"]}
    sp = h[("speedup", "prime", "cgan")]
    assert sp["nominal"] == pytest.approx(prime.time_s / lergan.time_s, rel=1e-12)
    assert h[("speedup", "prime", "geomean")]["nominal"] == pytest.approx(sp["nominal"])
    es = h[("energy_saving", "prime", "cgan")]
    assert es["nominal"] == pytest.approx(prime.energy_j / lergan.energy_j, rel=1e-12)
    for x in result["headlines"]:
        assert x["low"] <= x["nominal"] <= x["high"]
    eff = {(e["metric"], e["baseline"], e["benchmark"], e["key"], e["end"]): e
           for e in result["effects"]}
    table = {a["key"]: a for a in result["assumptions"]}
    assert "prime" in table[KEYS[0]]["shared_with"]
    for key in KEYS:  # a shared assumption is varied in prime too, another is not
        for end in ("low", "high"):
            v = table[key][end]
            e = eff[("speedup", "prime", "cgan", key, end)]
            assert e["value"] == v
            ref = simulate("cgan", arch="prime", overrides={key: v}) if "prime" in table[
                key]["shared_with"] else prime
            assert e["result"] == pytest.approx(
                ref.time_s / simulate("cgan", arch="lergan", overrides={key: v}).time_s,
                rel=1e-12)
    widest = max((x for x in result["effects"] if x["metric"] == "speedup"
                  and x["baseline"] == "prime" and x["benchmark"] == "cgan"),
                 key=lambda x: x["result"])
    if widest["result"] > sp["nominal"]:
        assert sp["high"] == widest["result"] and sp["high_by"]["key"] == widest["key"]
    assert result["failures"] == []


def test_result_file_and_tornado(result, tmp_path):
    from lergan.explore.sensitivity import write_last

    assert read_last() is None
    path = write_last(result)
    assert path == last_result_path() and path.parent.name == "state"
    back = read_last()
    assert back["format"] == FORMAT and back["headlines"] == json.loads(
        json.dumps(result["headlines"]))
    path.write_text('{"format": "something else"}')
    with pytest.raises(LerganError, match="not a lergan-sensitivity"):
        read_last()
    png = plot_tornado(result, tmp_path / "t.png")
    assert png.stat().st_size > 10_000


def test_bad_arguments_are_named():
    with pytest.raises(LerganError, match="nope"):
        run_sensitivity("lergan", benchmarks=["cgan"], params=["nope"], workers=0)
    with pytest.raises(LerganError, match="nogan"):
        run_sensitivity("lergan", benchmarks=["nogan"], workers=0)
    with pytest.raises(LerganError, match="itself"):
        run_sensitivity("lergan", baselines=["lergan"], benchmarks=["cgan"], workers=0)
    with pytest.raises(LerganError, match="architecture 'nope'"):
        run_sensitivity("lergan", baselines=["nope"], benchmarks=["cgan"], workers=0)


def test_cli(tmp_path):
    from lergan.cli import app

    r = CliRunner().invoke(app, ["sensitivity", "-b", "cgan", "-p", "write.pulses_per_write",
                                 "--baseline", "prime", "--workers", "0",
                                 "--plot", str(tmp_path / "t.png")],
                           terminal_width=80)
    assert r.exit_code == 0, r.output
    assert "speedup" in r.output and "write.pulses_per_write" in r.output
    assert read_last()["baselines"] == ["prime"] and (tmp_path / "t.png").is_file()
    r = CliRunner().invoke(app, ["sensitivity", "--assumptions"], terminal_width=200)
    assert r.exit_code == 0 and "write.fraction_rewritten" in r.output
    r = CliRunner().invoke(app, ["sensitivity", "--baseline", "nope", "-b", "cgan",
                                 "--workers", "0"])
    assert r.exit_code == 2 and "nope" in r.output
