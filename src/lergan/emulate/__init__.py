"""lergan.emulate: functional emulation of ReRAM crossbars, so a GAN can be trained "on" them.

- :mod:`~lergan.emulate.config`: :class:`CrossbarConfig` from a preset (+ device effects).
- :mod:`~lergan.emulate.crossbar`: :func:`matmul` as the crossbars compute it.
- :mod:`~lergan.emulate.layers` / :mod:`~lergan.emulate.modules`: emulated Linear, Conv2d,
  ConvTranspose2d and :func:`convert` (torch; imported lazily).
- :mod:`~lergan.emulate.training`: ``lergan train`` (DCGAN on the digits, FID, writes).
- :mod:`~lergan.emulate.write_stats`: measured write fractions for the cost model.

See docs/emulation.md.
"""

from importlib import import_module
from typing import Any

from lergan.emulate.config import (
    ADC_POLICIES,
    CrossbarConfig,
    EmulationError,
    adc_precision_policy,
    crossbar_config,
    lossless_adc_bits,
)
from lergan.emulate.write_stats import WriteStats, load_write_stats, write_fractions

_LAZY = {
    "matmul": "lergan.emulate.crossbar",
    "CrossbarArray": "lergan.emulate.crossbar",
    "EmulatedLayer": "lergan.emulate.layers",
    "convert": "lergan.emulate.modules",
    "emulated_layers": "lergan.emulate.modules",
    "TrainConfig": "lergan.emulate.training",
    "train": "lergan.emulate.training",
}

__all__ = [
    "ADC_POLICIES",
    "CrossbarConfig",
    "EmulationError",
    "WriteStats",
    "adc_precision_policy",
    "crossbar_config",
    "load_write_stats",
    "lossless_adc_bits",
    "write_fractions",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lergan.emulate' has no attribute {name!r}")
