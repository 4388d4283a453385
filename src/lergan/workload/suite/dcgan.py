"""DCGAN: Radford, Metz, Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016 (arXiv 1511.06434).

Transcribed from the PyTorch example, github.com/pytorch/examples, ``dcgan/main.py``
(classes ``Generator`` / ``Discriminator``, named ``_netG`` / ``_netD`` in early versions;
defaults ``--nz 100 --ngf 64 --ndf 64 --imageSize 64``, ``nc=3``). It follows the paper's
section 3 guidelines: strided convolutions in D, transposed convolutions in G, batch norm
in both except G's output and D's input layer, ReLU in G with tanh at the output, leaky
ReLU (0.2) in D.

Choices and differences:

- Kernel 4, stride 2, padding 1 everywhere (the PyTorch example); the authors' Theano code
  (github.com/Newmu/dcgan_code, ``faces/train_uncond_dcgan.py``) uses 5x5 kernels, a dense
  first layer and 128 base filters instead.
- ``image_size`` other than 64 adds or removes stride-2 layers (4x4 bottleneck, channels
  doubling per halving), as ``DCGAN_G`` / ``DCGAN_D`` of the WGAN code that GP-GAN reuses;
  at 64 the networks are exactly the example's.
- D's output is flattened to one probability per sample (``output.view(-1, 1)``).
- Loss: binary cross-entropy; the G-step labels fakes "real" (the non-saturating loss).

Parameters at the defaults: G 3,576,704, D 2,765,568 (as the official code).
"""

from __future__ import annotations

from lergan.workload.gan import GAN, GanInput, Network, NetworkInput
from lergan.workload.suite import _blocks as b

NAME = "dcgan"
CITATION = "Radford et al., ICLR 2016"
SOURCE = (
    "Radford, Metz, Chintala, ICLR 2016 (arXiv 1511.06434), section 3 and Figure 1; "
    "layers from github.com/pytorch/examples dcgan/main.py (Generator, Discriminator; "
    "nz=100, ngf=ndf=64, 64x64x3)"
)
DESCRIPTION = "Deep convolutional GAN: transposed-conv generator, strided-conv discriminator"


def generator(
    *,
    image_size: int = 64,
    channels: int = 3,
    latent: int = 100,
    ngf: int = 64,
    name: str = "G",
    gan: str = NAME,
) -> Network:
    """DCGAN's generator: ``latent``x1x1 -> ``channels`` x ``image_size``^2, tanh output."""
    levels = b.power_of_two_levels(gan, "image_size", image_size, 4)
    # tconv1 k4 s1 p0 to 4x4 at ngf * 2^(levels-1), then k4 s2 p1 halving the channels
    layers, width = b.up_stack(levels, latent, ngf * 2 ** (levels - 1))
    n = levels + 1
    layers += [b.tconv(f"tconv{n}", width, channels, 4, 2, 1), b.act(f"tanh{n}", "tanh")]
    return Network(
        name=name,
        role="generator",
        inputs=(NetworkInput(name="z", shape=(latent, 1, 1)),),
        layers=tuple(layers),
        description="pytorch/examples dcgan/main.py Generator: ConvTranspose2d k4 (s1 p0, "
        "then s2 p1), BatchNorm2d + ReLU, Tanh; no biases",
    )


def discriminator(
    *,
    image_size: int = 64,
    channels: int = 3,
    ndf: int = 64,
    name: str = "D",
    gan: str = NAME,
    output: str = "sigmoid",
    flatten: bool = True,
    description: str = "pytorch/examples dcgan/main.py Discriminator: Conv2d k4 (s2 p1, last "
    "s1 p0), BatchNorm2d except the first, LeakyReLU(0.2), Sigmoid; no biases",
) -> Network:
    """DCGAN's discriminator: image -> one value per sample (``output``: sigmoid or none;
    ``flatten`` to shape (1,) as the example's ``view(-1, 1)``, else (1, 1, 1))."""
    levels = b.power_of_two_levels(gan, "image_size", image_size, 4)
    # conv k4 s2 p1 doubling from ndf, batch norm except on the first
    layers, width = b.down_stack(levels, channels, ndf)
    n = levels + 1
    layers.append(b.conv(f"conv{n}", width, 1, 4, 1, 0))
    if output == "sigmoid":
        layers.append(b.act(f"sigmoid{n}", "sigmoid"))
    if flatten:
        layers.append(b.flatten("flatten"))
    return Network(
        name=name,
        role="discriminator",
        inputs=(NetworkInput(name="x", shape=(channels, image_size, image_size)),),
        layers=tuple(layers),
        description=description,
    )


def build(
    *, image_size: int = 64, channels: int = 3, latent: int = 100, ngf: int = 64, ndf: int = 64
) -> GAN:
    """DCGAN with the PyTorch example's defaults (64x64 RGB, z of 100, 64 base filters)."""
    b.positive(NAME, image_size=image_size, channels=channels, latent=latent, ngf=ngf, ndf=ndf)
    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(
                name="z", kind="latent", shape=(latent, 1, 1), description="standard normal noise"
            ),
            GanInput(
                name="x",
                kind="image",
                shape=(channels, image_size, image_size),
                description="real images scaled to [-1, 1]",
            ),
        ),
        networks=(
            generator(image_size=image_size, channels=channels, latent=latent, ngf=ngf),
            discriminator(image_size=image_size, channels=channels, ndf=ndf),
        ),
        calls=b.gd_calls({"z": "z"}),
        # the G-step labels fakes "real": the non-saturating loss
        losses=b.adversarial_losses("bce"),
    )
