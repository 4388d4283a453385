"""Invalid arguments: a clear LerganError naming the argument, where torch refuses too."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from test_ops_support import one_thread  # noqa: F401 (autouse fixture)

from lergan.errors import LerganError
from lergan.zerofree import ops

X = torch.randn(2, 4, 5, 5)
W = torch.randn(4, 3, 3, 3)

BAD_CONV_T = [
    # (args, kwargs, word that the message must contain)
    ((torch.randn(2, 5, 5, 5), W), {}, "channels"),
    ((X, W), {"stride": -1}, "stride"),
    ((X, W), {"stride": 0}, "stride"),
    ((X, W), {"stride": (2, 2, 2)}, "stride"),
    ((X, W), {"padding": -1}, "padding"),
    ((X, W), {"stride": 2, "output_padding": 2}, "output_padding"),
    ((X, W), {"output_padding": 1}, "output_padding"),
    ((X, W), {"dilation": 0}, "dilation"),
    ((X, W), {"groups": 3}, "groups"),
    ((X, W), {"groups": 0}, "groups"),
    ((torch.randn(2, 2, 4, 5, 5), W), {}, "input"),
    ((torch.randn(4), W), {}, "input"),
    ((X, torch.randn(4, 3)), {}, "weight"),
    ((X, W, torch.randn(4)), {}, "bias"),
    ((X, W.double()), {}, "dtype"),
    ((X, W), {"padding": 4}, "padding"),
]


@pytest.mark.parametrize(("args", "kwargs", "word"), BAD_CONV_T)
def test_conv_transpose_rejects(args, kwargs, word) -> None:
    with pytest.raises(LerganError, match=word):
        ops.conv_transpose(*args, **kwargs)
    # torch refuses these too (we never reject what torch accepts)
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        F.conv_transpose2d(*args, **kwargs)


def test_formulation_is_checked() -> None:
    with pytest.raises(LerganError, match="formulation"):
        ops.conv_transpose(X, W, formulation="zero-insert")


def test_grads_reject_bad_sizes() -> None:
    gy = torch.randn(2, 3, 3, 3)
    w = torch.randn(3, 4, 3, 3)
    with pytest.raises(LerganError, match="input_size"):
        ops.conv_input_grad(gy, w, (2, 4, 5))
    with pytest.raises(LerganError, match="grad_output"):
        ops.conv_input_grad(gy, w, (2, 4, 9, 9))
    with pytest.raises(LerganError, match="input_size"):
        ops.conv_input_grad(gy, w, (2, 5, 5, 5))
    with pytest.raises(LerganError, match="stride"):
        ops.conv_input_grad(gy, w, (2, 4, 5, 5), stride=-2)
    x = torch.randn(2, 4, 5, 5)
    with pytest.raises(LerganError, match="weight_size"):
        ops.conv_weight_grad(x, gy, (3, 4, 3))
    with pytest.raises(LerganError, match="channels"):
        ops.conv_weight_grad(x, gy, (3, 2, 3, 3))
    with pytest.raises(LerganError, match="grad_output"):
        ops.conv_weight_grad(x, gy, (3, 4, 3, 3), stride=2)
    with pytest.raises(LerganError, match="grad_output"):
        ops.conv_transpose_weight_grad(x, torch.randn(2, 3, 6, 6), (4, 3, 3, 3))
    with pytest.raises(LerganError, match="output_padding"):
        ops.conv_transpose_weight_grad(x, gy, (4, 3, 3, 3), output_padding=1)
    with pytest.raises(LerganError, match="batch"):
        ops.conv_transpose_weight_grad(x, torch.randn(3, 3, 7, 7), (4, 3, 3, 3))


def test_errors_are_value_errors_with_the_op_name() -> None:
    with pytest.raises(ValueError, match=r"^conv_transpose: stride"):
        ops.conv_transpose(X, W, stride=-1)
