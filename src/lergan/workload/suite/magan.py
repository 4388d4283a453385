"""MAGAN: Wang, Cully, Chang, Demiris, "MAGAN: Margin Adaptation for Generative Adversarial
Networks", 2017 (arXiv 1704.03817).

Transcribed from the official TensorFlow/PrettyTensor code, github.com/RuohanW/magan,
``gan_release.py``: the CelebA experiment (``celebA_train``: D = ``conv_ae(scope, 64,
act_fn=lrelu)``, G = ``conv_gen_bn(scope, 512, z_dim=350)``, 64x64x3 images, batch 64) and
``magan_train`` (losses); ``deconv2d_release.py`` and PrettyTensor's ``conv2d`` give every
layer a bias (zero initialiser) unless told otherwise.

Networks (kernel 4 throughout, biases on every layer):

- ``D``, an autoencoder as in EBGAN: four stride-2 convolutions 3->64->128->256->512
  (64x64 -> 4x4, leaky ReLU 0.2), then four stride-2 transposed convolutions
  512->256->128->64->3 back to 64x64 (leaky ReLU; tanh on the last). Its output is the
  reconstruction; the energy is the squared error to its input.
- ``G``: z (350) as 350x1x1, transposed convolution 350->512 (kernel 4, VALID: 1 -> 4),
  then 512->256->128->64->3 (stride 2, ReLU; tanh on the last). ``conv_gen_bn`` is called
  with ``bn_arg=False`` for CelebA, so there is no batch norm.

TensorFlow's SAME padding for kernel 4, stride 2 on an even size pads one on each side:
padding 1 here, and output size twice the input for the transposed convolutions.

Losses (``magan_train``): D-step ``E(x) + max(0, m - E(G(z)))``; G-step ``E(G(z))``, with
``E`` the per-sample sum of squared reconstruction errors and the margin ``m`` set from the
data (mean real energy after two epochs of autoencoder pre-training) and lowered per epoch
when both energies fall. Here ``E`` is the ``mse`` reconstruction criterion (a constant
factor apart) and ``margin`` is a build option: its value changes no operation counted,
only what functional emulation computes.

Parameters at the defaults: G 5,623,747, D 5,512,579 (as the official code).
"""

from __future__ import annotations

from lergan.errors import WorkloadError
from lergan.workload.gan import GAN, GanInput, Network, NetworkCall, NetworkInput
from lergan.workload.suite import _blocks as b

NAME = "magan"
CITATION = "Wang et al., arXiv 1704.03817, 2017"
SOURCE = (
    "Wang, Cully, Chang, Demiris, arXiv 1704.03817 (2017); layers and losses from "
    "github.com/RuohanW/magan gan_release.py (celebA_train: conv_ae, conv_gen_bn; "
    "magan_train), 64x64x3 CelebA setup"
)
DESCRIPTION = "Margin-adaptation GAN: autoencoder discriminator with transposed convolutions"


def build(
    *,
    image_size: int = 64,
    channels: int = 3,
    latent: int = 350,
    ngf: int = 512,
    ndf: int = 64,
    margin: float = 1.0,
) -> GAN:
    """MAGAN's CelebA networks (64x64 RGB, z of 350; G from 512 channels, D from 64)."""
    b.positive(NAME, image_size=image_size, channels=channels, latent=latent, ngf=ngf, ndf=ndf)
    if not margin > 0:
        raise WorkloadError(f"{NAME}: option margin={margin!r} must be a positive number")
    levels = b.power_of_two_levels(NAME, "image_size", image_size, 4)
    if ngf % 2 ** (levels - 1):
        raise WorkloadError(
            f"{NAME}: ngf={ngf} must be divisible by {2 ** (levels - 1)} (halved "
            f"{levels - 1} times for image_size={image_size})"
        )
    # tconv k4 (VALID 1 -> 4, then stride 2 SAME) halving from ngf, ReLU, no batch norm
    g, width = b.up_stack(levels, latent, ngf, norm=False, bias=True)
    n = levels + 1
    g += [b.tconv(f"tconv{n}", width, channels, 4, 2, 1, bias=True), b.act(f"tanh{n}", "tanh")]

    # autoencoder: conv k4 s2 doubling from ndf to 4x4, tconv k4 s2 halving back, no norm
    d, width = b.down_stack(levels, channels, ndf, norm=False, bias=True)
    for i in range(1, levels):
        d += b.unit(
            "tconv", i, width, width // 2, norm=None, act="lrelu", act_name="tlrelu", bias=True
        )
        width //= 2
    d += [
        b.tconv(f"tconv{levels}", width, channels, 4, 2, 1, bias=True),
        b.act("tanh", "tanh"),
    ]
    image = (channels, image_size, image_size)
    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(
                name="z", kind="latent", shape=(latent, 1, 1), description="standard normal noise"
            ),
            GanInput(name="x", kind="image", shape=image, description="real images in [-1, 1]"),
        ),
        networks=(
            Network(
                name="G",
                role="generator",
                inputs=(NetworkInput(name="z", shape=(latent, 1, 1)),),
                layers=tuple(g),
                description="RuohanW/magan gan_release.py conv_gen_bn(512, 350), "
                "bn_arg=False: deconv2d k4 (VALID 1->4, then stride 2 SAME), ReLU, tanh; "
                "with biases",
            ),
            Network(
                name="D",
                role="discriminator",
                inputs=(NetworkInput(name="x", shape=image),),
                layers=tuple(d),
                description="RuohanW/magan gan_release.py conv_ae(64, lrelu): conv2d k4 s2 "
                "encoder to 4x4, deconv2d k4 s2 decoder, leaky ReLU 0.2, tanh; with biases",
            ),
        ),
        calls=(
            NetworkCall(name="fake", network="G", inputs={"z": "z"}),
            NetworkCall(name="rec_real", network="D", inputs={"x": "x"}),
            NetworkCall(name="rec_fake", network="D", inputs={"x": "fake"}),
        ),
        losses=(
            b.reconstruction("d_real_energy", "D", "rec_real", "x"),
            b.reconstruction("d_fake_margin", "D", "rec_fake", "fake", margin=margin),
            b.reconstruction("g_energy", "G", "rec_fake", "fake"),
        ),
    )
