"""Small GAN descriptions for fast tests (not benchmarks): every layer kind, branches,
conditioning, an autoencoder discriminator and a reconstruction loss."""

from __future__ import annotations

from typing import Any

from lergan.workload import GAN
from lergan.workload import layers as L


def _conv(name: str, cin: int, cout: int, k: int, **kw: Any) -> L.Conv:
    """A 2-D convolution (``kw``: stride, padding, dilation, groups, bias)."""
    return L.Conv(name=name, rank=2, in_channels=cin, out_channels=cout, kernel_size=k, **kw)


def _tconv(name: str, cin: int, cout: int, k: int, **kw: Any) -> L.ConvTranspose:
    """A 2-D transposed convolution (``kw`` as :func:`_conv`, plus output_padding)."""
    return L.ConvTranspose(
        name=name, rank=2, in_channels=cin, out_channels=cout, kernel_size=k, **kw
    )


def _net(name: str, role: str, layers: list[Any], **inputs: tuple[int, ...]) -> dict[str, Any]:
    """A network description: its inputs (name -> per-sample shape) and layers."""
    return {
        "name": name,
        "role": role,
        "inputs": [{"name": k, "shape": v} for k, v in inputs.items()],
        "layers": layers,
    }


def _call(name: str, network: str, **inputs: str) -> dict[str, Any]:
    return {"name": name, "network": network, "inputs": inputs}


def _loss(name: str, step: str, kind: str, call: str, criterion: str, **extra: Any) -> dict:
    """A loss term; ``extra``: target, reference, margin, weight."""
    return {"name": name, "step": step, "kind": kind, "call": call, "criterion": criterion, **extra}


def _adv(name: str, step: str, call: str, target: str, criterion: str) -> dict[str, Any]:
    return _loss(name, step, "adversarial", call, criterion, target=target)


def _rec(name: str, step: str, call: str, reference: str, criterion: str, **extra: Any) -> dict:
    return _loss(name, step, "reconstruction", call, criterion, reference=reference, **extra)


def tiny_dcgan(*, batch_norm: bool = True) -> GAN:
    """A DCGAN in miniature: z (8,) -> 3x8x8 images; D conv -> linear -> sigmoid."""
    g_layers = [
        L.Linear(name="fc", in_features=8, out_features=32),
        L.Reshape(name="to_map", shape=(8, 2, 2)),
        _tconv("tconv1", 8, 4, 4, stride=2, padding=1, bias=False),
        *([L.BatchNorm(name="bn1", num_features=4)] if batch_norm else []),
        L.Activation(name="relu1", function="relu"),
        _tconv("tconv2", 4, 3, 5, stride=2, padding=2, output_padding=1),
        L.Activation(name="tanh", function="tanh"),
    ]
    d_layers = [
        _conv("conv1", 3, 4, 3, stride=2, padding=1),
        L.Activation(name="lrelu1", function="leaky_relu", negative_slope=0.2),
        _conv("conv2", 4, 8, 4, stride=2, padding=1, bias=False),
        *([L.BatchNorm(name="bn2", num_features=8)] if batch_norm else []),
        L.Activation(name="lrelu2", function="leaky_relu", negative_slope=0.2),
        L.Flatten(name="flat"),
        L.Linear(name="fc", in_features=32, out_features=1),
        L.Activation(name="sigmoid", function="sigmoid"),
    ]
    return GAN(
        name="tiny-dcgan",
        source="test fixture",
        inputs=[
            {"name": "z", "kind": "latent", "shape": (8,)},
            {"name": "x", "kind": "image", "shape": (3, 8, 8)},
        ],
        networks=[
            _net("G", "generator", g_layers, z=(8,)),
            _net("D", "discriminator", d_layers, x=(3, 8, 8)),
        ],
        calls=[
            _call("fake", "G", z="z"),
            _call("d_real", "D", x="x"),
            _call("d_fake", "D", x="fake"),
        ],
        losses=[
            _adv("d_real", "D", "d_real", "real", "bce"),
            _adv("d_fake", "D", "d_fake", "fake", "bce"),
            _adv("g_adv", "G", "d_fake", "real", "bce"),
        ],
    )


