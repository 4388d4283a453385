"""`convert(model, arch)`: turn a PyTorch GAN's layers into emulated ones, in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import nn

from lergan.emulate.config import CrossbarConfig, EmulationError, crossbar_config
from lergan.emulate.layers import EmulatedLayer

if TYPE_CHECKING:
    from lergan.hardware import Architecture

__all__ = ["convert", "emulated_layers"]

_KINDS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def convert(
    model: nn.Module,
    arch: CrossbarConfig | str | Architecture = "lergan",
    *,
    prefix: str | None = None,
    overrides: dict[str, Any] | None = None,
    weight_range: float = 2.0,
    **device: Any,
) -> nn.Module:
    """Replace every ``Linear``, ``Conv2d`` and ``ConvTranspose2d`` of ``model`` (exact
    types) with an :class:`EmulatedLayer` sharing its parameters; returns ``model``.

    ``arch``: a :class:`CrossbarConfig`, or a preset name / file / ``Architecture`` read with
    ``overrides`` and ``device`` by :func:`lergan.emulate.config.crossbar_config`. Layer
    names are ``prefix/module path`` (``prefix`` defaults to the model's class name), as
    the write statistics report them. Other layers (batch norm, activations) stay as they
    are: digital, in float. A layer kind with no emulated form (``Conv1d``, ``Conv3d``,
    grouped convolutions) raises :class:`EmulationError` naming it.
    """
    if not isinstance(model, nn.Module):
        raise EmulationError(f"convert: model must be a torch.nn.Module, got {type(model)}")
    config = arch if isinstance(arch, CrossbarConfig) else crossbar_config(
        arch, overrides, **device)
    prefix = prefix if prefix is not None else type(model).__name__
    for path, module in list(model.named_modules()):
        if not path:
            continue
        if isinstance(module, (nn.Conv1d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose3d)):
            raise EmulationError(f"{prefix}/{path}: {type(module).__name__} has no emulated "
                                 "form (Linear, Conv2d, ConvTranspose2d)")
        if type(module) in _KINDS:
            parent = model.get_submodule(path.rpartition(".")[0]) if "." in path else model
            layer = EmulatedLayer(module, config, f"{prefix}/{path}", weight_range)
            setattr(parent, path.rpartition(".")[2], layer)
    return model


def emulated_layers(model: nn.Module) -> list[EmulatedLayer]:
    """The emulated layers of ``model``, in module order."""
    return [m for m in model.modules() if isinstance(m, EmulatedLayer)]
