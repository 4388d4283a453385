"""Layer, network and GAN descriptions: shapes against torch, serialisation, errors."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_gans import tiny_conditional, tiny_dcgan

from lergan.errors import WorkloadError
from lergan.workload import GAN, Network, suite
from lergan.workload import layers as L
from lergan.workload.modules import build_layer_module, build_module

GANS = [tiny_dcgan(), tiny_dcgan(batch_norm=False), tiny_conditional()]


@st.composite
def conv_cases(draw):
    rank = draw(st.integers(1, 3))
    transposed = draw(st.booleans())
    groups = draw(st.sampled_from([1, 2]))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    k = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    s = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    d = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    p = tuple(draw(st.integers(0, 2)) for _ in range(rank))
    size = tuple(draw(st.integers(1, 7)) for _ in range(rank))
    kw = dict(
        name="c",
        rank=rank,
        in_channels=cin,
        out_channels=cout,
        kernel_size=k,
        stride=s,
        padding=p,
        dilation=d,
        groups=groups,
        bias=draw(st.booleans()),
    )
    if transposed:
        kw["output_padding"] = tuple(
            draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True)
        )
        return L.ConvTranspose, kw, (cin, *size)
    return L.Conv, kw, (cin, *size)


@settings(max_examples=60)
@given(conv_cases())
def test_conv_shapes_and_parameters_match_torch(case):
    cls, kw, shape = case
    layer = cls(**kw)
    module = build_layer_module(layer, shape)
    assert sum(p.numel() for p in module.parameters()) == layer.param_count
    try:
        torch_out = tuple(module(torch.zeros(1, *shape, device="meta")).shape[1:])
    except RuntimeError:
        torch_out = None  # torch refuses the configuration
    if torch_out is None or min(torch_out) < 1:
        with pytest.raises(L.ShapeMismatch):
            layer.infer(shape)
    else:
        assert layer.infer(shape) == torch_out


@pytest.mark.parametrize("gan", GANS, ids=lambda g: g.name)
def test_network_shapes_match_built_modules(gan):
    for net in gan.networks:
        module = build_module(net, device="meta")
        assert sum(p.numel() for p in module.parameters()) == net.param_count
        env = {i.name: torch.zeros(2, *i.shape, device="meta") for i in net.inputs}
        out = module(**env)
        assert tuple(out.shape[1:]) == net.output_shape


@pytest.mark.parametrize("name", suite.names())
def test_suite_builds_modules_with_described_shapes(name):
    gan = suite.get(name)
    for net in gan.networks:
        module = build_module(net, device="meta")
        assert sum(p.numel() for p in module.parameters()) == net.param_count
        out = module(*[torch.zeros(2, *i.shape, device="meta") for i in net.inputs])
        assert tuple(out.shape[1:]) == net.output_shape


@pytest.mark.parametrize(
    "gan", [*GANS, *(suite.get(n) for n in suite.names())], ids=lambda g: g.name
)
def test_json_and_yaml_round_trip(gan):
    assert GAN.from_json(gan.to_json()) == gan
    assert GAN.from_yaml(gan.to_yaml()) == gan
    assert GAN.from_dict(json.loads(json.dumps(gan.to_dict()))) == gan
    for net in gan.networks:
        assert Network.model_validate(net.to_dict()) == net


def test_load_from_files(tmp_path):
    gan = tiny_conditional()
    (tmp_path / "g.yaml").write_text(gan.to_yaml())
    (tmp_path / "g.json").write_text(gan.to_json())
    assert GAN.load(tmp_path / "g.yaml") == gan
    assert GAN.load(tmp_path / "g.json") == gan


def test_explicit_default_input_is_canonical():
    a = tiny_dcgan().network("D")
    data = a.to_dict()
    data["layers"][1]["input"] = "conv1"  # the default, written out
    assert Network.model_validate(data) == a


def _broken(mutate) -> str:
    data = tiny_dcgan().to_dict()
    mutate(data)
    with pytest.raises(WorkloadError) as info:
        GAN.from_dict(data)
    return str(info.value)


def test_channel_mismatch_names_network_layer_and_shapes():
    def mutate(d):
        d["networks"][1]["layers"][2]["in_channels"] = 5

    msg = _broken(mutate)
    assert "network 'D'" in msg and "layer 'conv2'" in msg and "5" in msg and "(4, 4, 4)" in msg


def test_bad_field_names_network_layer_and_field():
    def mutate(d):
        d["networks"][0]["layers"][2]["stride"] = [1, 2, 3]

    msg = _broken(mutate)
    assert "network 'G'" in msg and "layer 'tconv1'" in msg and "stride" in msg


def test_unknown_field_and_kind_are_named():
    def extra(d):
        d["networks"][1]["layers"][0]["strides"] = 2

    assert "strides" in _broken(extra) and "layer 'conv1'" in _broken(extra)

    def kind(d):
        d["networks"][1]["layers"][0]["kind"] = "convolution"

    assert "convolution" in _broken(kind)


def test_linear_after_map_suggests_flatten():
    def mutate(d):
        del d["networks"][1]["layers"][5]  # the flatten before fc

    msg = _broken(mutate)
    assert "layer 'fc'" in msg and "flatten" in msg


def test_unknown_reference_and_dead_layer():
    def src(d):
        d["networks"][0]["layers"][1]["input"] = "nowhere"

    assert "'nowhere'" in _broken(src) and "layer 'to_map'" in _broken(src)

    def dead(d):
        d["networks"][0]["layers"][4]["input"] = "tconv1"  # relu1 skips bn1

    msg = _broken(dead)
    assert "layer 'bn1'" in msg and "never read" in msg


def test_gan_level_errors_name_calls_and_losses():
    def call(d):
        d["calls"][2]["inputs"] = {"x": "z"}

    msg = _broken(call)
    assert "call 'd_fake'" in msg and "(8,)" in msg

    def loss(d):
        d["losses"][2]["call"] = "fake"

    assert "loss 'g_adv'" in _broken(loss) and "generator" in _broken(loss)

    def cycle(d):
        d["calls"][0]["inputs"] = {"z": "d_fake"}

    assert "call" in _broken(cycle)

    def no_g_loss(d):
        del d["losses"][2]

    assert "G-step" in _broken(no_g_loss)


def test_direct_layer_errors():
    with pytest.raises(WorkloadError, match=r"layer 'c' \(conv\).*groups"):
        L.Conv(name="c", rank=2, in_channels=3, out_channels=4, kernel_size=3, groups=2)
    with pytest.raises(WorkloadError, match="name"):
        L.Flatten(name="a.b")
    with pytest.raises(WorkloadError, match="negative_slope"):
        L.Activation(name="a", function="relu", negative_slope=0.1)
    with pytest.raises(WorkloadError, match="output_padding"):
        L.ConvTranspose(
            name="t",
            rank=1,
            in_channels=1,
            out_channels=1,
            kernel_size=3,
            stride=2,
            output_padding=2,
        )


def test_broadcast_concat_shapes():
    c = L.Concat(name="c", source="y", broadcast=True)
    assert c.infer((4, 5, 5), ((3,),)) == (7, 5, 5)
    assert c.infer((4, 5, 5), ((3, 1, 1),)) == (7, 5, 5)
    with pytest.raises(L.ShapeMismatch):
        c.infer((4, 5, 5), ((3, 2, 1),))
    with pytest.raises(L.ShapeMismatch, match="broadcast"):
        L.Concat(name="c", source="y").infer((4, 5, 5), ((3,),))


def test_registry():
    names = suite.names()
    assert names == sorted(names)
    for name in names:
        info = suite.info(name)
        assert info.name == name and info.source
        assert json.loads(json.dumps(info.to_dict()))["name"] == name
    with pytest.raises(WorkloadError, match="unknown benchmark"):
        suite.get("no-such-gan")
    if names:
        with pytest.raises(WorkloadError, match="unknown option"):
            suite.get(names[0], no_such_option=1)


def test_malformed_yaml_is_a_workload_error() -> None:
    from lergan.errors import WorkloadError
    from lergan.workload import GAN

    with pytest.raises(WorkloadError, match="not valid YAML"):
        GAN.from_yaml("networks: [")