def tiny_conditional() -> GAN:
    """Conditioning (broadcast concat), a skip connection (U-Net style), 1-D and 3-D layers,
    an autoencoder discriminator with a transposed convolution and a margin loss (MAGAN),
    a reconstruction loss through a second generator (DiscoGAN), maxout, pooling,
    upsampling, dropout, add, instance norm, grouped and dilated convolutions."""
    enc_dec = [
        L.Concat(name="cat_y", source="y", broadcast=True),
        _conv("enc1", 5, 6, 3, stride=2, padding=1, groups=1),
        L.Activation(name="act1", function="leaky_relu", negative_slope=0.1),
        _conv("enc2", 6, 6, 3, stride=1, padding=2, dilation=2, groups=3),
        L.InstanceNorm(name="in2", num_features=6, affine=True),
        L.Add(name="res", source="act1"),
        _tconv("dec1", 6, 4, 3, stride=2, padding=1, output_padding=1),
        L.Concat(name="skip", source="x"),
        _conv("out", 7, 3, 1),
        L.Activation(name="tanh", function="tanh"),
    ]
    back = [
        L.Pool(name="pool", op="avg", rank=2, kernel_size=2),
        L.Upsample(name="up", rank=2, scale_factor=2),
        _conv("c", 3, 3, 3, padding=1),
        L.Activation(name="sig", function="sigmoid"),
    ]
    d_ae = [
        _conv("e1", 3, 4, 4, stride=2, padding=1),
        L.Activation(name="a1", function="elu"),
        L.Pool(name="mp", op="max", rank=2, kernel_size=2, stride=1, padding=1),
        L.Dropout(name="drop", p=0.3),
        _tconv("d1", 4, 3, 4, stride=2, padding=2),
        L.Activation(name="a2", function="tanh"),
    ]
    d_cls = [
        L.Flatten(name="flat"),
        L.Linear(name="fc1", in_features=3 * 8 * 8, out_features=12),
        L.Maxout(name="maxout", pieces=3),
        L.Concat(name="cat_y", source="y"),
        L.Linear(name="fc2", in_features=6, out_features=1, bias=False),
    ]
    seq = [
        L.Conv(name="c1", rank=1, in_channels=2, out_channels=3, kernel_size=3, stride=2),
        L.Activation(name="r", function="relu"),
        L.Reshape(name="r3", shape=(1, 1, 3, 3)),
        L.ConvTranspose(
            name="t3", rank=3, in_channels=1, out_channels=2, kernel_size=2, stride=2, bias=False
        ),
        L.BatchNorm(name="bn", num_features=2),
        L.Flatten(name="f"),
        L.Linear(name="l", in_features=2 * 2 * 6 * 6, out_features=2),
        L.Activation(name="sm", function="softmax"),
    ]
    return GAN(
        name="tiny-conditional",
        source="test fixture",
        inputs=[
            {"name": "x", "kind": "image", "shape": (3, 8, 8)},
            {"name": "y", "kind": "condition", "shape": (2,)},
            {"name": "s", "kind": "latent", "shape": (2, 7)},
        ],
        networks=[
            _net("G", "generator", enc_dec, x=(3, 8, 8), y=(2,)),
            _net("F", "generator", back, x=(3, 8, 8)),
            _net("S", "generator", seq, s=(2, 7)),
            _net("D", "discriminator", d_ae, x=(3, 8, 8)),
            _net("C", "discriminator", d_cls, h=(3, 8, 8), y=(2,)),
        ],
        calls=[
            _call("fake", "G", x="x", y="y"),
            _call("rec", "F", x="fake"),
            _call("seq", "S", s="s"),
            _call("ae_real", "D", x="x"),
            _call("ae_fake", "D", x="fake"),
            _call("c_real", "C", h="x", y="y"),
            _call("c_fake", "C", h="fake", y="y"),
        ],
        losses=[
            _rec("ae_real", "D", "ae_real", "x", "mse"),
            _rec("ae_fake", "D", "ae_fake", "fake", "mse", margin=1.0),
            _adv("c_real", "D", "c_real", "real", "bce_logits"),
            _adv("c_fake", "D", "c_fake", "fake", "hinge"),
            _rec("g_ae", "G", "ae_fake", "fake", "mse"),
            _adv("g_adv", "G", "c_fake", "real", "wasserstein"),
            _rec("g_rec", "G", "rec", "x", "l1", weight=10.0),
            _rec("g_seq", "G", "seq", "y", "mse"),
        ],
    )
