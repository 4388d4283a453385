"""Tests of :func:`lergan.zerofree.plan` against an independent brute-force enumeration.

The brute force walks the whole d-dimensional (output position x kernel tap) index space of
each computation, written from torch's index formulas (for a transposed convolution
``o = i*s - p + t*d``; for a convolution ``i = o*s - p + t*d``), not from the plan's per-axis
dense-correlation form. Real taps are also checked against torch itself (one-hot kernels or
errors on all-ones operands, float64), and MAC totals against ``FlopCounterMode`` on the
explicit dense correlation of the zero-inserted, padded operand.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lergan.errors import LerganError
from lergan.zerofree import COMPUTATIONS, MODES, ZeroFreeArgumentError, plan

TRANSPOSED = ("conv_transpose", "conv_transpose_weight_grad")

# --------------------------------------------------------------------------- brute force


def _conv_out(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _tconv_out(n, k, s, p, op, d):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def brute_force(comp, n, k, s, p, op, d):
    """Enumerate every (output, tap) pair of the dense form; return per-pair arrays.

    Returns ``(out_shape, taps, category, interior)``: ``taps`` (n_taps x rank) are the
    reported tap coordinates (weight index ``t`` or error index ``o``), ``category`` is an
    (n_out x n_taps) array of 0 real, 1 inserted zero, 2 padding, ``interior`` marks pairs
    aligned with the real lattice on every axis (padding ignored).
    """
    rank = len(n)
    if comp == "conv_transpose":
        out_shape = tuple(map(_tconv_out, n, k, s, p, op, d))
        tap_shape, span = tuple(k), [(a - 1) * b for a, b in zip(n, s, strict=True)]
    elif comp == "conv_input_grad":
        m = tuple(map(_conv_out, n, k, s, p, d))
        out_shape, tap_shape, span = (
            tuple(n),
            tuple(k),
            [(a - 1) * b for a, b in zip(m, s, strict=True)],
        )
    elif comp == "conv_weight_grad":
        m = tuple(map(_conv_out, n, k, s, p, d))
        out_shape, tap_shape = tuple(k), tuple((a - 1) * b + 1 for a, b in zip(m, s, strict=True))
    else:
        big = tuple(map(_tconv_out, n, k, s, p, op, d))
        out_shape, tap_shape, span = tuple(k), big, [(a - 1) * b for a, b in zip(n, s, strict=True)]
    out = np.indices(out_shape).reshape(rank, -1)[:, :, None]
    tap = np.indices(tap_shape).reshape(rank, -1)[:, None, :]
    inserted = np.zeros((out.shape[1], tap.shape[2]), bool)
    outside = np.zeros_like(inserted)
    interior = np.ones_like(inserted)
    for a in range(rank):
        if comp == "conv_weight_grad":
            # dW[t] = sum_o g[o] x[o*s + t*d - p]; the kernel is g dilated by s (taps u).
            kern_zero = tap[a] % s[a] != 0
            x = tap[a] + out[a] * d[a] - p[a]
            inside = (x >= 0) & (x < n[a])
            inserted |= kern_zero
            outside |= ~inside
            interior &= ~kern_zero
        else:
            # zero-inserted coordinate c = i*s of the operand met by output and tap: from
            # o = i*s - p + t*d (transposed) or i = o*s - p + t*d (convolution).
            if comp == "conv_transpose_weight_grad":  # output: weight tap t; tap: error o
                c = tap[a] + p[a] - out[a] * d[a]
            else:  # output: pixel o (or i); tap: weight tap t
                c = out[a] + p[a] - tap[a] * d[a]
            aligned = c % s[a] == 0
            inside = (c >= 0) & (c <= span[a])
            inserted |= inside & ~aligned
            outside |= ~inside
            interior &= aligned
    category = np.where(inserted, 1, np.where(outside, 2, 0))
    reported = tap[:, 0, :].T
    if comp == "conv_weight_grad":
        reported = reported // np.array(s)
    return out_shape, reported, category, interior


def _group_sets(mask, reported):
    """Counter of frozensets of reported d-tuples, one per output row."""
    sets = Counter()
    for row in mask:
        sets[frozenset(map(tuple, reported[row].tolist()))] += 1
    return sets


def _channel_roles(comp, cin, cout, g):
    cin_g, cout_g = cin // g, cout // g
    return {
        "conv_transpose": (cin_g, cout_g, 1),
        "conv_input_grad": (cout_g, cin_g, 1),
    }.get(comp, (1, cout_g, cin_g))


# --------------------------------------------------------------------------- strategies


@st.composite
def layers(draw, max_rank=3):
    comp = draw(st.sampled_from(COMPUTATIONS))
    rank = draw(st.integers(1, max_rank))
    lim = {1: (12, 7, 4, 3), 2: (6, 7, 4, 3), 3: (3, 5, 3, 2)}[rank]
    n, k, s, p, op, d = [], [], [], [], [], []
    for _ in range(rank):
        ka = draw(st.integers(1, lim[1]))
        sa = draw(st.integers(1, lim[2]))
        da = draw(st.integers(1, lim[3]))
        na = draw(st.integers(1, lim[0]))
        pa = draw(st.integers(0, da * (ka - 1) + 1))
        if comp in TRANSPOSED:
            opa = draw(st.integers(0, max(sa, da) - 1))
            pa = min(pa, ((na - 1) * sa + da * (ka - 1) + opa) // 2)
        else:
            opa = 0
            na = max(na, da * (ka - 1) + 1 - 2 * pa)
        n.append(na), k.append(ka), s.append(sa), p.append(pa), op.append(opa), d.append(da)
    g = draw(st.integers(1, 3))
    cin = g * draw(st.integers(1, 3))
    cout = g * draw(st.integers(1, 3))
    as_int = rank == 1 and draw(st.booleans())
    return comp, dict(
        input_size=n[0] if as_int else tuple(n),
        kernel_size=tuple(k),
        stride=tuple(s),
        padding=tuple(p),
        output_padding=tuple(op),
        dilation=tuple(d),
        in_channels=cin,
        out_channels=cout,
        groups=g,
    )


def _tuples(kw):
    return [
        kw[name] if isinstance(kw[name], tuple) else (kw[name],)
        for name in ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")
    ]


# --------------------------------------------------------------------------- properties


@given(layers())
@settings(max_examples=300)
def test_plan_matches_brute_force(case):
    comp, kw = case
    n, k, s, p, op, d = _tuples(kw)
    pl = plan(comp, **kw)
    out_shape, reported, cat, interior = brute_force(comp, n, k, s, p, op, d)
    row_ch, cols, vec = _channel_roles(comp, kw["in_channels"], kw["out_channels"], kw["groups"])
    g = kw["groups"]
    chan = row_ch * cols * vec * g
    assert chan * g == kw["in_channels"] * kw["out_channels"]
    assert (pl.row_channels, pl.cols, pl.vectors_per_position) == (row_ch, cols, vec)

    # Output size and MAC split.
    assert pl.output_size == out_shape
    assert pl.rank == len(n)
    counts = np.bincount(cat.ravel(), minlength=3)
    assert pl.macs.total == cat.size * chan
    assert (pl.macs.real, pl.macs.inserted_zero, pl.macs.padding) == tuple(
        int(c) * chan for c in counts
    )
    assert pl.macs.total == pl.macs.real + pl.macs.inserted_zero + pl.macs.padding

    # Per-axis classes and phases partition each axis.
    for axis, size in zip(pl.axes, out_shape, strict=True):
        assert sum(c.positions for c in axis.classes) == size
        assert sum(c.positions for c in axis.phases) == size
        assert len({c.taps for c in axis.classes}) == len(axis.classes)

    # Patterns: the distinct non-empty sets of real taps over the whole d-dim space.
    expected = _group_sets(cat == 0, reported)
    idle = expected.pop(frozenset(), 0)
    got = Counter()
    for pat in pl.patterns:
        taps = frozenset(itertools.product(*pat.taps))
        assert len(taps) == pat.n_taps > 0
        assert (pat.rows, pat.cols) == (row_ch * pat.n_taps, cols)
        got[taps] += pat.positions
    assert got == expected
    assert len(pl.patterns) == len(expected)
    assert pl.idle_positions == idle

    # Mode figures, from the brute-force sets.
    zi, ph, pt = (pl.modes[m] for m in MODES)
    dense_taps = cat.shape[1]
    assert (zi.groups, zi.rows_per_group, zi.taps_stored) == (g, row_ch * dense_taps, dense_taps)
    assert zi.mvm_steps == cat.shape[0] * vec
    assert zi.macs_executed == pl.macs.total

    assert pt.groups == len(expected) * g
    assert pt.taps_stored == sum(len(t) for t in expected)
    assert pt.mvm_steps == max(expected.values(), default=0) * vec
    assert sorted(pt.group_rows) == sorted(row_ch * len(t) for t in expected for _ in range(g))
    assert pt.macs_executed == pl.macs.real
    assert pt.cells == sum(pt.group_rows) * cols

    phases = _group_sets(interior, reported)
    phases.pop(frozenset(), None)
    size = max((len(t) for t in phases), default=0)
    assert ph.groups == len(phases) * g
    assert ph.rows_per_group == row_ch * size
    assert ph.taps_stored == len(phases) * size
    assert ph.mvm_steps == max(phases.values(), default=0) * vec
    assert ph.macs_executed == sum(phases.values()) * row_ch * size * cols * vec * g
    # Phase sub-kernels hold every real tap: ZFDR-phase never executes fewer MACs than real.
    assert pl.macs.real <= ph.macs_executed


def _torch_real_sets(comp, n, k, s, p, op, d):
    """Real taps per output position, computed by torch (one-hot kernels, all-ones data)."""
    import torch
    import torch.nn.functional as F

    rank = len(n)
    tconv = getattr(F, f"conv_transpose{rank}d")
    f64 = torch.float64
    if comp in ("conv_transpose", "conv_input_grad"):
        kk = math.prod(k)
        onehot = torch.eye(kk, dtype=f64).reshape(kk, 1, *k)
        if comp == "conv_transpose":
            x = torch.ones(1, 1, *n, dtype=f64)
            out = tconv(x, onehot.transpose(0, 1), None, s, p, op, 1, d)
        else:
            m = tuple(map(_conv_out, n, k, s, p, d))
            gy = torch.ones(1, 1, *m, dtype=f64)
            grad_input = getattr(torch.nn.grad, f"conv{rank}d_input")
            out = grad_input((1, kk, *n), onehot.transpose(0, 1), gy, s, p, d)
        hits = out[0].reshape(kk, -1).T  # outputs x taps (weight index t)
        taps = np.indices(k).reshape(rank, -1).T
    else:
        x = torch.ones(1, 1, *n, dtype=f64)
        if comp == "conv_weight_grad":
            err = tuple(map(_conv_out, n, k, s, p, d))
        else:
            err = tuple(map(_tconv_out, n, k, s, p, op, d))
        ne = math.prod(err)
        gy = torch.eye(ne, dtype=f64).reshape(1, ne, *err)
        if comp == "conv_weight_grad":
            grad_weight = getattr(torch.nn.grad, f"conv{rank}d_weight")
            dw = grad_weight(x, (ne, 1, *k), gy, s, p, d)[:, 0]
        else:
            w = torch.zeros(1, ne, *k, dtype=f64, requires_grad=True)
            (tconv(x, w, None, s, p, op, 1, d) * gy).sum().backward()
            dw = w.grad[0]
        hits = dw.reshape(ne, -1).T  # weight taps x error positions
        taps = np.indices(err).reshape(rank, -1).T
    hits = hits.numpy()
    assert set(np.unique(hits)) <= {0.0, 1.0}
    return _group_sets(hits > 0.5, taps)


@given(layers(max_rank=2))
@settings(max_examples=40)
def test_real_taps_match_torch(case):
    comp, kw = case
    n, k, s, p, op, d = _tuples(kw)
    pl = plan(comp, **kw)
    expected = _torch_real_sets(comp, n, k, s, p, op, d)
    expected.pop(frozenset(), None)
    got = Counter()
    for pat in pl.patterns:
        got[frozenset(itertools.product(*pat.taps))] += pat.positions
    assert got == expected


def _torch_real_macs(comp, kw):
    """Real MACs per sample with channels and groups: torch on all-ones tensors (float64)."""
    import torch
    import torch.nn.functional as F

    n, k, s, p, op, d = _tuples(kw)
    rank, g = len(n), kw["groups"]
    cin, cout = kw["in_channels"], kw["out_channels"]
    f64 = torch.float64
    x = torch.ones(1, cin, *n, dtype=f64)
    if comp in TRANSPOSED:
        w = torch.ones(cin, cout // g, *k, dtype=f64, requires_grad=True)
        y = getattr(F, f"conv_transpose{rank}d")(x, w, None, s, p, op, g, d)
    else:
        w = torch.ones(cout, cin // g, *k, dtype=f64, requires_grad=True)
        x.requires_grad_(True)
        y = getattr(F, f"conv{rank}d")(x, w, None, s, p, d, g)
    if comp == "conv_transpose":
        return y.sum().item()
    y.sum().backward()
    return (x.grad if comp == "conv_input_grad" else w.grad).sum().item()


@given(layers())
@settings(max_examples=40)
def test_real_macs_with_channels_match_torch(case):
    comp, kw = case
    assert plan(comp, **kw).macs.real == _torch_real_macs(comp, kw)


def _dense_correlation(comp, x, w, gy, n, k, s, p, op, d):
    """The plan's dense form, run by torch as an ordinary (non-transposed) convolution."""
    import torch.nn.functional as F

    rank = len(n)
    conv = getattr(F, f"conv{rank}d")

    def insert_and_pad(t, spacing, left, right):
        shape = [(a - 1) * b + 1 for a, b in zip(t.shape[2:], spacing, strict=True)]
        z = t.new_zeros(*t.shape[:2], *shape)
        z[(..., *(slice(None, None, b) for b in spacing))] = t
        pads = []
        for lo, hi in zip(reversed(left), reversed(right), strict=True):
            pads += [lo, hi]
        return F.pad(z, pads)

    flip = list(range(2, 2 + rank))
    if comp == "conv_transpose":
        left = [dd * (kk - 1) - pp for kk, pp, dd in zip(k, p, d, strict=True)]
        right = [lo + o for lo, o in zip(left, op, strict=True)]
        return conv(insert_and_pad(x, s, left, right), w.flip(flip).transpose(0, 1), None, 1, 0, d)
    if comp == "conv_input_grad":
        left = [dd * (kk - 1) - pp for kk, pp, dd in zip(k, p, d, strict=True)]
        m = gy.shape[2:]
        right = [
            nn + dd * (kk - 1) - lo - (mm - 1) * ss - 1
            for nn, kk, dd, lo, mm, ss in zip(n, k, d, left, m, s, strict=True)
        ]
        return conv(insert_and_pad(gy, s, left, right), w.flip(flip).transpose(0, 1), None, 1, 0, d)
    if comp == "conv_weight_grad":
        kern = insert_and_pad(gy, s, [0] * rank, [0] * rank).transpose(0, 1)
        # Pad by p on the left; on the right up to the last element a window reaches.
        right = [
            dd * (kk - 1) + ks - nn - pp
            for dd, kk, ks, nn, pp in zip(d, k, kern.shape[2:], n, p, strict=True)
        ]
        xp = F.pad(
            x, [q for pp, r in zip(reversed(p), reversed(right), strict=True) for q in (pp, r)]
        )
        xp = xp.transpose(0, 1)
        return conv(xp, kern, None, d).transpose(0, 1)  # (C_out, C_in, k)
    left = [dd * (kk - 1) - pp for kk, pp, dd in zip(k, p, d, strict=True)]
    right = [lo + o for lo, o in zip(left, op, strict=True)]
    xz = insert_and_pad(x, s, left, right).transpose(0, 1)
    return conv(xz, gy.transpose(0, 1), None, d).flip(flip)  # (C_in, C_out, k)


