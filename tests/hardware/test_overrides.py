"""Overrides, user files and error messages that name the key."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lergan.errors import HardwareError
from lergan.hardware import load_preset, parse_set_options


def test_override_number_is_si_and_recorded():
    arch = load_preset("lergan", overrides={"adc.bits": 6, "crossbar.rows": 128})
    assert arch.adc.bits == 6 and arch.crossbar.rows == 128
    p = arch.provenance("crossbar.rows")
    assert p.overridden and p.source == "user override" and p.defined_in == "override"


def test_override_with_unit_text():
    arch = load_preset("isaac", overrides={"adc.energy_j": "2 pJ",
                                           "crossbar.sense_time_per_row_s": "0.5ns"})
    assert arch.adc.energy_j == pytest.approx(2e-12)
    assert arch.crossbar.sense_time_per_row_s == pytest.approx(0.5e-9)
    assert arch.provenance("adc.energy_j").written_value == "2 pJ"


def test_override_choices_and_lists():
    arch = load_preset(
        "lergan",
        overrides={
            "training.error_propagation": "transposed-read",
            "training.approximate_update": "true",
            "organisation.network_banks.G": "1,2",
        },
    )
    assert arch.training.error_propagation == "transposed-read"
    assert arch.training.approximate_update is True
    assert arch.organisation.network_banks["G"] == (1, 2)


def test_overrides_do_not_touch_the_preset():
    load_preset("lergan", overrides={"adc.bits": 5})
    assert load_preset("lergan").adc.bits == 6


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"adc.bitz": 3}, "adc.bitz"),
        ({"nosuch.thing": 3}, "nosuch"),
        ({"adc.energy_j": "2 ns"}, "adc.energy_j"),
        ({"adc.energy_j": "2 furlongs"}, "adc.energy_j"),
        ({"adc.bits": 0}, "adc.bits"),
        ({"adc.bits": 100}, "adc.bits"),
        ({"write.fraction_rewritten": 1.5}, "write.fraction_rewritten"),
        ({"crossbar.rows": -128}, "crossbar.rows"),
        ({"training.optimiser": "rmsprop"}, "training.optimiser"),
        ({"cell.r_off_ohm": 10}, "r_off_ohm"),
        ({"organisation.network_banks.G": "1,9"}, "network_banks.G"),
        ({"buffers.nope.capacity_bytes": 3}, "buffers.nope"),
        ({"adc": 3}, "adc"),
        ({"adc.bits.more": 3}, "adc.bits"),
        ({"training.approximate_update": "maybe"}, "training.approximate_update"),
        ({"precision.weight_bits": 1}, "weight_bits"),
    ],
)
def test_bad_overrides_name_the_key(overrides, needle):
    with pytest.raises(HardwareError) as exc:
        load_preset("lergan", overrides=overrides)
    assert needle in str(exc.value)


def test_unknown_preset():
    with pytest.raises(HardwareError, match="no such preset"):
        load_preset("nonexistent")


def test_user_file_with_base(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(
        "base: lergan\nname: mine\n"
        "adc:\n  bits: {value: 5, unit: bit, assumption: true, reason: a test}\n"
        "crossbar:\n  sense_time_per_row_s: {value: 0.5, unit: ns, source: my measurement}\n"
    )
    arch = load_preset(f)
    assert arch.name == "mine" and arch.adc.bits == 5
    assert arch.crossbar.sense_time_per_row_s == pytest.approx(0.5e-9)
    assert arch.provenance("adc.bits").defined_in == "mine.yaml"
    assert arch.organisation.banks == 6


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("adc:\n  bits: {value: 5, unit: bit}\n", "neither a source"),
        ("adc:\n  bits: {value: 5, unit: bit, assumption: true}\n", "needs a 'reason'"),
        ("adc:\n  bits: {value: 5, source: x}\n", "needs a unit"),
        ("adc:\n  energy_j: {value: 5, unit: ns, source: x}\n", "adc.energy_j"),
        ("adc:\n  bits: {value: five, unit: bit, source: x}\n", "not a number"),
        ("adc:\n  bits: {value: 5, unit: bit, source: x, colour: red}\n", "unknown entries"),
        ("adcc:\n  bits: {value: 5, unit: bit, source: x}\n", "adcc"),
        ("adc:\n  bits: 5\n", "adc.bits"),
    ],
)
def test_bad_user_files(tmp_path, body, needle):
    f = tmp_path / "bad.yaml"
    f.write_text("base: lergan\nname: bad\n" + body)
    with pytest.raises(HardwareError) as exc:
        load_preset(f)
    assert needle in str(exc.value)


def test_user_file_without_name_is_named_after_the_file(tmp_path):
    f = tmp_path / "faster.yaml"
    f.write_text("base: isaac\ncrossbar:\n"
                 "  sense_time_per_row_s: {value: 0.5, unit: ns, source: t}\n")
    arch = load_preset(f)
    assert arch.name == "faster" and arch.base == "isaac"


def test_circular_base(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\n")
    with pytest.raises(HardwareError, match="circular"):
        load_preset(tmp_path / "a.yaml")


def test_parse_set_options():
    assert parse_set_options(["adc.bits=6", " crossbar.rows = 256 ", "x.y=a=b"]) == {
        "adc.bits": "6",
        "crossbar.rows": "256",
        "x.y": "a=b",
    }
    assert parse_set_options(None) == {}
    with pytest.raises(HardwareError, match="KEY=VALUE"):
        parse_set_options(["adc.bits"])
    with pytest.raises(HardwareError, match="empty key"):
        parse_set_options(["=3"])


@given(bits=st.integers(1, 16), rows=st.sampled_from([64, 128, 256, 512]))
def test_set_options_round_trip(bits, rows):
    arch = load_preset("prime", overrides=parse_set_options([f"adc.bits={bits}",
                                                            f"crossbar.rows={rows}"]))
    assert (arch.adc.bits, arch.crossbar.rows) == (bits, rows)


def _numeric_keys(preset):
    arch = load_preset(preset)
    return [
        (preset, k, p)
        for k, p in arch.provenance_table().items()
        if isinstance(p.value, (int, float)) and not isinstance(p.value, bool)
    ]


NUMERIC = [item for preset in ("isaac", "lergan") for item in _numeric_keys(preset)]


@given(item=st.sampled_from(NUMERIC), factor=st.sampled_from([0.5, 1.0, 2.0]))
def test_any_numeric_field_overrides_with_its_written_unit(item, factor):
    """`--set key="<value> <unit as written>"` lands as value x unit factor in SI."""
    preset, key, p = item
    value = p.written_value * factor
    if isinstance(p.value, int) and not float(value).is_integer():
        return
    text = f"{value} {p.written_unit}".strip()
    try:
        arch = load_preset(preset, overrides={key: text})
    except HardwareError as exc:  # only a value out of range may fail, and it is named
        msg = str(exc)
        assert key.split(".")[-1] in msg
        assert "cannot read" not in msg and "unit" not in msg, msg
        return
    assert arch.provenance(key).value == pytest.approx(p.value * factor)


def test_unknown_component_in_the_organisation(tmp_path):
    f = tmp_path / "org.yaml"
    f.write_text(
        "base: lergan\nname: org\norganisation:\n  per_mat:\n"
        "    flux_capacitor: {value: 1, unit: count, source: a test}\n"
    )
    with pytest.raises(HardwareError, match=r"per_mat\.flux_capacitor"):
        load_preset(f)


@pytest.mark.parametrize(("text", "shown"), [("-1", "(got -1)"), ("6.5", "(got 6.5)")])
def test_impossible_integer_override_shows_the_value_as_given(text, shown):
    """`--set adc.bits=-1` used to say "(got -1.0)"."""
    with pytest.raises(HardwareError) as exc:
        load_preset("lergan", overrides=parse_set_options([f"adc.bits={text}"]))
    assert "adc.bits" in str(exc.value) and shown in str(exc.value)


def test_a_preset_file_that_is_not_utf8_text_is_a_named_error(tmp_path):
    """Used to escape as a UnicodeDecodeError traceback."""
    f = tmp_path / "binary.yaml"
    f.write_bytes(b"\xff\xfe\x00base: lergan\n")
    with pytest.raises(HardwareError) as exc:
        load_preset(f)
    assert "binary.yaml" in str(exc.value) and "UTF-8" in str(exc.value)


@pytest.mark.parametrize("key,value", [("organisation.capacity_bytes", -1),
                                       ("organisation.capacity_bytes", 0),
                                       ("organisation.compute_fraction", 0)])
def test_a_bad_capacity_names_its_field_alone(key, value):
    with pytest.raises(HardwareError) as exc:
        load_preset("lergan", overrides={key: value})
    assert key in str(exc.value)
    assert "mats_per_bank" not in str(exc.value)  # derived, not missing
