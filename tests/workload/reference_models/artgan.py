"""ArtGAN (Tan, Chan, Aguirre, Tanaka, ICIP 2017; arXiv 1702.03410), 64x64 version.

Source: the paper, Figure 1 and its network table (zNet and Dec form G; Enc and clsNet form
D; Dec(Enc(x)) reconstructs a real image for an L2 loss; D outputs K+1 logits, K classes
plus "fake"). We could not read the table's text here; the layer list follows the
third-party PyTorch transcription github.com/Amogh-Bhagwat/ArtGAN-Pytorch,
``network/network.py`` (commit 0954f869), checked against Figure 1's structure. The
authors' repository github.com/cs-chan/ArtGAN implements the later journal version
("Improved ArtGAN", TIP 2018: nearest-neighbour upsampling and 3x3 convolutions, an
autoencoder inside D), which is not the ICIP network; from it we take what the ICIP text
leaves open: no biases (its ``conv2d``/``linear`` default ``use_b=False``), leaky ReLU 0.2,
z of 100 dimensions.

G: concat(z, one-hot y) as 1x1 -> T-conv 4 s1 -> 1024x4x4 -> T-conv 4 s2 -> 512x8x8 (zNet);
Dec: T-conv 4 s2 -> 256x16x16 -> T-conv 4 s2 -> 128x32x32 -> T-conv 3 s1 p1 -> 128x32x32 ->
T-conv 4 s2 -> 3x64x64, sigmoid. D: Enc: conv 4 s2 -> 128x32x32 -> conv 3 s1 p1 -> 128x32x32
-> conv 4 s2 -> 256x16x16 -> conv 4 s2 -> 512x8x8; clsNet: conv 4 s2 -> 1024x4x4 ->
linear -> K+1. Batch norm and leaky ReLU after every layer but G's last and D's first
and last.

Parameter counts for K=10 classes, from the layer sizes (no official definition to count):
G 12,969,984 = 110*1024*16 + 1024*512*16 + 512*256*16 + 256*128*16 + 128*128*9 + 128*3*16
+ 2*(1024+512+256+128+128); D 11,347,712 = 3*128*16 + 128*128*9 + 128*256*16 + 256*512*16
+ 512*1024*16 + 1024*16*11 + 2*(128+256+512+1024).
"""

from __future__ import annotations

import torch
from torch import nn

OFFICIAL_PARAMS = {"G": 12_969_984, "D": 11_347_712}


def _t(cin: int, cout: int, k: int, s: int, p: int, bn: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.ConvTranspose2d(cin, cout, k, s, p, bias=False)]
    if bn:
        layers += [nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
    return layers


def _c(cin: int, cout: int, k: int, s: int, p: int, bn: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, s, p, bias=False)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.LeakyReLU(0.2))
    return layers


class Generator(nn.Module):
    def __init__(self, nz: int = 100, n_classes: int = 10) -> None:
        super().__init__()
        self.znet = nn.Sequential(*_t(nz + n_classes, 1024, 4, 1, 0), *_t(1024, 512, 4, 2, 1))
        self.dec = nn.Sequential(
            *_t(512, 256, 4, 2, 1),
            *_t(256, 128, 4, 2, 1),
            *_t(128, 128, 3, 1, 1),
            *_t(128, 3, 4, 2, 1, bn=False),
            nn.Sigmoid(),
        )

    def forward(self, z, y):
        h = torch.cat([z, y], dim=1).reshape(z.shape[0], -1, 1, 1)
        return self.dec(self.znet(h))


class Discriminator(nn.Module):
    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.enc = nn.Sequential(
            *_c(3, 128, 4, 2, 1, bn=False),
            *_c(128, 128, 3, 1, 1),
            *_c(128, 256, 4, 2, 1),
            *_c(256, 512, 4, 2, 1),
        )
        self.cls = nn.Sequential(
            *_c(512, 1024, 4, 2, 1), nn.Flatten(), nn.Linear(1024 * 16, n_classes + 1, bias=False)
        )

    def forward(self, x):
        return self.cls(self.enc(x))


def networks() -> dict[str, nn.Module]:
    return {"G": Generator(), "D": Discriminator()}
