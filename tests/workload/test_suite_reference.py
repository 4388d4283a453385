"""The suite's networks against independent reference modules written from official code.

``reference_models/`` holds hand-written ``torch.nn.Module`` versions of every benchmark,
transcribed from each network's official code (or its paper) without ``lergan.workload``.
Here the modules that ``lergan.workload`` builds from its descriptions must match them:
parameter counts equal to the official code's, the same layers with the same settings and
shapes in execution order (on meta tensors, so 3D-GAN costs nothing), and, with the
reference weights copied in, the same outputs on random inputs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from lergan.workload import suite
from lergan.workload.modules import build_module

#: benchmark -> (reference module, [(reference network, [described networks, chained])])
PAIRS: dict[str, tuple[str, list[tuple[str, list[str]]]]] = {
    "dcgan": ("dcgan", [("G", ["G"]), ("D", ["D"])]),
    "3d-gan": ("gan3d", [("G", ["G"]), ("D", ["D"])]),
    "discogan": (
        "discogan",
        [("G_AB", ["G_AB"]), ("G_BA", ["G_BA"]), ("D_A", ["D_A"]), ("D_B", ["D_B"])],
    ),
    "gp-gan": ("gp_gan", [("G", ["G"]), ("D", ["D"])]),
    "magan": ("magan", [("G", ["G"]), ("D", ["D"])]),
    "cgan": ("cgan", [("G", ["G"]), ("D", ["D"])]),
    "artgan": ("artgan", [("G", ["G_z", "G_dec"]), ("D", ["D_enc", "D_cls"])]),
}

CASES = [(gan, ref, nets) for gan, (_, pairs) in PAIRS.items() for ref, nets in pairs]
IDS = [f"{gan}-{ref}" for gan, ref, _ in CASES]

_CONV = (
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)
_NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
_ACT = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid)


def _reference(gan: str) -> Any:
    return importlib.import_module(f"reference_models.{PAIRS[gan][0]}")


def _signature(m: nn.Module) -> tuple[Any, ...]:
    """What must agree between two layers: type and every setting that changes the result."""
    if isinstance(m, _CONV):
        op = getattr(m, "output_padding", None)
        return (
            type(m).__name__,
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            m.stride,
            m.padding,
            op,
            m.dilation,
            m.groups,
            m.bias is not None,
        )
    if isinstance(m, nn.Linear):
        return ("Linear", m.in_features, m.out_features, m.bias is not None)
    if isinstance(m, _NORM):
        return (type(m).__name__, m.num_features, m.affine, m.eps)
    if isinstance(m, nn.LeakyReLU):
        return ("LeakyReLU", m.negative_slope)
    return (type(m).__name__,)


def _trace_layers(run: Callable[[], Any], modules: list[nn.Module]) -> list[tuple[Any, ...]]:
    """Signature and input/output shapes of every layer call, in execution order."""
    seen: list[tuple[Any, ...]] = []
    hooks = []
    for root in modules:
        for m in root.modules():
            if isinstance(m, (*_CONV, nn.Linear, *_NORM, *_ACT)):
                hooks.append(
                    m.register_forward_hook(
                        lambda mod, args, out: seen.append(
                            (*_signature(mod), tuple(args[0].shape), tuple(out.shape))
                        )
                    )
                )
    try:
        run()
    finally:
        for h in hooks:
            h.remove()
    return seen


def _inputs(gan: Any, first: str, batch: int, device: str) -> list[torch.Tensor]:
    net = gan.network(first)
    return [torch.rand(batch, *i.shape, device=device) for i in net.inputs]


def _described(gan: Any, names: list[str], device: str | None) -> list[nn.Module]:
    return [build_module(gan.network(n), device=device) for n in names]


def _chain(modules: list[nn.Module], inputs: list[torch.Tensor]) -> torch.Tensor:
    out = modules[0](*inputs)
    for m in modules[1:]:
        out = m(out)
    return out


def _count(modules: list[nn.Module]) -> int:
    return sum(p.numel() for m in modules for p in m.parameters())


@pytest.mark.parametrize("gan", list(PAIRS))
def test_reference_parameter_counts_equal_the_official_code(gan: str) -> None:
    ref = _reference(gan)
    with torch.device("meta"):
        nets = ref.networks()
    assert {k: _count([v]) for k, v in nets.items()} == ref.OFFICIAL_PARAMS


@pytest.mark.parametrize(("gan", "ref_name", "names"), CASES, ids=IDS)
def test_described_parameters_equal_the_official_code(
    gan: str, ref_name: str, names: list[str]
) -> None:
    desc = suite.get(gan)
    official = _reference(gan).OFFICIAL_PARAMS[ref_name]
    assert sum(desc.network(n).param_count for n in names) == official
    assert _count(_described(desc, names, "meta")) == official


@pytest.mark.parametrize(("gan", "ref_name", "names"), CASES, ids=IDS)
def test_same_layers_settings_and_shapes_as_the_reference(
    gan: str, ref_name: str, names: list[str]
) -> None:
    desc = suite.get(gan)
    with torch.device("meta"):
        ref = _reference(gan).networks()[ref_name]
    mine = _described(desc, names, "meta")
    x = _inputs(desc, names[0], 2, "meta")
    expected = _trace_layers(lambda: ref(*x), [ref])
    got = _trace_layers(lambda: _chain(mine, x), mine)
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a == b, f"{gan} {ref_name}: layer call {i} differs: {a} != {b}"
    # and the shapes the description infers are those torch computes
    layer_shapes = [
        ls.output_shape
        for n in names
        for ls in desc.network(n).shapes()
        if ls.layer.kind in ("conv", "conv_transpose", "linear")
    ]
    torch_shapes = [s[-1][1:] for s in got if s[0].startswith(("Conv", "Linear"))]
    assert layer_shapes == torch_shapes


@pytest.mark.parametrize(
    ("gan", "ref_name", "names"),
    [c for c in CASES if c[0] != "3d-gan"],  # 3D-GAN: about 20 GMAC per sample on CPU
    ids=[i for c, i in zip(CASES, IDS, strict=True) if c[0] != "3d-gan"],
)
def test_same_function_as_the_reference_with_its_weights(
    gan: str, ref_name: str, names: list[str]
) -> None:
    torch.manual_seed(0)
    desc = suite.get(gan)
    # built on meta and materialised uninitialised: the weights are drawn below (GP-GAN's G
    # has 71 M parameters, so default initialisation would dominate the test's time)
    with torch.device("meta"):
        ref = _reference(gan).networks()[ref_name]
    ref = ref.to_empty(device="cpu")
    mine = [m.to_empty(device="cpu") for m in _described(desc, names, "meta")]
    ref_params = list(ref.parameters())
    my_params = [p for m in mine for p in m.parameters()]
    assert [p.shape for p in my_params] == [p.shape for p in ref_params]
    with torch.no_grad():
        for p in ref_params:
            p.normal_(0.0, 0.05)
        for p, q in zip(my_params, ref_params, strict=True):
            p.copy_(q)
        x = _inputs(desc, names[0], 2, "cpu")
        want = ref(*x)
        got = _chain(mine, x)
    assert got.shape == want.reshape(got.shape).shape
    torch.testing.assert_close(got, want.reshape(got.shape), rtol=1e-4, atol=1e-5)


def test_every_benchmark_has_a_reference() -> None:
    assert sorted(PAIRS) == suite.names()


# --- tracing: both modules describe to the suite's description ----------------------------


def _structure(networks: list[Any]) -> list[tuple[Any, ...]]:
    """Layers of a chain of networks without their names: each layer's settings and what it
    reads (a network input by name, or an earlier layer by position in the chain)."""
    out: list[tuple[Any, ...]] = []
    for k, net in enumerate(networks):
        # the first network's inputs by name; a later network reads the previous one's output
        where: dict[str, str | int] = {
            i.name: (i.name if k == 0 else len(out) - 1) for i in net.inputs
        }
        previous = where[net.inputs[0].name]
        for layer in net.layers:
            settings = layer.model_dump(exclude={"name", "input", "source"})
            reads = previous if layer.input is None else where[layer.input]
            sources = tuple(where[s] for s in layer.sources)
            out.append((tuple(sorted(settings.items())), reads, sources))
            where[layer.name] = previous = len(out) - 1
    return out


@pytest.mark.parametrize(("gan", "ref_name", "names"), CASES, ids=IDS)
def test_reference_and_described_modules_trace_to_the_description(
    gan: str, ref_name: str, names: list[str]
) -> None:
    from lergan.workload.trace import trace_network

    desc = suite.get(gan)
    nets = [desc.network(n) for n in names]
    with torch.device("meta"):
        ref = _reference(gan).networks()[ref_name]
    first = nets[0]
    example = [i.shape for i in first.inputs]
    input_names = [i.name for i in first.inputs]
    traced_ref = trace_network(ref, example, input_names=input_names, name=ref_name)
    traced_mine = [
        trace_network(
            m, [i.shape for i in n.inputs], input_names=[i.name for i in n.inputs], name=n.name
        )
        for n, m in zip(nets, _described(desc, names, "meta"), strict=True)
    ]
    expected = _structure(nets)
    assert _structure(traced_mine) == expected
    assert _structure([traced_ref]) == expected


@pytest.mark.parametrize("gan", [g for g in PAIRS if g != "artgan"])  # artgan: chains, above
def test_tracing_the_reference_networks_gives_the_suite_gan(gan: str) -> None:
    from lergan.workload.trace import trace_gan

    desc = suite.get(gan)
    with torch.device("meta"):
        modules = _reference(gan).networks()
    traced = trace_gan(modules, like=desc)
    assert traced.param_count == desc.param_count
    assert (traced.inputs, traced.calls) == (desc.inputs, desc.calls)
    # a feature matching loss names the traced layer at the described layer's position
    for a, b in zip(traced.losses, desc.losses, strict=True):
        assert a.model_copy(update={"layer": b.layer}) == b
        if b.layer is not None:
            net = desc.call(b.call).network
            position = [x.name for x in desc.network(net).layers].index(b.layer)
            assert traced.network(net).layers[position].name == a.layer
    for net in desc.networks:
        assert _structure([traced.network(net.name)]) == _structure([net]), net.name