@pytest.mark.parametrize("comp", COMPUTATIONS)
@given(data=st.data())
@settings(max_examples=12)
def test_dense_form_and_total_match_torch(comp, data):
    """The dense form equals torch's result, and FlopCounterMode counts ``macs.total``."""
    import torch
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    _, kw = data.draw(layers(max_rank=2).filter(lambda c: c[0] == comp))
    kw = {
        **kw,
        "groups": 1,
        "in_channels": kw["in_channels"] // kw["groups"],
        "out_channels": kw["out_channels"] // kw["groups"],
    }
    n, k, s, p, op, d = _tuples(kw)
    rank, cin, cout = len(n), kw["in_channels"], kw["out_channels"]
    gen = torch.Generator().manual_seed(0)
    f64 = torch.float64
    x = torch.randn(1, cin, *n, dtype=f64, generator=gen, requires_grad=True)
    if comp in TRANSPOSED:
        w = torch.randn(cin, cout, *k, dtype=f64, generator=gen, requires_grad=True)
        y = getattr(F, f"conv_transpose{rank}d")(x, w, None, s, p, op, 1, d)
    else:
        w = torch.randn(cout, cin, *k, dtype=f64, generator=gen, requires_grad=True)
        y = getattr(F, f"conv{rank}d")(x, w, None, s, p, d)
    gy = torch.randn(y.shape, dtype=f64, generator=gen)
    y.backward(gy)
    reference = {"conv_transpose": y, "conv_input_grad": x.grad}.get(comp, w.grad)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        dense = _dense_correlation(comp, x.detach(), w.detach(), gy, n, k, s, p, op, d)
    assert dense.shape == reference.shape
    torch.testing.assert_close(dense, reference, rtol=1e-10, atol=1e-10)
    assert counter.get_total_flops() == 2 * plan(comp, **kw).macs.total


