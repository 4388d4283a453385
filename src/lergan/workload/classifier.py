"""Single-network training workloads (a classifier: forward, error, weight gradient, update;
no generator), for re-running PipeLayer's evaluation (HPCA 2017) on the same cost models as
the GANs.

:func:`classifier_iteration` returns an :class:`~lergan.workload.iteration.IterationGraph`
of one training step of a classifier on ``batch`` labelled images: the network's forward
pass, a cross-entropy loss, error propagation (stopping above the first layer: no error
into the data), weight gradients and updates. It is built by the same
:func:`~lergan.workload.iteration.build_iteration` as the GANs: the classifier is the
discriminator of a stand-in GAN whose D-step is exactly that training step, and only the
D-step's operations and tensors are kept (the stand-in generator never runs).

Networks (:data:`CLASSIFIERS`), each with its source: ``alexnet`` (Krizhevsky et al., NIPS
2012, single-tower as torchvision's ``alexnet``) and ``vgg-a`` (Simonyan and Zisserman,
ICLR 2015, configuration A), both on 224x224 RGB ImageNet images, and ``mnist-cnn``
(LeCun et al. 1998's LeNet-5 layout on 28x28 digits); PipeLayer evaluates MNIST and
ImageNet CNNs including AlexNet and the VGG configurations.
"""

from __future__ import annotations

from collections.abc import Callable

from lergan.errors import WorkloadError
from lergan.workload.gan import GAN, GanInput, Loss, Network, NetworkCall, NetworkInput
from lergan.workload.iteration import IterationGraph, IterationOptions, build_iteration
from lergan.workload.layers import Activation, Conv, Flatten, Layer, Linear, Pool

__all__ = ["CLASSIFIERS", "classifier", "classifier_iteration", "classifier_names"]


def _conv(name: str, cin: int, cout: int, k: int, s: int = 1, p: int = 0) -> Conv:
    return Conv(name=name, rank=2, in_channels=cin, out_channels=cout, kernel_size=k,
                stride=s, padding=p, bias=True)


def _relu(name: str) -> Activation:
    return Activation(name=name, function="relu")


def _pool(name: str, k: int, s: int) -> Pool:
    return Pool(name=name, op="max", rank=2, kernel_size=k, stride=s)


def _fc(name: str, fin: int, fout: int) -> Linear:
    return Linear(name=name, in_features=fin, out_features=fout, bias=True)


def alexnet(classes: int = 1000) -> Network:
    """AlexNet, single tower (torchvision ``alexnet``: 64-192-384-256-256 filters)."""
    layers = [
        _conv("conv1", 3, 64, 11, 4, 2), _relu("relu1"), _pool("pool1", 3, 2),
        _conv("conv2", 64, 192, 5, 1, 2), _relu("relu2"), _pool("pool2", 3, 2),
        _conv("conv3", 192, 384, 3, 1, 1), _relu("relu3"),
        _conv("conv4", 384, 256, 3, 1, 1), _relu("relu4"),
        _conv("conv5", 256, 256, 3, 1, 1), _relu("relu5"), _pool("pool5", 3, 2),
        Flatten(name="flatten"),
        _fc("fc6", 256 * 6 * 6, 4096), _relu("relu6"),
        _fc("fc7", 4096, 4096), _relu("relu7"),
        _fc("fc8", 4096, classes),
    ]
    return Network(name="C", role="discriminator",
                   inputs=(NetworkInput(name="x", shape=(3, 224, 224)),), layers=tuple(layers),
                   description="AlexNet (Krizhevsky, Sutskever, Hinton, NIPS 2012), "
                   "torchvision's single-tower version")


def vgg_a(classes: int = 1000) -> Network:
    """VGG configuration A (VGG-11): 3x3 convolutions, max pooling, three FC layers."""
    plan = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    layers: list[Layer] = []
    cin, i, j = 3, 1, 1
    for v in plan:
        if v == "M":
            layers.append(_pool(f"pool{j}", 2, 2))
            j += 1
            continue
        layers += [_conv(f"conv{i}", cin, int(v), 3, 1, 1), _relu(f"relu{i}")]
        cin, i = int(v), i + 1
    layers += [Flatten(name="flatten"), _fc("fc1", 512 * 7 * 7, 4096), _relu("relu_fc1"),
               _fc("fc2", 4096, 4096), _relu("relu_fc2"), _fc("fc3", 4096, classes)]
    return Network(name="C", role="discriminator",
                   inputs=(NetworkInput(name="x", shape=(3, 224, 224)),), layers=tuple(layers),
                   description="VGG configuration A (Simonyan and Zisserman, ICLR 2015)")


