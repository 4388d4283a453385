"""The baselines' data files: every number cited or a labelled assumption, units converted,
overrides checked."""

from __future__ import annotations

import pytest

from lergan.baselines.data import BaselineError, flatten, override, read_file
from lergan.baselines.fpga import fpga_names, load_fpga
from lergan.baselines.gpu import default_gpu, gpu_names, load_gpu


@pytest.mark.parametrize("name", ["gpus", "fpgas", "published"])
def test_every_leaf_has_a_source_or_a_reason(name):
    leaves = flatten(read_file(name))
    assert leaves
    for key, leaf in leaves.items():
        assert leaf.source or (leaf.assumption and leaf.reason), key


def test_presets_named_by_the_issue_exist():
    assert {"gtx-1080", "titan-x-pascal", "v100", "h100"} <= set(gpu_names())
    assert {"vc709", "zcu102", "vcu118"} <= set(fpga_names())
    assert default_gpu() == "titan-x-pascal"  # the paper-era default is a Pascal card
    assert load_gpu("gpu").name == "titan-x-pascal"


def test_vendor_numbers_convert_to_si():
    g = load_gpu("gtx-1080")
    assert g.peak_flops == pytest.approx(8.9e12)
    assert g.memory_bandwidth == pytest.approx(320e9)
    assert g.board_power == 180
    assert g.launch_overhead_s == pytest.approx(5e-6)
    f = load_fpga("zcu102")
    assert f.dsps == 2520 and f.clock_hz == pytest.approx(300e6)
    assert f.dram_bandwidth == pytest.approx(19.2e9)
    # effective MAC rate = DSPs x utilisation x MACs/DSP/cycle x clock x PE efficiency
    assert f.macs_per_s == pytest.approx(2520 * 0.8 * 1 * 300e6 * 0.9)


def test_a_number_without_source_is_refused():
    with pytest.raises(BaselineError, match=r"x\.y: every number needs a 'source'"):
        flatten({"x": {"y": {"value": 1, "unit": "W"}}})
    with pytest.raises(BaselineError, match="needs a 'reason'"):
        flatten({"y": {"value": 1, "unit": "W", "assumption": True}})
    with pytest.raises(BaselineError, match=r"unknown unit 'parsecs'"):
        flatten({"y": {"value": 1, "unit": "parsecs", "source": "s"}})


def test_overrides_take_units_and_name_bad_keys():
    g = load_gpu("v100", {"board_power": "250 W", "launch_overhead_s": "10 us"})
    assert g.board_power == 250 and g.launch_overhead_s == pytest.approx(1e-5)
    assert g.leaves["board_power"].overridden
    assert load_gpu("v100", {"peak_flops": "20 TFLOP/s"}).peak_flops == pytest.approx(2e13)
    with pytest.raises(BaselineError, match="unknown key 'nope'"):
        load_gpu("v100", {"nope": 1})
    with pytest.raises(BaselineError, match="is not a number"):
        load_gpu("v100", {"board_power": "lots"})
    with pytest.raises(BaselineError, match="must not be negative"):
        override(flatten(read_file("gpus")["shared"]), {"compute_efficiency": -1}, "t")


def test_unknown_presets_are_named():
    with pytest.raises(BaselineError, match="GPU preset 'rtx9090': unknown"):
        load_gpu("rtx9090")
    with pytest.raises(BaselineError, match="FPGA preset 'de10': unknown"):
        load_fpga("de10")


def test_hash_follows_the_values():
    assert load_gpu("v100").hash == load_gpu("v100").hash
    assert load_gpu("v100").hash != load_gpu("v100", {"board_power": 301}).hash
    assert load_gpu("v100").hash != load_gpu("h100").hash