# --------------------------------------------------------------------------- fixed figures


def test_deck_figures_kernel5():
    pl = plan(
        "conv_transpose",
        input_size=(4, 4),
        kernel_size=5,
        stride=2,
        padding=2,
        output_padding=1,
        in_channels=512,
        out_channels=256,
    )
    assert pl.output_size == (8, 8)
    assert len(pl.patterns) == 25
    assert [c.taps for c in pl.axes[0].classes] == [(0, 2), (1, 3), (0, 2, 4), (2, 4), (3,)]
    assert pl.modes["zero-inserting"].mvm_steps == 64
    assert pl.modes["zfdr-pattern"].mvm_steps == 9
    assert pl.modes["zfdr-pattern"].taps_stored == 100
    assert pl.modes["zero-inserting"].taps_stored == 25
    # s^d = 4 phases of ceil(5/2)^2 = 9 taps, one pixel per phase group: 16 steps.
    assert pl.modes["zfdr-phase"].taps_stored == 36
    assert pl.modes["zfdr-phase"].groups == 4
    assert pl.modes["zfdr-phase"].rows_per_group == 512 * 9
    assert pl.modes["zfdr-phase"].mvm_steps == 16
    assert max(p.rows for p in pl.patterns) == 512 * 9
    assert {p.cols for p in pl.patterns} == {256}


