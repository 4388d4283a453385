"""MAC counts of single layer passes against brute-force enumeration and torch.

The brute force builds, per axis, the dense correlation that a zero-inserting accelerator
executes (architecture note, section 2: the zero-inserted, padded operand and the kernel)
and enumerates every (output position, kernel tap) pair over all axes at once, marking a
MAC real when both operands are real data. It shares no code with lergan.workload.counts
or lergan.zerofree.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.workload import layers as L
from lergan.workload.counts import Macs, layer_pass_macs


def _axis_correlation(computation, n, k, s, p, d, op):
    """(outputs, taps, is_real(j, u)) of the dense correlation along one axis."""
    if computation == "conv_forward":  # y[j] = sum_u w[u] x[j s - p + u d]
        m = (n + 2 * p - d * (k - 1) - 1) // s + 1
        return m, k, lambda j, u: 0 <= j * s - p + u * d < n
    if computation == "conv_transpose":  # x zero-inserted by s, padded by d(k-1)-p
        o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        left = d * (k - 1) - p

        def real(j, u):
            q = j + u * d - left  # index in the zero-inserted input
            return 0 <= q <= (n - 1) * s and q % s == 0

        return o, k, real
    if computation == "conv_input_grad":  # error of a conv: dy zero-inserted by s
        m = (n + 2 * p - d * (k - 1) - 1) // s + 1
        left = d * (k - 1) - p

        def real(j, u):
            q = j + u * d - left
            return 0 <= q <= (m - 1) * s and q % s == 0

        return n, k, real
    if computation == "conv_weight_grad":  # dW[u] = sum_v dy_dilated[v] x_padded[u d + v]
        m = (n + 2 * p - d * (k - 1) - 1) // s + 1
        span = (m - 1) * s + 1

        def real(u, v):
            return v % s == 0 and 0 <= u * d + v - p < n

        return k, span, real
    if computation == "conv_transpose_weight_grad":  # dW[u] = sum_v dy[v] x_ins_pad[v + u d]
        o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        left = d * (k - 1) - p

        def real(u, v):
            q = v + u * d - left
            return 0 <= q <= (n - 1) * s and q % s == 0

        return k, o, real
    if computation == "conv_transpose_error":  # a conv with stride s over dy (length o)
        o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        return n, k, lambda j, u: 0 <= j * s - p + u * d < o
    raise AssertionError(computation)


def brute_force(computation, sizes, ks, ss, ps, ds, ops, channel_pairs):
    axes = [
        _axis_correlation(computation, n, k, s, p, d, op)
        for n, k, s, p, d, op in zip(sizes, ks, ss, ps, ds, ops, strict=True)
    ]
    total = real = 0
    ranges = [range(a[0]) for a in axes]
    taps = [range(a[1]) for a in axes]
    for js in itertools.product(*ranges):
        for us in itertools.product(*taps):
            total += 1
            if all(a[2](j, u) for a, j, u in zip(axes, js, us, strict=True)):
                real += 1
    return real * channel_pairs, total * channel_pairs


@st.composite
def layers(draw):
    rank = draw(st.integers(1, 2))
    transposed = draw(st.booleans())
    g = draw(st.sampled_from([1, 2]))
    cin, cout = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    s = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    d = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    p = tuple(draw(st.integers(0, (di * (ki - 1)))) for ki, di in zip(k, d, strict=True))
    n = tuple(draw(st.integers(1, 6)) for _ in range(rank))
    kw = dict(
        name="l",
        rank=rank,
        in_channels=cin,
        out_channels=cout,
        kernel_size=k,
        stride=s,
        padding=p,
        dilation=d,
        groups=g,
    )
    if transposed:
        kw["output_padding"] = tuple(
            draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True)
        )
        layer = L.ConvTranspose(**kw)
    else:
        layer = L.Conv(**kw)
    shape = (cin, *n)
    try:
        out = layer.infer(shape)
    except L.ShapeMismatch:
        out = None
    from hypothesis import assume

    assume(out is not None)
    return layer, shape, out


PASS_COMPUTATION = {
    ("conv", "forward"): "conv_forward",
    ("conv", "error"): "conv_input_grad",
    ("conv", "weight_gradient"): "conv_weight_grad",
    ("conv_transpose", "forward"): "conv_transpose",
    ("conv_transpose", "error"): "conv_transpose_error",
    ("conv_transpose", "weight_gradient"): "conv_transpose_weight_grad",
}


@settings(max_examples=60)
@given(layers())
def test_real_and_zero_inserted_equal_brute_force(case):
    layer, shape, out = case
    pairs = (layer.in_channels // layer.groups) * layer.out_channels
    ops = getattr(layer, "output_padding", (0,) * layer.rank)
    reals = set()
    for pass_ in ("forward", "error", "weight_gradient"):
        macs, computation = layer_pass_macs(layer, pass_, shape, out)
        real, total = brute_force(
            PASS_COMPUTATION[(layer.kind, pass_)],
            shape[1:],
            layer.kernel_size,
            layer.stride,
            layer.padding,
            layer.dilation,
            ops,
            pairs,
        )
        assert (macs.real, macs.zero_inserted) == (real, total), pass_
        reals.add(macs.real)
        plain = (layer.kind, pass_) in (("conv", "forward"), ("conv_transpose", "error"))
        assert (computation is None) == plain
    assert len(reals) == 1  # the same (input, tap, output) triples in every pass


@settings(max_examples=60)
@given(layers())
def test_real_forward_equals_torch_on_ones(case):
    """Convolving all-ones data with all-ones weights counts the real MACs (torch)."""
    layer, shape, out = case
    rank = layer.rank
    x = torch.ones(1, 1, *shape[1:], dtype=torch.float64)
    w = torch.ones(1, 1, *layer.kernel_size, dtype=torch.float64)
    kw = dict(stride=layer.stride, padding=layer.padding, dilation=layer.dilation)
    if layer.kind == "conv":
        y = (F.conv1d, F.conv2d, F.conv3d)[rank - 1](x, w, **kw)
    else:
        y = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[rank - 1](
            x, w, output_padding=layer.output_padding, **kw
        )
    pairs = (layer.in_channels // layer.groups) * layer.out_channels
    macs, _ = layer_pass_macs(layer, "forward", shape, out)
    assert macs.real == int(y.sum().item()) * pairs


@settings(max_examples=40)
@given(layers(), st.integers(1, 3))
def test_nominal_equals_flop_counter(case, batch):
    """Forward, input-gradient and weight-gradient MACs as FlopCounterMode counts them."""
    from torch.utils.flop_counter import FlopCounterMode

    layer, shape, out = case
    from lergan.workload.modules import build_layer_module

    module = build_layer_module(layer, shape).to("meta")
    x = torch.zeros(batch, *shape, device="meta", requires_grad=True)
    counts = {}
    with FlopCounterMode(display=False) as c:
        y = module(x)
    counts["forward"] = c.get_total_flops()
    g = torch.ones_like(y)
    with FlopCounterMode(display=False) as c:
        torch.autograd.grad(y, [x], g, retain_graph=True)
    counts["error"] = c.get_total_flops()
    with FlopCounterMode(display=False) as c:
        torch.autograd.grad(y, [module.weight], g)
    counts["weight_gradient"] = c.get_total_flops()
    for pass_, flops in counts.items():
        macs, _ = layer_pass_macs(layer, pass_, shape, out)
        assert 2 * macs.nominal * batch == flops, pass_


def test_linear_and_elementwise_layers():
    lin = L.Linear(name="l", in_features=5, out_features=7)
    for p in ("forward", "error", "weight_gradient"):
        assert layer_pass_macs(lin, p, (5,), (7,)) == (Macs(35, 35, 35), None)
    assert layer_pass_macs(lin, "update", (5,), (7,)) == (Macs(), None)
    bn = L.BatchNorm(name="b", num_features=3)
    assert layer_pass_macs(bn, "forward", (3, 4), (3, 4)) == (Macs(), None)


def test_deck_layer_counts():
    """The deck's first T-CONV layer (4x4 -> 8x8, k4 s2 p1): 16 taps per output pixel in the
    zero-inserted form, 4 real taps in the interior (architecture note, section 2)."""
    t = L.ConvTranspose(
        name="t", rank=2, in_channels=1, out_channels=1, kernel_size=4, stride=2, padding=1
    )
    macs, comp = layer_pass_macs(t, "forward", (1, 4, 4), (1, 8, 8))
    assert comp == "conv_transpose"
    assert macs.zero_inserted == 64 * 16
    assert macs.real == 14 * 14  # per axis: 3 + 4 + 4 + 3 real (pixel, tap) pairs
    assert math.isclose(macs.zero_share, 1 - 196 / 1024)
