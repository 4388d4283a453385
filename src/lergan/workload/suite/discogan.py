"""DiscoGAN: Kim, Cha, Kim, Lee, Kim, "Learning to Discover Cross-Domain Relations with
Generative Adversarial Networks", ICML 2017 (arXiv 1703.05192).

Transcribed from the official PyTorch code, github.com/SKTBrain/DiscoGAN:
``discogan/model.py`` (``Generator`` with the default ``extra_layers=False``,
``Discriminator``) and ``discogan/image_translation.py`` (four networks, losses, 64x64
images "for every experiment in the paper"). The paper describes the same: two
generators, each an encoder-decoder of 4x4 convolutions, two discriminators, and
reconstruction losses that tie A -> B -> A and B -> A -> B (its Figure 2c).

Networks (all kernel 4, no biases): ``G_AB`` (the official ``generator_B``, A -> B) and
``G_BA`` (``generator_A``): four stride-2 convolutions 3->64->128->256->512 (batch norm
on the last three, leaky ReLU 0.2) to 512x4x4, then four stride-2 transposed convolutions
back to 3x64x64 (batch norm and ReLU, sigmoid). ``D_A``, ``D_B``: DCGAN's discriminator.

Losses, with the official weights after the curriculum (``default_rate`` 0.5):
D-step: BCE of each discriminator on real (0.5) and on fake (0.5) images. G-step, per
direction: 0.5 x (0.1 x GAN BCE + 0.9 x feature matching) + 0.5 x MSE reconstruction.
Feature matching (``get_fm_loss``): for each of D's ``relu2``, ``relu3``, ``relu4``
outputs (here ``lrelu2..4``), ``HingeEmbeddingLoss`` with target 1 (the identity) of
``(mean_batch(real) - mean_batch(fake))**2``, i.e. the mean squared difference of the batch
means: three ``feature_matching`` losses per direction, weight 0.5 x 0.9 = 0.45 each, on
the discriminator's calls on fake and on real images. So the G-step also runs each
discriminator forward on real images, and errors enter D at those three layers.

Choices and differences:
- Schedule: the official loop updates D on every third batch (``iters %
  update_interval == 0``, ``update_interval=3``) and G on the two others, so one
  iteration here is one D-step and two G-steps (``D_STEPS = 1``, ``G_STEPS = 2``), each
  step on its own batch. Its D-step does not detach the fakes (it back-propagates into G
  and discards those gradients); here the fakes are detached in the D-step.
- D's output is the 1x1x1 map the official ``Discriminator`` returns (no flatten).
- ``image_size`` other than 64 changes the number of stride-2 layers (4x4 bottleneck).

Parameters: each G 5,513,856, each D 2,765,568; 16,558,848 in all (as the official code).
"""

from __future__ import annotations

from lergan.workload.gan import GAN, GanInput, Loss, Network, NetworkCall, NetworkInput
from lergan.workload.suite import _blocks as b
from lergan.workload.suite.dcgan import discriminator

NAME = "discogan"
CITATION = "Kim et al., ICML 2017"
SOURCE = (
    "Kim, Cha, Kim, Lee, Kim, ICML 2017 (arXiv 1703.05192), Figure 2c; layers and losses "
    "from github.com/SKTBrain/DiscoGAN discogan/model.py (Generator, Discriminator) and "
    "discogan/image_translation.py"
)
DESCRIPTION = "Two encoder-decoder generators and two discriminators, cross-domain"
#: Official schedule (image_translation.py, ``update_interval=3``): of every three
#: batches, one updates the discriminators and two the generators.
D_STEPS = 1
G_STEPS = 2
#: Discriminator layers whose outputs the generators' feature matching loss compares
#: (the official Discriminator returns relu2, relu3, relu4 besides its output; a smaller
#: ``image_size`` has fewer of them).
FEATURE_LAYERS = ("lrelu2", "lrelu3", "lrelu4")


