"""Conditional DCGAN on MNIST by the DCGAN authors (Radford, Metz, Chintala, 2016).

Source: github.com/Newmu/dcgan_code (Theano), ``mnist/train_cond_dcgan.py`` (commit
c7e43bdd) with ``lib/ops.py`` (``batchnorm``, ``conv_cond_concat``, ``deconv``) and
``lib/activations.py`` (``LeakyRectify`` slope 0.2). The condition (one-hot y, 10
classes) is concatenated at every layer, as in Mirza & Osindero's conditional GAN
(arXiv 1411.1784): to the vector inputs of the dense layers and, broadcast over the map,
to the inputs of the convolutions. ``nz=100, ngfc=ndfc=1024, ngf=ndf=64``, 28x28x1 images.
No layer has a bias and ``batchnorm`` is called without gain or bias (no parameters).
Theano's ``deconv`` makes an output ``stride`` times its input, so kernel 5, stride 2,
padding 2 needs PyTorch's ``output_padding=1`` (7 -> 14 -> 28).

G: [z,y] (110) -> linear 1024, BN, ReLU; [h,y] (1034) -> linear 128*7*7, BN, ReLU, reshape
128x7x7; [h,y] (138x7x7) -> T-conv 5 s2 -> 64x14x14, BN, ReLU; [h,y] (74x14x14) -> T-conv 5
s2 -> 1x28x28, sigmoid. D: [x,y] (11x28x28) -> conv 5 s2 p2 -> 64x14x14, lReLU; [h,y]
(74x14x14) -> conv 5 s2 p2 -> 128x7x7, BN, lReLU; flatten, [h,y] (6282) -> linear 1024, BN,
lReLU; [h,y] (1034) -> linear 1, sigmoid.

Official parameter counts: G 6,820,538 = 110*1024 + 1034*6272 + 138*64*25 + 74*1*25;
D 6,688,202 = 64*11*25 + 128*74*25 + 6282*1024 + 1034*1.
"""

from __future__ import annotations

import torch
from torch import nn

OFFICIAL_PARAMS = {"G": 6_820_538, "D": 6_688_202}
EPS = 1e-8  # lib/ops.py batchnorm(e=1e-8)


def _join(h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Concatenate the condition on the channel axis, broadcast over any spatial axes."""
    if h.dim() > 2:
        y = y.reshape(*y.shape, *([1] * (h.dim() - 2))).expand(-1, -1, *h.shape[2:])
    return torch.cat([h, y], dim=1)


class Generator(nn.Module):
    def __init__(self, nz: int = 100, ny: int = 10) -> None:
        super().__init__()
        self.fc1 = nn.Linear(nz + ny, 1024, bias=False)
        self.bn1 = nn.BatchNorm1d(1024, eps=EPS, affine=False)
        self.fc2 = nn.Linear(1024 + ny, 128 * 7 * 7, bias=False)
        self.bn2 = nn.BatchNorm1d(128 * 7 * 7, eps=EPS, affine=False)
        self.up3 = nn.ConvTranspose2d(128 + ny, 64, 5, 2, 2, output_padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64, eps=EPS, affine=False)
        self.up4 = nn.ConvTranspose2d(64 + ny, 1, 5, 2, 2, output_padding=1, bias=False)
        self.relu = nn.ReLU()
        self.out = nn.Sigmoid()

    def forward(self, z, y):
        h = self.relu(self.bn1(self.fc1(_join(z, y))))
        h = self.relu(self.bn2(self.fc2(_join(h, y))))
        h = h.reshape(-1, 128, 7, 7)
        h = self.relu(self.bn3(self.up3(_join(h, y))))
        return self.out(self.up4(_join(h, y)))


class Discriminator(nn.Module):
    def __init__(self, ny: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1 + ny, 64, 5, 2, 2, bias=False)
        self.conv2 = nn.Conv2d(64 + ny, 128, 5, 2, 2, bias=False)
        self.bn2 = nn.BatchNorm2d(128, eps=EPS, affine=False)
        self.fc3 = nn.Linear(128 * 7 * 7 + ny, 1024, bias=False)
        self.bn3 = nn.BatchNorm1d(1024, eps=EPS, affine=False)
        self.fc4 = nn.Linear(1024 + ny, 1, bias=False)
        self.lrelu = nn.LeakyReLU(0.2)
        self.out = nn.Sigmoid()

    def forward(self, x, y):
        h = self.lrelu(self.conv1(_join(x, y)))
        h = self.lrelu(self.bn2(self.conv2(_join(h, y))))
        h = self.lrelu(self.bn3(self.fc3(_join(h.flatten(1), y))))
        return self.out(self.fc4(_join(h, y)))


def networks() -> dict[str, nn.Module]:
    return {"G": Generator(), "D": Discriminator()}
