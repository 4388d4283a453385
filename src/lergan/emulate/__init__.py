"""lergan.emulate: functional emulation of ReRAM crossbars, so a GAN can be trained "on" them.

- :mod:`~lergan.emulate.config`: :class:`CrossbarConfig` from a preset (+ device effects).
- :mod:`~lergan.emulate.crossbar`: :func:`matmul` as the crossbars compute it.
"""

from lergan.emulate.config import (
    ADC_POLICIES,
    CrossbarConfig,
    EmulationError,
    adc_precision_policy,
    crossbar_config,
    lossless_adc_bits,
)
from lergan.emulate.convert import convert, emulated_layers

__all__ = [
    "ADC_POLICIES",
    "CrossbarConfig",
    "EmulationError",
    "adc_precision_policy",
    "convert",
    "crossbar_config",
    "emulated_layers",
    "lossless_adc_bits",
]
