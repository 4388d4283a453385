"""Small GAN descriptions for fast tests (not benchmarks): every layer kind, branches,
conditioning, an autoencoder discriminator and a reconstruction loss."""

from __future__ import annotations

from lergan.workload import GAN
from lergan.workload import layers as L


def tiny_dcgan(*, batch_norm: bool = True) -> GAN:
    """A DCGAN in miniature: z (8,) -> 3x8x8 images; D conv -> linear -> sigmoid."""
    g_layers = [
        L.Linear(name="fc", in_features=8, out_features=32),
        L.Reshape(name="to_map", shape=(8, 2, 2)),
        L.ConvTranspose(
            name="tconv1",
            rank=2,
            in_channels=8,
            out_channels=4,
            kernel_size=4,
            stride=2,
            padding=1,
            bias=False,
        ),
        *([L.BatchNorm(name="bn1", num_features=4)] if batch_norm else []),
        L.Activation(name="relu1", function="relu"),
        L.ConvTranspose(
            name="tconv2",
            rank=2,
            in_channels=4,
            out_channels=3,
            kernel_size=5,
            stride=2,
            padding=2,
            output_padding=1,
        ),
        L.Activation(name="tanh", function="tanh"),
    ]
    d_layers = [
        L.Conv(
            name="conv1", rank=2, in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1
        ),
        L.Activation(name="lrelu1", function="leaky_relu", negative_slope=0.2),
        L.Conv(
            name="conv2",
            rank=2,
            in_channels=4,
            out_channels=8,
            kernel_size=4,
            stride=2,
            padding=1,
            bias=False,
        ),
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
            {
                "name": "G",
                "role": "generator",
                "inputs": [{"name": "z", "shape": (8,)}],
                "layers": g_layers,
            },
            {
                "name": "D",
                "role": "discriminator",
                "inputs": [{"name": "x", "shape": (3, 8, 8)}],
                "layers": d_layers,
            },
        ],
        calls=[
            {"name": "fake", "network": "G", "inputs": {"z": "z"}},
            {"name": "d_real", "network": "D", "inputs": {"x": "x"}},
            {"name": "d_fake", "network": "D", "inputs": {"x": "fake"}},
        ],
        losses=[
            {
                "name": "d_real",
                "step": "D",
                "kind": "adversarial",
                "call": "d_real",
                "target": "real",
                "criterion": "bce",
            },
            {
                "name": "d_fake",
                "step": "D",
                "kind": "adversarial",
                "call": "d_fake",
                "target": "fake",
                "criterion": "bce",
            },
            {
                "name": "g_adv",
                "step": "G",
                "kind": "adversarial",
                "call": "d_fake",
                "target": "real",
                "criterion": "bce",
            },
        ],
    )


