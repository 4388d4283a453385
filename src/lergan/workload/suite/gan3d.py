"""3D-GAN: Wu, Zhang, Xue, Freeman, Tenenbaum, "Learning a Probabilistic Latent Space of
Object Shapes via 3D Generative-Adversarial Modeling", NIPS 2016 (arXiv 1610.07584).

Transcribed from the paper, section 3.1 ("Network structure") and Figure 1: G maps a
200-dimensional z through five volumetric transposed convolutions with 4x4x4 kernels to a
64x64x64 occupancy grid (512x4^3, 256x8^3, 128x16^3, 64x32^3, 1x64^3), with batch norm and
ReLU between layers and a sigmoid at the end; D "mostly mirrors" G with leaky ReLU and no
pooling or linear layers. The official repository (github.com/zck119/3dgan-release,
``main.lua``) releases trained generators as Torch files but no layer definitions; it
reads ``nz`` (200) from the first layer and notes that the convolution bias is removed
during training, so no layer here has a bias.

Choices (not fixed by the paper's text):

- G's first layer is kernel 4, stride 1, padding 0 (1^3 -> 4^3, as DCGAN). Descriptions
  of 3D-GAN differ on this layer's stride (1 or 2); on a 1^3 input, stride 2 with padding
  0 gives the same 4^3 output from the same multiply-accumulates, so the choice changes
  nothing counted. The other layers are stride 2, padding 1 (the only padding that
  doubles the size).
- D mirrors G literally: four stride-2 convolutions 1->64->128->256->512 (64^3 -> 4^3),
  each followed by batch norm and leaky ReLU (slope 0.2), then a 4^3 convolution to one
  value and a sigmoid. (DCGAN would skip batch norm on D's first layer: 128 parameters.)
- Loss: binary cross-entropy as in the paper (its D-step is skipped when D's accuracy on
  the batch exceeds 80%, a training detail outside one iteration).
- ``voxel_size`` other than 64 adds or removes stride-2 layers, as :mod:`dcgan`.

Parameters at the defaults (paper's layer sizes): G 17,569,664, D 11,048,832.
"""

from __future__ import annotations

from lergan.workload.gan import GAN, GanInput, Network, NetworkInput
from lergan.workload.suite import _blocks as b

NAME = "3d-gan"
ALIASES = ("3dgan",)
CITATION = "Wu et al., NIPS 2016"
SOURCE = (
    "Wu, Zhang, Xue, Freeman, Tenenbaum, NIPS 2016 (arXiv 1610.07584), section 3.1 and "
    "Figure 1 (no layer definitions in the official code github.com/zck119/3dgan-release, "
    "main.lua: nz=200, convolution biases removed)"
)
DESCRIPTION = "Volumetric GAN: 3-D transposed convolutions to a 64^3 voxel grid"


def build(*, voxel_size: int = 64, latent: int = 200, base_channels: int = 64) -> GAN:
    """3D-GAN at the paper's sizes (z of 200, 64^3 voxels, 512 to 64 channels)."""
    b.positive(NAME, voxel_size=voxel_size, latent=latent, base_channels=base_channels)
    levels = b.power_of_two_levels(NAME, "voxel_size", voxel_size, 4)
    # tconv1 k4 s1 p0 (1^3 -> 4^3), then k4 s2 p1 halving the channels (512 ... 64)
    g, width = b.up_stack(levels, latent, base_channels * 2 ** (levels - 1), rank=3)
    n = levels + 1
    g += [b.tconv(f"tconv{n}", width, 1, 4, 2, 1, rank=3), b.act(f"sigmoid{n}", "sigmoid")]

    # the mirror: conv k4 s2 p1 1 -> 64 ... 512, batch norm on every one (first included)
    d, cin = b.down_stack(levels, 1, width, first_norm=True, rank=3)
    d += [
        b.conv(f"conv{n}", cin, 1, 4, 1, 0, rank=3),
        b.act(f"sigmoid{n}", "sigmoid"),
        b.flatten("flatten"),
    ]
    grid = (1, voxel_size, voxel_size, voxel_size)
    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(
                name="z",
                kind="latent",
                shape=(latent, 1, 1, 1),
                description="uniform noise in [0, 1]",
            ),
            GanInput(
                name="x",
                kind="image",
                shape=grid,
                description="real occupancy grids (ShapeNet voxels)",
            ),
        ),
        networks=(
            Network(
                name="G",
                role="generator",
                inputs=(NetworkInput(name="z", shape=(latent, 1, 1, 1)),),
                layers=tuple(g),
                description="paper section 3.1 / Figure 1: ConvTranspose3d k4 (s1 p0, then "
                "s2 p1), BatchNorm3d + ReLU, Sigmoid; no biases",
            ),
            Network(
                name="D",
                role="discriminator",
                inputs=(NetworkInput(name="x", shape=grid),),
                layers=tuple(d),
                description="mirror of G (paper section 3.1): Conv3d k4 s2 p1 with "
                "BatchNorm3d + LeakyReLU(0.2), then Conv3d k4 s1 p0 and Sigmoid; no biases",
            ),
        ),
        calls=b.gd_calls({"z": "z"}),
        losses=b.adversarial_losses("bce"),
    )
