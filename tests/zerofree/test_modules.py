"""Drop-in ZeroFreeConvTranspose*d modules and in-place conversion of a model."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from test_ops_support import Case, one_thread, transposed_cases  # noqa: F401

from lergan.errors import LerganError
from lergan.zerofree import (
    ZeroFreeConvTranspose1d,
    ZeroFreeConvTranspose2d,
    ZeroFreeConvTranspose3d,
    convert,
)
from lergan.zerofree.modules import ZeroFreeConvTranspose2d as Direct

TORCH = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}
OURS = {1: ZeroFreeConvTranspose1d, 2: ZeroFreeConvTranspose2d, 3: ZeroFreeConvTranspose3d}


def _kwargs(c: Case) -> dict:
    return dict(
        in_channels=c.cin,
        out_channels=c.cout,
        kernel_size=c.kernel,
        stride=c.stride,
        padding=c.padding,
        output_padding=c.output_padding,
        groups=c.groups,
        bias=c.bias,
        dilation=c.dilation,
        dtype=torch.float64,
    )


@settings(max_examples=30)
@given(c=transposed_cases())
def test_module_matches_torch_module(c: Case) -> None:
    torch.manual_seed(0)
    ref = TORCH[c.rank](**_kwargs(c))
    ours = OURS[c.rank](**_kwargs(c))
    assert ours.state_dict().keys() == ref.state_dict().keys()
    ours.load_state_dict(ref.state_dict())
    shape = ((c.batch,) if c.batch is not None else ()) + (c.cin, *c.in_size)
    x = torch.randn(shape, dtype=torch.float64)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-10, atol=1e-10)


def test_output_size_argument() -> None:
    torch.manual_seed(0)
    ref = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ours = ZeroFreeConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(1, 3, 4, 5)
    for size in ([7, 9], [8, 10], [1, 3, 8, 9]):
        torch.testing.assert_close(ours(x, output_size=size), ref(x, output_size=size))
    with pytest.raises(LerganError, match="output_size"):
        ours(x, output_size=[12, 12])


def test_padding_mode_other_than_zeros_is_refused() -> None:
    m = ZeroFreeConvTranspose1d(2, 2, 3)
    m.padding_mode = "reflect"
    with pytest.raises(LerganError, match="padding_mode"):
        m(torch.randn(1, 2, 5))


class _Generator(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.ConvTranspose2d(8, 6, 4, 1, 0, bias=False),
            torch.nn.BatchNorm2d(6),
            torch.nn.ReLU(),
            torch.nn.ConvTranspose2d(6, 3, 4, 2, 1, bias=False),
            torch.nn.Tanh(),
        )
        self.side = torch.nn.ConvTranspose1d(2, 2, 3, stride=2)
        self.volume = torch.nn.ConvTranspose3d(1, 1, 2, stride=2)

    def forward(self, z):
        return self.net(z)


class _Custom(torch.nn.ConvTranspose2d):
    def forward(self, x, output_size=None):
        return super().forward(x, output_size) * 2


def test_convert_in_place_keeps_parameters_and_results() -> None:
    torch.manual_seed(0)
    model = _Generator()
    model.custom = _Custom(3, 3, 1)
    params = {n: p for n, p in model.named_parameters()}
    keys = model.state_dict().keys()
    z = torch.randn(4, 8, 1, 1)
    want = model(z)
    want.sum().backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    assert convert(model) is model
    assert type(model.net[0]) is ZeroFreeConvTranspose2d
    assert type(model.net[3]) is Direct
    assert type(model.side) is ZeroFreeConvTranspose1d
    assert type(model.volume) is ZeroFreeConvTranspose3d
    assert type(model.custom) is _Custom  # subclasses with their own forward are left alone
    assert model.state_dict().keys() == keys
    assert all(p is params[n] for n, p in model.named_parameters())
    got = model(z)
    torch.testing.assert_close(got, want)
    got.sum().backward()
    for n, g in grads.items():
        torch.testing.assert_close(dict(model.named_parameters())[n].grad, g)


def test_convert_a_bare_module_and_bad_input() -> None:
    m = torch.nn.ConvTranspose2d(2, 2, 3)
    assert type(convert(m)) is ZeroFreeConvTranspose2d
    with pytest.raises(LerganError, match="model"):
        convert("not a model")