def test_deck_figures_kernel4():
    pl = plan(
        "conv_transpose",
        input_size=(4, 4),
        kernel_size=4,
        stride=2,
        padding=1,
        in_channels=512,
        out_channels=256,
    )
    assert len(pl.patterns) == 16
    assert pl.modes["zero-inserting"].mvm_steps == 64
    assert pl.modes["zfdr-pattern"].mvm_steps == 9
    assert pl.modes["zfdr-pattern"].taps_stored == 36
    assert pl.modes["zfdr-phase"].taps_stored == 16
    assert pl.modes["zero-inserting"].rows_per_group == 512 * 16
    # Per axis: 8 windows of 4 taps over 7 zero-inserted + 2 + 2 padded positions: 14 real,
    # 3 inserted zeros met by 4 windows each, padding met 1 + 2 + 2 + 1 times.
    assert pl.axes[0].macs == type(pl.axes[0].macs)(32, 14, 12, 6)
    assert pl.macs.real == 14 * 14 * 512 * 256


def test_pattern_count_grows_to_its_limit_with_input_size():
    counts = [
        len(
            plan(
                "conv_transpose", input_size=n, kernel_size=5, stride=2, padding=2, output_padding=1
            ).patterns
        )
        for n in (1, 2, 3, 4, 8, 32)
    ]
    assert counts[3:] == [5, 5, 5]
    assert counts[0] < counts[3]


