"""Records of any architecture: names, bracketed settings, unknown names."""

from __future__ import annotations

import pytest

from lergan.baselines.data import BaselineError
from lergan.baselines.records import (
    UnknownArchitecture,
    check_architecture,
    evaluate,
    known_architectures,
    parse_spec,
)
from lergan.errors import LerganError

RECORD_KEYS = {"benchmark", "architecture", "batch", "time_s", "energy_j", "power_w",
               "area_mm2", "precision"}


@pytest.mark.parametrize("arch", ["lergan", "prime", "gpu", "gpu:v100", "fpga",
                                  "fpga:zcu102", "lergan-no-zfdr"])
def test_every_platform_gives_a_record(arch):
    r = evaluate("cgan", arch, 8)
    d = r.to_dict()
    assert set(d) >= RECORD_KEYS
    assert d["architecture"] == arch and d["benchmark"] == "cgan" and d["batch"] == 8
    assert d["time_s"] > 0 and d["energy_j"] > 0
    assert d["power_w"] == pytest.approx(d["energy_j"] / d["time_s"])
    assert {"weight_bits", "input_bits", "adc_bits"} <= set(d["precision"])
    assert len(d["hardware_hash"]) == 64
    for q in ("time", "energy"):
        total = d["time_s"] if q == "time" else d["energy_j"]
        assert sum(d["breakdowns"][q]["pass"].values()) == pytest.approx(total)


def test_reram_record_matches_simulate_and_its_precision():
    from lergan.system import simulate

    r = evaluate("dcgan", "prime", 8)
    s = simulate("dcgan", "prime", 8)
    assert (r.time_s, r.energy_j, r.area_mm2) == (s.time_s, s.energy_j, s.area_mm2)
    # prime is the like-for-like training baseline: lergan's 16-bit precision, 6-bit ADCs
    assert r.precision["weight_bits"] == 16 and r.precision["input_bits"] == 16
    assert r.precision["adc_bits"] == 6
    pub = evaluate("dcgan", "prime-inference", 8)  # PRIME as published
    assert (pub.precision["weight_bits"], pub.precision["input_bits"]) == (8, 6)


def test_bracketed_settings_reach_the_model():
    assert parse_spec("gpu:v100[compute_efficiency=0.3, board_power=250 W]") == (
        "gpu:v100", {"compute_efficiency": "0.3", "board_power": "250 W"})
    base = evaluate("cgan", "lergan", 8)
    six = evaluate("cgan", "lergan[adc.bits=8,mode=zfdr-phase]", 8)
    assert six.precision["adc_bits"] == 8 and six.hardware_hash != base.hardware_hash
    assert six.result.options["mode"] == "zfdr-phase"
    slow = evaluate("cgan", "gpu[peak_flops=1 TFLOP/s]", 8)
    assert slow.time_s > evaluate("cgan", "gpu", 8).time_s
    with pytest.raises(BaselineError, match="not key=value"):
        parse_spec("lergan[adc.bits]")


def test_unknown_names_are_named_with_the_known_ones():
    with pytest.raises(UnknownArchitecture, match="'lergan-neither-such': unknown") as exc:
        check_architecture("lergan-neither-such")
    assert "gpu:h100" in str(exc.value) and exc.value.name == "lergan-neither-such"
    with pytest.raises(UnknownArchitecture, match="'gpu:k80'"):
        evaluate("dcgan", "gpu:k80")
    assert isinstance(exc.value, LerganError)
    assert {"lergan", "gpu", "fpga:vc709"} <= set(known_architectures())
