"""``torch.nn.Module`` versions of network descriptions, so that the cost model, a GPU
measurement and the functional emulation run the very same networks.

:func:`build_module` turns a :class:`~lergan.workload.gan.Network` into a
:class:`DescribedNetwork`: one standard PyTorch module per layer (``nn.Conv2d``,
``nn.ConvTranspose3d``, ``nn.BatchNorm1d``, ...), registered under the layer's name, plus
the small modules below for layers PyTorch has no module for (:class:`Concat`,
:class:`Add`, :class:`Maxout`, :class:`Reshape`). Its ``forward`` takes the network's inputs
in declaration order (or by name) and returns the last layer's output.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from lergan.errors import WorkloadError
from lergan.workload.gan import GAN, Network
from lergan.workload.layers import Layer

__all__ = [
    "Add",
    "Concat",
    "DescribedNetwork",
    "Maxout",
    "Reshape",
    "build_gan_modules",
    "build_layer_module",
    "build_module",
]


class Concat(nn.Module):
    """Concatenate ``source`` to ``x`` along channels; a vector source is tiled over the
    spatial positions when ``broadcast`` (cGAN-style conditioning)."""

    def __init__(self, broadcast: bool = False, source_first: bool = False) -> None:
        super().__init__()
        self.broadcast = broadcast
        self.source_first = source_first

    def forward(self, x: Tensor, source: Tensor) -> Tensor:
        if self.broadcast:
            spatial = x.shape[2:]
            source = source.reshape(*source.shape[:2], *([1] * len(spatial)))
            source = source.expand(*source.shape[:2], *spatial)
        parts = (source, x) if self.source_first else (x, source)
        return torch.cat(parts, dim=1)

    def extra_repr(self) -> str:
        return f"broadcast={self.broadcast}, source_first={self.source_first}"


class Add(nn.Module):
    """Element-wise sum of two tensors of the same shape (a residual or skip sum)."""

    def forward(self, x: Tensor, source: Tensor) -> Tensor:
        return x + source


class Maxout(nn.Module):
    """Maximum over groups of ``pieces`` consecutive channels (Goodfellow et al. 2013)."""

    def __init__(self, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces

    def forward(self, x: Tensor) -> Tensor:
        b, c = x.shape[:2]
        return x.reshape(b, c // self.pieces, self.pieces, *x.shape[2:]).amax(dim=2)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


class Reshape(nn.Module):
    """Reshape each sample to ``shape`` (the batch dimension is kept)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


_ACTIVATIONS: dict[str, Any] = {
    "relu": lambda a: nn.ReLU(),
    "leaky_relu": lambda a: nn.LeakyReLU(a.slope),
    "tanh": lambda a: nn.Tanh(),
    "sigmoid": lambda a: nn.Sigmoid(),
    "elu": lambda a: nn.ELU(1.0 if a.alpha is None else a.alpha),
    "selu": lambda a: nn.SELU(),
    "gelu": lambda a: nn.GELU(),
    "softplus": lambda a: nn.Softplus(),
    "softmax": lambda a: nn.Softmax(dim=1),
    "identity": lambda a: nn.Identity(),
}


def build_layer_module(layer: Layer, input_shape: tuple[int, ...]) -> nn.Module:
    """The PyTorch module of one layer description, given its per-sample input shape."""
    spatial = len(input_shape) - 1
    kind = layer.kind
    if kind == "linear":
        return nn.Linear(layer.in_features, layer.out_features, bias=layer.bias)
    if kind in ("conv", "conv_transpose"):
        common = dict(
            kernel_size=layer.kernel_size,
            stride=layer.stride,
            padding=layer.padding,
            dilation=layer.dilation,
            groups=layer.groups,
            bias=layer.bias,
        )
        if kind == "conv":
            cls = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[layer.rank - 1]
            return cls(layer.in_channels, layer.out_channels, **common)
        cls = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[layer.rank - 1]
        return cls(
            layer.in_channels, layer.out_channels, output_padding=layer.output_padding, **common
        )
    if kind in ("batch_norm", "instance_norm"):
        if kind == "batch_norm":
            cls = (nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[spatial]
        else:
            cls = (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)[spatial - 1]
        return cls(
            layer.num_features,
            eps=layer.eps,
            momentum=layer.momentum,
            affine=layer.affine,
            track_running_stats=layer.track_running_stats,
        )
    if kind == "activation":
        return _ACTIVATIONS[layer.function](layer)
    if kind == "maxout":
        return Maxout(layer.pieces)
    if kind == "dropout":
        return nn.Dropout(layer.p)
    if kind == "reshape":
        return Reshape(layer.infer(input_shape))
    if kind == "flatten":
        return nn.Flatten()
    if kind == "concat":
        return Concat(layer.broadcast, layer.source_first)
    if kind == "add":
        return Add()
    if kind == "pool":
        if layer.op == "max":
            cls = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[layer.rank - 1]
        else:
            cls = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[layer.rank - 1]
        return cls(layer.kernel_size, stride=layer.stride, padding=layer.padding)
    if kind == "upsample":
        mode = (
            "nearest"
            if layer.mode == "nearest"
            else ("linear", "bilinear", "trilinear")[layer.rank - 1]
        )
        factor = tuple(float(f) for f in layer.scale_factor)
        if mode == "nearest":
            return nn.Upsample(scale_factor=factor, mode=mode)
        return nn.Upsample(scale_factor=factor, mode=mode, align_corners=False)
    raise WorkloadError(f"layer {layer.name!r}: no module for kind {kind!r}")  # pragma: no cover


class DescribedNetwork(nn.Module):
    """A network built from its description; submodules are named after the layers."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.description = network
        self._plan: list[tuple[str, str, tuple[str, ...]]] = []
        for ls in network.shapes():
            name = ls.layer.name
            if hasattr(self, name) or name in self._modules:
                raise WorkloadError(
                    f"network {network.name!r}, layer {name!r}: the name clashes with an "
                    "attribute of torch.nn.Module; rename the layer"
                )
            self.add_module(name, build_layer_module(ls.layer, ls.input_shape))
            self._plan.append((name, ls.input_name, ls.layer.sources))
        self._inputs = tuple(i.name for i in network.inputs)

    def forward(self, *args: Tensor, **kwargs: Tensor) -> Tensor:
        if len(args) + len(kwargs) != len(self._inputs):
            raise WorkloadError(
                f"network {self.description.name!r} takes inputs {list(self._inputs)}, "
                f"got {len(args)} positional and {sorted(kwargs)} named"
            )
        env: dict[str, Tensor] = dict(zip(self._inputs, args, strict=False))
        env.update(kwargs)
        out = None
        for name, reads, sources in self._plan:
            module = self._modules[name]
            out = module(env[reads], *(env[s] for s in sources))
            env[name] = out
        return out  # type: ignore[return-value]


def build_module(network: Network, *, device: Any = None, dtype: Any = None) -> DescribedNetwork:
    """The ``torch.nn.Module`` of ``network``, on ``device`` (e.g. ``"meta"``) and ``dtype``."""
    if device is not None:
        with torch.device(device):
            module = DescribedNetwork(network)
    else:
        module = DescribedNetwork(network)
    if dtype is not None:
        module = module.to(dtype=dtype)
    return module


def build_gan_modules(gan: GAN, *, device: Any = None, dtype: Any = None) -> dict[str, nn.Module]:
    """One module per network of ``gan``, keyed by network name."""
    return {n.name: build_module(n, device=device, dtype=dtype) for n in gan.networks}
