"""Emulated layers: every pass of a linear, convolution or transposed-convolution layer
runs on emulated crossbars (:class:`lergan.emulate.crossbar.CrossbarArray`) as mapped.

- **forward**: the forward tier's matrix; a transposed convolution in the mapping mode
  (:mod:`lergan.emulate.geometry`), a convolution and a linear layer the ordinary way.
- **error** (``training.error_propagation``): ``transposed-copy`` programs a second array
  with the error pass's matrix (a strided convolution's error in the mapping mode);
  ``transposed-read`` drives the forward array's columns and converts on the rows, the
  per-tap products then summed digitally.
- **weight gradient** (``training.weight_gradients``): ``crossbar`` programs the error
  operand (``precision.error_bits``) into fresh cells and streams the activations
  (PipeLayer); every programmed cell is counted as a write. ``digital``: the exact product
  of the quantised operands (MAC units beside the arrays).
- **update** (:meth:`EmulatedLayer.write_cells`, after a torch optimiser steps the master
  weights): the new quantised levels are written to the forward array and the error copy.

Operands are quantised per tensor (:func:`lergan.emulate.crossbar.quantise`): activations
to ``input_bits``, errors to ``error_bits``; weights to ``weight_bits`` with a scale fixed
when the layer is converted (``weight_range`` x the initial largest magnitude; master
weights are clipped to that range). Biases, batch norm and activations are digital, in
float. When every conversion is exact and no device effect is on, each pass is one product
of the quantised operands (the fast path; :attr:`CrossbarConfig.lossless`), computed in the
operands' dtype: exact in float64, to float32 rounding in float32 training.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lergan.emulate import geometry as geo
from lergan.emulate.config import CrossbarConfig, EmulationError, lossless_adc_bits
from lergan.emulate.crossbar import CrossbarArray, input_planes, quantise
from lergan.zerofree import (
    conv_input_grad,
    conv_transpose,
    conv_transpose_weight_grad,
    conv_weight_grad,
)

__all__ = ["EmulatedLayer", "WriteCounts"]


@dataclass
class WriteCounts:
    """Cells written and skipped by one layer, per tier (``forward``, ``transposed_copy``,
    ``gradient_operand``), summed over its updates (``updates``)."""

    written: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    updates: int = 0

    def add(self, tier: str, written: int, skipped: int) -> None:
        self.written[tier] = self.written.get(tier, 0) + written
        self.skipped[tier] = self.skipped.get(tier, 0) + skipped

    def to_dict(self) -> dict[str, Any]:
        return {"written": dict(self.written), "skipped": dict(self.skipped),
                "updates": self.updates}


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


class EmulatedLayer(nn.Module):
    """A ``Linear``, ``Conv2d`` or ``ConvTranspose2d`` whose passes run on emulated
    crossbars. Shares the original module's ``weight`` / ``bias`` parameters (the master
    copy, float32), so a torch optimiser on the model steps them; call
    :meth:`write_cells` after each step (``lergan.emulate.training`` does)."""

    def __init__(self, module: nn.Module, config: CrossbarConfig, name: str,
                 weight_range: float = 2.0) -> None:
        super().__init__()
        if type(module) is nn.Linear:
            self.kind = "linear"
        elif type(module) is nn.Conv2d:
            self.kind = "conv"
        elif type(module) is nn.ConvTranspose2d:
            self.kind = "conv_transpose"
        else:
            raise EmulationError(f"{name}: {type(module).__name__} has no emulated form "
                                 "(Linear, Conv2d, ConvTranspose2d)")
        if self.kind != "linear":
            m: Any = module
            if m.groups != 1 or m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise EmulationError(f"{name}: only groups=1 and numeric zero padding are "
                                     "emulated")
            self.kernel, self.stride = _pair(m.kernel_size), _pair(m.stride)
            self.padding, self.dilation = _pair(m.padding), _pair(m.dilation)
            self.output_padding = _pair(getattr(m, "output_padding", 0))
        self.name = name
        self.config = config
        self.mode = config.mapping_mode
        self.weight = module.weight
        self.bias = module.bias
        w_max = float(self.weight.detach().abs().max()) * weight_range
        self.w_max = w_max if w_max > 0 else 1.0
        self.w_scale = self.w_max / config.max_weight_level
        self.counts = WriteCounts()
        # seeded per layer by its name (crc32: the same in every process, unlike hash())
        gen = torch.Generator().manual_seed(config.seed + zlib.crc32(name.encode()))
        with torch.no_grad():
            self.weight.clamp_(-self.w_max, self.w_max)
            q = self._quantised_master()
        self.q = q
        self.forward_array = CrossbarArray.program(self._forward_matrix(q), config, gen)
        self.error_array = (CrossbarArray.program(self._error_matrix(q), config, gen)
                            if config.error_propagation == "transposed-copy" else None)

    # ---- matrices as laid out on crossbars ---------------------------------------------
    def _quantised_master(self) -> torch.Tensor:
        return torch.round(self.weight.detach().double() / self.w_scale)

    def _forward_matrix(self, q: torch.Tensor) -> torch.Tensor:
        if self.kind == "linear":
            return q.T
        if self.kind == "conv":
            return q.reshape(q.shape[0], -1).T
        if self.mode == "scatter":  # C_in x (C_out * taps)
            return q.reshape(q.shape[0], -1)
        return q.permute(0, 2, 3, 1).reshape(-1, q.shape[1])  # (C_in * taps) x C_out

    def _error_matrix(self, q: torch.Tensor) -> torch.Tensor:
        if self.kind == "linear":
            return q
        if self.kind == "conv":
            if self.mode == "scatter":  # C_out x (C_in * taps)
                return q.reshape(q.shape[0], -1)
            return q.permute(0, 2, 3, 1).reshape(-1, q.shape[1])  # (C_out * taps) x C_in
        return q.permute(1, 2, 3, 0).reshape(-1, q.shape[0])  # (C_out * taps) x C_in

    # ---- forward -----------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _EmulatedPass.apply(x, self.weight, self.bias, self)

    def _geom(self) -> tuple[Any, ...]:
        return self.kernel, self.stride, self.padding, self.dilation

    def forward_int(self, xi: torch.Tensor) -> torch.Tensor:
        """The forward pass on integers: ``(B, N[, H, W])``."""
        cfg, arr = self.config, self.forward_array
        if cfg.fast:
            return _fast_forward(self, xi)
        if self.kind == "linear":
            return arr.mvm(xi, cfg.input_bits)
        k, s, p, d = self._geom()
        b = xi.shape[0]
        if self.kind == "conv":
            cols, (h, w) = geo.im2col(xi, k, s, p, d)
            return arr.mvm(cols, cfg.input_bits).view(b, h, w, -1).permute(0, 3, 1, 2)
        size = geo.transposed_output_size(tuple(xi.shape[2:]), k, s, p, d, self.output_padding)
        if self.mode == "scatter":
            pix = xi.permute(0, 2, 3, 1).reshape(-1, xi.shape[1])
            return geo.fold(arr.mvm(pix, cfg.input_bits), b, size, k, s, p, d)
        return _gather_transposed(xi, arr, self._geom(), self.output_padding, self.mode,
                                  cfg.input_bits)

    # ---- error -------------------------------------------------------------------------
    def error_int(self, ei: torch.Tensor, in_shape: tuple[int, ...]) -> torch.Tensor:
        """Error propagation on integers: ``dL/dx`` (unscaled) of shape ``in_shape``."""
        cfg = self.config
        read_exact = self.error_array is not None or lossless_adc_bits(
            cfg.weights_per_crossbar_row, cfg.cell_bits, cfg.dac_bits) <= cfg.adc_bits
        if cfg.fast and read_exact:
            return _fast_error(self, ei, in_shape)
        bits = cfg.error_bits
        if self.kind == "linear":
            if self.error_array is not None:
                return self.error_array.mvm(ei, bits)
            return self.forward_array.mvm(ei, bits, transposed=True)
        k, s, p, d = self._geom()
        b, size = ei.shape[0], tuple(in_shape[2:])
        pix = ei.permute(0, 2, 3, 1).reshape(-1, ei.shape[1])
        if self.kind == "conv":
            if self.error_array is None:  # transposed read, then col2im digitally
                v = self.forward_array.mvm(pix, bits, transposed=True)
                return geo.fold(v, b, size, k, s, p, d)
            if self.mode == "scatter":
                return geo.fold(self.error_array.mvm(pix, bits), b, size, k, s, p, d)
            out = tuple(size[i] - ((ei.shape[2 + i] - 1) * s[i] - 2 * p[i]
                                   + d[i] * (k[i] - 1) + 1) for i in range(2))
            return _gather_transposed(ei, self.error_array, self._geom(), out, self.mode, bits)
        # transposed convolution: its error is a plain strided convolution of the error
        if self.error_array is not None:
            cols, _ = geo.im2col(ei, k, s, p, d)
            return self.error_array.mvm(cols, bits).view(b, *size, -1).permute(0, 3, 1, 2)
        if self.mode == "scatter":
            cols, _ = geo.im2col(ei, k, s, p, d)
            dx = self.forward_array.mvm(cols, bits, transposed=True)
            return dx.view(b, *size, -1).permute(0, 3, 1, 2)
        v = self.forward_array.mvm(pix, bits, transposed=True)  # (B*L, C_in * taps)
        v = v.view(b, *ei.shape[2:], -1).permute(0, 3, 1, 2)
        return geo.tap_accumulate(v, in_shape[1], k, s, p, d)

    # ---- weight gradient ---------------------------------------------------------------
    def weight_grad_int(self, xi: torch.Tensor, ei: torch.Tensor) -> torch.Tensor:
        """``dL/dW`` (unscaled, the weight's shape) from integer activations and errors."""
        cfg = self.config
        if cfg.weight_gradients == "digital":
            return _fast_weight_grad(self, xi, ei)
        # crossbar: the error operand is programmed (every cell a write), activations stream
        signs = 2 if cfg.signed_weights == "differential" else 1
        slices = -(-cfg.error_bits // cfg.cell_bits)
        if self.kind == "conv_transpose":  # rows: input positions; columns: (C_out, tap)
            m_rows = xi.numel() // xi.shape[1]
            n_cols = ei.shape[1] * self.kernel[0] * self.kernel[1]
        else:  # rows: output positions; columns: C_out
            m_rows, n_cols = ei.numel() // ei.shape[1], ei.shape[1]
        n_cols += 1 if cfg.signed_weights == "offset" else 0
        self.counts.add("gradient_operand", signs * slices * m_rows * n_cols, 0)
        if cfg.fast:
            return _fast_weight_grad(self, xi, ei)
        if self.kind == "linear":
            a, bm = xi, ei
        elif self.kind == "conv":
            a, _ = geo.im2col(xi, *self._geom())
            bm = ei.permute(0, 2, 3, 1).reshape(-1, ei.shape[1])
        else:
            a = xi.permute(0, 2, 3, 1).reshape(-1, xi.shape[1])
            bm, _ = geo.im2col(ei, *self._geom())
        op_cfg = cfg.model_copy(update={"weight_bits": cfg.error_bits})
        arr = CrossbarArray.program(bm, op_cfg, self.forward_array.generator)
        assert arr.levels.numel() == signs * slices * m_rows * n_cols
        g = arr.mvm(a.T.contiguous(), cfg.input_bits)  # (K1 x K2)
        w = self.weight
        if self.kind == "linear":
            return g.T
        if self.kind == "conv":
            return g.T.reshape(w.shape)
        return g.reshape(w.shape)

    # ---- update ------------------------------------------------------------------------
    @torch.no_grad()
    def write_cells(self) -> None:
        """Clip the master weights to the layer's range and write the new levels: every
        cell, or (compare-before-write) the cells whose level changes; with LrGAN's
        approximate update, weights whose change is below ``update_threshold`` of the
        weight range (``2 * (2**(weight_bits-1) - 1)`` levels) keep their cells."""
        cfg = self.config
        self.weight.clamp_(-self.w_max, self.w_max)
        q = self._quantised_master()
        if cfg.approximate_update:
            small = (q - self.q).abs() < cfg.update_threshold * 2 * cfg.max_weight_level
            q = torch.where(small, self.q, q)
        compare = cfg.compare_before_write or cfg.approximate_update
        self.q = q
        self.counts.add("forward", *self.forward_array.rewrite(self._forward_matrix(q),
                                                               compare))
        if self.error_array is not None:
            self.counts.add("transposed_copy",
                            *self.error_array.rewrite(self._error_matrix(q), compare))
        self.counts.updates += 1

    # ---- state for checkpoints (tensors, numbers and dicts only) -----------------------
    def cells_per_update(self) -> dict[str, int]:
        """Cells an update may write, per tier (the offset column excluded)."""
        out = {"forward": _cells(self.forward_array)}
        if self.error_array is not None:
            out["transposed_copy"] = _cells(self.error_array)
        return out

    def emulator_state(self) -> dict[str, Any]:
        """What the cells hold and what has been counted (master weights live in the
        module's ``state_dict``)."""
        arrays = {"forward": self.forward_array}
        if self.error_array is not None:
            arrays["transposed_copy"] = self.error_array
        return {
            "q": self.q,
            "w_max": self.w_max,
            "counts": self.counts.to_dict(),
            "arrays": {k: a.state() for k, a in arrays.items()},
        }

    def load_emulator_state(self, state: dict[str, Any]) -> None:
        self.q = state["q"]
        self.w_max = float(state["w_max"])
        self.w_scale = self.w_max / self.config.max_weight_level
        c = state["counts"]
        self.counts = WriteCounts(dict(c["written"]), dict(c["skipped"]), int(c["updates"]))
        self.forward_array.load_state(state["arrays"]["forward"])
        if self.error_array is not None:
            self.error_array.load_state(state["arrays"]["transposed_copy"])

    def extra_repr(self) -> str:
        return f"{self.name}: {self.kind}, mode={self.mode}, w_max={self.w_max:.3g}"


def _cells(arr: CrossbarArray) -> int:
    n = arr.levels.numel()
    if arr.config.signed_weights == "offset":
        n -= arr.levels.shape[1] * arr.levels.shape[2]
    return n


def _gather_transposed(xi: torch.Tensor, arr: CrossbarArray, geom: tuple[Any, ...],
                       output_padding: tuple[int, int], mode: str, bits: int) -> torch.Tensor:
    """A transposed convolution in gather form, one MVM group per mode group."""
    k, s, p, d = geom
    b, c = xi.shape[:2]
    size = geo.transposed_output_size(tuple(xi.shape[2:]), k, s, p, d, output_padding)
    groups = geo.transposed_groups(tuple(xi.shape[2:]), k, s, p, d, output_padding, mode)
    n_taps = k[0] * k[1]
    flat = torch.cat([xi.flatten(2), xi.new_zeros(b, c, 1)], dim=2)  # last: a zero
    flat = input_planes(flat, bits, arr.config.dac_bits)  # DAC levels, before the gather
    p_n = flat.shape[0]
    out = xi.new_zeros(b, size[0] * size[1], arr.n_cols, dtype=torch.float64)
    xs, rows = [], []
    for taps, pos, idx in groups:
        t = torch.tensor(taps)
        rows.append((torch.arange(c).view(-1, 1) * n_taps + t.view(1, -1)).flatten())
        xs.append(flat[:, :, :, idx].permute(0, 1, 3, 2, 4).reshape(p_n, b * len(pos), -1))
    for (_, pos, _), y in zip(groups, arr.mvm_groups(xs, rows, bits), strict=True):
        out[:, pos] = y.view(b, len(pos), -1)
    return out.transpose(1, 2).reshape(b, arr.n_cols, *size)


# ---- fast path: one product of the quantised operands, in the operands' dtype -----------
# float64 (tests): exact; float32 (training): the exact product to float32 rounding, far
# below the quantisation of the operands, at the speed of a float32 layer


def _common(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    dt = torch.promote_types(a.dtype, b.dtype)
    return a.to(dt), b.to(dt)


def _fast_forward(layer: EmulatedLayer, xi: torch.Tensor) -> torch.Tensor:
    q = layer.q.to(xi.dtype)
    if layer.kind == "linear":
        return xi @ q.T
    _, s, p, d = layer._geom()
    if layer.kind == "conv":
        return F.conv2d(xi, q, stride=s, padding=p, dilation=d)
    return conv_transpose(xi, q, None, s, p, layer.output_padding, 1, d)


def _fast_error(layer: EmulatedLayer, ei: torch.Tensor,
                in_shape: tuple[int, ...]) -> torch.Tensor:
    q = layer.q.to(ei.dtype)
    if layer.kind == "linear":
        return ei @ q
    _, s, p, d = layer._geom()
    if layer.kind == "conv":
        return conv_input_grad(ei, q, in_shape, s, p, d)
    return F.conv2d(ei, q, stride=s, padding=p, dilation=d)


def _fast_weight_grad(layer: EmulatedLayer, xi: torch.Tensor,
                      ei: torch.Tensor) -> torch.Tensor:
    w = layer.weight
    xi, ei = _common(xi, ei)
    if layer.kind == "linear":
        return ei.T @ xi
    _, s, p, d = layer._geom()
    if layer.kind == "conv":
        return conv_weight_grad(xi, ei, w.shape, s, p, d)
    return conv_transpose_weight_grad(xi, ei, w.shape, s, p, layer.output_padding, 1, d)


class _EmulatedPass(torch.autograd.Function):
    """Forward, error and weight gradient of an :class:`EmulatedLayer` for autograd."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                layer: EmulatedLayer) -> torch.Tensor:
        cfg = layer.config
        xi, sx = quantise(x, cfg.input_bits)
        y = (layer.forward_int(xi) * (sx * layer.w_scale)).to(x.dtype)
        if bias is not None:
            y = y + bias.view(1, -1, *([1] * (y.dim() - 2)))
        ctx.layer, ctx.sx, ctx.in_shape = layer, sx, tuple(x.shape)
        ctx.has_bias = bias is not None
        ctx.save_for_backward(xi)
        return y

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> Any:
        layer: EmulatedLayer = ctx.layer
        (xi,) = ctx.saved_tensors
        ei, se = quantise(dy, layer.config.error_bits)
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            dx = (layer.error_int(ei, ctx.in_shape) * (se * layer.w_scale)).to(dy.dtype)
        if ctx.needs_input_grad[1]:
            dw = (layer.weight_grad_int(xi, ei) * (ctx.sx * se)).to(dy.dtype)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            db = dy.sum(dim=[i for i in range(dy.dim()) if i != 1])
        return dx, dw, db, None
