"""Tracing PyTorch modules into descriptions: round trips and refusals."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from tiny_gans import tiny_conditional, tiny_dcgan
from torch import nn

from lergan.errors import WorkloadError
from lergan.workload import layers as L
from lergan.workload import suite
from lergan.workload.gan import GanInput, Loss, NetworkCall
from lergan.workload.modules import build_gan_modules, build_module
from lergan.workload.trace import structure, trace_gan, trace_network


@pytest.mark.parametrize(
    "gan",
    [tiny_dcgan(), tiny_conditional(), *(suite.get(n) for n in suite.names())],
    ids=lambda g: g.name,
)
def test_module_built_from_description_traces_back(gan):
    modules = build_gan_modules(gan, device="meta")
    assert trace_gan(modules, like=gan) == gan


def test_trace_network_of_described_network_on_cpu():
    net = tiny_conditional().network("G")
    traced = trace_network(
        build_module(net), {"x": (3, 8, 8), "y": (2,)}, name="G", role="generator"
    )
    assert traced == net


class OfficialStyleD(nn.Module):
    """The PyTorch DCGAN example's discriminator pattern, at 16x16."""

    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, 8, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(8, 16, 4, 2, 1, bias=False),
            nn.BatchNorm2d(16),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(16, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


class ConditionalG(nn.Module):
    """cGAN-style: concat(z, y) -> linear -> map, y tiled over the map, T-CONV."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 64)
        self.up = nn.ConvTranspose2d(4 + 2, 3, 4, 2, 1)

    def forward(self, z, y):
        h = F.relu(self.fc(torch.cat([z, y], 1)))
        h = h.view(-1, 4, 4, 4)
        tiled = y.view(-1, 2, 1, 1).expand(-1, 2, 4, 4)
        return torch.tanh(self.up(torch.cat((tiled, h), dim=1)))


def test_official_style_modules():
    d = trace_network(OfficialStyleD(), [(3, 16, 16)], name="D")
    assert [layer.kind for layer in d.layers] == [
        "conv",
        "activation",
        "conv",
        "batch_norm",
        "activation",
        "conv",
        "activation",
        "flatten",
    ]
    assert d.layers[0].name == "main_0" and d.layers[1].negative_slope == 0.2
    assert d.output_shape == (1,)
    assert d.param_count == sum(p.numel() for p in OfficialStyleD().parameters())

    g = trace_network(ConditionalG(), {"z": (10,), "y": (2,)}, name="G")
    kinds = [(layer.kind, getattr(layer, "broadcast", None)) for layer in g.layers]
    assert kinds == [
        ("concat", False),
        ("linear", None),
        ("activation", None),
        ("reshape", None),
        ("concat", True),
        ("conv_transpose", None),
        ("activation", None),
    ]
    cat = g.layers[4]
    assert cat.source == "y" and cat.source_first
    # the traced description builds a module with the same function
    torch.manual_seed(0)
    original = ConditionalG()
    rebuilt = build_module(g)
    rebuilt.load_state_dict(original.state_dict())  # layers are named after the modules
    z, y = torch.randn(3, 10), torch.randn(3, 2)
    torch.testing.assert_close(rebuilt(z, y), original(z, y))


def test_trace_gan_from_calls_and_losses():
    modules = {
        "G": ConditionalG(),
        "D": nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 1)),
    }
    gan = trace_gan(
        modules,
        name="traced",
        source="test",
        inputs=[
            GanInput(name="z", kind="latent", shape=(10,)),
            GanInput(name="y", kind="condition", shape=(2,)),
            GanInput(name="x", kind="image", shape=(3, 8, 8)),
        ],
        calls=[
            NetworkCall(name="fake", network="G", inputs={"z": "z", "y": "y"}),
            NetworkCall(name="d_real", network="D", inputs={"input": "x"}),
            NetworkCall(name="d_fake", network="D", inputs={"input": "fake"}),
        ],
        losses=[
            Loss(
                name="dr",
                step="D",
                kind="adversarial",
                call="d_real",
                target="real",
                criterion="bce_logits",
            ),
            Loss(
                name="df",
                step="D",
                kind="adversarial",
                call="d_fake",
                target="fake",
                criterion="bce_logits",
            ),
            Loss(
                name="g",
                step="G",
                kind="adversarial",
                call="d_fake",
                target="real",
                criterion="bce_logits",
            ),
        ],
        roles={"G": "generator", "D": "discriminator"},
    )
    assert gan.network("D").inputs[0].shape == (3, 8, 8)
    assert gan.network("D").layers[0].name == "0"


class _Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x * self.gain


class _Wrap(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), inner)

    def forward(self, x):
        return self.body(x)


@pytest.mark.parametrize(
    ("module", "needle"),
    [
        (_Wrap(_Scale()), "module 'body.1' (_Scale)"),
        (
            _Wrap(nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect")),
            "module 'body.1' (Conv2d): padding_mode",
        ),
        (_Wrap(nn.MaxPool2d(2, ceil_mode=True)), "module 'body.1' (MaxPool2d)"),
        (_Wrap(nn.Softmax(dim=2)), "module 'body.1' (Softmax)"),
        (_Wrap(nn.Dropout2d(0.5)), "module 'body.1' (Dropout2d)"),
        (_Wrap(nn.PixelShuffle(1)), "module 'body.1' (PixelShuffle)"),
    ],
)
def test_refusals_name_module_path_and_type(module, needle):
    with pytest.raises(WorkloadError) as info:
        trace_network(module, [(3, 8, 8)], name="N")
    assert needle in str(info.value)


def test_refused_functions_and_sharing():
    class Mul(nn.Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(WorkloadError, match=r"Mul.forward.*'mul'"):
        trace_network(Mul(), [(3, 4, 4)])

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(3, 3, 3, padding=1)

        def forward(self, x):
            return self.c(self.c(x))

    with pytest.raises(WorkloadError, match=r"module 'c' \(Conv2d\).*shared weights"):
        trace_network(Shared(), [(3, 4, 4)])

    class Two(nn.Module):
        def forward(self, x):
            return x.relu(), x.tanh()

    with pytest.raises(WorkloadError, match="one tensor"):
        trace_network(Two(), [(3, 4, 4)])

    class BatchMix(nn.Module):
        def forward(self, x):
            return x.view(1, -1)

    with pytest.raises(WorkloadError, match="batch"):
        trace_network(BatchMix(), [(3, 4, 4)])


def test_functional_layers_and_reused_parameter_free_modules():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv1d(2, 4, 3, padding=1)
            self.act = nn.ReLU()
            self.c2 = nn.Conv1d(4, 4, 3, padding=1)

        def forward(self, x):
            h = self.act(self.c1(x))
            h = self.act(self.c2(h)) + h
            h = F.max_pool1d(h, 2)
            h = F.interpolate(h, scale_factor=2)
            h = F.dropout(F.leaky_relu(h, 0.3), 0.1)
            return torch.sigmoid(torch.flatten(h, 1))

    n = trace_network(Net(), [(2, 6)])
    kinds = [layer.kind for layer in n.layers]
    assert kinds == [
        "conv",
        "activation",
        "conv",
        "activation",
        "add",
        "pool",
        "upsample",
        "activation",
        "dropout",
        "flatten",
        "activation",
    ]
    assert n.layers[3].name == "act_1"
    assert isinstance(n.layers[4], L.Add) and n.layers[4].source == "act"


# Independent modules written from each benchmark's official code by the suite's author
# (tests/workload/reference_models, without lergan.workload), traced here: each must have
# the structure of the suite's description (a chain of described networks where the suite
# splits one official network, as ArtGAN's).
OFFICIAL = {
    "dcgan": ("dcgan", {"G": ["G"], "D": ["D"]}),
    "3d-gan": ("gan3d", {"G": ["G"], "D": ["D"]}),
    "discogan": ("discogan", {"G_AB": ["G_AB"], "G_BA": ["G_BA"], "D_A": ["D_A"], "D_B": ["D_B"]}),
    "gp-gan": ("gp_gan", {"G": ["G"], "D": ["D"]}),
    "magan": ("magan", {"G": ["G"], "D": ["D"]}),
    "cgan": ("cgan", {"G": ["G"], "D": ["D"]}),
    "artgan": ("artgan", {"G": ["G_z", "G_dec"], "D": ["D_enc", "D_cls"]}),
}


def _chain(networks):
    out = []
    for k, net in enumerate(networks):
        for i, entry in enumerate(structure(net)):
            if k and i == 0 and entry["reads"] == "input:0":
                entry = {**entry, "reads": "layer:-1"}  # the previous network's output
            out.append(entry)
    return out


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_official_code_modules_trace_to_the_suite_description(name):
    import importlib

    module_name, pairs = OFFICIAL[name]
    official = importlib.import_module(f"reference_models.{module_name}")
    with torch.device("meta"):
        modules = official.networks()
    gan = suite.get(name)
    for ref, described in pairs.items():
        nets = [gan.network(n) for n in described]
        first = nets[0]
        inputs = {i.name: i.shape for i in first.inputs}
        traced = trace_network(modules[ref], list(inputs.values()), name=ref)
        assert structure(traced) == _chain(nets), ref
        assert traced.param_count == sum(n.param_count for n in nets)
        if hasattr(official, "OFFICIAL_PARAMS") and ref in official.OFFICIAL_PARAMS:
            assert traced.param_count == official.OFFICIAL_PARAMS[ref]


def test_structure_ignores_names_but_not_settings():
    net = tiny_conditional().network("G")
    data = net.to_dict()
    renamed = {layer["name"]: f"x{i}" for i, layer in enumerate(data["layers"])}
    for layer in data["layers"]:
        layer["name"] = renamed[layer["name"]]
        for key in ("input", "source"):
            if layer.get(key) in renamed:
                layer[key] = renamed[layer[key]]
    other = type(net).model_validate(data)
    assert other != net and structure(other) == structure(net)
    data["layers"][2]["negative_slope"] = 0.3
    assert structure(type(net).model_validate(data)) != structure(net)
