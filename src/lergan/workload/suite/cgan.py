"""cGAN: a conditional DCGAN on MNIST, from the DCGAN authors' official code.

The conditioning is Mirza & Osindero's ("Conditional Generative Adversarial Nets", arXiv
1411.1784, section 4.1): the class label y (one-hot) is fed to both networks. The layers
are those of Radford, Metz, Chintala's conditional DCGAN in github.com/Newmu/dcgan_code,
``mnist/train_cond_dcgan.py`` (with ``lib/ops.py``: ``conv_cond_concat``, ``batchnorm``,
``deconv``; ``lib/activations.py``: leaky ReLU slope 0.2), "the mnist model from [the
paper's] appendix" (``mnist/README.md``): the DCGAN paper's appendix compares this
conditional DCGAN with a fully connected conditional GAN on MNIST. We chose it over
Mirza & Osindero's own MNIST network (maxout MLPs) because it is convolutional, which is
what a ReRAM GAN accelerator is about, and because it has official code. y is concatenated
at every layer: to the vectors of the dense layers and, tiled over the map, to the inputs
of the convolutions.

Networks (``nz=100, ny=10, ngfc=ndfc=1024, ngf=ndf=64``, 28x28x1 images; no biases;
``batchnorm`` is called without gain and bias, so batch norm has no parameters):

- ``G``: [z, y] -> linear 1024, BN, ReLU; [., y] -> linear 128x7x7, BN, ReLU, reshape;
  [., y] -> transposed conv 5x5 stride 2 -> 64x14x14, BN, ReLU; [., y] -> transposed conv
  5x5 stride 2 -> 1x28x28, sigmoid. Theano's ``deconv`` makes the output exactly stride
  times the input, which is PyTorch's ``padding=2, output_padding=1`` for kernel 5.
- ``D``: [x, y] -> conv 5x5 s2 p2 -> 64x14x14, leaky ReLU; [., y] -> conv 5x5 s2 p2 ->
  128x7x7, BN, leaky ReLU; flatten, [., y] -> linear 1024, BN, leaky ReLU; [., y] ->
  linear 1, sigmoid.

Losses: binary cross-entropy; G and D see the same labels (the real batch's). Batch norm's
epsilon is the code's 1e-8. Parameters: G 6,820,538, D 6,688,202 (as the official code).
"""

from __future__ import annotations

from lergan.errors import WorkloadError
from lergan.workload.gan import GAN, GanInput, Network, NetworkInput
from lergan.workload.suite import _blocks as b

NAME = "cgan"
ALIASES = ("conditional-dcgan", "cdcgan")
CITATION = "Radford et al., ICLR 2016 (cond.); Mirza & Osindero 2014"
SOURCE = (
    "conditional DCGAN of Radford, Metz, Chintala (ICLR 2016, appendix, MNIST), "
    "github.com/Newmu/dcgan_code mnist/train_cond_dcgan.py, with label conditioning as in "
    "Mirza & Osindero, arXiv 1411.1784"
)
DESCRIPTION = "Conditional DCGAN (MNIST): the class label joined to every layer's input"

_EPS = 1e-8  # lib/ops.py batchnorm(e=1e-8)


def build(
    *,
    image_size: int = 28,
    channels: int = 1,
    latent: int = 100,
    classes: int = 10,
    ngf: int = 64,
    ndf: int = 64,
    dense: int = 1024,
) -> GAN:
    """The conditional DCGAN with the official MNIST settings."""
    b.positive(
        NAME,
        image_size=image_size,
        channels=channels,
        latent=latent,
        classes=classes,
        ngf=ngf,
        ndf=ndf,
        dense=dense,
    )
    if image_size % 4:
        raise WorkloadError(
            f"{NAME}: image_size={image_size} must be a multiple of 4 (two stride-2 layers)"
        )
    s = image_size // 4
    y = classes

    def bn(name: str, n: int):
        return b.bn(name, n, affine=False, eps=_EPS)

    g = [
        b.concat("cat_z", "y", input="z"),
        b.linear("fc1", latent + y, dense),
        bn("bn1", dense),
        b.relu("relu1"),
        b.concat("cat1", "y"),
        b.linear("fc2", dense + y, 2 * ngf * s * s),
        bn("bn2", 2 * ngf * s * s),
        b.relu("relu2"),
        b.reshape("reshape2", (2 * ngf, s, s)),
        b.concat("cat2", "y", broadcast=True),
        b.tconv("tconv3", 2 * ngf + y, ngf, 5, 2, 2, op=1),
        bn("bn3", ngf),
        b.relu("relu3"),
        b.concat("cat3", "y", broadcast=True),
        b.tconv("tconv4", ngf + y, channels, 5, 2, 2, op=1),
        b.act("sigmoid4", "sigmoid"),
    ]
    d = [
        b.concat("cat_x", "y", broadcast=True, input="x"),
        b.conv("conv1", channels + y, ndf, 5, 2, 2),
        b.lrelu("lrelu1"),
        b.concat("cat1", "y", broadcast=True),
        b.conv("conv2", ndf + y, 2 * ndf, 5, 2, 2),
        bn("bn2", 2 * ndf),
        b.lrelu("lrelu2"),
        b.flatten("flatten2"),
        b.concat("cat2", "y"),
        b.linear("fc3", 2 * ndf * s * s + y, dense),
        bn("bn3", dense),
        b.lrelu("lrelu3"),
        b.concat("cat3", "y"),
        b.linear("fc4", dense + y, 1),
        b.act("sigmoid4", "sigmoid"),
    ]
    image = (channels, image_size, image_size)
    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(name="z", kind="latent", shape=(latent,), description="uniform in [-1, 1]"),
            GanInput(
                name="y",
                kind="condition",
                shape=(classes,),
                description="one-hot class label (the real batch's)",
            ),
            GanInput(name="x", kind="image", shape=image, description="real images in [0, 1]"),
        ),
        networks=(
            Network(
                name="G",
                role="generator",
                inputs=(
                    NetworkInput(name="z", shape=(latent,)),
                    NetworkInput(name="y", shape=(classes,)),
                ),
                layers=tuple(g),
                description="Newmu/dcgan_code mnist/train_cond_dcgan.py gen(): dense, dense, "
                "two 5x5 stride-2 deconvs; y joined to every layer; BN without parameters",
            ),
            Network(
                name="D",
                role="discriminator",
                inputs=(
                    NetworkInput(name="x", shape=image),
                    NetworkInput(name="y", shape=(classes,)),
                ),
                layers=tuple(d),
                description="Newmu/dcgan_code mnist/train_cond_dcgan.py discrim(): two 5x5 "
                "stride-2 convs, dense, dense; y joined to every layer; leaky ReLU 0.2",
            ),
        ),
        calls=b.gd_calls({"z": "z", "y": "y"}, y="y"),
        losses=b.adversarial_losses("bce"),
    )
