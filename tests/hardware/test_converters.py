"""Converter precision: ISAAC's rule for the bits of an exact column sum, the policies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lergan.errors import HardwareError
from lergan.hardware import load_preset
from lergan.hardware.converters import column_sum_bits, converter_precision


@given(rows=st.integers(1, 1024), cell=st.integers(1, 8), dac=st.integers(1, 8))
def test_column_sum_bits_is_the_smallest_exact_width(rows, cell, dac):
    top = rows * (2**cell - 1) * (2**dac - 1)  # every cell and input at full scale
    bits = column_sum_bits(rows, cell, dac)
    assert top < 2**bits
    assert bits == 1 or top >= 2 ** (bits - 1)
    assert column_sum_bits(rows, cell, dac, flipped=True) == max(1, bits - 1)


def test_isaac_rule_examples():
    # ISAAC Sec. V: log2(R) + v + w, one fewer when v or w is 1, one fewer flipped
    assert column_sum_bits(128, 2, 1) == 9
    assert column_sum_bits(128, 2, 1, flipped=True) == 8  # ISAAC's 8-bit ADC
    assert column_sum_bits(256, 4, 3) == 15  # PRIME's substrate: 8 + 4 + 3


def test_presets_state_their_policy():
    isaac = converter_precision(load_preset("isaac"))
    assert isaac.policy == "lossless" and isaac.passes["forward"].dropped_bits == 0
    lergan = converter_precision(load_preset("lergan"))
    assert lergan.policy == "truncate"
    assert lergan.passes["forward"].required_bits == 15
    assert lergan.passes["forward"].dropped_bits == 9
    # a transposed read sums along a row: columns are what is summed
    t = converter_precision(load_preset("lergan", overrides={
        "training.error_propagation": "transposed-read", "crossbar.cols": 128}))
    assert t.passes["error"].required_bits == column_sum_bits(128, 4, 3)
    digital = converter_precision(load_preset("lergan", overrides={
        "training.weight_gradients": "digital"}))
    assert "weight_gradient" not in digital.passes


def test_lossless_policy_refuses_a_narrow_adc_and_accepts_a_wide_one():
    with pytest.raises(HardwareError, match=r"adc\.bits: 6 bits .*needs 15"):
        load_preset("lergan", overrides={"adc.precision_policy": "lossless"})
    wide = load_preset("lergan", overrides={"adc.precision_policy": "lossless", "adc.bits": 15})
    narrow = load_preset("lergan")
    # the wide ADC is charged for its bits (Walden: x 2 per bit)
    assert wide.components["adc"].energy_j == pytest.approx(
        narrow.components["adc"].energy_j * 2**9)


@pytest.mark.parametrize("bad", [{"crossbar.rows": 0}, {"crossbar.cell_area_f2": 0},
                                 {"adc.energy_j": float("inf")}, {"adc.energy_j": "nan pJ"},
                                 {"technology.leakage_fraction": 1.0},
                                 {"adc.columns_per_adc": 0}])
def test_impossible_components_name_the_field(bad):
    key = next(iter(bad))
    with pytest.raises(HardwareError, match=key.replace(".", r"\.")):
        load_preset("lergan", overrides=bad)


def test_every_simulation_states_its_converters():
    from lergan.system import simulate
    from lergan.workload import suite

    gan = suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)
    r = simulate(gan, "lergan", 2)
    d = r.to_dict()
    assert d["converters"]["policy"] == "truncate"
    assert d["converters"]["passes"]["forward"]["dropped_bits"] == 9
    assert any("truncate" in n for n in r.notes)
    assert d["power_w"] == pytest.approx(r.energy_j / r.time_s)
