"""Small constructors shared by the benchmark modules of :mod:`lergan.workload.suite`.

They only spell layer descriptions (:mod:`lergan.workload.layers`), DCGAN-style stacks of
them, the usual calls and the usual loss terms compactly; names are numbered per network so
that each layer's name is unique and readable in tables (``conv1``, ``bn1``, ``lrelu1``,
...). What each GAN's layers are, and where that comes from, stays in its own module.
"""

from __future__ import annotations

from typing import Any, Literal

from lergan.errors import WorkloadError
from lergan.workload.gan import Loss, NetworkCall
from lergan.workload.layers import (
    Activation,
    ActivationFunction,
    BatchNorm,
    Concat,
    Conv,
    ConvTranspose,
    Flatten,
    Layer,
    Linear,
    Reshape,
)


def _conv_fields(
    name: str, cin: int, cout: int, k: int, s: int, p: int, rank: int, bias: bool
) -> dict[str, Any]:
    return dict(
        name=name,
        rank=rank,
        in_channels=cin,
        out_channels=cout,
        kernel_size=k,
        stride=s,
        padding=p,
        bias=bias,
    )


def conv(
    name: str, cin: int, cout: int, k: int, s: int, p: int, *, rank: int = 2, bias: bool = False
) -> Conv:
    return Conv(**_conv_fields(name, cin, cout, k, s, p, rank, bias))


def tconv(
    name: str,
    cin: int,
    cout: int,
    k: int,
    s: int,
    p: int,
    *,
    op: int = 0,
    rank: int = 2,
    bias: bool = False,
) -> ConvTranspose:
    return ConvTranspose(output_padding=op, **_conv_fields(name, cin, cout, k, s, p, rank, bias))


def bn(name: str, n: int, *, affine: bool = True, eps: float = 1e-5) -> BatchNorm:
    return BatchNorm(name=name, num_features=n, affine=affine, eps=eps)


def relu(name: str) -> Activation:
    return Activation(name=name, function="relu")


def lrelu(name: str, slope: float = 0.2) -> Activation:
    return Activation(name=name, function="leaky_relu", negative_slope=slope)


def act(name: str, function: ActivationFunction) -> Activation:
    return Activation(name=name, function=function)


def linear(name: str, fin: int, fout: int, *, bias: bool = False) -> Linear:
    return Linear(name=name, in_features=fin, out_features=fout, bias=bias)


def flatten(name: str) -> Flatten:
    return Flatten(name=name)


def reshape(name: str, shape: tuple[int, ...]) -> Reshape:
    return Reshape(name=name, shape=shape)


def concat(name: str, source: str, *, broadcast: bool = False, input: str | None = None) -> Concat:
    return Concat(name=name, source=source, broadcast=broadcast, input=input)


def unit(
    kind: Literal["conv", "tconv"],
    i: int,
    cin: int,
    cout: int,
    k: int = 4,
    s: int = 2,
    p: int = 1,
    *,
    norm: str | None = "bn",
    act: Literal["relu", "lrelu"] | None = None,
    act_name: str | None = None,
    prefix: str = "",
    rank: int = 2,
    bias: bool = False,
) -> list[Layer]:
    """A DCGAN unit (kernel 4, stride 2, padding 1 by default): ``{prefix}{kind}{i}``, batch
    norm ``{prefix}{norm}{i}`` (``norm=None``: none), then the activation named
    ``{prefix}{act_name or act}{i}``: leaky ReLU 0.2 (``lrelu``, a convolution's default, as
    in DCGAN's discriminator) or ReLU (``relu``, a transposed convolution's, as in its
    generator)."""
    make = conv if kind == "conv" else tconv
    layers: list[Layer] = [make(f"{prefix}{kind}{i}", cin, cout, k, s, p, rank=rank, bias=bias)]
    if norm is not None:
        layers.append(bn(f"{prefix}{norm}{i}", cout))
    act = act or ("lrelu" if kind == "conv" else "relu")
    name = f"{prefix}{act_name or act}{i}"
    layers.append(relu(name) if act == "relu" else lrelu(name))
    return layers


def down_stack(
    levels: int,
    cin: int,
    width: int,
    *,
    first_norm: bool = False,
    norm: bool = True,
    prefix: str = "",
    rank: int = 2,
    bias: bool = False,
) -> tuple[list[Layer], int]:
    """``levels`` stride-2 convolution units (:func:`unit`, numbered from 1) halving the size:
    ``cin`` to ``width`` channels, then doubling; the first without batch norm unless
    ``first_norm`` (DCGAN's guideline). Returns the layers and the last unit's channels."""
    layers: list[Layer] = []
    for i in range(1, levels + 1):
        stem = "bn" if norm and (first_norm or i > 1) else None
        layers += unit("conv", i, cin, width, norm=stem, prefix=prefix, rank=rank, bias=bias)
        cin, width = width, width * 2
    return layers, cin


