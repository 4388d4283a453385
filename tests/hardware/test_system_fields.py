"""Preset fields the iteration simulator reads: 3D switch reconfiguration, static power of
the array components, default mapping mode and layout. Each is sourced or a labelled
assumption in every preset, and overridable."""

from __future__ import annotations

import pytest

from lergan.errors import HardwareError
from lergan.hardware import list_presets, load_preset
from lergan.hardware.peak import component_peak_power_w
from lergan.hardware.static import component_static_power_w

KEYS = (
    "interconnect.reconfiguration_latency_s", "interconnect.reconfiguration_energy_j",
    "crossbar.static_power_w", "dac.static_power_w", "adc.static_power_w",
    "sample_hold.static_power_w", "shift_add.static_power_w", "write.driver_static_power_w",
    "training.mapping_mode", "organisation.layout",
)


@pytest.mark.parametrize("preset", list_presets())
@pytest.mark.parametrize("key", KEYS)
def test_every_preset_sources_the_field(preset, key):
    p = load_preset(preset).provenance(key)
    assert p.source or (p.assumption and p.reason)


def test_lergan_defaults():
    a = load_preset("lergan")
    assert a.training.mapping_mode == "zfdr-pattern" and a.organisation.layout == "lergan"
    assert a.interconnect.reconfiguration_latency_s == pytest.approx(2e-9)
    assert a.interconnect.reconfiguration_energy_j == pytest.approx(10e-12)
    prime = load_preset("prime")
    assert prime.training.mapping_mode == "zero-inserting" and prime.organisation.layout == "prime"


def test_overrides_and_static_power():
    a = load_preset("lergan", overrides={"adc.static_power_w": "3 uW",
                                         "interconnect.reconfiguration_latency_s": "4 ns",
                                         "training.mapping_mode": "zfdr-phase"})
    assert a.interconnect.reconfiguration_latency_s == pytest.approx(4e-9)
    assert a.training.mapping_mode == "zfdr-phase"
    assert component_static_power_w(a, "adc") == pytest.approx(3e-6)
    base = load_preset("lergan")
    assert component_peak_power_w(a, "adc") - component_peak_power_w(base, "adc") == \
        pytest.approx(3e-6)
    assert component_static_power_w(base, "bank_link") == base.interconnect.links[
        "bank_link"].static_power_w
    with pytest.raises(HardwareError, match=r"training\.mapping_mode"):
        load_preset("lergan", overrides={"training.mapping_mode": "sparse"})
    with pytest.raises(HardwareError, match="no component named 'nope'"):
        component_static_power_w(base, "nope")
