"""Where the operands of a 2-D convolution's passes come from: patches, groups, folds.

Row order on a crossbar is channel-major, ``(channel, tap)`` with taps in row-major kernel
order, as ``torch.nn.functional.unfold`` lays them out. A zero-inserting computation (a
transposed convolution's forward, a strided convolution's error; ``docs/architecture.md``
section 2) runs in gather form, one output pixel per MVM, and the
mapping mode decides which rows an output pixel's MVM drives (:func:`transposed_groups`):

- ``zero-inserting``: every tap, inserted and padding zeros included (one group);
- ``zfdr-phase``: one group per ZFDR phase, the taps that meet real data somewhere in the
  phase (border outputs still drive padding zeros);
- ``zfdr-pattern``: one group per pattern, only the taps that meet real data.

Zeros add nothing to a column sum; the modes differ numerically in which rows share a row
tile, hence an ADC conversion, when the ADC truncates. ``scatter`` runs the input pixels
through a ``C_in x (C_out * taps)`` matrix and sums the products digitally (:func:`fold`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import torch
import torch.nn.functional as F

Pair = tuple[int, int]

__all__ = [
    "fold",
    "im2col",
    "tap_accumulate",
    "transposed_columns",
    "transposed_groups",
    "transposed_output_size",
]


def im2col(x: torch.Tensor, kernel: Pair, stride: Pair, padding: Pair,
           dilation: Pair) -> tuple[torch.Tensor, Pair]:
    """Patches of a convolution's input: ``(B * L, C * taps)`` and the output size."""
    b = x.shape[0]
    cols = F.unfold(x, kernel, dilation=dilation, padding=padding, stride=stride)
    h = (x.shape[2] + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    w = (x.shape[3] + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    return cols.transpose(1, 2).reshape(b * h * w, -1), (h, w)


def fold(v: torch.Tensor, batch: int, size: Pair, kernel: Pair, stride: Pair, padding: Pair,
         dilation: Pair) -> torch.Tensor:
    """Digital accumulation of per-tap products ``v`` (``B * L x C * taps``, rows in the
    order of the ``L`` sliding blocks) into a ``(B, C, *size)`` map (col2im)."""
    v = v.reshape(batch, -1, v.shape[1]).transpose(1, 2)
    return F.fold(v, size, kernel, dilation=dilation, padding=padding, stride=stride)


def tap_accumulate(v: torch.Tensor, channels: int, kernel: Pair, stride: Pair, padding: Pair,
                   dilation: Pair) -> torch.Tensor:
    """``out[c, p] = sum_t v[(c, t), p * stride - padding + t * dilation]``: the digital sum
    over taps after a transposed read of a transposed convolution's crossbar (``v`` is
    ``(B, C * taps, H, W)``)."""
    taps = kernel[0] * kernel[1]
    eye = torch.eye(taps, dtype=v.dtype, device=v.device).view(1, taps, *kernel)
    return F.conv2d(v, eye.repeat(channels, 1, 1, 1), stride=stride, padding=padding,
                    dilation=dilation, groups=channels)


def transposed_output_size(size: Pair, kernel: Pair, stride: Pair, padding: Pair,
                           dilation: Pair, output_padding: Pair) -> Pair:
    """Output size of a transposed convolution (``torch.nn.ConvTranspose2d``'s formula)."""
    return tuple(  # type: ignore[return-value]
        (size[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1)
        + output_padding[i] + 1 for i in range(2)
    )


def transposed_columns(x: torch.Tensor, kernel: Pair, stride: Pair, padding: Pair,
                       dilation: Pair, output_padding: Pair) -> torch.Tensor:
    """Dense patches of the zero-inserted, padded operand of a transposed convolution:
    ``(B, C, taps, L)``, taps flipped so that tap ``t`` pairs with ``weight[c, o, t]``."""
    b, c, h, w = x.shape
    z = x.new_zeros(b, c, (h - 1) * stride[0] + 1, (w - 1) * stride[1] + 1)
    z[:, :, :: stride[0], :: stride[1]] = x
    ph = [dilation[i] * (kernel[i] - 1) - padding[i] for i in range(2)]
    z = F.pad(z, (ph[1], ph[1] + output_padding[1], ph[0], ph[0] + output_padding[0]))
    cols = F.unfold(z, kernel, dilation=dilation)
    taps = kernel[0] * kernel[1]
    return cols.view(b, c, taps, -1).flip(2)


@lru_cache(maxsize=256)
def transposed_groups(size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                      output_padding: Pair, mode: str) -> tuple[
                          tuple[tuple[int, ...], torch.Tensor, torch.Tensor], ...]:
    """The MVM groups of a transposed convolution in gather form: ``(taps, positions,
    index)`` triples: flattened output positions, and for each position and tap the
    flattened input pixel it reads (``H * W`` where it reads an inserted or padding zero).
    Positions meeting no real tap are left out (they output zero, bias only)."""
    n_in = size[0] * size[1]
    ids = torch.arange(1, n_in + 1, dtype=torch.float64).view(1, 1, *size)
    src = transposed_columns(ids, kernel, stride, padding, dilation, output_padding)[0, 0]
    src = src.round().long() - 1  # (taps, L); -1 where a zero is read
    real = src >= 0
    src[~real] = n_in
    n_taps, n_pos = real.shape

    def group(taps: tuple[int, ...], pos: list[int] | torch.Tensor) -> tuple[Any, ...]:
        p = torch.as_tensor(pos)
        return taps, p, src[list(taps)][:, p].T.contiguous()

    if mode == "zero-inserting":
        return (group(tuple(range(n_taps)), torch.arange(n_pos)),)
    out_w = transposed_output_size(size, kernel, stride, padding, dilation, output_padding)[1]
    if mode == "zfdr-pattern":
        keys: dict[tuple[int, ...], list[int]] = {}
        for p in range(n_pos):
            taps = tuple(int(t) for t in torch.nonzero(real[:, p]).flatten())
            if taps:
                keys.setdefault(taps, []).append(p)
        return tuple(group(t, ps) for t, ps in keys.items())
    if mode == "zfdr-phase":
        phases: dict[Pair, list[int]] = {}
        for p in range(n_pos):
            phases.setdefault(((p // out_w) % stride[0], (p % out_w) % stride[1]), []).append(p)
        groups = []
        for ps in phases.values():
            taps = tuple(int(t) for t in torch.nonzero(real[:, ps].any(1)).flatten())
            if taps:
                groups.append(group(taps, ps))
        return tuple(groups)
    raise ValueError(f"mode: {mode!r} has no gather groups")