def up_stack(
    levels: int,
    cin: int,
    width: int,
    *,
    norm: bool = True,
    prefix: str = "",
    rank: int = 2,
    bias: bool = False,
) -> tuple[list[Layer], int]:
    """DCGAN's generator body: a kernel-4 stride-1 transposed-convolution :func:`unit` from
    a 1x1 input to 4x4 at ``width`` channels, then ``levels - 1`` stride-2 ones halving the
    channels (batch norm and ReLU each). Returns the layers and the last unit's channels."""
    stem = "bn" if norm else None
    common: dict[str, Any] = dict(norm=stem, prefix=prefix, rank=rank, bias=bias)
    layers = unit("tconv", 1, cin, width, 4, 1, 0, **common)
    for i in range(2, levels + 1):
        layers += unit("tconv", i, width, width // 2, **common)
        width //= 2
    return layers, width


def gd_calls(g_inputs: dict[str, str], **d_inputs: str) -> tuple[NetworkCall, ...]:
    """The calls of a one-generator GAN: ``fake = G(g_inputs)``, ``d_real = D(x, ...)`` and
    ``d_fake = D(fake, ...)`` (``d_inputs``: D's further inputs, e.g. a condition)."""
    return (
        NetworkCall(name="fake", network="G", inputs=g_inputs),
        NetworkCall(name="d_real", network="D", inputs={"x": "x", **d_inputs}),
        NetworkCall(name="d_fake", network="D", inputs={"x": "fake", **d_inputs}),
    )


def _loss(name: str, step: str, kind: str, call: str, **fields: Any) -> Loss:
    return Loss(name=name, step=step, kind=kind, call=call, **fields)  # type: ignore[arg-type]


def adversarial(
    name: str,
    step: Literal["D", "G"],
    call: str,
    target: Literal["real", "fake"],
    criterion: Any,
    *,
    weight: float = 1.0,
    label: str | None = None,
) -> Loss:
    """An adversarial loss term (:class:`lergan.workload.gan.Loss`)."""
    return _loss(
        name,
        step,
        "adversarial",
        call,
        target=target,
        label=label,
        criterion=criterion,
        weight=weight,
    )


def adversarial_losses(
    criterion: Any,
    *,
    g_weight: float = 1.0,
    real_label: str | None = None,
    g_label: str | None = None,
) -> tuple[Loss, Loss, Loss]:
    """The usual three terms over the calls ``d_real`` / ``d_fake``: D scores reals as real
    and fakes as fake, G has the fakes scored real (the non-saturating form)."""
    return (
        adversarial("d_real", "D", "d_real", "real", criterion, label=real_label),
        adversarial("d_fake", "D", "d_fake", "fake", criterion),
        adversarial("g_adv", "G", "d_fake", "real", criterion, weight=g_weight, label=g_label),
    )


def reconstruction(
    name: str,
    step: Literal["D", "G"],
    call: str,
    reference: str,
    *,
    criterion: Any = "mse",
    weight: float = 1.0,
    margin: float | None = None,
) -> Loss:
    """A reconstruction loss term: ``call``'s output against ``reference``."""
    return _loss(
        name,
        step,
        "reconstruction",
        call,
        reference=reference,
        criterion=criterion,
        weight=weight,
        margin=margin,
    )


def power_of_two_levels(gan: str, option: str, size: int, smallest: int) -> int:
    """Number of stride-2 halvings from ``size`` down to ``smallest`` (DCGAN-style stacks).

    Raises :class:`WorkloadError` naming the GAN and the option when ``size`` is not
    ``smallest`` times a power of two (at least twice ``smallest``).
    """
    levels, n = 0, size
    while n > smallest and n % 2 == 0:
        n //= 2
        levels += 1
    if n != smallest or levels < 1:
        raise WorkloadError(
            f"{gan}: {option}={size} must be {smallest} times a power of two "
            f"(e.g. {smallest * 2}, {smallest * 4}, {smallest * 16})"
        )
    return levels


def positive(gan: str, **options: int) -> None:
    """Raise :class:`WorkloadError` naming the first option that is not a positive int."""
    for key, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise WorkloadError(f"{gan}: option {key}={value!r} must be a positive integer")