def test_stride_larger_than_kernel_has_idle_positions():
    pl = plan("conv_transpose", input_size=(3,), kernel_size=2, stride=4)
    assert pl.output_size == (10,)
    assert pl.idle_positions == 4  # offsets 2 and 3 of each stride-4 window meet no tap
    assert [c.taps for c in pl.axes[0].phases if c.taps] == [(0,), (1,)]
    assert pl.modes["zfdr-phase"].groups == 2


def test_to_dict_is_json():
    import json

    pl = plan(
        "conv_transpose_weight_grad",
        input_size=(3, 5),
        kernel_size=3,
        stride=2,
        padding=1,
        output_padding=1,
        in_channels=4,
        out_channels=2,
        groups=2,
    )
    back = json.loads(json.dumps(pl.to_dict()))
    assert back["n_patterns"] == len(pl.patterns)
    assert back["macs"]["real"] == pl.macs.real
    assert set(back["modes"]) == set(MODES)


def test_plan_module_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, lergan.zerofree as z; z.plan('conv_transpose', input_size=4, "
        "kernel_size=3, stride=2); assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("comp", "kw", "named"),
    [
        ("conv_tranpose", {}, "computation"),
        ("conv_transpose", {"kernel_size": (3, 3, 3)}, "kernel_size"),
        ("conv_transpose", {"stride": 0}, "stride"),
        ("conv_transpose", {"stride": -1}, "stride"),
        ("conv_transpose", {"kernel_size": 0}, "kernel_size"),
        ("conv_transpose", {"dilation": 0}, "dilation"),
        ("conv_transpose", {"padding": -1}, "padding"),
        ("conv_transpose", {"output_padding": 2, "stride": 2}, "output_padding"),
        ("conv_input_grad", {"output_padding": 1, "stride": 2}, "output_padding"),
        ("conv_transpose", {"padding": 9}, "padding"),
        ("conv_weight_grad", {"kernel_size": 9}, "input_size"),
        ("conv_transpose", {"in_channels": 3, "groups": 2}, "in_channels"),
        ("conv_transpose", {"out_channels": 0}, "out_channels"),
        ("conv_transpose", {"input_size": (4, 4, 4, 4)}, "input_size"),
        ("conv_transpose", {"input_size": (4, 0)}, "input_size"),
        ("conv_transpose", {"stride": 1.5}, "stride"),
    ],
)
def test_bad_arguments_name_the_argument(comp, kw, named):
    args = {"input_size": (4, 4), "kernel_size": 3, **kw}
    with pytest.raises(LerganError, match=named) as info:
        plan(comp, **args)
    assert isinstance(info.value, ZeroFreeArgumentError)


