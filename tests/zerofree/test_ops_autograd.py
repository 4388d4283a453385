"""gradcheck, and what runs inside the zero-free ops (a TorchDispatchMode records it)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from test_ops_support import one_thread  # noqa: F401 (autouse fixture)
from torch.utils._python_dispatch import TorchDispatchMode

from lergan.zerofree import ops


class AtenRecorder(TorchDispatchMode):
    """Records every aten op that runs (name, and the ``transposed`` flag of convolutions)."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: list[tuple[str, bool | None]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        transposed = None
        if func.overloadpacket is torch.ops.aten.convolution:
            transposed = bool(args[6]) if len(args) > 6 else bool(kwargs.get("transposed"))
        self.ops.append((func.overloadpacket.__name__, transposed))
        return func(*args, **kwargs)

    def forbidden(self) -> list[tuple[str, bool | None]]:
        return [
            (name, tr)
            for name, tr in self.ops
            if tr is True
            or "convolution_backward" in name
            or "conv_transpose" in name
            or "col2im" in name
        ]

    def convolutions(self) -> int:
        return sum(1 for _, tr in self.ops if tr is False)


def test_recorder_catches_torch_transposed_convolution() -> None:
    """The check below can fail: torch's own transposed convolution is caught."""
    x = torch.randn(1, 3, 4, 4, requires_grad=True)
    w = torch.randn(3, 2, 3, 3, requires_grad=True)
    with AtenRecorder() as rec:
        F.conv_transpose2d(x, w, stride=2).sum().backward()
    assert rec.forbidden()
    with AtenRecorder() as rec:
        F.conv2d(x, w.transpose(0, 1), stride=2).sum().backward()
    assert any("convolution_backward" in n for n, _ in rec.forbidden())


CASES = [
    # rank, in size, kernel, stride, padding, output padding, dilation, groups
    (1, (5,), (3,), (2,), (1,), (1,), (1,), 1),
    (2, (4, 3), (4, 3), (2, 3), (1, 0), (1, 2), (1, 1), 2),
    (2, (3, 5), (3, 2), (3, 2), (2, 1), (0, 1), (2, 1), 1),
    (3, (2, 3, 2), (2, 3, 2), (2, 1, 3), (0, 1, 1), (1, 0, 2), (1, 2, 1), 1),
    # DCGAN-like: all phases alike (the grouped formulation's own path)
    (2, (3, 4), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 2),
]


@pytest.mark.parametrize("formulation", [None, "phase", "grouped", "pattern", "subpixel"])
@pytest.mark.parametrize("case", CASES)
def test_no_transposed_convolution_runs(case, formulation) -> None:
    rank, size, k, s, p, op, d, g = case
    x = torch.randn(2, 2 * g, *size, requires_grad=True)
    w = torch.randn(2 * g, 3, *k, requires_grad=True)
    b = torch.randn(3 * g, requires_grad=True)
    # a convolution with the same kernel, stride, padding, dilation (its error is zero-inserted)
    conv_size = tuple(dd * (kk - 1) + 1 + 2 * ss for kk, ss, dd in zip(k, s, d, strict=True))
    xc = torch.randn(2, 2 * g, *conv_size)
    wc = torch.randn(3 * g, 2, *k)
    gyc = torch.randn(F_conv(rank)(xc, wc, None, s, p, d, g).shape)
    with AtenRecorder() as rec:
        y = ops.conv_transpose(x, w, b, s, p, op, g, d, formulation=formulation)
        y.square().sum().backward()
        ops.conv_input_grad(gyc, wc, tuple(xc.shape), s, p, d, g, formulation=formulation)
        ops.conv_weight_grad(xc, gyc, tuple(wc.shape), s, p, d, g)
        for wg in ("conv", "im2col"):
            ops.conv_transpose_weight_grad(
                x.detach(), y.detach(), tuple(w.shape), s, p, op, g, d, formulation=wg
            )
    assert x.grad is not None and w.grad is not None and b.grad is not None
    assert rec.convolutions() >= 5
    assert rec.forbidden() == []


def F_conv(rank):
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]


@pytest.mark.parametrize("formulation", ["phase", "grouped", "pattern", "subpixel"])
@pytest.mark.parametrize("case", CASES)
def test_gradcheck_conv_transpose(case, formulation) -> None:
    _rank, size, k, s, p, op, d, g = case
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, g, *size, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(g, 2, *k, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(2 * g, dtype=torch.float64, generator=gen, requires_grad=True)

    def f(x, w, b):
        return ops.conv_transpose(x, w, b, s, p, op, g, d, formulation=formulation)

    assert torch.autograd.gradcheck(f, (x, w, b), fast_mode=True)


def test_gradcheck_conv_input_grad() -> None:
    gen = torch.Generator().manual_seed(1)
    gy = torch.randn(2, 3, 4, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(3, 2, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)

    def f(gy, w):
        return ops.conv_input_grad(gy, w, (2, 2, 7, 5), stride=2, padding=1)

    assert torch.autograd.gradcheck(f, (gy, w), fast_mode=True)


def test_double_backward_is_refused_clearly() -> None:
    x = torch.randn(1, 2, 3, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    y = ops.conv_transpose(x, w, stride=2)
    (gx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        gx.sum().backward()
