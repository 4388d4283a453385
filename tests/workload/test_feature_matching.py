"""Losses on a network's inner layers (feature matching, DiscoGAN): description checks, the
iteration graph's error routing into the matched layer, FlopCounterMode on the reference
loop, and the loss value against DiscoGAN's official formula."""

from __future__ import annotations

import pytest
import torch
from tiny_gans import tiny_dcgan

from lergan.errors import WorkloadError
from lergan.workload import GAN, suite
from lergan.workload.iteration import IterationOptions, build_iteration
from lergan.workload.reference import count_iteration_flops, loss_value

D_LAYERS = [ls.layer.name for ls in tiny_dcgan().network("D").shapes()]


def _with_losses(*losses: dict, keep_adversarial: bool = True) -> GAN:
    data = tiny_dcgan().to_dict()
    if not keep_adversarial:
        data["losses"] = [x for x in data["losses"] if x["step"] == "D"]
    data["losses"] = [*data["losses"], *losses]
    return GAN.model_validate(data)


def _fm(layer: str, step: str = "G", **extra) -> dict:
    return {
        "name": f"fm_{layer}",
        "step": step,
        "kind": "feature_matching",
        "call": "d_fake",
        "reference": "d_real",
        "layer": layer,
        "criterion": "mse",
        **extra,
    }


@pytest.mark.parametrize(
    ("layer", "alone"),
    [
        *((layer, False) for layer in ("conv1", "lrelu1", "bn2", "sigmoid")),
        *((layer, True) for layer in ("conv2", "fc")),
    ],
)
def test_error_enters_the_matched_layer(layer, alone):
    gan = _with_losses(_fm(layer, weight=0.5), keep_adversarial=not alone)
    graph = build_iteration(gan, 2)
    assert count_iteration_flops(gan, 2) == 2 * graph.total().nominal
    if layer == "lrelu1":
        options = IterationOptions(g_step_latent="reuse", d_steps=2, g_steps=2)
        reuse = build_iteration(gan, 2, options)
        assert count_iteration_flops(gan, 2, options=options) == 2 * reuse.total().nominal
    loss = graph.operation(f"G:loss:fm_{layer}")
    assert loss.macs.nominal == 0 and loss.pass_ == "loss"
    assert loss.reads == [f"G/d_fake/{layer}", f"G/d_real/{layer}"]
    (error,) = loss.writes  # the real images' features need no error
    assert error.startswith(f"G/d_fake/{layer}.error")
    # the G-step runs D on the real images, forward only
    real = [op for op in graph.filter(step="G", network="D") if "d_real" in op.calls]
    assert real and {op.pass_ for op in real} == {"forward"}
    # the matched layer's error pass (or, for D's last layer, the adversarial loss's
    # error) reads the feature matching error; with it alone, D's later layers get none
    d_errors = {op.layer: op for op in graph.filter(step="G", network="D", pass_="error")}
    position = D_LAYERS.index(layer)
    assert d_errors[layer].reads[: 2 if not alone and position < len(D_LAYERS) - 1 else 1]
    assert error in d_errors[layer].reads
    later = set(D_LAYERS[position + 1 :])
    if later:
        assert later.isdisjoint(d_errors) == alone
    assert set(D_LAYERS[: position + 1]) <= set(d_errors)


def test_loss_value_is_discogans_get_fm_loss():
    """DiscoGAN's image_translation.py: HingeEmbeddingLoss(l2, ones) of the squared
    difference of batch means, per feature layer."""
    torch.manual_seed(0)
    real, fake = torch.randn(6, 4, 3, 3), torch.randn(6, 4, 3, 3)
    l2 = (real.mean(0) - fake.mean(0)) * (real.mean(0) - fake.mean(0))
    official = torch.nn.HingeEmbeddingLoss()(l2, torch.ones(l2.size()))
    loss = _with_losses(_fm("lrelu2", weight=0.45)).losses[-1]
    torch.testing.assert_close(loss_value(loss, fake, real, None, "G"), 0.45 * official)


def test_discogan_has_the_official_feature_matching_terms():
    gan = suite.get("discogan")
    fm = [x for x in gan.losses if x.kind == "feature_matching"]
    assert {(x.call, x.reference, x.layer) for x in fm} == {
        (f"d_{d}_fake", f"d_{d}_real", f"lrelu{i}") for d in "ab" for i in (2, 3, 4)
    }
    assert {x.weight for x in fm} == {0.45} and {x.step for x in fm} == {"G"}
    graph = build_iteration(gan, 2)
    for d in ("a", "b"):
        op = graph.operation(f"G:d_{d}_fake:lrelu3:error")
        assert len([t for t in op.reads if ".error" in t]) == 2  # from conv4 and the loss
    assert type(gan).from_json(gan.to_json()) == gan


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"layer": None}, "names the layer"),
        ({"layer": "nope"}, "network 'D' .*has no layer 'nope'"),
        ({"reference": "x"}, "reference 'x' is not a call"),
        ({"reference": "fake", "layer": "relu1"}, "network 'D' .*has no layer 'relu1'"),
        ({"criterion": "bce"}, "mse or l1"),
        ({"target": "real"}, "has no target"),
        ({"margin": 1.0}, "has no margin"),
    ],
)
def test_bad_feature_matching_losses_are_named(change, message):
    with pytest.raises(WorkloadError, match=message):
        _with_losses({**_fm("lrelu2"), **change})


def test_only_feature_matching_names_a_layer():
    adv = {
        "name": "g2",
        "step": "G",
        "kind": "adversarial",
        "call": "d_fake",
        "target": "real",
        "criterion": "bce",
        "layer": "lrelu2",
    }
    with pytest.raises(WorkloadError, match=r"loss 'g2'.*only a feature_matching loss"):
        _with_losses(adv)


def test_matched_layers_must_have_equal_shapes():
    data = tiny_dcgan().to_dict()
    g = next(n for n in data["networks"] if n["name"] == "G")
    # G's relu1 (4x4x4) renamed after D's lrelu2 (8x2x2)
    g["layers"] = [{**x, "name": "lrelu2"} if x["name"] == "relu1" else x for x in g["layers"]]
    data["losses"].append({**_fm("lrelu2"), "call": "d_fake", "reference": "fake"})
    with pytest.raises(WorkloadError, match="layer 'lrelu2' has shape"):
        GAN.model_validate(data)


class _D(torch.nn.Module):
    def __init__(self, body: torch.nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def _sequential_d(*extra: torch.nn.Module) -> torch.nn.Module:
    nn = torch.nn
    return _D(
        nn.Sequential(
            nn.Conv2d(3, 4, 3, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(4, 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(8),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(32, 1),
            *extra,
            nn.Sigmoid(),
        )
    )


def test_tracing_like_a_gan_maps_the_matched_layer_by_position():
    from lergan.workload.modules import build_module
    from lergan.workload.trace import trace_gan

    like = _with_losses(_fm("lrelu2", weight=0.5))
    g = build_module(like.network("G"))
    traced = trace_gan({"G": g, "D": _sequential_d()}, like=like)
    assert traced.losses[-1].layer == "body_4"  # the Sequential's fifth module: lrelu2
    assert build_iteration(traced, 2).total() == build_iteration(like, 2).total()
    with pytest.raises(WorkloadError, match=r"loss 'fm_lrelu2'.*\(9 vs 8\).*losses="):
        trace_gan({"G": g, "D": _sequential_d(torch.nn.Identity())}, like=like)
