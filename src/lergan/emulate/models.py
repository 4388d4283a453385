"""A small DCGAN (Radford et al., ICLR 2016: strided (transposed) convolutions, batch norm,
ReLU in G and LeakyReLU in D, tanh output) sized for 8 x 8 digits."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

__all__ = ["Discriminator", "Generator", "init_weights"]


class Generator(nn.Sequential):
    """z (``z_dim``) -> fc -> 2 x 2 x 4w -> tconv1 (4x4, 2w) -> tconv2 (8x8, 1), tanh."""

    def __init__(self, z_dim: int = 16, width: int = 16) -> None:
        self.z_dim, self.width = z_dim, width
        super().__init__(OrderedDict([
            ("fc", nn.Linear(z_dim, 4 * width * 4)),
            ("bn0", nn.BatchNorm1d(4 * width * 4)),
            ("relu0", nn.ReLU()),
            ("reshape", nn.Unflatten(1, (4 * width, 2, 2))),
            ("tconv1", nn.ConvTranspose2d(4 * width, 2 * width, 4, stride=2, padding=1)),
            ("bn1", nn.BatchNorm2d(2 * width)),
            ("relu1", nn.ReLU()),
            ("tconv2", nn.ConvTranspose2d(2 * width, 1, 4, stride=2, padding=1)),
            ("tanh", nn.Tanh()),
        ]))


class Discriminator(nn.Sequential):
    """8x8 image -> conv1 (4x4, 2w) -> conv2 (2x2, 4w) -> fc -> logit."""

    def __init__(self, width: int = 16) -> None:
        super().__init__(OrderedDict([
            ("conv1", nn.Conv2d(1, 2 * width, 4, stride=2, padding=1)),
            ("lrelu1", nn.LeakyReLU(0.2)),
            ("conv2", nn.Conv2d(2 * width, 4 * width, 4, stride=2, padding=1)),
            ("bn2", nn.BatchNorm2d(4 * width)),
            ("lrelu2", nn.LeakyReLU(0.2)),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(4 * width * 4, 1)),
        ]))


def init_weights(model: nn.Module, generator: torch.Generator) -> None:
    """DCGAN's initialisation: weights N(0, 0.02), batch-norm scales N(1, 0.02), biases 0."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * 0.02)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.copy_(1 + torch.randn(m.weight.shape, generator=generator) * 0.02)
                m.bias.zero_()
