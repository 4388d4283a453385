"""The ZFDR formulations behind :mod:`lergan.zerofree.ops` (private).

Every function here runs dense *non-transposed* convolutions (``F.conv1d/2d/3d``, i.e.
``aten.convolution`` with ``transposed=False``) on un-inserted operands, under
``torch.no_grad()``; none ever calls torch's transposed convolution or
``aten.convolution_backward``. Each returns its result and the MACs its convolutions
executed (output elements x input channels per group x kernel taps, the count that
``torch.utils.flop_counter`` uses).

Transposed convolution, per axis (``o`` output, ``i`` input, ``t`` tap):
``y[o] = sum_{o = i*s - p + t*d} x[i] W[t]``. Output positions with
``(o + p) mod s = r`` (ZFDR phase ``r``) meet exactly the taps ``t*d = r (mod s)``; with
``g = gcd(s, d)`` these are every ``s/g``-th tap, and they read ``x`` with spacing ``d/g``.
So each phase is a dense convolution of the un-inserted input with a flipped sub-kernel
(dilation ``d/g``), written to the outputs ``o = o_r, o_r + s, ...``:

- ``phase``: one convolution per phase (s^d of them), each on a slice of one padded copy
  of ``x``; products with padding zeros at the border are executed (mode ``zfdr-phase``).
- ``pattern``: one convolution per pattern (phase x border class on every axis), each on a
  slice of ``x`` itself with the taps that meet real data: only real MACs (``zfdr-pattern``).
- ``grouped`` (all phases alike): the phases' input windows stacked as the channel groups of
  one grouped convolution, the phases' sub-kernels as the groups' weights, then a
  pixel-shuffle permutation: the MACs of ``phase`` in a few calls.
- ``subpixel`` (dilation ``d/g = 1`` on every axis): the phase sub-kernels, shifted into one
  common window, become the output channels of a single convolution (zero taps where the
  phases' windows differ), followed by a pixel-shuffle permutation and a crop.

Weight gradients: ``transposed_weight_grad`` / ``conv_weight_grad`` (one dense convolution,
batch and channels swapped, the strided operand read with kernel dilation ``s``) and
``transposed_weight_grad_im2col`` (a strided view of the error times the input, ``bmm``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from math import gcd, prod

import torch
import torch.nn.functional as F

from lergan.zerofree._ops_args import Geometry

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def channels_last_format(rank: int) -> torch.memory_format | None:
    return {2: torch.channels_last, 3: torch.channels_last_3d}.get(rank)


@dataclass(frozen=True)
class AxisPhase:
    """One ZFDR phase along one axis."""

    first_out: int  # first output position of the phase (o_r)
    n_out: int  # outputs o_r, o_r + s, ... inside the output
    taps: tuple[int, ...]  # kernel taps met, in correlation order (sub-kernel K[c] = W[taps[c]])
    pad_left: int  # padding (negative: cropping) of x for this phase's dense convolution
    pad_right: int
    dilation: int  # spacing of the taps in x (d / gcd(s, d))


@lru_cache(maxsize=4096)
def axis_phases(n_in: int, k: int, s: int, p: int, d: int, n_out: int) -> tuple[AxisPhase, ...]:
    """All ``s`` phases of one axis, ordered by their first output position ``o_r``."""
    g = gcd(s, d)
    dp = d // g
    out = []
    for r in range(s):
        taps = [t for t in range(k) if (t * d) % s == r]
        first = (r - p) % s
        count = len(range(first, n_out, s))
        if not taps:
            out.append(AxisPhase(first, count, (), 0, 0, dp))
            continue
        q0 = (first + p - r) // s
        m_max = (taps[-1] * d - r) // s  # x index offset of the last tap: i = q - m
        pad_left = m_max - q0
        pad_right = count + (len(taps) - 1) * dp - pad_left - n_in
        out.append(AxisPhase(first, count, tuple(reversed(taps)), pad_left, pad_right, dp))
    return tuple(sorted(out, key=lambda a: a.first_out))


def geometry_phases(g: Geometry) -> list[tuple[AxisPhase, ...]]:
    """The ZFDR phases of every axis of a transposed convolution."""
    return [
        axis_phases(*a)
        for a in zip(g.in_size, g.kernel, g.stride, g.padding, g.dilation, g.out_size, strict=True)
    ]


def _pad_args(lefts: tuple[int, ...], rights: tuple[int, ...]) -> list[int]:
    args: list[int] = []
    for lft, rgt in zip(reversed(lefts), reversed(rights), strict=True):
        args += [lft, rgt]
    return args


def _pad(x: torch.Tensor, lefts: tuple[int, ...], rights: tuple[int, ...]) -> torch.Tensor:
    if all(v == 0 for v in lefts + rights):
        return x
    return F.pad(x, _pad_args(lefts, rights))


def phase_kernel(
    weight: torch.Tensor, groups: int, axes: tuple[AxisPhase, ...], channels_last: bool
) -> torch.Tensor:
    """The convolution sub-kernel ``[Cout, Cin/g, *n_taps]`` of one ZFDR phase (taps
    ``a.taps`` on each axis, in correlation order), gathered from the transposed-convolution
    weight ``[Cin, Cout/g, *k]`` in one pass over its taps (channels-last memory order if
    asked). The taps of a phase are every ``s/g``-th, so the gather is a strided slice and a
    flip; no other copy of the weight is made."""
    rank = weight.dim() - 2
    cin, coutg = weight.shape[:2]
    w = weight.reshape(groups, cin // groups, coutg, *weight.shape[2:])
    spatial = tuple(range(3, 3 + rank))
    if channels_last:  # [g, Cout/g, *k, Cin/g]
        w = w.permute(0, 2, *spatial, 1)
        taps_dims = tuple(range(2, 2 + rank))
    else:  # [g, Cout/g, Cin/g, *k]
        w = w.permute(0, 2, 1, *spatial)
        taps_dims = spatial
    index = [slice(None)] * w.dim()
    for dim, a in zip(taps_dims, axes, strict=True):
        step = a.taps[0] - a.taps[1] if len(a.taps) > 1 else 1
        index[dim] = slice(a.taps[-1], a.taps[0] + 1, step)
    w = w[tuple(index)].flip(taps_dims)
    w = w.reshape(groups * coutg, *w.shape[2:])
    if channels_last:
        return w.permute(0, rank + 1, *range(1, rank + 1))
    return w


def _padded(
    x: torch.Tensor,
    lefts: tuple[int, ...],
    rights: tuple[int, ...],
    memory_format: torch.memory_format | None,
) -> torch.Tensor:
    """``x`` padded with zeros (negative: cropped), in ``memory_format`` if given, written in
    one copy: the layout change and the padding share it."""
    if memory_format is None:
        return _pad(x, lefts, rights)
    sizes = x.shape[2:]
    x = x[
        (
            ...,
            *(
                slice(max(0, -a), n - max(0, -b))
                for a, b, n in zip(lefts, rights, sizes, strict=False)
            ),
        )
    ]
    lefts = tuple(max(0, v) for v in lefts)
    rights = tuple(max(0, v) for v in rights)
    shape = (
        *x.shape[:2],
        *(n + a + b for n, a, b in zip(x.shape[2:], lefts, rights, strict=False)),
    )
    out = torch.empty(shape, dtype=x.dtype, device=x.device, memory_format=memory_format)
    out.zero_()
    out[(..., *(slice(a, a + n) for a, n in zip(lefts, x.shape[2:], strict=False)))] = x
    return out


def _macs(out: torch.Tensor, w: torch.Tensor) -> int:
    """MACs of a convolution producing ``out`` with weight ``w`` (as the flop counter)."""
    return out.numel() * prod(w.shape[1:])


def _memory_format(x: torch.Tensor, rank: int) -> torch.memory_format:
    cl = channels_last_format(rank)
    if (
        cl is not None
        and x.dim() == rank + 2
        and x.is_contiguous(memory_format=cl)
        and not (x.is_contiguous())
    ):
        return cl
    return torch.contiguous_format


def _layouts(
    x: torch.Tensor, rank: int, channels_last: bool
) -> tuple[torch.memory_format, torch.memory_format | None]:
    """The caller's memory format (the output's) and the channels-last format to compute in
    (``None``: compute in the caller's)."""
    return _memory_format(x, rank), channels_last_format(rank) if channels_last else None


def transposed_phase(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    g: Geometry,
    channels_last: bool,
) -> tuple[torch.Tensor, int]:
    """Transposed convolution (batched ``x``), one dense convolution per ZFDR phase."""
    rank, conv = g.rank, _CONV[g.rank]
    out_format, cl = _layouts(x, rank, channels_last)
    n = x.shape[0]
    cout = weight.shape[1] * g.groups
    # written in the caller's layout directly: one pass, no layout change afterwards
    y = torch.empty(
        (n, cout, *g.out_size), dtype=x.dtype, device=x.device, memory_format=out_format
    )
    executed = 0
    per_axis = geometry_phases(g)
    # one padded copy of x serves every phase (each reads a slice of it)
    lefts = tuple(max([0] + [a.pad_left for a in ph if a.taps and a.n_out]) for ph in per_axis)
    rights = tuple(max([0] + [a.pad_right for a in ph if a.taps and a.n_out]) for ph in per_axis)
    xp = _padded(x, lefts, rights, cl)
    combos = list(itertools.product(*per_axis))
    # alike phases: every sub-kernel gathered by one indexing op
    stacked = _stacked_phase_kernels(weight, g.groups, combos) if grouped_supported(g) else None
    for p_index, combo in enumerate(combos):
        if any(a.n_out == 0 for a in combo):
            continue
        index = (
            slice(None),
            slice(None),
            *(slice(a.first_out, None, s) for a, s in zip(combo, g.stride, strict=True)),
        )
        if any(not a.taps for a in combo):
            y[index] = 0 if bias is None else bias.reshape(-1, *([1] * rank))
            continue
        xr = xp[
            (
                slice(None),
                slice(None),
                *tuple(
                    slice(left - a.pad_left, left + n_in + a.pad_right)
                    for a, left, n_in in zip(combo, lefts, g.in_size, strict=True)
                ),
            )
        ]
        if stacked is not None:
            kr = stacked[p_index * cout : (p_index + 1) * cout]
            if cl is None:
                kr = kr.contiguous()
        else:
            kr = phase_kernel(weight, g.groups, combo, cl is not None)
        out = conv(xr, kr, bias, 1, 0, tuple(a.dilation for a in combo), g.groups)
        executed += _macs(out, kr)
        y[index] = out
    return y, executed


def grouped_supported(g: Geometry) -> bool:
    """All phases alike on every axis (same tap count >= 1, same output count, same tap
    spacing): e.g. kernel a multiple of the stride at dilation 1, as in DCGAN."""
    for phases in geometry_phases(g):
        if len({(len(a.taps), a.n_out) for a in phases}) != 1 or not phases[0].taps:
            return False
    return True


def _stacked_phase_kernels(
    weight: torch.Tensor, groups: int, combos: list[tuple[AxisPhase, ...]]
) -> torch.Tensor:
    """All phases' sub-kernels (alike tap counts), stacked phase-major as one convolution
    weight ``[phases x Cout, Cin/g, *n_taps]`` (channels-last strides), gathered from the
    transposed-convolution weight by a single indexing op."""
    rank = weight.dim() - 2
    cin, coutg = weight.shape[:2]
    dev = weight.device
    v = weight.reshape(groups, cin // groups, coutg, *weight.shape[2:])
    v = v.permute(0, 2, *range(3, 3 + rank), 1)  # [g, Cout/g, *k, Cin/g]
    n_taps = [len(a.taps) for a in combos[0]]
    lead = (len(combos), groups, coutg)
    shape = [1] * (3 + rank)
    index = [
        torch.arange(groups, device=dev).view(1, groups, *shape[2:]),
        torch.arange(coutg, device=dev).view(1, 1, coutg, *shape[3:]),
    ]
    for a in range(rank):
        taps = torch.tensor([c[a].taps for c in combos], device=dev)  # [phases, n_taps]
        view = [len(combos)] + [1] * (2 + rank)
        view[3 + a] = n_taps[a]
        index.append(taps.view(view))
    out = v[tuple(index)]  # [phases, g, Cout/g, *n_taps, Cin/g]
    out = out.reshape(lead[0] * groups * coutg, *n_taps, cin // groups)
    return out.permute(0, rank + 1, *range(1, rank + 1))


def transposed_grouped(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    g: Geometry,
    channels_last: bool,
) -> tuple[torch.Tensor, int]:
    """Transposed convolution (batched ``x``) with all ZFDR phases in one grouped dense
    convolution: each phase's window of the padded input becomes a channel group, each
    phase's sub-kernel that group's weight; then one pixel-shuffle permutation. Exactly the
    MACs of the per-phase formulation, in a handful of calls (requires
    :func:`grouped_supported`)."""
    rank, conv = g.rank, _CONV[g.rank]
    out_format, cl = _layouts(x, rank, channels_last)
    per_axis = geometry_phases(g)
    lefts = tuple(max(0, *(a.pad_left for a in ph)) for ph in per_axis)
    rights = tuple(max(0, *(a.pad_right for a in ph)) for ph in per_axis)
    xp = _padded(x, lefts, rights, cl)
    combos = list(itertools.product(*per_axis))
    windows = [
        xp[
            (
                slice(None),
                slice(None),
                *(
                    slice(left - a.pad_left, left + n_in + a.pad_right)
                    for a, left, n_in in zip(combo, lefts, g.in_size, strict=True)
                ),
            )
        ]
        for combo in combos
    ]
    n_phase = len(windows)
    stacked = torch.cat(windows, dim=1)  # [N, phases x Cin, ...]
    kernel = _stacked_phase_kernels(weight, g.groups, combos)  # [phases x Cout, Cin/g, ...]
    if cl is None:
        kernel = kernel.contiguous()
    b = None if bias is None else bias.repeat(n_phase)
    dil = tuple(ph[0].dilation for ph in per_axis)
    z = conv(stacked, kernel, b, 1, 0, dil, g.groups * n_phase)
    executed = _macs(z, kernel)
    n, cout = x.shape[0], weight.shape[1] * g.groups
    n_out = tuple(ph[0].n_out for ph in per_axis)
    z = z.reshape(n, *g.stride, cout, *n_out)
    perm = [0, rank + 1]
    for a in range(rank):
        perm += [rank + 2 + a, 1 + a]
    y = z.permute(perm).reshape(n, cout, *(m * s for m, s in zip(n_out, g.stride, strict=True)))
    y = y[(slice(None), slice(None), *(slice(0, o) for o in g.out_size))]
    return y.contiguous(memory_format=out_format), executed


@lru_cache(maxsize=4096)
def axis_segments(phase: AxisPhase, n_in: int) -> tuple[tuple[int, int, int, int], ...]:
    """Pattern classes of one phase along one axis: runs ``(j0, j1, lo, hi)`` of the phase's
    outputs ``j0 <= j < j1`` that meet real input with exactly the taps ``lo <= c < hi``
    (border classes where padding cuts the window, one interior class)."""
    segs: list[tuple[int, int, int, int]] = []
    n_taps, dp, left = len(phase.taps), phase.dilation, phase.pad_left
    for j in range(phase.n_out):
        lo = max(0, -((j - left) // dp))  # ceil((left - j) / dp)
        hi = min(n_taps, (n_in - 1 + left - j) // dp + 1)
        lo, hi = (lo, hi) if lo < hi else (0, 0)
        if segs and segs[-1][1] == j and segs[-1][2:] == (lo, hi):
            segs[-1] = (segs[-1][0], j + 1, lo, hi)
        else:
            segs.append((j, j + 1, lo, hi))
    return tuple(segs)


def transposed_pattern(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    g: Geometry,
    channels_last: bool,
) -> tuple[torch.Tensor, int]:
    """Transposed convolution (batched ``x``), one dense convolution per pattern (ZFDR
    phase x border class on every axis): only products of real data with real taps, and
    no copy of the input (each pattern reads a slice of it)."""
    rank, conv = g.rank, _CONV[g.rank]
    out_format, cl = _layouts(x, rank, channels_last)
    if cl is not None:
        x = x.contiguous(memory_format=cl)
    n = x.shape[0]
    cout = weight.shape[1] * g.groups
    y = torch.empty(
        (n, cout, *g.out_size),
        dtype=x.dtype,
        device=x.device,
        memory_format=cl or out_format,
    )
    executed = 0
    per_axis = geometry_phases(g)
    fill = 0 if bias is None else bias.reshape(-1, *([1] * rank))
    for combo in itertools.product(*per_axis):
        if any(a.n_out == 0 for a in combo):
            continue
        kp = (
            phase_kernel(weight, g.groups, combo, cl is not None)
            if all(a.taps for a in combo)
            else None
        )
        segments = [
            axis_segments(a, n_in) if a.taps else ((0, a.n_out, 0, 0),)
            for a, n_in in zip(combo, g.in_size, strict=True)
        ]
        for seg in itertools.product(*segments):
            index = (
                slice(None),
                slice(None),
                *tuple(
                    slice(a.first_out + j0 * s, a.first_out + (j1 - 1) * s + 1, s)
                    for a, s, (j0, j1, _, _) in zip(combo, g.stride, seg, strict=True)
                ),
            )
            if any(lo == hi for _, _, lo, hi in seg):
                y[index] = fill
                continue
            src = (
                slice(None),
                slice(None),
                *tuple(
                    slice(
                        j0 + lo * a.dilation - a.pad_left,
                        j1 - 1 + (hi - 1) * a.dilation - a.pad_left + 1,
                    )
                    for a, (j0, j1, lo, hi) in zip(combo, seg, strict=True)
                ),
            )
            kr = kp[(slice(None), slice(None), *(slice(lo, hi) for _, _, lo, hi in seg))]
            out = conv(x[src], kr, bias, 1, 0, tuple(a.dilation for a in combo), g.groups)
            executed += _macs(out, kr)
            y[index] = out
    if cl is not None and out_format != cl:
        y = y.contiguous(memory_format=out_format)
    return y, executed


def subpixel_supported(g: Geometry) -> bool:
    return all(d // gcd(s, d) == 1 for s, d in zip(g.stride, g.dilation, strict=True))


def transposed_subpixel(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    g: Geometry,
    channels_last: bool,
) -> tuple[torch.Tensor, int]:
    """Transposed convolution (batched ``x``) as one convolution whose output channels are
    the ZFDR phases' sub-kernels, then a pixel-shuffle permutation and a crop."""
    rank, conv = g.rank, _CONV[g.rank]
    out_format, cl = _layouts(x, rank, channels_last)
    per_axis = geometry_phases(g)
    # common window per axis: shift each phase's sub-kernel by its padding difference
    lefts, rights, widths, n_common = [], [], [], []
    for phases, n_in in zip(per_axis, g.in_size, strict=True):
        with_taps = [a for a in phases if a.taps]
        left = max((a.pad_left for a in with_taps), default=0)
        width = max((left - a.pad_left + len(a.taps) for a in with_taps), default=1)
        n_c = max(a.n_out for a in phases)
        lefts.append(left)
        widths.append(width)
        n_common.append(n_c)
        rights.append(n_c + width - 1 - left - n_in)
    cout, cin_g = weight.shape[1] * g.groups, weight.shape[0] // g.groups
    n_phase = prod(g.stride)
    big = weight.new_zeros((cout, n_phase, cin_g, *widths))
    for ph, combo in enumerate(itertools.product(*per_axis)):
        if any(not a.taps for a in combo):
            continue
        kr = phase_kernel(weight, g.groups, combo, False)
        where = tuple(
            slice(left - a.pad_left, left - a.pad_left + len(a.taps))
            for a, left in zip(combo, lefts, strict=True)
        )
        big[(slice(None), ph, slice(None), *where)] = kr
    big = big.reshape(cout * n_phase, cin_g, *widths)
    b = None if bias is None else bias.repeat_interleave(n_phase)
    xp = _padded(x, tuple(lefts), tuple(rights), cl)
    if cl is not None:
        big = big.contiguous(memory_format=cl)
    z = conv(xp, big, b, 1, 0, 1, g.groups)
    executed = _macs(z, big)
    n = x.shape[0]
    z = z.reshape(n, cout, *g.stride, *n_common)
    perm = [0, 1]
    for a in range(rank):
        perm += [2 + rank + a, 2 + a]
    z = z.permute(perm).reshape(n, cout, *(c * s for c, s in zip(n_common, g.stride, strict=True)))
    y = z[(slice(None), slice(None), *(slice(0, o) for o in g.out_size))]
    return y.contiguous(memory_format=out_format), executed


def strided_conv(
    grad_out: torch.Tensor, weight: torch.Tensor, g: Geometry
) -> tuple[torch.Tensor, int]:
    """Input gradient of a transposed convolution: a plain strided convolution of the output
    gradient with the same weight (no inserted zeros anywhere)."""
    conv = _CONV[g.rank]
    out = conv(grad_out, weight, None, g.stride, g.padding, g.dilation, g.groups)
    executed = _macs(out, weight)
    if tuple(out.shape[2:]) != g.in_size:
        out = out[(slice(None), slice(None), *(slice(0, n) for n in g.in_size))]
    return out, executed


def _batch_as_channels(t: torch.Tensor, groups: int) -> torch.Tensor:
    """``[N, C, *L]`` -> ``[C/g, g*N, *L]`` (channels within a group become the batch)."""
    n, c = t.shape[:2]
    sp = t.shape[2:]
    return (
        t.reshape(n, groups, c // groups, *sp).transpose(0, 2).reshape(c // groups, groups * n, *sp)
    )


def transposed_weight_grad(
    x: torch.Tensor, grad_out: torch.Tensor, g: Geometry
) -> tuple[torch.Tensor, int]:
    """Weight gradient of a transposed convolution, ``[Cin, Cout/g, *k]``.

    ``dW[ci, co, t] = sum_{n, i} x[n, ci, i] * gy[n, co, i*s - p + t*d]``: per tap, the
    un-inserted input correlated with the output error read at stride ``s``. One dense
    convolution: the error (channels as batch, batch as channels) convolved with the input
    as kernel, kernel dilation ``s``, stride ``d``; its output positions are the taps.
    """
    return _taps_as_outputs(grad_out, x, g)


def _tap_window_rights(g: Geometry) -> tuple[int, ...]:
    """Right padding (negative: cropping) of the padded operand of a weight gradient so that
    a correlation with the ``g.in_size`` elements read at stride ``s`` as kernel (dilation
    ``s``, output stride ``d``) gives exactly the ``k`` taps; the left padding is ``p``."""
    return tuple(
        (k - 1) * d + (n - 1) * s + 1 - o - p
        for k, d, n, s, o, p in zip(
            g.kernel, g.dilation, g.in_size, g.stride, g.out_size, g.padding, strict=True
        )
    )


def _taps_as_outputs(
    operand: torch.Tensor, kernel: torch.Tensor, g: Geometry
) -> tuple[torch.Tensor, int]:
    """The one dense convolution of both weight gradients: ``operand`` (channels as batch,
    batch as channels, padded by :func:`_tap_window_rights`) convolved with ``kernel``
    (batch as channels) at kernel dilation ``s`` and stride ``d``; its output positions are
    the weight's taps. Returns ``[kernel channels, operand channels / g, *k]`` and the MACs."""
    inp = _pad(_batch_as_channels(operand, g.groups), g.padding, _tap_window_rights(g))
    ker = kernel.transpose(0, 1)  # [C, N, *L]
    out = _CONV[g.rank](inp, ker, None, g.dilation, 0, g.stride, g.groups)
    return out.transpose(0, 1), _macs(out, ker)


def transposed_weight_grad_im2col(
    x: torch.Tensor, grad_out: torch.Tensor, g: Geometry
) -> tuple[torch.Tensor, int]:
    """Weight gradient of a transposed convolution by batched matrix multiplies: for every
    tap, the output error read at stride ``s`` (a strided view of the padded error, copied
    once as ``[N*g, Cout/g * taps, input positions]``) times the un-inserted input, summed
    over the batch. Same MACs as :func:`transposed_weight_grad`; faster when
    ``Cout/g x taps`` is small against the input's positions (few output channels)."""
    rank, groups = g.rank, g.groups
    n, cin = x.shape[:2]
    cout = grad_out.shape[1]
    gp = _pad(grad_out, g.padding, _tap_window_rights(g)).contiguous()
    st = gp.stride()
    view = gp.as_strided(
        (n, groups, cout // groups, *g.kernel, *g.in_size),
        (
            st[0],
            st[1] * (cout // groups),
            st[1],
            *(st[2 + a] * g.dilation[a] for a in range(rank)),
            *(st[2 + a] * g.stride[a] for a in range(rank)),
        ),
    )
    taps, positions = prod(g.kernel), prod(g.in_size)
    cols = view.reshape(n * groups, (cout // groups) * taps, positions)
    xm = x.reshape(n * groups, cin // groups, positions)
    out = torch.bmm(xm, cols.transpose(1, 2))  # [N*g, Cin/g, Cout/g * taps]
    dw = out.reshape(n, cin, (cout // groups) * taps).sum(0)
    return dw.reshape(cin, cout // groups, *g.kernel), out.numel() * positions


def conv_weight_grad(
    x: torch.Tensor, grad_out: torch.Tensor, g: Geometry
) -> tuple[torch.Tensor, int]:
    """Weight gradient of a strided convolution, ``[Cout, Cin/g, *k]``; ``g`` is the
    convolution's geometry seen as a transposed one (``g.in_size`` = the error's size).

    ``dW[co, ci, t] = sum_{n, j} gy[n, co, j] * x[n, ci, j*s - p + t*d]``: the output error
    is never dilated; the input (channels as batch) is convolved with the error as kernel,
    kernel dilation ``s``, stride ``d``; the input is padded / cropped so that exactly the
    ``k`` taps come out.
    """
    return _taps_as_outputs(x, grad_out, g)