def generator(name: str, *, image_size: int, channels: int, width: int) -> Network:
    """DiscoGAN's encoder-decoder generator (official ``Generator(extra_layers=False)``)."""
    levels = b.power_of_two_levels(NAME, "image_size", image_size, 4)
    # encoder: conv k4 s2 p1 doubling (batch norm except on the first), leaky ReLU 0.2
    layers, width = b.down_stack(levels, channels, width)
    # decoder: tconv k4 s2 p1 halving, batch norm "tbn" + ReLU
    for i in range(1, levels):
        layers += b.unit("tconv", i, width, width // 2, norm="tbn")
        width //= 2
    layers += [
        b.tconv(f"tconv{levels}", width, channels, 4, 2, 1),
        b.act("sigmoid", "sigmoid"),
    ]
    return Network(
        name=name,
        role="generator",
        inputs=(NetworkInput(name="x", shape=(channels, image_size, image_size)),),
        layers=tuple(layers),
        description="SKTBrain/DiscoGAN model.py Generator: Conv2d k4 s2 p1 encoder "
        "(BatchNorm2d except the first, LeakyReLU 0.2), ConvTranspose2d k4 s2 p1 decoder "
        "(BatchNorm2d + ReLU), Sigmoid; no biases",
    )


def build(*, image_size: int = 64, channels: int = 3, width: int = 64) -> GAN:
    """DiscoGAN as in the official code (64x64 RGB in both domains, 64 base filters)."""
    b.positive(NAME, image_size=image_size, channels=channels, width=width)
    image = (channels, image_size, image_size)
    nets = [
        generator(n, image_size=image_size, channels=channels, width=width)
        for n in ("G_AB", "G_BA")
    ]
    nets += [
        discriminator(
            image_size=image_size,
            channels=channels,
            ndf=width,
            name=n,
            gan=NAME,
            flatten=False,
            description="SKTBrain/DiscoGAN model.py Discriminator (DCGAN's: Conv2d k4, "
            "BatchNorm2d except the first, LeakyReLU 0.2, Sigmoid; no biases)",
        )
        for n in ("D_A", "D_B")
    ]

    def adv(name: str, step: str, call: str, target: str, weight: float) -> Loss:
        return b.adversarial(name, step, call, target, "bce", weight=weight)  # type: ignore[arg-type]

    return GAN(
        name=NAME,
        source=SOURCE,
        description=DESCRIPTION,
        inputs=(
            GanInput(name="a", kind="image", shape=image, description="images of domain A"),
            GanInput(name="b", kind="image", shape=image, description="images of domain B"),
        ),
        d_steps=D_STEPS,
        g_steps=G_STEPS,
        networks=tuple(nets),
        calls=(
            NetworkCall(name="fake_b", network="G_AB", inputs={"x": "a"}),
            NetworkCall(name="fake_a", network="G_BA", inputs={"x": "b"}),
            NetworkCall(name="rec_a", network="G_BA", inputs={"x": "fake_b"}),
            NetworkCall(name="rec_b", network="G_AB", inputs={"x": "fake_a"}),
            NetworkCall(name="d_a_real", network="D_A", inputs={"x": "a"}),
            NetworkCall(name="d_a_fake", network="D_A", inputs={"x": "fake_a"}),
            NetworkCall(name="d_b_real", network="D_B", inputs={"x": "b"}),
            NetworkCall(name="d_b_fake", network="D_B", inputs={"x": "fake_b"}),
        ),
        losses=(
            adv("d_a_real", "D", "d_a_real", "real", 0.5),
            adv("d_a_fake", "D", "d_a_fake", "fake", 0.5),
            adv("d_b_real", "D", "d_b_real", "real", 0.5),
            adv("d_b_fake", "D", "d_b_fake", "fake", 0.5),
            adv("g_ab_adv", "G", "d_b_fake", "real", 0.05),
            adv("g_ba_adv", "G", "d_a_fake", "real", 0.05),
            *(
                Loss(
                    name=f"fm_{d}_{layer}",
                    step="G",
                    kind="feature_matching",
                    call=f"d_{d}_fake",
                    reference=f"d_{d}_real",
                    layer=layer,
                    criterion="mse",
                    weight=0.45,
                )
                for d in ("b", "a")
                for layer in FEATURE_LAYERS
                if layer in {x.name for x in nets[2].layers}
            ),
            b.reconstruction("rec_a", "G", "rec_a", "a", weight=0.5),
            b.reconstruction("rec_b", "G", "rec_b", "b", weight=0.5),
        ),
    )
