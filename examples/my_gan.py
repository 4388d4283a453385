"""A small GAN written from scratch: `lergan simulate examples/my_gan.py:build`.

A 32x32 RGB DCGAN-like pair (two transposed convolutions up, two convolutions down).
"""

from torch import nn


class Generator(nn.Module):
    def __init__(self, latent: int = 64, width: int = 64) -> None:
        super().__init__()
        self.fc = nn.Linear(latent, width * 2 * 8 * 8)
        self.up = nn.Sequential(
            nn.BatchNorm2d(width * 2), nn.ReLU(),
            nn.ConvTranspose2d(width * 2, width, 4, stride=2, padding=1),   # 8 -> 16
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 3, 4, stride=2, padding=1), nn.Tanh(),  # 16 -> 32
        )
        self.width = width

    def forward(self, z):
        return self.up(self.fc(z).view(-1, self.width * 2, 8, 8))


class Discriminator(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),          # 32 -> 16
            nn.Conv2d(width, width * 2, 4, stride=2, padding=1), nn.BatchNorm2d(width * 2),
            nn.LeakyReLU(0.2),                                                      # 16 -> 8
            nn.Flatten(), nn.Linear(width * 2 * 8 * 8, 1),
        )

    def forward(self, x):
        return self.net(x)


def build():
    """What `lergan ... examples/my_gan.py:build` traces: the modules and their shapes."""
    return {"generator": Generator(), "discriminator": Discriminator(),
            "latent": 64, "image": (3, 32, 32), "criterion": "bce_logits", "name": "my-gan"}
