"""Zero-free operations against torch over random configurations (hypothesis)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops_support import (
    CONV,
    CONV_T,
    Case,
    assert_close_products,
    make_tensors,
    one_thread,  # noqa: F401 (autouse fixture)
    transposed_cases,
)

from lergan.zerofree import ops

FORMULATION = st.sampled_from([None, "phase", "grouped", "pattern", "subpixel"])


def _abs_ref(c: Case, x, w, b=None):
    """Sum of |input| x |weight| products per output element (plus |bias|)."""
    return CONV_T[c.rank](
        x.abs().double(),
        w.abs().double(),
        None if b is None else b.abs().double(),
        *c.tconv_args,
    )


@given(c=transposed_cases(), formulation=FORMULATION)
def test_conv_transpose_matches_torch(c: Case, formulation) -> None:
    x, w, b = make_tensors(c)
    want = CONV_T[c.rank](x, w, b, *c.tconv_args)
    got = ops.conv_transpose(
        x,
        w,
        b,
        *c.tconv_args,
        formulation=formulation,
    )
    assert_close_products(got, want, _abs_ref(c, x, w, b))


@settings(max_examples=40)
@given(c=transposed_cases(), formulation=FORMULATION)
def test_conv_transpose_backward_matches_autograd(c: Case, formulation) -> None:
    x, w, b = make_tensors(c)
    gen = torch.Generator().manual_seed(1)
    out_shape = ((c.batch,) if c.batch is not None else ()) + (c.cout, *c.out_size())
    gy = torch.randn(out_shape, generator=gen, dtype=c.dtype)
    grads = []
    for fn in ("torch", "ours"):
        xi, wi = x.clone().requires_grad_(), w.clone().requires_grad_()
        bi = None if b is None else b.clone().requires_grad_()
        args = (xi, wi, bi, *c.tconv_args)
        y = (
            CONV_T[c.rank](*args)
            if fn == "torch"
            else ops.conv_transpose(*args, formulation=formulation)
        )
        y.backward(gy)
        grads.append((xi.grad, wi.grad, None if bi is None else bi.grad))
    (tx, tw, tb), (ox, ow, ob) = grads
    gy_abs = gy.abs().double()
    # scales: |gy| x |w| products for the input grad, |x| x |gy| for the weight grad
    sx = CONV[c.rank](
        gy_abs if c.batch is not None else gy_abs.unsqueeze(0),
        w.abs().double(),
        None,
        *c.conv_args,
    )[(..., *(slice(0, n) for n in c.in_size))]
    assert_close_products(ox, tx, sx if c.batch is not None else sx.squeeze(0))
    xb = x if c.batch is not None else x.unsqueeze(0)
    gb = gy if c.batch is not None else gy.unsqueeze(0)
    sw = ops.conv_transpose_weight_grad(
        xb.abs().double(),
        gb.abs().double(),
        tuple(w.shape),
        *c.tconv_args,
    )
    assert_close_products(ow, tw, sw)
    if b is not None:
        assert_close_products(
            ob, tb, gy_abs.sum(dim=tuple(i for i in range(gy.dim()) if i != gy.dim() - c.rank - 1))
        )


@st.composite
def conv_cases(draw):
    """A (non-transposed) convolution that torch accepts."""
    c = draw(transposed_cases())
    # reuse the drawn kernel/stride/dilation/padding/sizes, as a convolution of in_size
    sizes = tuple(
        max(n, d * (k - 1) + 1 - 2 * p)
        for n, k, p, d in zip(c.in_size, c.kernel, c.padding, c.dilation, strict=True)
    )
    return Case(
        c.rank,
        c.batch,
        sizes,
        c.kernel,
        c.stride,
        c.padding,
        (0,) * c.rank,
        c.dilation,
        c.groups,
        c.cin,
        c.cout,
        c.dtype,
        False,
    )


def _conv_pair(c: Case):
    gen = torch.Generator().manual_seed(2)
    lead = (c.batch,) if c.batch is not None else ()
    x = torch.randn((*lead, c.cin, *c.in_size), generator=gen, dtype=c.dtype, requires_grad=True)
    w = torch.randn(
        (c.cout, c.cin // c.groups, *c.kernel), generator=gen, dtype=c.dtype, requires_grad=True
    )
    y = CONV[c.rank](x, w, None, *c.conv_args)
    gy = torch.randn(y.shape, generator=gen, dtype=c.dtype)
    y.backward(gy)
    return x, w, gy


@given(c=conv_cases(), formulation=FORMULATION)
def test_conv_input_grad_matches_torch(c: Case, formulation) -> None:
    x, w, gy = _conv_pair(c)
    got = ops.conv_input_grad(
        gy,
        w.detach(),
        tuple(x.shape),
        *c.conv_args,
        formulation=formulation,
    )
    if c.batch is not None:
        nn_ref = {
            1: torch.nn.grad.conv1d_input,
            2: torch.nn.grad.conv2d_input,
            3: torch.nn.grad.conv3d_input,
        }[c.rank](x.shape, w.detach(), gy, *c.conv_args)
        torch.testing.assert_close(nn_ref, x.grad, rtol=1e-4, atol=1e-4)
    gyb = gy if c.batch is not None else gy.unsqueeze(0)
    xshape = x.shape if c.batch is not None else (1, *x.shape)
    scale = ops.conv_input_grad(
        gyb.abs().double(),
        w.detach().abs().double(),
        xshape,
        *c.conv_args,
    )
    assert_close_products(got, x.grad, scale if c.batch is not None else scale.squeeze(0))


@given(c=conv_cases())
def test_conv_weight_grad_matches_autograd(c: Case) -> None:
    x, w, gy = _conv_pair(c)
    got = ops.conv_weight_grad(x.detach(), gy, tuple(w.shape), *c.conv_args)
    xb = x.detach() if c.batch is not None else x.detach().unsqueeze(0)
    gb = gy if c.batch is not None else gy.unsqueeze(0)
    # reference scale from torch itself: |x| and |gy| through autograd of a conv
    xa = xb.abs().double()
    wa = torch.zeros(w.shape, dtype=torch.float64, requires_grad=True)
    CONV[c.rank](xa, wa, None, *c.conv_args).backward(gb.abs().double())
    assert_close_products(got, w.grad, wa.grad)


@given(c=transposed_cases(), formulation=st.sampled_from([None, "conv", "im2col"]))
def test_conv_transpose_weight_grad_matches_autograd(c: Case, formulation) -> None:
    x, w, _ = make_tensors(c)
    wr = w.clone().requires_grad_()
    y = CONV_T[c.rank](x, wr, None, *c.tconv_args)
    gy = torch.randn(y.shape, generator=torch.Generator().manual_seed(3), dtype=c.dtype)
    y.backward(gy)
    got = ops.conv_transpose_weight_grad(
        x,
        gy,
        tuple(w.shape),
        *c.tconv_args,
        formulation=formulation,
    )
    wa = torch.zeros(w.shape, dtype=torch.float64, requires_grad=True)
    CONV_T[c.rank](x.abs().double(), wa, None, *c.tconv_args).backward(gy.abs().double())
    assert_close_products(got, wr.grad, wa.grad)


def test_channels_last_input_keeps_layout_and_values() -> None:
    x = torch.randn(2, 6, 5, 7).contiguous(memory_format=torch.channels_last)
    w = torch.randn(6, 4, 4, 3)
    for f in (None, "phase", "grouped", "pattern", "subpixel"):
        y = ops.conv_transpose(x, w, None, 2, 1, formulation=f)
        assert y.is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(y, F.conv_transpose2d(x, w, None, 2, 1))
        y2 = ops.conv_transpose(x.contiguous(), w, None, 2, 1, formulation=f)
        assert y2.is_contiguous()


def test_phase_without_taps_gives_bias_only() -> None:
    # kernel 1, stride 3: two phases in three meet no tap and output the bias alone
    x = torch.randn(1, 2, 4, dtype=torch.float64)
    w = torch.randn(2, 3, 1, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64)
    for f in ("phase", "grouped", "pattern", "subpixel"):
        y = ops.conv_transpose(x, w, b, stride=3, output_padding=2, formulation=f)
        torch.testing.assert_close(y, F.conv_transpose1d(x, w, b, 3, 0, 2))
        torch.testing.assert_close(y[..., 1::3], b.view(1, 3, 1).expand(1, 3, 4))


def test_empty_batch() -> None:
    x = torch.randn(0, 4, 3, 3)
    w = torch.randn(4, 2, 3, 3)
    assert ops.conv_transpose(x, w, None, 2).shape == (0, 2, 7, 7)


@pytest.mark.parametrize("formulation", [None, "phase", "grouped", "pattern", "subpixel"])
def test_float32_channels_last_path_on_a_larger_input(formulation) -> None:
    """float32 inputs above the size threshold run channels-last internally."""
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, 64, 16, 16, generator=gen)
    w = torch.randn(64, 8, 4, 4, generator=gen) * 0.1
    b = torch.randn(8, generator=gen)
    got = ops.conv_transpose(x, w, b, 2, 1, formulation=formulation)
    assert got.is_contiguous()
    want = F.conv_transpose2d(x.double(), w.double(), b.double(), 2, 1)
    scale = F.conv_transpose2d(x.abs().double(), w.abs().double(), b.abs().double(), 2, 1)
    assert_close_products(got, want.float(), scale)
