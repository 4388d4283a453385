"""MAC reports against FlopCounterMode and a brute-force enumeration from the definitions.

The brute force builds, per axis, the dense zero-inserting operand of
``docs/architecture.md`` section 2 as an array of markers (real, inserted zero, padding)
and walks every (output position, tap) MAC of the dense convolution over all axes.
"""

from __future__ import annotations

import itertools

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops_support import (
    Case,
    make_tensors,
    one_thread,  # noqa: F401 (autouse fixture)
    transposed_cases,
)
from torch.utils.flop_counter import FlopCounterMode

from lergan.zerofree import ops, plan

REAL, INSERTED, PAD = "real", "inserted", "pad"


def _zero_inserted_padded(n: int, s: int, left: int, right: int) -> list[str]:
    """Markers of the dense T-CONV operand along one axis: ``n`` elements spread apart by
    ``s - 1`` inserted zeros, then padded (a negative pad crops)."""
    inserted = []
    for i in range(n):
        inserted.append(REAL)
        if i < n - 1:
            inserted += [INSERTED] * (s - 1)
    arr = [PAD] * max(left, 0) + inserted[max(-left, 0) :]
    if right >= 0:
        return arr + [PAD] * right
    return arr[:right]


def _tconv_axis(n, k, s, p, d, op, grid_only=False):
    """For each (output, tap): (marker, on the stride grid of the input?)."""
    left = d * (k - 1) - p
    z = _zero_inserted_padded(n, s, left, left + op)
    n_out = len(z) - d * (k - 1)
    pairs = {}
    for o in range(n_out):
        for tf in range(k):  # tap of the flipped kernel
            pos = o + tf * d
            inside = pos - left  # position in the zero-inserted array
            pairs[o, k - 1 - tf] = (z[pos], inside % s == 0)
    return n_out, pairs


def _combine(markers):
    if INSERTED in markers:
        return INSERTED
    if PAD in markers:
        return PAD
    return REAL


def _brute_tconv(c: Case, executes: str):
    """(real, inserted, padding, executed padding) MACs per channel triple, over all axes;
    ``executes``: 'grid' (all axes on the stride grid) or 'real'."""
    axes = [
        _tconv_axis(n, k, s, p, d, op)
        for n, k, s, p, d, op in zip(
            c.in_size, c.kernel, c.stride, c.padding, c.dilation, c.output_padding, strict=True
        )
    ]
    counts = {REAL: 0, INSERTED: 0, PAD: 0, "pad_done": 0}
    for combo in itertools.product(*(a[1].values() for a in axes)):
        kind = _combine([m for m, _ in combo])
        counts[kind] += 1
        if kind == PAD and executes == "grid" and all(on for _, on in combo):
            counts["pad_done"] += 1
    return counts


def _flops(fn) -> tuple[object, int]:
    with FlopCounterMode(display=False) as fc:
        out = fn()
    return out, fc.get_total_flops()


def _batch(c: Case) -> int:
    return 1 if c.batch is None else c.batch


small = transposed_cases(max_size=4)


