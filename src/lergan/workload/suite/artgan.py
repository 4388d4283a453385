"""ArtGAN: Tan, Chan, Aguirre, Tanaka, "ArtGAN: Artwork Synthesis with Conditional
Categorical GANs", ICIP 2017 (arXiv 1702.03410).

The ICIP network (Figure 1 and the paper's architecture table): G = zNet followed by Dec,
fed z and a randomly drawn one-hot label y; D = Enc followed by clsNet, which outputs K+1
logits (K classes and "fake"). A connection from Enc to Dec reconstructs a real image,
Dec(Enc(x)), for an L2 pixel loss. The generator learns from the label too: its loss is
the cross-entropy of D's output against the label it was given.

We could not read the architecture table's text here. The layers follow the third-party
PyTorch transcription github.com/Amogh-Bhagwat/ArtGAN-Pytorch, ``network/network.py``
(``Generator.model_znet`` / ``model_decoder``, ``Discriminator.model_encoder`` /
``model_cls``), checked against Figure 1's structure. The authors' repository,
github.com/cs-chan/ArtGAN, holds the later journal version ("Improved ArtGAN", IEEE TIP
2018; nearest-neighbour upsampling with 3x3 convolutions and the autoencoder inside D),
which is a different network; from it we take what the ICIP text leaves open: no biases
(its ``conv2d`` / ``linear`` default ``use_b=False``), leaky ReLU 0.2 in both networks, z
of 100 dimensions, 64x64 images.

Because Dec belongs to G and Enc to D and both are used on two paths (G(z) and Dec(Enc(x));
D(x) and D(G(z))), each is its own network here, so that their weights are shared between
the calls, as in the paper:

- ``G_z`` (zNet): [z, y] as 1x1 -> T-conv 4x4 s1 -> 1024x4x4 -> T-conv 4x4 s2 -> 512x8x8;
- ``G_dec`` (Dec): T-conv 4x4 s2 -> 256x16x16 -> T-conv 4x4 s2 -> 128x32x32 -> T-conv 3x3 s1
  -> 128x32x32 -> T-conv 4x4 s2 -> 3x64x64, sigmoid;
- ``D_enc`` (Enc): conv 4x4 s2 -> 128x32x32 -> conv 3x3 s1 -> 128x32x32 -> conv 4x4 s2 ->
  256x16x16 -> conv 4x4 s2 -> 512x8x8;
- ``D_cls`` (clsNet): conv 4x4 s2 -> 1024x4x4, flatten, linear -> K+1.

Batch norm and leaky ReLU follow every layer except G's output (sigmoid), D's first layer
(leaky ReLU only) and the final linear layer.

Losses: D-step: cross-entropy of D on real images against their labels and on fakes
against the "fake" class. G-step: cross-entropy of D on fakes against the labels G was
given, plus the L2 reconstruction ``Dec(Enc(x))`` vs ``x`` (choice: it trains Dec, part of
G, so it is a G-step term; in the G-step Enc is frozen and is fed real images, so no error
crosses into it).

Parameters for K=10 (the layer sizes; no official definition of this network to count):
G 12,969,984 (zNet 10,193,920 + Dec 2,776,064), D 11,347,712 (Enc 2,776,832 + clsNet
8,570,880).
"""

from __future__ import annotations

from lergan.workload.gan import GAN, GanInput, Network, NetworkCall, NetworkInput
from lergan.workload.suite import _blocks as b

NAME = "artgan"
CITATION = "Tan et al., ICIP 2017"
SOURCE = (
    "Tan, Chan, Aguirre, Tanaka, ICIP 2017 (arXiv 1702.03410), Figure 1 and architecture "
    "table; layers as transcribed in github.com/Amogh-Bhagwat/ArtGAN-Pytorch "
    "network/network.py; open details from the authors' github.com/cs-chan/ArtGAN"
)
DESCRIPTION = "Conditional categorical GAN: label-fed G, (K+1)-way D, Enc->Dec L2 path"


