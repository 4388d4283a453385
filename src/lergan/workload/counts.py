"""Multiply-accumulates of one layer pass, counted three ways, per sample.

- **real**: both operands are real data: no inserted zero, no padding. Forward, error and
  weight-gradient passes of one layer multiply the same (input, weight, output) triples,
  so their real counts are equal.
- **zero_inserted**: what a dense convolution of the zero-inserted, padded operand performs
  (the conventional accelerator's work). For the four zero-inserting computations of the
  architecture note, section 2 (T-CONV forward, S-CONV error propagation, W-CONV of a
  convolution and of a transposed convolution) this is ``lergan.zerofree.plan(...)``'s
  ``macs.total``; for the two plain convolutions (a convolution's forward, a transposed
  convolution's error propagation) it is the dense count with padding, computed here.
- **nominal**: what ``torch.utils.flop_counter.FlopCounterMode`` counts, divided by two
  (its ``conv_flop_count`` / ``conv_backward_flop`` / ``mm_flop`` formulas, torch 2.x). Note
  that for a grouped convolution torch's weight-gradient count is ``groups`` times the
  forward's.

Layers without multiplications (batch norm, activations, reshapes, concatenation, ...)
count zero MACs in all three ways (FlopCounterMode counts none for them either).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

from lergan.vocabulary import ZERO_INSERTING
from lergan.workload.layers import Layer, conv_output_size
from lergan.zerofree import plan

__all__ = [
    "COUNTS",
    "ZERO_INSERTING",
    "Macs",
    "conv_real_per_axis",
    "layer_pass_macs",
    "plan_kwargs",
]

#: The three ways MACs are counted, in the order tables show them.
COUNTS = ("real", "zero_inserted", "nominal")


@dataclass(frozen=True)
class Macs:
    """Multiply-accumulates counted three ways (see the module docstring)."""

    real: int = 0
    zero_inserted: int = 0
    nominal: int = 0

    def __add__(self, other: Macs) -> Macs:
        return Macs(
            self.real + other.real,
            self.zero_inserted + other.zero_inserted,
            self.nominal + other.nominal,
        )

    def __mul__(self, factor: int) -> Macs:
        return Macs(self.real * factor, self.zero_inserted * factor, self.nominal * factor)

    __rmul__ = __mul__

    @property
    def zero_share(self) -> float:
        """Share of the zero-inserted count that multiplies a zero (inserted or padding)."""
        return 1.0 - self.real / self.zero_inserted if self.zero_inserted else 0.0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def conv_real_per_axis(
    size: int, kernel: int, stride: int, padding: int, dilation: int, out: int | None = None
) -> int:
    """Real (output position, tap) pairs of a zero-padded convolution along one axis.

    Output ``j`` reads input ``j * stride - padding + t * dilation`` at tap ``t``; the pair is
    real when that index lies inside ``[0, size)``. A convolution's real MACs are the product
    of this over the axes times the channel pairs (realness is a conjunction over axes).
    ``out`` (default: the convolution's output length) limits the output positions, e.g. to
    a transposed convolution's input length when counting its error propagation.
    """
    if out is None:
        out = conv_output_size(size, kernel, stride, padding, dilation)
    total = 0
    for t in range(kernel):
        # j in [0, out) with 0 <= j*s - p + t*d < size
        low = padding - t * dilation
        high = size - 1 + padding - t * dilation
        j_min = max(0, -(-low // stride))
        j_max = min(out - 1, high // stride) if high >= 0 else -1
        if j_max >= j_min:
            total += j_max - j_min + 1
    return total


@functools.lru_cache(maxsize=4096)
def _plan_macs(computation: str, key: tuple[Any, ...]) -> tuple[int, int]:
    kwargs = dict(key)
    p = plan(computation, **kwargs)
    return p.macs.real, p.macs.total


def plan_kwargs(layer: Layer, input_shape: tuple[int, ...]) -> dict[str, Any]:
    """The :func:`lergan.zerofree.plan` keyword arguments of a conv-like ``layer`` whose
    forward input has the per-sample shape ``input_shape`` (channels first)."""
    kwargs: dict[str, Any] = dict(
        input_size=tuple(input_shape[1:]),
        kernel_size=layer.kernel_size,
        stride=layer.stride,
        padding=layer.padding,
        dilation=layer.dilation,
        in_channels=layer.in_channels,
        out_channels=layer.out_channels,
        groups=layer.groups,
    )
    if layer.kind == "conv_transpose":
        kwargs["output_padding"] = layer.output_padding
    return kwargs




def layer_pass_macs(
    layer: Layer, pass_: str, input_shape: tuple[int, ...], output_shape: tuple[int, ...]
) -> tuple[Macs, str | None]:
    """MACs of one sample of ``pass_`` through ``layer`` and the zerofree computation name
    (``None`` when the pass is a plain matrix product or convolution, or has no MACs)."""
    kind = layer.kind
    if pass_ not in ("forward", "error", "weight_gradient") or not layer.has_macs:
        return Macs(), None
    if kind == "linear":
        n = layer.in_features * layer.out_features
        return Macs(n, n, n), None
    cin, cout, g, taps = layer.in_channels, layer.out_channels, layer.groups, layer.taps
    if kind == "conv":
        spatial, conv_in = output_shape[1:], input_shape[1:]
        per_pair = cout * (cin // g)
    else:  # conv_transpose: its error pass is a strided convolution over the output error
        spatial, conv_in = input_shape[1:], output_shape[1:]
        per_pair = cin * (cout // g)
    dense = per_pair * taps * math.prod(spatial)
    real = per_pair * math.prod(
        conv_real_per_axis(n, k, s, p, d, o)
        for n, k, s, p, d, o in zip(
            conv_in,
            layer.kernel_size,
            layer.stride,
            layer.padding,
            layer.dilation,
            spatial,
            strict=True,
        )
    )
    nominal = dense if pass_ != "weight_gradient" else cin * cout * taps * math.prod(spatial)
    computation = ZERO_INSERTING.get((kind, pass_))
    if computation is None:
        return Macs(real, dense, nominal), None
    plan_real, plan_total = _plan_macs(computation, tuple(plan_kwargs(layer, input_shape).items()))
    if plan_real != real:  # two independent derivations of the same triples must agree
        raise AssertionError(
            f"layer {layer.name!r} {pass_}: lergan.zerofree.plan counts {plan_real} real "
            f"MACs per sample but the layer has {real} real (input, tap, output) triples"
        )
    return Macs(real, plan_total, nominal), computation
