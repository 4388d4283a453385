"""Drop-in zero-free transposed-convolution modules and in-place model conversion.

``ZeroFreeConvTranspose{1,2,3}d`` subclass ``torch.nn.ConvTranspose{1,2,3}d``: same
constructor, parameters, ``state_dict`` keys and ``forward(input, output_size=None)``; only
the computation differs (:func:`lergan.zerofree.ops.conv_transpose`, forward and backward
zero-free). :func:`convert` switches the transposed convolutions of an existing model to
them in place, keeping their parameters (the very same ``Parameter`` objects).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lergan.errors import ZeroFreeArgumentError
from lergan.zerofree.ops import conv_transpose

__all__ = [
    "ZeroFreeConvTranspose1d",
    "ZeroFreeConvTranspose2d",
    "ZeroFreeConvTranspose3d",
    "convert",
]


class _ZeroFreeMixin:
    """``forward`` shared by the three ranks (``_rank`` set by each class)."""

    _rank: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """torch's constructor; its refusals (``padding_mode="reflect"``, a bad size) are
        :class:`ZeroFreeArgumentError`."""
        try:
            super().__init__(*args, **kwargs)
        except (ValueError, TypeError) as e:
            raise ZeroFreeArgumentError(f"{type(self).__name__}: {e}") from None

    def forward(self, input: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        m: Any = self
        if m.padding_mode != "zeros":
            raise ZeroFreeArgumentError(
                f"{type(self).__name__}: padding_mode must be 'zeros' for a transposed "
                f"convolution, got {m.padding_mode!r}"
            )
        try:
            output_padding = m._output_padding(
                input, output_size, m.stride, m.padding, m.kernel_size, self._rank, m.dilation
            )
        except ValueError as e:
            raise ZeroFreeArgumentError(f"{type(self).__name__}: output_size: {e}") from None
        return conv_transpose(
            input,
            m.weight,
            m.bias,
            m.stride,
            m.padding,
            tuple(output_padding),
            m.groups,
            m.dilation,
        )


class ZeroFreeConvTranspose1d(_ZeroFreeMixin, nn.ConvTranspose1d):
    """``torch.nn.ConvTranspose1d`` computed by zero-free data reshaping."""

    _rank = 1


class ZeroFreeConvTranspose2d(_ZeroFreeMixin, nn.ConvTranspose2d):
    """``torch.nn.ConvTranspose2d`` computed by zero-free data reshaping."""

    _rank = 2


class ZeroFreeConvTranspose3d(_ZeroFreeMixin, nn.ConvTranspose3d):
    """``torch.nn.ConvTranspose3d`` computed by zero-free data reshaping."""

    _rank = 3


_REPLACEMENT: dict[type[nn.Module], type[nn.Module]] = {
    nn.ConvTranspose1d: ZeroFreeConvTranspose1d,
    nn.ConvTranspose2d: ZeroFreeConvTranspose2d,
    nn.ConvTranspose3d: ZeroFreeConvTranspose3d,
}


def convert(model: nn.Module) -> nn.Module:
    """Make every ``torch.nn.ConvTranspose{1,2,3}d`` in ``model`` zero-free, in place.

    Each such module (the model itself included) becomes the matching
    ``ZeroFreeConvTranspose*d``; its parameters, buffers, hooks and training mode are kept
    (the same objects), so optimisers and ``state_dict`` keys are unaffected. Subclasses of
    torch's modules, which may define their own ``forward``, are left alone. Returns
    ``model``.
    """
    if not isinstance(model, nn.Module):
        raise ZeroFreeArgumentError(
            f"convert: model must be a torch.nn.Module, got {type(model).__name__}"
        )
    for module in model.modules():
        new_cls = _REPLACEMENT.get(type(module))
        if new_cls is not None:
            module.__class__ = new_cls
    return model
