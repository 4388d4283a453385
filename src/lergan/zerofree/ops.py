"""Exact zero-free (ZFDR) operations for PyTorch.

The three zero-inserting computations of GAN training (``docs/architecture.md``
section 2), computed without ever forming or multiplying an inserted
zero:

- :func:`conv_transpose`: T-CONV, the forward of a transposed convolution (semantics of
  ``torch.nn.functional.conv_transpose1d/2d/3d``), differentiable;
- :func:`conv_input_grad`: S-CONV error propagation (``torch.nn.grad.conv{1,2,3}d_input``);
- :func:`conv_weight_grad` / :func:`conv_transpose_weight_grad`: W-CONV, weight gradients of
  a convolution / a transposed convolution (what autograd gives).

Formulations (``lergan.zerofree._ops_formulations``, ``formulation=`` one of
:data:`FORMULATIONS`): each ZFDR phase (output positions with the same residue modulo the
stride) is a dense convolution of the *un-inserted* operand with a compacted sub-kernel:
one convolution per phase (``"phase"``), per pattern (``"pattern"``, only real MACs), all
alike phases as the groups of one grouped convolution (``"grouped"``), or all phases as the
output channels of one convolution followed by a pixel shuffle (``"subpixel"``); ``None``
picks one per shape by rules measured with ``benchmarks/bench_zerofree.py``. Weight
gradients correlate the un-inserted input with the error read at stride ``s`` (one dense
convolution with batch and channels swapped, or a ``bmm`` on a strided view:
:data:`WEIGHT_GRAD_FORMULATIONS`). Only ``aten.convolution`` with ``transposed=False`` runs,
forward and backward; never torch's transposed convolution nor
``aten.convolution_backward``. Bad arguments raise :class:`ZeroFreeArgumentError` (a
:class:`lergan.errors.LerganError`, hence a ``ValueError``) naming the argument.

MACs: pass ``return_report=True`` to get ``(result, MacReport)``; see
:class:`MacReport` for what is counted (``executed`` equals
``torch.utils.flop_counter.FlopCounterMode``'s count / 2). For :func:`conv_transpose` the
report covers the forward call only.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import Any

import torch
from torch.autograd.function import once_differentiable

from lergan.errors import ZeroFreeArgumentError
from lergan.zerofree import _ops_formulations as formulations
from lergan.zerofree._ops_args import (
    Geometry,
    IntOrTuple,
    batched,
    check_groups,
    check_same,
    check_tensor,
    conv_geometry,
    transposed_geometry,
    weight_rank,
)
from lergan.zerofree._ops_macs import MacReport, conv_weight_axes, report, transposed_axes

#: What an operator returns: its result, with the call's :class:`MacReport` when
#: ``return_report=True``.
Output = torch.Tensor | tuple[torch.Tensor, MacReport]

__all__ = [
    "FORMULATIONS",
    "WEIGHT_GRAD_FORMULATIONS",
    "MacReport",
    "ZeroFreeArgumentError",
    "chosen_formulation",
    "conv_input_grad",
    "conv_transpose",
    "conv_transpose_weight_grad",
    "conv_weight_grad",
]

FORMULATIONS = ("phase", "grouped", "pattern", "subpixel")


def _transposed_forward(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    g: Geometry,
    formulation: str | None,
) -> tuple[torch.Tensor, int, str]:
    """Run the chosen formulation; returns the output, the MACs executed, and which MACs of
    the dense computation it performs (``"grid"`` or ``"real"``, see ``_ops_macs.report``)."""
    if formulation is None:
        formulation, cl = _auto(g, x, weight)
    else:
        cl = _channels_last(x, g)
    if formulation == "subpixel" and not formulations.subpixel_supported(g):
        formulation = "phase"
    if formulation == "grouped" and not formulations.grouped_supported(g):
        formulation = "phase"
    with torch.no_grad():
        if formulation == "grouped":
            return (*formulations.transposed_grouped(x, weight, bias, g, cl), "grid")
        if formulation == "subpixel":
            return (*formulations.transposed_subpixel(x, weight, bias, g, cl), "grid")
        if formulation == "pattern":
            return (*formulations.transposed_pattern(x, weight, bias, g, cl), "real")
        return (*formulations.transposed_phase(x, weight, bias, g, cl), "grid")


def _channels_last(x: torch.Tensor, g: Geometry) -> bool:
    """Run the dense convolutions channels-last (oneDNN's fast layout): for float32 inputs of
    some size, or inputs already channels-last. Small or float64 inputs stay as they are
    (torch's channels-last kernels for float64 are slow)."""
    fmt = formulations.channels_last_format(g.rank)
    if fmt is None:
        return False
    if x.is_contiguous(memory_format=fmt) and not x.is_contiguous():
        return True
    return x.dtype == torch.float32 and x.numel() >= _CL_MIN_NUMEL


_CL_MIN_NUMEL = 1 << 15
_SUBPIXEL_MAX_CHANNELS = 64


def _auto(g: Geometry, x: torch.Tensor, weight: torch.Tensor) -> tuple[str, bool]:
    """Formulation and channels-last flag, by rules measured with
    ``benchmarks/bench_zerofree.py`` (2-core x86 CPU, torch 2.13 with oneDNN):

    - few output channels (``out_channels/groups x stride^d <= 64``, e.g. DCGAN's last
      layer, 64 -> 3): the single sub-pixel convolution reads the input once and beats
      per-phase convolutions (which each re-read all of it for 3 output channels);
    - otherwise, when all phases are alike (e.g. kernel 4, stride 2) and the input is at
      most twice the weight (DCGAN's 512 -> 256 at 4x4 and 256 -> 128 at 8x8): all phases
      in one grouped convolution. Its CPU time is that of per-phase convolutions to ~1.2x
      there, but it takes a third of the parallel regions, and on a loaded machine each
      region may wait for a descheduled thread (measured 1.4-1.6x torch under load against
      1.9-2.2x per phase);
    - otherwise one convolution per phase, channels-last for float32 inputs of some size
      (the grouped convolution costs up to 1.9x the CPU time once the input dominates, and
      per pattern, only real MACs, costs about the same CPU time but 4x the calls);
    - small or float64 inputs: one convolution per phase (fewest calls).
    """
    cl = _channels_last(x, g)
    if formulations.subpixel_supported(g) and weight.shape[1] * prod(g.stride) <= (
        _SUBPIXEL_MAX_CHANNELS
    ):
        return "subpixel", cl and not x.is_contiguous()
    if cl and formulations.grouped_supported(g) and x.numel() <= 2 * weight.numel():
        return "grouped", cl
    return "phase", cl


def chosen_formulation(
    input: torch.Tensor,
    weight: torch.Tensor,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> str:
    """The formulation :func:`conv_transpose` picks for these arguments (with ``formulation=
    None``), with ``+cl`` when its convolutions run channels-last."""
    rank = weight_rank("chosen_formulation", weight)
    x = input if batched("chosen_formulation", "input", input, rank) else input.unsqueeze(0)
    g = transposed_geometry(
        "chosen_formulation",
        rank,
        tuple(x.shape[2:]),
        tuple(weight.shape[2:]),
        stride,
        padding,
        output_padding,
        dilation,
        groups,
    )
    name, cl = _auto(g, x, weight)
    return name + ("+cl" if cl else "")


class _ConvTranspose(torch.autograd.Function):
    """Transposed convolution whose forward and backward are zero-free operations."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        g: Geometry,
        formulation: str | None,
        counter: list[tuple[int, str]],
    ) -> torch.Tensor:
        y, executed, dense = _transposed_forward(
            x.detach(), weight.detach(), _det(bias), g, formulation
        )
        counter.append((executed, dense))
        ctx.save_for_backward(x, weight)
        ctx.geometry = g
        ctx.has_bias = bias is not None
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_y: torch.Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        x, weight = ctx.saved_tensors
        g: Geometry = ctx.geometry
        gx = gw = gb = None
        with torch.no_grad():
            if ctx.needs_input_grad[0]:
                gx, _ = formulations.strided_conv(grad_y, weight, g)
            if ctx.needs_input_grad[1]:
                gw, _ = _transposed_weight_grad(x, grad_y, g, None)
            if ctx.has_bias and ctx.needs_input_grad[2]:
                gb = grad_y.sum(dim=(0, *range(2, grad_y.dim())))
        return gx, gw, gb, None, None, None


def _apply_transposed(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    g: Geometry,
    formulation: str | None,
    is_batched: bool,
    return_report: bool,
) -> Output:
    """Run :class:`_ConvTranspose` on batched ``x``; unbatch the result as the caller's
    input was, and add the forward call's :class:`MacReport` when asked."""
    counter: list[tuple[int, str]] = []
    y = _ConvTranspose.apply(x, weight, bias, g, formulation, counter)
    if not is_batched:
        y = y.squeeze(0)
    if not return_report:
        return y
    channels = x.shape[0] * weight.shape[0] * weight.shape[1]
    return y, report(transposed_axes(g), channels, *counter[0])


def _det(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach()


def _check_formulation(
    op: str, formulation: str | None, allowed: tuple[str, ...] = FORMULATIONS
) -> None:
    if formulation is not None and formulation not in allowed:
        raise ZeroFreeArgumentError(
            f"{op}: formulation must be one of {allowed} or None, got {formulation!r}"
        )


def conv_transpose(
    input: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    formulation: str | None = None,
    return_report: bool = False,
) -> Output:
    """Zero-free transposed convolution, as ``torch.nn.functional.conv_transpose{1,2,3}d``.

    The rank (1, 2 or 3) is the weight's (``[in_channels, out_channels / groups, *kernel]``);
    ``input`` is ``[N, in_channels, *size]`` or unbatched ``[in_channels, *size]``.
    Differentiable in ``input``, ``weight`` and ``bias`` (first order); the backward uses a
    plain strided convolution for the input gradient and
    :func:`conv_transpose_weight_grad`'s formulation for the weight gradient.
    With ``return_report=True`` returns ``(output, MacReport)`` for this forward call.
    """
    op = "conv_transpose"
    check_tensor(op, "input", input)
    check_tensor(op, "weight", weight)
    check_same(op, input, "input", weight, "weight")
    _check_formulation(op, formulation)
    rank = weight_rank(op, weight)
    is_batched = batched(op, "input", input, rank)
    x = input if is_batched else input.unsqueeze(0)
    check_groups(op, groups)
    cin = weight.shape[0]
    if x.shape[1] != cin:
        raise ZeroFreeArgumentError(
            f"{op}: input has {x.shape[1]} channels but weight expects {cin} "
            f"(weight shape {tuple(weight.shape)})"
        )
    if cin % groups:
        raise ZeroFreeArgumentError(
            f"{op}: groups={groups} does not divide the {cin} input channels"
        )
    cout = weight.shape[1] * groups
    if bias is not None:
        check_tensor(op, "bias", bias)
        check_same(op, input, "input", bias, "bias")
        if tuple(bias.shape) != (cout,):
            raise ZeroFreeArgumentError(
                f"{op}: bias must have shape ({cout},) (out_channels), got {tuple(bias.shape)}"
            )
    g = transposed_geometry(
        op,
        rank,
        tuple(x.shape[2:]),
        tuple(weight.shape[2:]),
        stride,
        padding,
        output_padding,
        dilation,
        groups,
    )
    return _apply_transposed(x, weight, bias, g, formulation, is_batched, return_report)


def conv_input_grad(
    grad_output: torch.Tensor,
    weight: torch.Tensor,
    input_size: Sequence[int],
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    formulation: str | None = None,
    return_report: bool = False,
) -> Output:
    """Error propagation through a convolution, as ``torch.nn.grad.conv{1,2,3}d_input``.

    ``weight`` is the convolution's ``[out_channels, in_channels / groups, *kernel]``;
    ``input_size`` the full shape of the convolution's input (with or without batch, like
    ``grad_output``). Zero-free: the error is never zero-inserted; each ZFDR phase of the
    input gradient is a dense convolution of the error with a sub-kernel. Differentiable.
    """
    op = "conv_input_grad"
    check_tensor(op, "grad_output", grad_output)
    check_tensor(op, "weight", weight)
    check_same(op, grad_output, "grad_output", weight, "weight")
    _check_formulation(op, formulation)
    rank = weight_rank(op, weight)
    is_batched = batched(op, "grad_output", grad_output, rank)
    gy = grad_output if is_batched else grad_output.unsqueeze(0)
    size = _full_size(op, "input_size", input_size, rank, is_batched)
    check_groups(op, groups)
    cout = weight.shape[0]
    if gy.shape[1] != cout:
        raise ZeroFreeArgumentError(
            f"{op}: grad_output has {gy.shape[1]} channels but weight has {cout} output "
            f"channels (weight shape {tuple(weight.shape)})"
        )
    if cout % groups:
        raise ZeroFreeArgumentError(
            f"{op}: groups={groups} does not divide the {cout} output channels of weight"
        )
    if size[0] != gy.shape[0] or size[1] != weight.shape[1] * groups:
        raise ZeroFreeArgumentError(
            f"{op}: input_size {tuple(size)} does not match grad_output "
            f"{tuple(gy.shape)} and weight {tuple(weight.shape)} with groups={groups} "
            f"(batch {gy.shape[0]}, {weight.shape[1] * groups} input channels expected)"
        )
    g = conv_geometry(
        op,
        rank,
        tuple(size[2:]),
        tuple(weight.shape[2:]),
        stride,
        padding,
        dilation,
        groups,
        tuple(gy.shape[2:]),
        "grad_output",
    )
    return _apply_transposed(gy, weight, None, g, formulation, is_batched, return_report)


def _ints(op: str, name: str, values: Sequence[int]) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values)
    except (TypeError, ValueError):
        raise ZeroFreeArgumentError(
            f"{op}: {name} must be a sequence of ints, got {values!r}"
        ) from None


def _full_size(
    op: str, name: str, size: Sequence[int], rank: int, is_batched: bool
) -> tuple[int, ...]:
    out = _ints(op, name, size)
    want = rank + 2 if is_batched else rank + 1
    if len(out) != want:
        raise ZeroFreeArgumentError(
            f"{op}: {name} must have {want} entries ({'batch, ' if is_batched else ''}"
            f"channels and {rank} spatial sizes), got {out}"
        )
    return out if is_batched else (1, *out)


def _pair(
    op: str, input: torch.Tensor, grad_output: torch.Tensor, weight_size: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor, bool, tuple[int, ...], int]:
    check_tensor(op, "input", input)
    check_tensor(op, "grad_output", grad_output)
    check_same(op, input, "input", grad_output, "grad_output")
    ws = _ints(op, "weight_size", weight_size)
    if len(ws) not in (3, 4, 5) or any(v < 1 for v in ws):
        raise ZeroFreeArgumentError(
            f"{op}: weight_size must be 3 to 5 positive ints (channels, channels, kernel), got {ws}"
        )
    rank = len(ws) - 2
    is_batched = batched(op, "input", input, rank, "weight_size")
    if batched(op, "grad_output", grad_output, rank, "weight_size") != is_batched:
        raise ZeroFreeArgumentError(
            f"{op}: input {tuple(input.shape)} and grad_output {tuple(grad_output.shape)} "
            "must both be batched or both unbatched"
        )
    x = input if is_batched else input.unsqueeze(0)
    gy = grad_output if is_batched else grad_output.unsqueeze(0)
    if x.shape[0] != gy.shape[0]:
        raise ZeroFreeArgumentError(
            f"{op}: input has batch {x.shape[0]} but grad_output has batch {gy.shape[0]}"
        )
    return x.detach(), gy.detach(), is_batched, ws, rank


def _check_groups(op: str, groups: int, **channels: int) -> None:
    check_groups(op, groups)
    for name, c in channels.items():
        if c % groups:
            raise ZeroFreeArgumentError(f"{op}: groups={groups} does not divide {name}={c}")


def _expect_channels(
    op: str, name: str, t: torch.Tensor, ws: tuple[int, ...], groups: int | None = None
) -> None:
    """``t`` (batched) must have ``weight_size[0]`` channels, or with ``groups``
    ``weight_size[1] * groups`` (the weight's other, per-group channel axis)."""
    want = ws[0] if groups is None else ws[1] * groups
    if t.shape[1] != want:
        grouped = "" if groups is None else f" with groups={groups}"
        raise ZeroFreeArgumentError(
            f"{op}: {name} has {t.shape[1]} channels but weight_size {ws}{grouped} expects {want}"
        )


def conv_weight_grad(
    input: torch.Tensor,
    grad_output: torch.Tensor,
    weight_size: Sequence[int],
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    return_report: bool = False,
) -> Output:
    """Weight gradient of a convolution (``torch.nn.grad.conv{1,2,3}d_weight``).

    ``weight_size`` is the full ``[out_channels, in_channels / groups, *kernel]``. The output
    error is never dilated: it serves as a kernel with dilation ``stride`` over the input.
    Not differentiable (a gradient).
    """
    op = "conv_weight_grad"
    x, gy, _, ws, rank = _pair(op, input, grad_output, weight_size)
    _check_groups(op, groups, out_channels=ws[0])
    _expect_channels(op, "grad_output", gy, ws)
    _expect_channels(op, "input", x, ws, groups)
    g = conv_geometry(
        op,
        rank,
        tuple(x.shape[2:]),
        ws[2:],
        stride,
        padding,
        dilation,
        groups,
        tuple(gy.shape[2:]),
        "grad_output",
    )
    with torch.no_grad():
        if x.shape[0] == 0:  # no sample: the gradient is zero (torch's too), nothing runs
            dw, executed = x.new_zeros(tuple(ws)), 0
        else:
            dw, executed = formulations.conv_weight_grad(x, gy, g)
    if not return_report:
        return dw
    return dw, report(conv_weight_axes(g), x.shape[0] * ws[0] * ws[1], executed, "grid")


def conv_transpose_weight_grad(
    input: torch.Tensor,
    grad_output: torch.Tensor,
    weight_size: Sequence[int],
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    formulation: str | None = None,
    return_report: bool = False,
) -> Output:
    """Weight gradient of a transposed convolution (what autograd gives for ``weight``).

    ``weight_size`` is the full ``[in_channels, out_channels / groups, *kernel]``. The input
    is never zero-inserted: the output error is read at stride ``stride`` instead.
    Not differentiable (a gradient).
    """
    op = "conv_transpose_weight_grad"
    x, gy, _, ws, rank = _pair(op, input, grad_output, weight_size)
    _check_groups(op, groups, in_channels=ws[0])
    _expect_channels(op, "input", x, ws)
    _expect_channels(op, "grad_output", gy, ws, groups)
    g = transposed_geometry(
        op,
        rank,
        tuple(x.shape[2:]),
        ws[2:],
        stride,
        padding,
        output_padding,
        dilation,
        groups,
    )
    if tuple(gy.shape[2:]) != g.out_size:
        raise ZeroFreeArgumentError(
            f"{op}: grad_output has spatial size {tuple(gy.shape[2:])} but the transposed "
            f"convolution gives {g.out_size}"
        )
    _check_formulation(op, formulation, WEIGHT_GRAD_FORMULATIONS)
    with torch.no_grad():
        if x.shape[0] == 0:  # no sample: the gradient is zero (autograd's too)
            dw, executed = x.new_zeros(tuple(ws)), 0
        else:
            dw, executed = _transposed_weight_grad(x, gy, g, formulation)
    if not return_report:
        return dw
    return dw, report(transposed_axes(g), x.shape[0] * ws[0] * ws[1], executed, "real")


WEIGHT_GRAD_FORMULATIONS = ("conv", "im2col")


def _transposed_weight_grad(
    x: torch.Tensor, gy: torch.Tensor, g: Geometry, formulation: str | None
) -> tuple[torch.Tensor, int]:
    """Weight gradient of a transposed convolution. ``None`` picks by a measured rule
    (``benchmarks/bench_zerofree.py``): the batched matrix multiply when its per-sample
    result (``Cin x Cout/g x taps``) is no larger than the input (few output channels, large
    images: DCGAN's 64 -> 3 layer), else the single dense convolution."""
    if formulation is None:
        small = gy.shape[1] // g.groups * prod(g.kernel) <= prod(g.in_size)
        formulation = "im2col" if small else "conv"
    if formulation == "im2col":
        return formulations.transposed_weight_grad_im2col(x, gy, g)
    return formulations.transposed_weight_grad(x, gy, g)