def build(*, classes: int = 10, latent: int = 100) -> GAN:
    """ArtGAN for 64x64 RGB images and ``classes`` categories (10: CIFAR-10, WikiArt
    genres; 27 for WikiArt styles, 23 for artists)."""
    b.positive(NAME, classes=classes, latent=latent)

    def tblock(i: int, cin: int, cout: int, k: int, s: int, p: int) -> list:
        return b.unit("tconv", i, cin, cout, k, s, p, act="lrelu")  # tconv, bn, leaky ReLU

    def cblock(i: int, cin: int, cout: int, k: int, s: int, p: int) -> list:
        return b.unit("conv", i, cin, cout, k, s, p)  # conv, bn, leaky ReLU

    g_z = [
        b.concat("cat_zy", "y", input="z"),
        b.reshape("to_map", (latent + classes, 1, 1)),
        *tblock(1, latent + classes, 1024, 4, 1, 0),
        *tblock(2, 1024, 512, 4, 2, 1),
    ]
    g_dec = [
        *tblock(3, 512, 256, 4, 2, 1),
        *tblock(4, 256, 128, 4, 2, 1),
        *tblock(5, 128, 128, 3, 1, 1),
        b.tconv("tconv6", 128, 3, 4, 2, 1),
        b.act("sigmoid6", "sigmoid"),
    ]
    d_enc = [
        b.conv("conv1", 3, 128, 4, 2, 1),
        b.lrelu("lrelu1"),
        *cblock(2, 128, 128, 3, 1, 1),
        *cblock(3, 128, 256, 4, 2, 1),
        *cblock(4, 256, 512, 4, 2, 1),
    ]
    d_cls = [
        *cblock(5, 512, 1024, 4, 2, 1),
        b.flatten("flatten5"),
        b.linear("fc6", 1024 * 4 * 4, classes + 1),
    ]
    image = (3, 64, 64)
    code = (512, 8, 8)
    table = "ArtGAN ICIP 2017 architecture (as transcribed in Amogh-Bhagwat/ArtGAN-Pytorch)"
    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(name="z", kind="latent", shape=(latent,), description="uniform noise"),
            GanInput(
                name="y_fake",
                kind="condition",
                shape=(classes,),
                description="one-hot label drawn for each generated image",
            ),
            GanInput(name="x", kind="image", shape=image, description="real artworks"),
            GanInput(
                name="y_real",
                kind="condition",
                shape=(classes,),
                description="the real images' labels",
            ),
        ),
        networks=(
            Network(
                name="G_z",
                role="generator",
                inputs=(
                    NetworkInput(name="z", shape=(latent,)),
                    NetworkInput(name="y", shape=(classes,)),
                ),
                layers=tuple(g_z),
                description=f"zNet of G; {table}",
            ),
            Network(
                name="G_dec",
                role="generator",
                inputs=(NetworkInput(name="h", shape=code),),
                layers=tuple(g_dec),
                description=f"Dec of G, shared with Dec(Enc(x)); {table}",
            ),
            Network(
                name="D_enc",
                role="discriminator",
                inputs=(NetworkInput(name="x", shape=image),),
                layers=tuple(d_enc),
                description=f"Enc of D, feeds clsNet and Dec; {table}",
            ),
            Network(
                name="D_cls",
                role="discriminator",
                inputs=(NetworkInput(name="h", shape=code),),
                layers=tuple(d_cls),
                description=f"clsNet of D: K+1 logits; {table}",
            ),
        ),
        calls=(
            NetworkCall(name="code_fake", network="G_z", inputs={"z": "z", "y": "y_fake"}),
            NetworkCall(name="fake", network="G_dec", inputs={"h": "code_fake"}),
            NetworkCall(name="enc_real", network="D_enc", inputs={"x": "x"}),
            NetworkCall(name="d_real", network="D_cls", inputs={"h": "enc_real"}),
            NetworkCall(name="enc_fake", network="D_enc", inputs={"x": "fake"}),
            NetworkCall(name="d_fake", network="D_cls", inputs={"h": "enc_fake"}),
            NetworkCall(name="rec_real", network="G_dec", inputs={"h": "enc_real"}),
        ),
        losses=(
            # (K+1)-way: reals as their class, fakes as class K+1; G wants its label y_fake
            *b.adversarial_losses("cross_entropy", real_label="y_real", g_label="y_fake"),
            b.reconstruction("g_l2", "G", "rec_real", "x"),
        ),
    )
