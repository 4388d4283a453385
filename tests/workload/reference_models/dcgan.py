"""DCGAN (Radford, Metz, Chintala, ICLR 2016), as in the PyTorch example.

Source: github.com/pytorch/examples, ``dcgan/main.py`` (read at commit 00b1e34c), classes
``_netG`` / ``_netD`` (``Generator`` / ``Discriminator`` in later versions, same layers),
defaults ``nz=100, ngf=ndf=64, nc=3, imageSize=64``. Every convolution has kernel 4, no bias;
stride 2 padding 1 except G's first layer and D's last (stride 1, padding 0).

Official parameter counts (weights + batch-norm affine, no buffers):
G 3,576,704 = 100*512*16 + 512*256*16 + 256*128*16 + 128*64*16 + 64*3*16 + 2*(512+256+128+64);
D 2,765,568 = 3*64*16 + 64*128*16 + 128*256*16 + 256*512*16 + 512*1*16 + 2*(128+256+512).
"""

from __future__ import annotations

from torch import nn

OFFICIAL_PARAMS = {"G": 3_576_704, "D": 2_765_568}


class Generator(nn.Module):
    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf: int = 64, nc: int = 3) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        # official: output.view(-1, 1): one probability per sample
        return self.main(x).flatten(1)


def networks() -> dict[str, nn.Module]:
    return {"G": Generator(), "D": Discriminator()}
