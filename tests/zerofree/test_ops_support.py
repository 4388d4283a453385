"""Shared hypothesis strategies and reference helpers for the zero-free ops tests (no tests)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume
from hypothesis import strategies as st

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
TOL = {torch.float32: 1e-5, torch.float64: 1e-12}


@dataclass(frozen=True)
class Case:
    rank: int
    batch: int | None  # None: unbatched
    in_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    cin: int
    cout: int
    dtype: torch.dtype
    bias: bool

    @property
    def tconv_args(self) -> tuple:
        """(stride, padding, output_padding, groups, dilation): torch's positional order for
        ``conv_transpose*d`` and the ops' transposed convolutions."""
        return (self.stride, self.padding, self.output_padding, self.groups, self.dilation)

    @property
    def conv_args(self) -> tuple:
        """(stride, padding, dilation, groups): torch's positional order for ``conv*d``."""
        return (self.stride, self.padding, self.dilation, self.groups)

    def plan_layer(self, input_size: tuple[int, ...] | None = None) -> dict:
        """Keyword arguments of :func:`lergan.zerofree.plan` for this layer (output padding
        left out: it only applies to transposed convolutions)."""
        return dict(
            input_size=self.in_size if input_size is None else input_size,
            kernel_size=self.kernel,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            in_channels=self.cin,
            out_channels=self.cout,
            groups=self.groups,
        )

    def out_size(self) -> tuple[int, ...]:
        return tuple(
            (n - 1) * s - 2 * p + d * (k - 1) + o + 1
            for n, k, s, p, o, d in zip(
                self.in_size,
                self.kernel,
                self.stride,
                self.padding,
                self.output_padding,
                self.dilation,
                strict=True,
            )
        )


@st.composite
def transposed_cases(draw, max_rank: int = 3, max_size: int | None = None) -> Case:
    rank = draw(st.integers(1, max_rank))
    size_cap = max_size or {1: 9, 2: 6, 3: 4}[rank]
    kernel, stride, padding, opad, dil, size = [], [], [], [], [], []
    for _ in range(rank):
        k = draw(st.integers(1, 7 if rank < 3 else 5))
        s = draw(st.integers(1, 4))
        d = draw(st.integers(1, 3))
        n = draw(st.integers(1, size_cap))
        op = draw(st.integers(0, max(s, d) - 1))
        p = draw(st.integers(0, d * (k - 1) + 2))
        assume((n - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1)
        kernel.append(k)
        stride.append(s)
        dil.append(d)
        size.append(n)
        opad.append(op)
        padding.append(p)
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    bias = draw(st.booleans())
    return Case(
        rank,
        batch,
        tuple(size),
        tuple(kernel),
        tuple(stride),
        tuple(padding),
        tuple(opad),
        tuple(dil),
        groups,
        cin,
        cout,
        dtype,
        bias,
    )


def make_tensors(c: Case, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    shape = ((c.batch,) if c.batch is not None else ()) + (c.cin, *c.in_size)
    x = torch.randn(shape, generator=gen, dtype=c.dtype)
    w = torch.randn((c.cin, c.cout // c.groups, *c.kernel), generator=gen, dtype=c.dtype)
    b = torch.randn(c.cout, generator=gen, dtype=c.dtype) if c.bias else None
    return x, w, b


def assert_close_products(got: torch.Tensor, want: torch.Tensor, scale: torch.Tensor) -> None:
    """|got - want| <= tol x (sum of |a| x |b| products of each element), elementwise."""
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype
    assert torch.isfinite(got).all()
    tol = TOL[got.dtype]
    err = (got.double() - want.double()).abs()
    bound = tol * scale.double() + 1e-30
    worst = (err - bound).max().item() if err.numel() else 0.0
    assert worst <= 0, f"error exceeds {tol} x sum|products| by {worst}"


@pytest.fixture(autouse=True)
def one_thread():
    """Run single-threaded: on a loaded 2-core machine torch's thread pool stalls on tiny
    convolutions (waits for a descheduled worker), which makes the suite slow, not wrong."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