@given(
    transposed=st.booleans(),
    n=st.integers(1, 4),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 5),
    op=st.integers(0, 3),
    d=st.integers(1, 3),
)
@settings(max_examples=40)
def test_rejects_exactly_what_torch_rejects(transposed, n, k, s, p, op, d):
    import torch
    import torch.nn.functional as F

    assume(transposed or op == 0)
    comp = "conv_transpose" if transposed else "conv_weight_grad"
    x = torch.ones(1, 1, n, n)
    try:
        if transposed:
            y = F.conv_transpose2d(x, torch.ones(1, 1, k, k), None, s, p, op, 1, d)
        else:
            y = F.conv2d(x, torch.ones(1, 1, k, k), None, s, p, d)
        # torch returns an empty tensor for a transposed convolution whose output size is
        # 0; a plan of nothing is useless, so an empty output is an error here.
        torch_ok = y.numel() > 0
    except RuntimeError:
        torch_ok = False
    try:
        plan(
            comp,
            input_size=(n, n),
            kernel_size=k,
            stride=s,
            padding=p,
            output_padding=op,
            dilation=d,
        )
        ours_ok = True
    except LerganError:
        ours_ok = False
    assert ours_ok == torch_ok


# --------------------------------------------------------------------------- ops agree


@given(layers(max_rank=2), st.integers(1, 2))
@settings(max_examples=30)
def test_plan_agrees_with_the_ops_mac_reports(case, batch):
    """The zero-free ops' MacReport (whole batch) and the plan (per sample) agree."""
    import torch

    from lergan.zerofree import ops

    comp, kw = case
    n, k, s, p, op, d = _tuples(kw)
    rank, g = len(n), kw["groups"]
    cin, cout = kw["in_channels"], kw["out_channels"]
    pl = plan(comp, **kw)
    f64 = torch.float64
    x = torch.ones(batch, cin, *n, dtype=f64)
    if comp in TRANSPOSED:
        w = torch.ones(cin, cout // g, *k, dtype=f64)
        big = tuple(map(_tconv_out, n, k, s, p, op, d))
        gy = torch.ones(batch, cout, *big, dtype=f64)
        if comp == "conv_transpose":
            _, rep = ops.conv_transpose(x, w, None, s, p, op, g, d, return_report=True)
        else:
            _, rep = ops.conv_transpose_weight_grad(
                x, gy, tuple(w.shape), s, p, op, g, d, return_report=True
            )
    else:
        w = torch.ones(cout, cin // g, *k, dtype=f64)
        m = tuple(map(_conv_out, n, k, s, p, d))
        gy = torch.ones(batch, cout, *m, dtype=f64)
        if comp == "conv_input_grad":
            _, rep = ops.conv_input_grad(gy, w, tuple(x.shape), s, p, d, g, return_report=True)
        else:
            _, rep = ops.conv_weight_grad(x, gy, tuple(w.shape), s, p, d, g, return_report=True)
    assert rank == pl.rank
    assert rep.real == batch * pl.macs.real
    assert rep.skipped_inserted_zero == batch * pl.macs.inserted_zero
    assert rep.skipped_padding <= batch * pl.macs.padding
    assert rep.executed >= batch * pl.macs.real


def test_numpy_integers_are_accepted_and_serialise():
    import json

    pl = plan(
        "conv_transpose",
        input_size=(np.int64(4), 4),
        kernel_size=np.int32(3),
        stride=2,
        in_channels=np.int64(8),
    )
    assert pl.layer.input_size == (4, 4) and pl.layer.in_channels == 8
    json.dumps(pl.to_dict())
    with pytest.raises(LerganError, match="stride"):
        plan("conv_transpose", input_size=4, kernel_size=3, stride=np.bool_(True))
