"""Fuzzing the promise of issue 13 over the command line and the public API.

A user error is a :class:`LerganError` in Python and, on the command line, exit status 2
with ``error:`` and the field named, never a traceback; no input hangs (work beyond a
stated bound is refused up front); no result is non-finite. Inputs are drawn from the
values that broke lergan before (huge, negative, non-finite, malformed) and random ones.
Sized to run in a few seconds (the tiny GAN of :mod:`everyday_gans`, batch <= 4).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lergan
from lergan.cli import app
from lergan.errors import LerganError

runner = CliRunner()
HERE = Path(__file__).resolve().parent
TINY = f"{HERE / 'everyday_gans.py'}:build"


def _tiny_file() -> str:
    """The tiny GAN as a description file, traced once (tracing costs more than simulating)."""
    import tempfile

    from lergan.workload.source import resolve_gan

    path = Path(tempfile.mkdtemp()) / "tiny.yaml"
    path.write_text(resolve_gan(TINY).to_yaml())
    return str(path)


TINY_FILE = _tiny_file()
#: examples per fuzz test: 25 in CI (a few seconds each); LERGAN_FUZZ_EXAMPLES=500 for a
#: longer hunt
FAST = settings(max_examples=int(os.environ.get("LERGAN_FUZZ_EXAMPLES", "25")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

NASTY_NUMBERS = ["0", "-1", "1e309", "-1e309", "inf", "-inf", "nan", "1e-400", "1e30",
                 str(2**63), "2.5", "1_000", "0x10", "", " ", "[1,", "{", "true", "null",
                 "'", "1 pJ", "3 furlongs", "-0", "1e9"]
HW_KEYS = ["adc.bits", "adc.energy_j", "crossbar.rows", "crossbar.read_cycle_s",
           "cell.endurance_writes", "technology.clock_hz", "organisation.banks",
           "organisation.network_banks.G", "interconnect.topology", "nope.key", "adc",
           "adc.bits.x", ""]
OPTION_KEYS = ["mode", "replication", "crossbar_budget", "transfer_chunks", "ops_per_element",
               "layout", "topology", "g_step_latent"]
OPTION_VALUES = ['{"D/conv9": 3}', '{"G/fc": 2}', '{"batch_nrom/forward": 5}',
                 '{"loss/loss": NaN}', "auto", "none", "3", "0", "-2", "zfdr-pattern",
                 "zfdr-nope", "1e400", "[", '{"a":', *NASTY_NUMBERS]


def check(res) -> None:
    """The command-line promise: exit 0, or exit 2 with a one-line error; no traceback."""
    assert res.exit_code in (0, 2), (res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        assert "error" in res.output.lower() or "usage" in res.output.lower(), res.output


def finite(obj, where="result"):
    if isinstance(obj, float):
        assert math.isfinite(obj), where
    elif isinstance(obj, dict):
        for k, v in obj.items():
            finite(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            finite(v, f"{where}[{i}]")


settings_pairs = st.one_of(
    st.tuples(st.sampled_from(HW_KEYS), st.sampled_from(NASTY_NUMBERS)),
    st.tuples(st.sampled_from(OPTION_KEYS), st.sampled_from(OPTION_VALUES)),
)


@FAST
@given(batch=st.sampled_from(["1", "2", "0", "-3", "x", str(10**30), "1e3"]),
       sets=st.lists(settings_pairs, max_size=2))
def test_simulate_cli_keeps_the_promise(batch, sets):
    args = ["simulate", TINY_FILE, "--batch", batch, "--json"]
    for k, v in sets:
        args += ["--set", f"{k}={v}"]
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code == 0:
        finite(json.loads(res.output))
    elif sets and res.exit_code == 2 and "--batch" not in res.output:
        named = [k for k, _ in sets if k] + ["batch", "option", "preset", "--set"]
        assert any(n.split(".")[0] in res.output for n in named), res.output


@FAST
@given(command=st.sampled_from([("peak", "lergan"), ("hardware", "show", "lergan"),
                                ("hardware", "actions", "prime"),
                                ("map", TINY_FILE, "G.fc", "--pass", "forward")]),
       sets=st.lists(st.tuples(st.sampled_from(HW_KEYS), st.sampled_from(NASTY_NUMBERS)),
                     min_size=1, max_size=2))
def test_hardware_overrides_keep_the_promise(command, sets):
    args = [*command, "--json"]
    for k, v in sets:
        args += ["--set", f"{k}={v}"]
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code == 0:
        finite(json.loads(res.output))


layer_ints = st.one_of(st.integers(-3, 40), st.sampled_from([10**6, 2**31, 10**12]))


@FAST
@given(n=st.lists(layer_ints, min_size=1, max_size=3), k=layer_ints, s=layer_ints,
       p=st.integers(-1, 5), computation=st.sampled_from(
           ["conv_transpose", "conv_input_grad", "conv_weight_grad",
            "conv_transpose_weight_grad", "nonsense"]))
def test_zfdr_cli_and_plan_keep_the_promise(n, k, s, p, computation):
    from lergan.zerofree import plan

    args = ["zfdr", "--computation", computation, "--input-size", ",".join(map(str, n)),
            "--kernel", str(k), "--stride", str(s), "--padding", str(p), "--json"]
    check(runner.invoke(app, args))
    try:
        result = plan(computation, input_size=tuple(n), kernel_size=k, stride=s, padding=p)
    except LerganError:
        return
    assert result.macs.total >= result.macs.real >= 0


@FAST
@given(batch=st.integers(-2, 3), channels=st.integers(-1, 4), size=st.integers(-1, 9),
       kernel=st.integers(-1, 6), stride=st.integers(-1, 3))
def test_zero_free_ops_refuse_bad_arguments_with_lergan_errors(batch, channels, size,
                                                               kernel, stride):
    import torch

    from lergan.zerofree import conv_input_grad, conv_transpose, conv_weight_grad

    def tensor(*shape):
        return torch.randn(*shape) if all(v >= 0 for v in shape) else torch.randn(1)

    x = tensor(batch, channels, size, size)
    w = tensor(max(channels, 1), 2, kernel, kernel)
    for call in (lambda: conv_transpose(x, w, stride=stride, padding=1),
                 lambda: conv_input_grad(tuple(x.shape), x, w, stride=stride),
                 lambda: conv_weight_grad(x, x, tuple(w.shape), stride=stride)):
        try:
            out = call()
        except LerganError:
            continue
        assert torch.isfinite(out).all()


layer_kinds = st.sampled_from(["linear", "conv", "conv_transpose", "batch_norm", "activation",
                               "flatten", "reshape", "bogus", 7, None])
field_values = st.one_of(st.integers(-2, 1 << 40), st.floats(allow_nan=True),
                         st.text(max_size=5), st.none(), st.lists(st.integers(-1, 5),
                                                                  max_size=3))


@st.composite
def gan_documents(draw):
    """A description that is a mutation of a valid one (a field dropped, retyped, huge)."""
    layers = [{"kind": "linear", "name": "fc", "in_features": 8, "out_features": 8}]
    doc = {"name": "g", "source": "fuzz",
           "inputs": [{"name": "z", "kind": "latent", "shape": [8]},
                      {"name": "x", "kind": "image", "shape": [8]}],
           "networks": [{"name": "G", "role": "generator",
                         "inputs": [{"name": "z", "shape": [8]}], "layers": layers},
                        {"name": "D", "role": "discriminator",
                         "inputs": [{"name": "x", "shape": [8]}],
                         "layers": [{"kind": "linear", "name": "d", "in_features": 8,
                                     "out_features": 1}]}],
           "calls": [{"name": "fake", "network": "G", "inputs": {"z": "z"}},
                     {"name": "d_real", "network": "D", "inputs": {"x": "x"}},
                     {"name": "d_fake", "network": "D", "inputs": {"x": "fake"}}],
           "losses": [{"name": "a", "step": "D", "kind": "adversarial", "call": "d_real",
                       "target": "real", "criterion": "bce_logits"},
                      {"name": "b", "step": "D", "kind": "adversarial", "call": "d_fake",
                       "target": "fake", "criterion": "bce_logits"},
                      {"name": "c", "step": "G", "kind": "adversarial", "call": "d_fake",
                       "target": "real", "criterion": "bce_logits"}]}
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(["layer", "input", "top", "shape"]))
        if target == "layer":
            layer = dict(layers[0])
            layer[draw(st.sampled_from(["kind", "in_features", "out_features", "name",
                                        "kernel_size", "stride"]))] = draw(
                st.one_of(layer_kinds, field_values))
            layers[0] = layer
        elif target == "input":
            doc["inputs"][0]["shape"] = draw(st.lists(st.integers(-2, 1 << 40), max_size=3))
        elif target == "shape":
            doc["networks"][0]["inputs"][0]["shape"] = draw(
                st.lists(st.integers(-2, 1 << 20), max_size=3))
        else:
            doc[draw(st.sampled_from(["name", "calls", "losses", "d_steps", "extra"]))] = draw(
                field_values)
    return doc


@FAST
@given(doc=gan_documents(), fmt=st.sampled_from([".yaml", ".json"]))
def test_gan_files_keep_the_promise(doc, fmt, tmp_path_factory):
    import yaml

    path = tmp_path_factory.mktemp("fuzz") / f"g{fmt}"
    path.write_text(json.dumps(doc) if fmt == ".json" else yaml.safe_dump(doc))
    try:
        r = lergan.simulate(str(path), batch=2)
    except LerganError:
        pass
    else:
        finite(r.to_dict())
    check(runner.invoke(app, ["workload", str(path), "--batch", "2"]))


@FAST
@given(entries=st.dictionaries(st.sampled_from(["base", "adc", "crossbar", "organisation",
                                                "name", "bogus"]),
                               st.one_of(field_values, st.just("lergan"),
                                         st.fixed_dictionaries({"bits": st.one_of(
                                             field_values, st.fixed_dictionaries(
                                                 {"value": field_values,
                                                  "unit": st.sampled_from(["count", "J", ""]),
                                                  "source": st.just("fuzz")}))})),
                               max_size=3))
def test_hardware_files_keep_the_promise(entries, tmp_path_factory):
    import yaml

    from lergan.hardware import load_preset

    path = tmp_path_factory.mktemp("hw") / "mine.yaml"
    path.write_text(yaml.safe_dump({"base": "lergan", **entries}))
    with contextlib.suppress(LerganError):
        load_preset(str(path))
    check(runner.invoke(app, ["peak", str(path), "--json"]))


@FAST
@given(spec=st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=12),
                      st.lists(st.text(max_size=3), max_size=2), st.binary(max_size=4)),
       batch=st.one_of(st.integers(-5, 4), st.none(), st.floats(), st.text(max_size=2)),
       overrides=st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=2),
                           st.dictionaries(st.text(max_size=8), st.text(max_size=4),
                                           max_size=2)))
def test_simulate_api_raises_only_lergan_errors(spec, batch, overrides):
    with contextlib.suppress(LerganError):
        lergan.simulate(spec, batch=batch, overrides=overrides)


@pytest.mark.parametrize("name", ["dcgan", "DCGAN", "3dgan", "Gp_Gan", "magan", "cgan"])
def test_suite_aliases_are_the_same_everywhere(name):
    for command in (["workload", name, "--batch", "2", "--json"],
                    ["simulate", name, "--batch", "2", "--json"]):
        res = runner.invoke(app, command)
        assert res.exit_code == 0, res.output
