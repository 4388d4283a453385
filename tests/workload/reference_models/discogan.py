"""DiscoGAN (Kim, Cha, Kim, Lee, Kim, ICML 2017), from the official PyTorch code.

Source: github.com/SKTBrain/DiscoGAN, ``discogan/model.py`` (commit ce8b4fb8), classes
``Generator(extra_layers=False)`` (the default that ``discogan/image_translation.py``
instantiates) and ``Discriminator``; four networks: ``generator_A``, ``generator_B``,
``discriminator_A``, ``discriminator_B``. Images are 64x64x3 ("64 for every experiment in
the paper", ``--image_size``). All convolutions have kernel 4 and no bias.

G is an encoder-decoder: four stride-2 convolutions 3->64->128->256->512 (batch norm on the
last three, leaky ReLU 0.2) down to 512x4x4, then four stride-2 transposed convolutions
512->256->128->64->3 (batch norm and ReLU, sigmoid at the end). D is DCGAN's discriminator
(its three inner activations also feed the feature-matching loss).

Official parameter counts: G 5,513,856 each = 3*64*16 + 64*128*16 + 128*256*16 + 256*512*16
+ 512*256*16 + 256*128*16 + 128*64*16 + 64*3*16 + 2*(128+256+512) + 2*(256+128+64);
D 2,765,568 each (as DCGAN's D). All four networks: 16,558,848.
"""

from __future__ import annotations

import torch
from torch import nn

OFFICIAL_PARAMS = {"G_AB": 5_513_856, "G_BA": 5_513_856, "D_A": 2_765_568, "D_B": 2_765_568}


class Generator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, 64, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2),
            nn.Conv2d(128, 256, 4, 2, 1, bias=False),
            nn.BatchNorm2d(256),
            nn.LeakyReLU(0.2),
            nn.Conv2d(256, 512, 4, 2, 1, bias=False),
            nn.BatchNorm2d(512),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=False),
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x)


class Discriminator(nn.Module):
    """Returns the probability; ``features`` gives the three maps of the feature-matching loss."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 4, 2, 1, bias=False)
        self.relu1 = nn.LeakyReLU(0.2)
        self.conv2 = nn.Conv2d(64, 128, 4, 2, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(128)
        self.relu2 = nn.LeakyReLU(0.2)
        self.conv3 = nn.Conv2d(128, 256, 4, 2, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(256)
        self.relu3 = nn.LeakyReLU(0.2)
        self.conv4 = nn.Conv2d(256, 512, 4, 2, 1, bias=False)
        self.bn4 = nn.BatchNorm2d(512)
        self.relu4 = nn.LeakyReLU(0.2)
        self.conv5 = nn.Conv2d(512, 1, 4, 1, 0, bias=False)
        self.out = nn.Sigmoid()

    def features(self, x) -> list[torch.Tensor]:
        h2 = self.relu2(self.bn2(self.conv2(self.relu1(self.conv1(x)))))
        h3 = self.relu3(self.bn3(self.conv3(h2)))
        h4 = self.relu4(self.bn4(self.conv4(h3)))
        return [h2, h3, h4]

    def forward(self, x):
        return self.out(self.conv5(self.features(x)[-1]))


def networks() -> dict[str, nn.Module]:
    """G_AB maps domain A to B (official ``generator_B``), G_BA maps B to A (``generator_A``)."""
    return {
        "G_AB": Generator(),
        "G_BA": Generator(),
        "D_A": Discriminator(),
        "D_B": Discriminator(),
    }