def mnist_cnn(classes: int = 10) -> Network:
    """A LeNet-5-style CNN on 28x28 digits (conv 5x5 20, pool, conv 5x5 50, pool, FC 500)."""
    layers = [
        _conv("conv1", 1, 20, 5), _pool("pool1", 2, 2), _conv("conv2", 20, 50, 5),
        _pool("pool2", 2, 2), Flatten(name="flatten"), _fc("fc1", 50 * 4 * 4, 500),
        _relu("relu1"), _fc("fc2", 500, classes),
    ]
    return Network(name="C", role="discriminator",
                   inputs=(NetworkInput(name="x", shape=(1, 28, 28)),), layers=tuple(layers),
                   description="LeNet-5 layout as in Caffe's MNIST example (LeCun et al. 1998)")


#: name -> (builder, classes)
CLASSIFIERS: dict[str, tuple[Callable[..., Network], int]] = {
    "alexnet": (alexnet, 1000),
    "vgg-a": (vgg_a, 1000),
    "mnist-cnn": (mnist_cnn, 10),
}


def classifier_names() -> list[str]:
    return list(CLASSIFIERS)


def classifier(name: str) -> Network:
    """The classifier network ``name`` (``WorkloadError`` naming the known ones)."""
    if name not in CLASSIFIERS:
        raise WorkloadError(f"classifier {name!r}: unknown (known: {', '.join(CLASSIFIERS)})")
    build, classes = CLASSIFIERS[name]
    return build(classes)


def _stand_in_gan(net: Network, name: str) -> GAN:
    """A GAN whose D-step is the classifier's training step (see the module docstring)."""
    shape = net.inputs[0].shape
    classes = net.output_shape[0]
    gen = Network(name="stand_in_G", role="generator",
                  inputs=(NetworkInput(name="z", shape=shape),),
                  layers=(Activation(name="identity", function="identity"),))
    return GAN(
        name=name, source="lergan.workload.classifier", description="classifier training",
        inputs=(GanInput(name="x", kind="image", shape=shape),
                GanInput(name="label", kind="condition", shape=(classes,)),
                GanInput(name="z", kind="latent", shape=shape)),
        networks=(gen, net),
        calls=(NetworkCall(name="logits", network=net.name, inputs={"x": "x"}),
               NetworkCall(name="fake", network="stand_in_G", inputs={"z": "z"}),
               NetworkCall(name="d_fake", network=net.name, inputs={"x": "fake"})),
        losses=(Loss(name="cross_entropy", step="D", kind="adversarial", call="logits",
                     target="real", criterion="cross_entropy", label="label"),
                Loss(name="unused_g", step="G", kind="adversarial", call="d_fake",
                     target="real", criterion="bce_logits")),
    )


def classifier_iteration(network: str | Network, batch: int = 64,
                         options: IterationOptions | None = None) -> IterationGraph:
    """The iteration graph of one training step of a classifier on ``batch`` images."""
    net = classifier(network) if isinstance(network, str) else network
    name = network if isinstance(network, str) else net.name
    opts = (options or IterationOptions()).model_copy(update={"d_steps": 1, "g_steps": 1})
    full = build_iteration(_stand_in_gan(net, name), batch=batch, options=opts)
    ops = [op for op in full.operations if op.step == "D"]
    keep = {t for op in ops for t in (*op.reads, *op.writes)}
    ids = {op.id for op in ops}
    tensors = {}
    for t_name, t in full.tensors.items():
        if t_name in keep:
            t.consumers = [c for c in t.consumers if c in ids]
            if t.producer is not None and t.producer not in ids:
                t.producer = None
            tensors[t_name] = t
    return IterationGraph(name, batch, opts, ops, tensors, d_steps=1, g_steps=0)
