"""3D-GAN (Wu, Zhang, Xue, Freeman, Tenenbaum, NIPS 2016), from the paper.

Sources: the paper, section 3.1 "Network structure" and Figure 1 (G: z of 200 dimensions,
then 512x4^3, 256x8^3, 128x16^3, 64x32^3, 1x64^3; five volumetric (transposed)
convolutions with 4x4x4 kernels; batch norm and ReLU between G's layers, a sigmoid at the
end; D "mostly mirrors" G with leaky ReLU; no pooling or linear layers). The official
repository github.com/zck119/3dgan-release (``main.lua``, commit eea0c600) releases only
trained generators (Torch ``.t7`` files), not the layer definitions; it states that "the
convolution bias is removed during training" (so no bias here) and reads ``nz`` from the
first layer's ``nInputPlane`` (200).

Choices (also in ``lergan.workload.suite.gan3d``): G's first layer maps the 1^3 latent to
4^3 with kernel 4, stride 1, padding 0 (on a 1^3 input, stride 2 gives the same output and
the same operations); D mirrors G: batch norm after its first four convolutions, leaky
ReLU 0.2, a final 4^3 convolution to 1x1^3 and a sigmoid.

Parameter counts from the paper's layer sizes (no official definition to count):
G 17,569,664 = 200*512*64 + 512*256*64 + 256*128*64 + 128*64*64 + 64*1*64 + 2*(512+256+128+64);
D 11,048,832 = 1*64*64 + 64*128*64 + 128*256*64 + 256*512*64 + 512*1*64 + 2*(64+128+256+512).
"""

from __future__ import annotations

from torch import nn

OFFICIAL_PARAMS = {"G": 17_569_664, "D": 11_048_832}


class Generator(nn.Module):
    def __init__(self, nz: int = 200) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.ConvTranspose3d(nz, 512, 4, 1, 0, bias=False),
            nn.BatchNorm3d(512),
            nn.ReLU(),
            nn.ConvTranspose3d(512, 256, 4, 2, 1, bias=False),
            nn.BatchNorm3d(256),
            nn.ReLU(),
            nn.ConvTranspose3d(256, 128, 4, 2, 1, bias=False),
            nn.BatchNorm3d(128),
            nn.ReLU(),
            nn.ConvTranspose3d(128, 64, 4, 2, 1, bias=False),
            nn.BatchNorm3d(64),
            nn.ReLU(),
            nn.ConvTranspose3d(64, 1, 4, 2, 1, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, z):
        return self.layers(z)


class Discriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv3d(1, 64, 4, 2, 1, bias=False),
            nn.BatchNorm3d(64),
            nn.LeakyReLU(0.2),
            nn.Conv3d(64, 128, 4, 2, 1, bias=False),
            nn.BatchNorm3d(128),
            nn.LeakyReLU(0.2),
            nn.Conv3d(128, 256, 4, 2, 1, bias=False),
            nn.BatchNorm3d(256),
            nn.LeakyReLU(0.2),
            nn.Conv3d(256, 512, 4, 2, 1, bias=False),
            nn.BatchNorm3d(512),
            nn.LeakyReLU(0.2),
            nn.Conv3d(512, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.layers(x).flatten(1)


def networks() -> dict[str, nn.Module]:
    return {"G": Generator(), "D": Discriminator()}
