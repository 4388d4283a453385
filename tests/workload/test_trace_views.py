"""Tracing views that only add unit dimensions (``x[:, :, None, None]``, ``unsqueeze``,
``view``) as reshapes, and refusing other indexing and scaling by a constant by name."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from lergan.errors import WorkloadError
from lergan.workload.modules import build_module
from lergan.workload.trace import trace_network

_TCONV = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


def _unit_dims(x: torch.Tensor, rank: int, how: str) -> torch.Tensor:
    if how == "index":
        return x[(slice(None), slice(None), *([None] * rank))]
    if how == "ellipsis":
        return x[(Ellipsis, *([None] * rank))]
    if how == "unsqueeze":
        for _ in range(rank):
            x = x.unsqueeze(-1)
        return x
    if how == "view":
        return x.view(x.shape[0], x.shape[1], *([1] * rank))
    return x.reshape(-1, x.shape[1], *([1] * rank))


class _LatentToMap(nn.Module):
    """A DCGAN-style generator head: a linear layer, unit spatial dimensions, a transposed
    convolution."""

    def __init__(self, rank: int, width: int, kernel: int, how: str) -> None:
        super().__init__()
        self.rank, self.how = rank, how
        self.fc = nn.Linear(5, width)
        self.up = _TCONV[rank](width, 2, kernel)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.up(_unit_dims(self.fc(z), self.rank, self.how))


@settings(max_examples=15)
@given(
    rank=st.integers(1, 3),
    width=st.integers(1, 6),
    kernel=st.integers(1, 4),
    how=st.sampled_from(["index", "ellipsis", "unsqueeze", "view", "reshape"]),
)
def test_unit_dimensions_trace_as_a_reshape(rank, width, kernel, how):
    module = _LatentToMap(rank, width, kernel, how)
    net = trace_network(module, [(5,)], name="G")
    assert [layer.kind for layer in net.layers] == ["linear", "reshape", "conv_transpose"]
    assert net.layers[1].shape == (width, *([1] * rank))
    z = torch.randn(3, 5)
    assert net.output_shape == tuple(module(z).shape[1:])
    # the description computes the same function with the module's weights
    rebuilt = build_module(net)
    rebuilt.fc.load_state_dict(module.fc.state_dict())
    getattr(rebuilt, net.layers[2].name).load_state_dict(module.up.state_dict())
    torch.testing.assert_close(rebuilt(z), module(z))


class _Index(nn.Module):
    def __init__(self, index) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)[self.index]


class _Outer(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.block = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


@pytest.mark.parametrize(
    ("index", "shown"),
    [
        ((slice(None), slice(1, None)), "[:, 1:]"),
        ((slice(None), 0), "[:, 0]"),
        ((None, slice(None)), "[None, :]"),
        ((slice(None), slice(None, None, 2)), "[:, ::2]"),
        ((slice(None), torch.tensor([0, 2])), "[:, a tensor]"),
        ((Ellipsis, 0, None), "[..., 0, None]"),
    ],
)
def test_other_indexing_is_refused_naming_module_path_and_type(index, shown):
    with pytest.raises(WorkloadError) as info:
        trace_network(_Outer(_Index(index)), [(3, 4, 4)], name="N")
    message = str(info.value)
    assert "module 'block' (_Index)" in message and shown in message


class _Scaled(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.how = how

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return {"mul": lambda: y * 2, "rmul": lambda: 0.5 * y, "div": lambda: y / 2}[self.how]()


@pytest.mark.parametrize("how", ["mul", "rmul", "div"])
def test_scaling_by_a_constant_is_refused_naming_module_path_and_type(how):
    with pytest.raises(WorkloadError) as info:
        trace_network(_Outer(_Scaled(how)), [(3, 4, 4)], name="N")
    message = str(info.value)
    assert "module 'block' (_Scaled)" in message and "scaling by a constant" in message
