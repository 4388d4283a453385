"""Each defect of issue 13's "Bad input" list, refused cleanly: a LerganError in Python,
exit status 2 with the field named on the command line, never a traceback or a hang."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import lergan
from lergan.cli import app
from lergan.errors import HardwareError, InternalError, LerganError
from lergan.hardware import load_preset

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "100"})


def refused(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for n in needles:
        assert n in res.output, (n, res.output)


# --- tracebacks ------------------------------------------------------------------------
@pytest.mark.parametrize("args, needles", [
    (("simulate", "dcgan", "--batch", str(10**30)), ("batch", "bound")),
    (("workload", "dcgan", "--batch", str(10**30)), ("batch", "bound")),
    (("zfdr", "--input-size", "100000", "--kernel", "10000", "--stride", "2"), ("bound",)),
    (("workload", "dcgan", "--set", "image_size=[unclosed"), ("image_size", "[unclosed")),
    (("simulate", "dcgan", "--batch", "2", "--set", "organisation.network_banks.G="),
     ("organisation.network_banks.G",)),
])
def test_former_tracebacks_are_user_errors(args, needles):
    refused(run(*args), *needles)


@pytest.mark.parametrize("base", ["5", "[lergan]", "{a: 1}", "''"])
def test_a_base_that_is_not_a_name_is_a_user_error(base, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"base: {base}\n")
    refused(run("peak", str(path)), "base")
    with pytest.raises(HardwareError, match="base"):
        load_preset(str(path))


@pytest.mark.parametrize("out, needle", [
    ("", "file name"), ("-", "file name"), ("noext", "suffix"), ("x.txt", "'txt'"),
    ("/proc/no/such/dir/t.png", "cannot write"), ("{tmp}", "suffix"),
    ("{tmp}/" + "a" * 300 + ".png", "cannot write"),
])
def test_timeline_out_is_checked_and_writes_no_stray_file(out, needle, tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("timeline", "dcgan", "--batch", "2", "--out", out.format(tmp=tmp_path))
    refused(res, "--out", needle)
    assert list(tmp_path.iterdir()) == []  # no .png, noext.png or -.png left behind


# --- hangs: refused up front, with the bound ------------------------------------------
@pytest.mark.parametrize("args", [
    ("zfdr", "--input-size", "1000,1000", "--kernel", "1000", "--stride", "2"),
    ("workload", "dcgan", "--set", "image_size=1099511627776"),
    # (mats per bank given: with lergan's capacity, a billion banks leave no compute mat)
    ("simulate", "dcgan", "--batch", "2", "--set", "organisation.banks=1e9",
     "--set", "organisation.mats_per_bank=1"),
])
def test_huge_work_is_refused_with_its_bound(args):
    refused(run(*args), "bound")


# --- non-finite numbers ---------------------------------------------------------------
@pytest.mark.parametrize("setting", [
    "adc.energy_j=1e309", "adc.energy_j=inf", "adc.energy_j=nan",
    "cell.endurance_writes=1e400", "crossbar.read_cycle_s=inf", "technology.clock_hz=1e309",
])
@pytest.mark.parametrize("command", ["peak", "simulate", "map"])
def test_non_finite_hardware_values_are_refused_where_read(setting, command):
    key = setting.split("=")[0]
    args = {"peak": ("peak", "lergan"), "simulate": ("simulate", "dcgan", "--batch", "2"),
            "map": ("map", "dcgan", "G.tconv2")}[command]
    refused(run(*args, "--set", setting), key)


@pytest.mark.parametrize("value", ["1e400", ".inf", "-.inf", ".nan"])
def test_non_finite_values_in_preset_files_are_refused(value, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"base: lergan\nadc:\n  energy_j: {{value: {value}, unit: pJ, "
                    "source: test}\n")
    with pytest.raises(HardwareError, match=r"adc\.energy_j"):
        load_preset(str(path))


@pytest.mark.parametrize("ops", ['{"batch_norm/forward": NaN}',
                                 '{"batch_norm/forward": Infinity}',
                                 '{"batch_norm/forward": -1}'])
def test_non_finite_ops_per_element_are_refused(ops):
    refused(run("simulate", "dcgan", "--batch", "2", "--set", f"ops_per_element={ops}"),
            "ops_per_element")


# --- accepted silently ------------------------------------------------------------------
@pytest.mark.parametrize("setting, needle", [
    ('replication={"D/conv9": 3}', "D/conv9"),
    ('ops_per_element={"batch_nrom/forward": 5}', "batch_nrom/forward"),
    ('ops_per_element={"batch_norm/froward": 5}', "batch_norm/froward"),
])
def test_misspelt_option_keys_are_refused(setting, needle):
    refused(run("simulate", "dcgan", "--batch", "2", "--set", setting), needle)


def test_replication_by_layer_name_still_works():
    r = lergan.simulate("dcgan", batch=2, options={"replication": {"D/conv1": 2}})
    assert r.placement["units"]["D/forward/conv1"]["replication"] == 2


# --- the API -----------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: load_preset(None),  # type: ignore[arg-type]
    lambda: load_preset(42),  # type: ignore[arg-type]
    lambda: load_preset("lergan", overrides=["adc.bits=6"]),  # type: ignore[arg-type]
    lambda: load_preset("lergan", overrides={1: 2}),  # type: ignore[dict-item]
    lambda: lergan.simulate("dcgan", batch=2, overrides=["adc.bits=6"]),  # type: ignore
    lambda: lergan.simulate("dcgan", batch=0),
    lambda: lergan.simulate("dcgan", batch=True),
    lambda: lergan.simulate("dcgan", batch=2, options=["mode"]),  # type: ignore[arg-type]
])
def test_api_errors_are_lergan_errors(call):
    with pytest.raises(LerganError):
        call()


def test_padding_mode_reflect_is_a_lergan_error():
    from lergan.zerofree import ZeroFreeConvTranspose2d

    with pytest.raises(LerganError, match="padding"):
        ZeroFreeConvTranspose2d(2, 3, 3, padding_mode="reflect")


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_batch_zero_weight_gradients_are_zeros_of_the_weight_shape(rank):
    import torch

    from lergan.zerofree import conv_transpose_weight_grad, conv_weight_grad

    conv = (torch.nn.functional.conv1d, torch.nn.functional.conv2d,
            torch.nn.functional.conv3d)[rank - 1]
    x = torch.randn(0, 2, *([8] * rank))
    w = torch.randn(3, 2, *([3] * rank), requires_grad=True)
    conv(x, w, stride=2, padding=1).sum().backward()
    gy = torch.zeros(0, 3, *([4] * rank))
    dw = conv_weight_grad(x, gy, tuple(w.shape), stride=2, padding=1)
    assert dw.shape == w.shape and torch.equal(dw, w.grad)

    tconv = (torch.nn.functional.conv_transpose1d, torch.nn.functional.conv_transpose2d,
             torch.nn.functional.conv_transpose3d)[rank - 1]
    xt = torch.randn(0, 2, *([4] * rank))
    wt = torch.randn(2, 3, *([4] * rank), requires_grad=True)
    tconv(xt, wt, stride=2, padding=1).sum().backward()
    gyt = torch.zeros(0, 3, *([8] * rank))
    dwt = conv_transpose_weight_grad(xt, gyt, tuple(wt.shape), stride=2, padding=1)
    assert dwt.shape == wt.shape and torch.equal(dwt, wt.grad)


def test_internal_error_is_not_a_user_error():
    assert not issubclass(InternalError, LerganError)
    assert "report" in str(InternalError("x"))


def test_a_non_finite_result_is_an_internal_error():
    from lergan.system.result import _check_finite

    with pytest.raises(InternalError, match=r"result\.time_s"):
        _check_finite({"time_s": float("nan")}, "result")


def test_error_messages_are_printed_verbatim():
    res = run("workload", "[bold]x[/]")
    assert res.exit_code == 2 and "[bold]x[/]" in res.output


@pytest.mark.parametrize("value", [float("inf"), float("nan"), float("-inf")])
def test_non_finite_numbers_in_gan_descriptions_are_refused(value):
    import json

    from lergan.errors import WorkloadError
    from lergan.workload import GAN, suite

    doc = json.loads(suite.get("dcgan").to_json())
    doc["losses"][0]["weight"] = value
    with pytest.raises(WorkloadError, match="weight"):
        GAN.from_dict(doc)
