"""GP-GAN's Blending GAN (Wu, Zheng, Zhang, Huang, 2017; arXiv 1703.07195), official code.

Source: github.com/wuhuikai/GP-GAN (Chainer), ``model.py`` (commit 0047f430) classes
``EncoderDecoder``, ``DCGAN_D``, ``DCGAN_G``, instantiated by ``train_blending_gan.py`` with
the defaults ``nef=64, ngf=64, nc=3, nBottleneck=4000, ndf=64, image_size=64``; losses in
``updater.py`` (``EncoderDecoderBlendingUpdater``: Wasserstein critic with weight clipping,
``d_iters=5`` critic steps per G step, G loss ``(1-l2_weight)*adv + l2_weight*L2`` with
``l2_weight=0.999``). No convolution has a bias (``nobias=True``); Chainer's leaky ReLU has
slope 0.2.

G (``EncoderDecoder``) is fed the 64x64 copy-and-paste composite: encoder = ``DCGAN_D(64,
nef, 4000)`` (conv 3->64, then 64->128->256->512 with batch norm, all kernel 4 stride 2,
then conv 512->4000 kernel 4 -> 4000x1x1), batch norm and leaky ReLU on the 4000-d
bottleneck, decoder = ``DCGAN_G(64, 3, ngf)`` (transposed conv 4000->512 kernel 4 -> 4x4,
then 512->256->128->64 with batch norm and ReLU, then ->3 and tanh). D = ``DCGAN_D(64, ndf,
nz=1)``: the critic, whose 1x1 outputs the code averages over the batch.

Official parameter counts (Chainer ``BatchNormalization`` has gamma and beta):
G 71,058,880 = encoder 3*64*16 + 64*128*16 + 128*256*16 + 256*512*16 + 512*4000*16
+ 2*(128+256+512), bottleneck batch norm 2*4000, decoder 4000*512*16 + 512*256*16
+ 256*128*16 + 128*64*16 + 64*3*16 + 2*(512+256+128+64);
D 2,765,568 (DCGAN's D with ``nz=1``).
"""

from __future__ import annotations

from torch import nn

OFFICIAL_PARAMS = {"G": 71_058_880, "D": 2_765_568}


def _encoder(nef: int, n_out: int) -> list[nn.Module]:
    return [
        nn.Conv2d(3, nef, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2),
        nn.Conv2d(nef, nef * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(nef * 2),
        nn.LeakyReLU(0.2),
        nn.Conv2d(nef * 2, nef * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(nef * 4),
        nn.LeakyReLU(0.2),
        nn.Conv2d(nef * 4, nef * 8, 4, 2, 1, bias=False),
        nn.BatchNorm2d(nef * 8),
        nn.LeakyReLU(0.2),
        nn.Conv2d(nef * 8, n_out, 4, 1, 0, bias=False),
    ]


class EncoderDecoder(nn.Module):
    def __init__(self, nef: int = 64, ngf: int = 64, bottleneck: int = 4000) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            *_encoder(nef, bottleneck), nn.BatchNorm2d(bottleneck), nn.LeakyReLU(0.2)
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(bottleneck, ngf * 8, 4, 1, 0, bias=False),
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
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


class Critic(nn.Module):
    def __init__(self, ndf: int = 64) -> None:
        super().__init__()
        self.main = nn.Sequential(*_encoder(ndf, 1))

    def forward(self, x):
        return self.main(x).flatten(1)


def networks() -> dict[str, nn.Module]:
    return {"G": EncoderDecoder(), "D": Critic()}
