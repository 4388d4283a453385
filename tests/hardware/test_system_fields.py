"""Preset fields the iteration simulator reads: 3D switch reconfiguration, the leakage share
of static power, default mapping mode and layout. Each is sourced or a labelled assumption
in every preset, and overridable."""

from __future__ import annotations

import pytest

from lergan.errors import HardwareError
from lergan.hardware import list_presets, load_preset

KEYS = (
    "technology.leakage_fraction", "technology.reference_node_m",
    "training.mapping_mode", "organisation.layout",
)


@pytest.mark.parametrize("preset", list_presets())
@pytest.mark.parametrize("key", KEYS)
def test_every_preset_sources_the_field(preset, key):
    p = load_preset(preset).provenance(key)
    assert p.source or (p.assumption and p.reason)


def test_lergan_defaults():
    a = load_preset("lergan")
    for key in ("interconnect.reconfiguration_latency_s", "interconnect.reconfiguration_energy_j",
                "interconnect.ports_per_bank"):
        p = a.provenance(key)
        assert p.source or (p.assumption and p.reason)
    assert a.training.mapping_mode == "auto" and a.organisation.layout == "lergan"
    assert a.interconnect.reconfiguration_latency_s == pytest.approx(2e-9)
    assert a.interconnect.reconfiguration_energy_j == pytest.approx(10e-12)
    prime = load_preset("prime")
    assert prime.training.mapping_mode == "zero-inserting" and prime.organisation.layout == "prime"


def test_overrides_and_static_power():
    a = load_preset("lergan", overrides={"technology.leakage_fraction": 0.3,
                                         "interconnect.reconfiguration_latency_s": "4 ns",
                                         "training.mapping_mode": "zfdr-phase"})
    assert a.interconnect.reconfiguration_latency_s == pytest.approx(4e-9)
    assert a.training.mapping_mode == "zfdr-phase"
    base = load_preset("lergan")
    for name in ("adc", "dac", "bank_buffer", "mac", "bank_link"):
        c0, c1 = base.components[name], a.components[name]
        # the characterised peak power stays; its static share moves
        assert c1.peak_power_w == pytest.approx(c0.peak_power_w)
        assert c1.static_power_w == pytest.approx(c0.static_power_w * 3)
    assert base.components["crossbar"].static_power_w == 0  # non-volatile arrays
    with pytest.raises(HardwareError, match=r"training\.mapping_mode"):
        load_preset("lergan", overrides={"training.mapping_mode": "sparse"})
    with pytest.raises(HardwareError, match="no component named 'nope'"):
        base.components["nope"]
