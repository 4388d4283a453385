"""Small constructors shared by the benchmark modules of :mod:`lergan.workload.suite`.

They only spell layer descriptions (:mod:`lergan.workload.layers`) compactly; names are
numbered per network so that each layer's name is unique and readable in tables
(``conv1``, ``bn1``, ``lrelu1``, ...).
"""

from __future__ import annotations

from typing import Any

from lergan.errors import WorkloadError
from lergan.workload.layers import (
    Activation,
    BatchNorm,
    Concat,
    Conv,
    ConvTranspose,
    Flatten,
    Linear,
    Reshape,
)


def conv(
    name: str, cin: int, cout: int, k: int, s: int, p: int, *, rank: int = 2, bias: bool = False
) -> Conv:
    return Conv(
        name=name,
        rank=rank,
        in_channels=cin,
        out_channels=cout,
        kernel_size=k,
        stride=s,
        padding=p,
        bias=bias,
    )


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
    return ConvTranspose(
        name=name,
        rank=rank,
        in_channels=cin,
        out_channels=cout,
        kernel_size=k,
        stride=s,
        padding=p,
        output_padding=op,
        bias=bias,
    )


def bn(name: str, n: int, *, affine: bool = True, eps: float = 1e-5) -> BatchNorm:
    return BatchNorm(name=name, num_features=n, affine=affine, eps=eps)


def relu(name: str) -> Activation:
    return Activation(name=name, function="relu")


def lrelu(name: str, slope: float = 0.2) -> Activation:
    return Activation(name=name, function="leaky_relu", negative_slope=slope)


def act(name: str, function: Any) -> Activation:
    return Activation(name=name, function=function)


def linear(name: str, fin: int, fout: int, *, bias: bool = False) -> Linear:
    return Linear(name=name, in_features=fin, out_features=fout, bias=bias)


def flatten(name: str) -> Flatten:
    return Flatten(name=name)


def reshape(name: str, shape: tuple[int, ...]) -> Reshape:
    return Reshape(name=name, shape=shape)


def concat(name: str, source: str, *, broadcast: bool = False, input: str | None = None) -> Concat:
    return Concat(name=name, source=source, broadcast=broadcast, input=input)


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
