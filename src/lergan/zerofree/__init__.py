"""Zero-free data reshaping (ZFDR): exact zero-free operations and their plans.

- :func:`plan` (module :mod:`lergan.zerofree.planning`, no torch needed): per-axis tap classes,
  patterns, MAC counts (real, on inserted zeros, on padding) and per-mapping-mode figures.
- Operations (module :mod:`lergan.zerofree.ops`, torch): :func:`conv_transpose`,
  :func:`conv_input_grad`, :func:`conv_weight_grad`, :func:`conv_transpose_weight_grad`.
- Modules (module :mod:`lergan.zerofree.modules`): ``ZeroFreeConvTranspose1d/2d/3d`` and
  :func:`convert`.

The torch-based names are imported lazily so that ``from lergan.zerofree import plan``
does not import torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from lergan.zerofree.planning import (
    COMPUTATIONS,
    MODES,
    AxisPlan,
    MacCounts,
    ModeFigures,
    Pattern,
    TapClass,
    ZeroFreeArgumentError,
    ZeroFreePlan,
    plan,
)

_LAZY = {
    "conv_transpose": "lergan.zerofree.ops",
    "conv_input_grad": "lergan.zerofree.ops",
    "conv_weight_grad": "lergan.zerofree.ops",
    "conv_transpose_weight_grad": "lergan.zerofree.ops",
    "MacReport": "lergan.zerofree.ops",
    "ZeroFreeConvTranspose1d": "lergan.zerofree.modules",
    "ZeroFreeConvTranspose2d": "lergan.zerofree.modules",
    "ZeroFreeConvTranspose3d": "lergan.zerofree.modules",
    "convert": "lergan.zerofree.modules",
}

__all__ = [
    "COMPUTATIONS",
    "MODES",
    "AxisPlan",
    "MacCounts",
    "ModeFigures",
    "Pattern",
    "TapClass",
    "ZeroFreeArgumentError",
    "ZeroFreePlan",
    "plan",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lergan.zerofree' has no attribute {name!r}")
