"""GP-GAN's Blending GAN: Wu, Zheng, Zhang, Huang, "GP-GAN: Towards Realistic
High-Resolution Image Blending", 2017 (arXiv 1703.07195; ACM Multimedia 2019).

Transcribed from the official Chainer code, github.com/wuhuikai/GP-GAN: ``model.py``
(``EncoderDecoder``, ``DCGAN_D``, ``DCGAN_G``), ``train_blending_gan.py`` (defaults
``--nef 64 --ngf 64 --nc 3 --nBottleneck 4000 --ndf 64 --image_size 64``) and
``updater.py`` (``EncoderDecoderBlendingUpdater``). The paper describes the same network:
an encoder-decoder in the style of Context Encoders, fed a copy-and-paste composite and
trained to output the well-blended image, with a Wasserstein critic and an L2 loss against
the ground truth.

Networks (kernel 4, no biases; Chainer's leaky ReLU slope 0.2):

- ``G`` (``EncoderDecoder``): encoder = ``DCGAN_D(64, 64, 4000)``: conv 3->64 (leaky ReLU),
  64->128->256->512 (batch norm, leaky ReLU), all stride 2, then conv 512->4000 (kernel 4,
  4x4 -> 1x1); batch norm and leaky ReLU on the 4000-d bottleneck; decoder =
  ``DCGAN_G(64, 3, 64)``: transposed conv 4000->512 (1x1 -> 4x4), 512->256->128->64 (batch
  norm, ReLU), ->3, tanh.
- ``D`` (``DCGAN_D(64, 64, nz=1)``): the critic, DCGAN's discriminator without a sigmoid.

Losses (``updater.py``): D-step: Wasserstein critic loss ``D(real) - D(fake)`` with the
critic's weights clipped to [-0.01, 0.01]; G-step: ``0.001 x adversarial + 0.999 x L2``
between G's output and the ground-truth blend (``--l2_weight 0.999``).

Schedule: the official loop (``updater.py``, ``--d_iters 5``) runs 5 critic steps per
G-step, each on a new batch (100 in the first 25 generator iterations and every 500th,
a warm-up not modelled): ``D_STEPS = 5``, so one iteration here is five D-steps and one
G-step (``IterationOptions(d_steps=1)`` gives the architecture note's one-and-one).

Choices and differences: the weight clipping is an update-time element-wise operation, not
a layer. ``image_size`` other than 64 changes the number of stride-2 layers as in
``DCGAN_D``/``DCGAN_G``.

Parameters at the defaults: G 71,058,880 (the 4000-d bottleneck's two 512x4000x4x4 layers
hold 65.5 M), D 2,765,568 (as the official code).
"""

from __future__ import annotations

from lergan.workload.gan import GAN, GanInput, Network, NetworkInput
from lergan.workload.suite import _blocks as b
from lergan.workload.suite.dcgan import discriminator

NAME = "gp-gan"
ALIASES = ("gpgan", "blending-gan")
CITATION = "Wu et al., arXiv 1703.07195, 2017"
SOURCE = (
    "Wu, Zheng, Zhang, Huang, arXiv 1703.07195 (2017), Blending GAN; layers and losses "
    "from github.com/wuhuikai/GP-GAN model.py (EncoderDecoder, DCGAN_D, DCGAN_G), "
    "train_blending_gan.py defaults and updater.py"
)
DESCRIPTION = "Blending GAN: encoder-decoder generator fed a composite image, WGAN critic + L2"
#: Critic steps per generator step in the official training loop (``--d_iters 5``).
D_STEPS = 5


def encoder_decoder(
    *, image_size: int, channels: int, nef: int, ngf: int, bottleneck: int
) -> Network:
    """The Blending GAN's generator (official ``EncoderDecoder``)."""
    levels = b.power_of_two_levels(NAME, "image_size", image_size, 4)
    # encoder: DCGAN_D's conv k4 s2 p1 stack from nef (batch norm except on the first)
    layers, width = b.down_stack(levels, channels, nef, prefix="enc_")
    n = levels + 1
    layers += [
        b.conv(f"enc_conv{n}", width, bottleneck, 4, 1, 0),
        b.bn("bottleneck_bn", bottleneck),
        b.lrelu("bottleneck_lrelu"),
    ]
    # decoder: DCGAN_G's tconv k4 (s1 p0, then s2 p1) stack to ngf
    decoder, width = b.up_stack(levels, bottleneck, ngf * 2 ** (levels - 1), prefix="dec_")
    layers += decoder
    layers += [b.tconv(f"dec_tconv{n}", width, channels, 4, 2, 1), b.act("dec_tanh", "tanh")]
    return Network(
        name="G",
        role="generator",
        inputs=(NetworkInput(name="x", shape=(channels, image_size, image_size)),),
        layers=tuple(layers),
        description="wuhuikai/GP-GAN model.py EncoderDecoder: DCGAN_D encoder to a "
        f"{bottleneck}-d bottleneck (BatchNormalization + leaky ReLU), DCGAN_G decoder; "
        "kernel 4, no biases",
    )


def build(
    *,
    image_size: int = 64,
    channels: int = 3,
    bottleneck: int = 4000,
    nef: int = 64,
    ngf: int = 64,
    ndf: int = 64,
) -> GAN:
    """The Blending GAN with the official training defaults (64x64 RGB, 4000-d bottleneck)."""
    b.positive(
        NAME,
        image_size=image_size,
        channels=channels,
        bottleneck=bottleneck,
        nef=nef,
        ngf=ngf,
        ndf=ndf,
    )
    image = (channels, image_size, image_size)
    critic = discriminator(
        image_size=image_size,
        channels=channels,
        ndf=ndf,
        gan=NAME,
        output="none",
        description="wuhuikai/GP-GAN model.py DCGAN_D(nz=1): the Wasserstein critic, "
        "Conv2d k4 (BatchNormalization except the first, leaky ReLU 0.2), no sigmoid, "
        "no biases",
    )
    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(
                name="composite",
                kind="image",
                shape=image,
                description="copy-and-paste composite of a source and a destination",
            ),
            GanInput(
                name="x",
                kind="image",
                shape=image,
                description="ground-truth well-blended image (real sample)",
            ),
        ),
        d_steps=D_STEPS,
        networks=(
            encoder_decoder(
                image_size=image_size, channels=channels, nef=nef, ngf=ngf, bottleneck=bottleneck
            ),
            critic,
        ),
        calls=b.gd_calls({"x": "composite"}),
        losses=(
            *b.adversarial_losses("wasserstein", g_weight=0.001),
            b.reconstruction("g_l2", "G", "fake", "x", weight=0.999),
        ),
    )