@settings(max_examples=40)
@given(c=small, formulation=st.sampled_from([None, "phase", "grouped", "pattern", "subpixel"]))
def test_conv_transpose_report(c: Case, formulation) -> None:
    x, w, b = make_tensors(c)
    (_y, rep), flops = _flops(
        lambda: ops.conv_transpose(
            x,
            w,
            b,
            *c.tconv_args,
            formulation=formulation,
            return_report=True,
        )
    )
    chan = _batch(c) * c.cin * (c.cout // c.groups)
    bf = _brute_tconv(c, "grid")
    assert rep.executed * 2 == flops
    assert rep.real == chan * bf[REAL]
    assert rep.skipped_inserted_zero == chan * bf[INSERTED]
    assert rep.executed >= rep.real
    if formulation == "pattern":  # one convolution per pattern: exactly the real MACs
        assert rep.executed == rep.real
        assert rep.skipped_padding == chan * bf[PAD]
        return
    assert rep.skipped_padding == chan * (bf[PAD] - bf["pad_done"])
    if formulation in ("phase", "grouped"):  # per phase: exactly the grid MACs
        assert rep.executed == chan * (bf[REAL] + bf["pad_done"])


@settings(max_examples=40)
@given(c=small, formulation=st.sampled_from([None, "conv", "im2col"]))
def test_conv_transpose_weight_grad_report(c: Case, formulation) -> None:
    x, w, _ = make_tensors(c)
    xb = x if c.batch is not None else x.unsqueeze(0)
    gy = torch.randn((xb.shape[0], c.cout, *c.out_size()), dtype=c.dtype)
    (_dw, rep), flops = _flops(
        lambda: ops.conv_transpose_weight_grad(
            xb,
            gy,
            tuple(w.shape),
            *c.tconv_args,
            formulation=formulation,
            return_report=True,
        )
    )
    chan = xb.shape[0] * c.cin * (c.cout // c.groups)
    bf = _brute_tconv(c, "real")
    assert rep.executed * 2 == flops
    assert rep.real == chan * bf[REAL]
    assert rep.skipped_inserted_zero == chan * bf[INSERTED]
    assert rep.skipped_padding == chan * bf[PAD]  # the input is never padded
    # every tap meets every input position once (the error is padded instead)
    n_pairs = 1
    for k, n in zip(c.kernel, c.in_size, strict=True):
        n_pairs *= k * n
    assert rep.executed == chan * n_pairs


def _brute_conv_weight(in_size, kernel, stride, padding, dilation, out_size):
    """Dense W-CONV of a convolution: the padded input correlated with the error dilated by
    the stride (inserted zeros between error elements)."""
    per_axis = []
    for n, k, s, p, d, e in zip(in_size, kernel, stride, padding, dilation, out_size, strict=True):
        x_pad = [PAD] * p + [REAL] * n + [PAD] * p
        e_dil = _zero_inserted_padded(e, s, 0, 0)
        per_axis.append(
            [
                INSERTED if e_dil[u] == INSERTED else x_pad[t * d + u]
                for t in range(k)
                for u in range(len(e_dil))
            ]
        )
    counts = {REAL: 0, INSERTED: 0, PAD: 0}
    for combo in itertools.product(*per_axis):
        counts[_combine(combo)] += 1
    return counts


@settings(max_examples=40)
@given(c=small)
def test_conv_input_and_weight_grad_reports(c: Case) -> None:
    # the convolution whose error is propagated: input size large enough for the kernel
    size = tuple(
        max(n, d * (k - 1) + 1 - 2 * p)
        for n, k, p, d in zip(c.in_size, c.kernel, c.padding, c.dilation, strict=True)
    )
    conv = {
        1: torch.nn.functional.conv1d,
        2: torch.nn.functional.conv2d,
        3: torch.nn.functional.conv3d,
    }[c.rank]
    x = torch.randn((2, c.cin, *size), dtype=c.dtype)
    w = torch.randn((c.cout, c.cin // c.groups, *c.kernel), dtype=c.dtype)
    gy = torch.randn(conv(x, w, None, *c.conv_args).shape, dtype=c.dtype)
    chan = 2 * c.cout * (c.cin // c.groups)
    (_gx, rep), flops = _flops(
        lambda: ops.conv_input_grad(gy, w, tuple(x.shape), *c.conv_args, return_report=True)
    )
    assert rep.executed * 2 == flops
    # as a transposed convolution of the error: output padding absorbs the remainder
    opad = tuple(
        n + 2 * p - d * (k - 1) - 1 - (e - 1) * s
        for n, k, s, p, d, e in zip(
            size, c.kernel, c.stride, c.padding, c.dilation, gy.shape[2:], strict=True
        )
    )
    as_t = Case(
        c.rank,
        2,
        tuple(gy.shape[2:]),
        c.kernel,
        c.stride,
        c.padding,
        opad,
        c.dilation,
        c.groups,
        c.cout,
        c.cin,
        c.dtype,
        False,
    )
    bf = _brute_tconv(as_t, "grid")
    assert rep.real == chan * bf[REAL]
    assert rep.skipped_inserted_zero == chan * bf[INSERTED]
    assert rep.skipped_padding == chan * (bf[PAD] - bf["pad_done"])
    layer = c.plan_layer(size)
    want = plan("conv_input_grad", **layer).macs
    assert (rep.real, rep.skipped_inserted_zero) == (2 * want.real, 2 * want.inserted_zero)

    (_dw, rep), flops = _flops(
        lambda: ops.conv_weight_grad(x, gy, tuple(w.shape), *c.conv_args, return_report=True)
    )
    assert rep.executed * 2 == flops
    bw = _brute_conv_weight(size, c.kernel, c.stride, c.padding, c.dilation, gy.shape[2:])
    assert rep.real == chan * bw[REAL]
    assert rep.skipped_inserted_zero == chan * bw[INSERTED]
    assert rep.skipped_padding == 0  # the padded input is used as is
    want = plan("conv_weight_grad", **layer).macs
    assert (rep.real, rep.skipped_inserted_zero) == (2 * want.real, 2 * want.inserted_zero)
    assert rep.executed == 2 * (want.real + want.padding)
    assert rep.executed == chan * (bw[REAL] + bw[PAD])


def test_dcgan_layer_report_by_hand() -> None:
    """4x4 -> 8x8, kernel 4, stride 2, padding 1. Per axis the dense operand is 7 zero-inserted
    elements padded by 2 on each side; 8 outputs x 4 taps = 32 pairs: 14 real, 2 on padding
    on the grid (output 0 tap 3, output 7 tap 0), 12 on inserted zeros, 4 on padding off the
    grid. Over two axes: 20 x 20 pairs touch no inserted zero, 16 x 16 lie on the grid."""
    x = torch.randn(1, 1, 4, 4)
    w = torch.randn(1, 1, 4, 4)
    _, rep = ops.conv_transpose(x, w, stride=2, padding=1, formulation="phase", return_report=True)
    assert rep.real == 14 * 14
    assert rep.executed == 16 * 16
    assert rep.skipped_inserted_zero == 32 * 32 - 20 * 20
    assert rep.skipped_padding == 20 * 20 - 16 * 16
    assert rep.to_dict()["executed"] == 256


def test_grouped_formulation_runs_one_convolution_for_dcgan_layers() -> None:
    """Kernel 4, stride 2, padding 1: the four phases are alike, so one grouped convolution
    computes them all, with exactly the grid MACs."""
    x = torch.randn(2, 3, 4, 4)
    w = torch.randn(3, 5, 4, 4)
    with FlopCounterMode(display=False) as fc:
        y, rep = ops.conv_transpose(
            x, w, stride=2, padding=1, formulation="grouped", return_report=True
        )
    counts = fc.get_flop_counts()["Global"]
    assert sum(counts.values()) == 2 * rep.executed
    assert rep.executed == 2 * 3 * 5 * 16 * 16
    torch.testing.assert_close(y, torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1))


@settings(max_examples=30)
@given(c=small)
def test_reports_agree_with_plan(c: Case) -> None:
    """The ops' dense counts agree with ``lergan.zerofree.plan`` (an independent count)."""
    x, w, _ = make_tensors(c)
    xb = x if c.batch is not None else x.unsqueeze(0)
    n = xb.shape[0]
    common = c.plan_layer()
    want = plan("conv_transpose", output_padding=c.output_padding, **common).macs
    _, rep = ops.conv_transpose(
        xb,
        w,
        None,
        *c.tconv_args,
        formulation="pattern",
        return_report=True,
    )
    assert (rep.real, rep.skipped_inserted_zero, rep.skipped_padding) == (
        n * want.real,
        n * want.inserted_zero,
        n * want.padding,
    )
    gy = torch.randn((n, c.cout, *c.out_size()), dtype=c.dtype)
    _, rep = ops.conv_transpose_weight_grad(
        xb,
        gy,
        tuple(w.shape),
        *c.tconv_args,
        return_report=True,
    )
    want = plan("conv_transpose_weight_grad", output_padding=c.output_padding, **common).macs
    assert (rep.real, rep.skipped_inserted_zero, rep.skipped_padding) == (
        n * want.real,
        n * want.inserted_zero,
        n * want.padding,
    )
