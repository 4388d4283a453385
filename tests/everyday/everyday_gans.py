"""Small PyTorch GANs written from scratch for the everyday-workflow tests (issue 13)."""

from __future__ import annotations

from torch import nn


class Generator(nn.Module):
    """8 -> 3x8x8 (a linear layer, then one transposed convolution)."""

    def __init__(self, latent: int = 8, condition: int = 0) -> None:
        super().__init__()
        self.fc = nn.Linear(latent + condition, 16 * 4 * 4)
        self.up = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(16, 3, 4, 2, 1), nn.Tanh())

    def forward(self, z, y=None):
        import torch

        h = self.fc(z if y is None else torch.cat([z, y], 1))
        return self.up(h.view(-1, 16, 4, 4))


class Discriminator(nn.Module):
    """3x8x8 -> one logit (a strided convolution, then a linear layer); ``net_0`` and
    ``net_1`` share their names with nothing in the generator, but both networks have
    layers whose module paths clash once flattened (``net_2`` in D, ``up_2`` in G)."""

    def __init__(self, condition: int = 0) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten())
        self.fc = nn.Linear(8 * 4 * 4 + condition, 1)

    def forward(self, x, y=None):
        import torch

        h = self.net(x)
        return self.fc(h if y is None else torch.cat([h, y], 1))


class Twin(nn.Module):
    """A network whose layers are named like another's (``net.0``, ``net.2``)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(cin, 8), nn.ReLU(), nn.Linear(8, cout))

    def forward(self, x):
        return self.net(x)


def build():
    """What ``tests/everyday/everyday_gans.py:build`` gives the command line."""
    return {"generator": Generator(), "discriminator": Discriminator(), "latent": 8,
            "image": (3, 8, 8), "criterion": "bce_logits", "name": "tiny"}


def build_twins():
    """Two networks with equally named layers: G.net_2 and D.net_2 must stay apart."""
    return {"generator": Twin(4, 6), "discriminator": Twin(6, 1), "latent": 4, "image": 6,
            "criterion": "bce_logits", "name": "twins"}


def broken():
    raise RuntimeError("the builder's own bug")


def not_a_gan():
    return 42