def tiny_conditional() -> GAN:
    """Conditioning (broadcast concat), a skip connection (U-Net style), 1-D and 3-D layers,
    an autoencoder discriminator with a transposed convolution and a margin loss (MAGAN),
    a reconstruction loss through a second generator (DiscoGAN), maxout, pooling,
    upsampling, dropout, add, instance norm, grouped and dilated convolutions."""
    enc_dec = [
        L.Concat(name="cat_y", source="y", broadcast=True),
        L.Conv(
            name="enc1",
            rank=2,
            in_channels=5,
            out_channels=6,
            kernel_size=3,
            stride=2,
            padding=1,
            groups=1,
        ),
        L.Activation(name="act1", function="leaky_relu", negative_slope=0.1),
        L.Conv(
            name="enc2",
            rank=2,
            in_channels=6,
            out_channels=6,
            kernel_size=3,
            stride=1,
            padding=2,
            dilation=2,
            groups=3,
        ),
        L.InstanceNorm(name="in2", num_features=6, affine=True),
        L.Add(name="res", source="act1"),
        L.ConvTranspose(
            name="dec1",
            rank=2,
            in_channels=6,
            out_channels=4,
            kernel_size=3,
            stride=2,
            padding=1,
            output_padding=1,
        ),
        L.Concat(name="skip", source="x"),
        L.Conv(name="out", rank=2, in_channels=7, out_channels=3, kernel_size=1),
        L.Activation(name="tanh", function="tanh"),
    ]
    back = [
        L.Pool(name="pool", op="avg", rank=2, kernel_size=2),
        L.Upsample(name="up", rank=2, scale_factor=2),
        L.Conv(name="c", rank=2, in_channels=3, out_channels=3, kernel_size=3, padding=1),
        L.Activation(name="sig", function="sigmoid"),
    ]
    d_ae = [
        L.Conv(
            name="e1", rank=2, in_channels=3, out_channels=4, kernel_size=4, stride=2, padding=1
        ),
        L.Activation(name="a1", function="elu"),
        L.Pool(name="mp", op="max", rank=2, kernel_size=2, stride=1, padding=1),
        L.Dropout(name="drop", p=0.3),
        L.ConvTranspose(
            name="d1", rank=2, in_channels=4, out_channels=3, kernel_size=4, stride=2, padding=2
        ),
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
            {
                "name": "G",
                "role": "generator",
                "inputs": [{"name": "x", "shape": (3, 8, 8)}, {"name": "y", "shape": (2,)}],
                "layers": enc_dec,
            },
            {
                "name": "F",
                "role": "generator",
                "inputs": [{"name": "x", "shape": (3, 8, 8)}],
                "layers": back,
            },
            {
                "name": "S",
                "role": "generator",
                "inputs": [{"name": "s", "shape": (2, 7)}],
                "layers": seq,
            },
            {
                "name": "D",
                "role": "discriminator",
                "inputs": [{"name": "x", "shape": (3, 8, 8)}],
                "layers": d_ae,
            },
            {
                "name": "C",
                "role": "discriminator",
                "inputs": [{"name": "h", "shape": (3, 8, 8)}, {"name": "y", "shape": (2,)}],
                "layers": d_cls,
            },
        ],
        calls=[
            {"name": "fake", "network": "G", "inputs": {"x": "x", "y": "y"}},
            {"name": "rec", "network": "F", "inputs": {"x": "fake"}},
            {"name": "seq", "network": "S", "inputs": {"s": "s"}},
            {"name": "ae_real", "network": "D", "inputs": {"x": "x"}},
            {"name": "ae_fake", "network": "D", "inputs": {"x": "fake"}},
            {"name": "c_real", "network": "C", "inputs": {"h": "x", "y": "y"}},
            {"name": "c_fake", "network": "C", "inputs": {"h": "fake", "y": "y"}},
        ],
        losses=[
            {
                "name": "ae_real",
                "step": "D",
                "kind": "reconstruction",
                "call": "ae_real",
                "reference": "x",
                "criterion": "mse",
            },
            {
                "name": "ae_fake",
                "step": "D",
                "kind": "reconstruction",
                "call": "ae_fake",
                "reference": "fake",
                "criterion": "mse",
                "margin": 1.0,
            },
            {
                "name": "c_real",
                "step": "D",
                "kind": "adversarial",
                "call": "c_real",
                "target": "real",
                "criterion": "bce_logits",
            },
            {
                "name": "c_fake",
                "step": "D",
                "kind": "adversarial",
                "call": "c_fake",
                "target": "fake",
                "criterion": "hinge",
            },
            {
                "name": "g_ae",
                "step": "G",
                "kind": "reconstruction",
                "call": "ae_fake",
                "reference": "fake",
                "criterion": "mse",
            },
            {
                "name": "g_adv",
                "step": "G",
                "kind": "adversarial",
                "call": "c_fake",
                "target": "real",
                "criterion": "wasserstein",
            },
            {
                "name": "g_rec",
                "step": "G",
                "kind": "reconstruction",
                "call": "rec",
                "reference": "x",
                "criterion": "l1",
                "weight": 10.0,
            },
            {
                "name": "g_seq",
                "step": "G",
                "kind": "reconstruction",
                "call": "seq",
                "reference": "y",
                "criterion": "mse",
            },
        ],
    )
