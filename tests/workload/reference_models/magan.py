"""MAGAN (Wang, Cully, Chang, Demiris, 2017; arXiv 1704.03817), official code, CelebA setup.

Source: github.com/RuohanW/magan (TensorFlow + PrettyTensor), ``gan_release.py`` (commit
b39e938f): ``celebA_train`` builds D = ``conv_ae(scope, 64, act_fn=lrelu)`` and
G = ``conv_gen_bn(scope, 512, z_dim=350)`` for 64x64x3 images; ``magan_train`` gives the
losses (energy = per-sample L2 reconstruction error of D's autoencoder; D loss
``E(x) + max(m - E(G(z)), 0)``, G loss ``E(G(z))``, margin m adapted per epoch). In
``deconv2d_release.py`` and PrettyTensor's ``conv2d`` every layer has a bias (zero
initialiser) unless told otherwise; ``conv_gen_bn`` is called with ``bn_arg=False``, so the
CelebA generator has no batch norm.

D (autoencoder): conv 3->64->128->256->512 (kernel 4, stride 2, SAME padding, leaky ReLU),
64x64 -> 4x4, then transposed conv 512->256->128->64->3 (kernel 4, stride 2, leaky ReLU,
tanh on the last) back to 64x64. G: z (350) as 1x1, transposed conv 350->512 kernel 4 VALID
(-> 4x4), then 512->256->128->64->3 (kernel 4, stride 2, ReLU; tanh on the last).
TensorFlow's SAME padding for kernel 4 stride 2 on an even size pads 1 on each side, so it
equals PyTorch's padding 1 (and output size 2x for the transposed convolutions).

Official parameter counts (weights + biases):
G 5,623,747 = 350*512*16+512 + 512*256*16+256 + 256*128*16+128 + 128*64*16+64 + 64*3*16+3;
D 5,512,579 = 3*64*16+64 + 64*128*16+128 + 128*256*16+256 + 256*512*16+512
+ 512*256*16+256 + 256*128*16+128 + 128*64*16+64 + 64*3*16+3.
"""

from __future__ import annotations

from torch import nn

OFFICIAL_PARAMS = {"G": 5_623_747, "D": 5_512_579}


class Generator(nn.Module):
    def __init__(self, nz: int = 350) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, 512, 4, 1, 0),
            nn.ReLU(),
            nn.ConvTranspose2d(512, 256, 4, 2, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 4, 2, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 3, 4, 2, 1),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class AutoencoderDiscriminator(nn.Module):
    """Returns the reconstruction; the energy is its L2 distance to the input."""

    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, 64, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(128, 256, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(256, 512, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(512, 256, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(256, 128, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(128, 64, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(64, 3, 4, 2, 1),
            nn.Tanh(),
        )

    def forward(self, x):
        return self.main(x)


def networks() -> dict[str, nn.Module]:
    return {"G": Generator(), "D": AutoencoderDiscriminator()}
