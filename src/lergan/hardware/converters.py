"""Converter precision: the ADC bits an exact column sum needs, and what a narrower ADC drops.

A crossbar column sums ``R`` products of a ``c``-bit cell level and a ``d``-bit input slice,
so its largest value is ``R x (2^c - 1) x (2^d - 1)``: an exact conversion needs
``ceil(log2(R (2^c - 1)(2^d - 1) + 1))`` bits (Shafiee et al., ISAAC, ISCA 2016, Sec. V:
``log2 R + v + w`` bits, one fewer when ``v`` or ``w`` is 1; ISAAC's flipped weight
encoding keeps every column sum below half its range and saves one more bit). ISAAC's own
design: 128 rows, 2-bit cells, 1-bit inputs, flipped: 8 bits, its ADC.

The ADC's ``precision_policy`` says what the model does with the rule: ``lossless``
requires ``adc.bits`` to reach it (a narrower ADC is an error when the preset loads);
``truncate`` keeps ``adc.bits`` and drops the low ``required - adc.bits`` bits of every
conversion, reported per pass in every simulation result (PRIME's 6-bit sense amplifiers
on 256-row columns of 4-bit cells driven by 3-bit inputs drop 9 of 15 bits).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture


def column_sum_bits(summed: int, cell_bits: int, dac_bits: int, flipped: bool = False) -> int:
    """Bits of an exact sum of ``summed`` products of a cell level and an input slice."""
    top = summed * (2**cell_bits - 1) * (2**dac_bits - 1)
    return max(1, math.ceil(math.log2(top + 1)) - (1 if flipped else 0))


def required_adc_bits(arch: Architecture, transposed: bool = False) -> int:
    """ADC bits of an exact conversion on ``arch``'s crossbars: a column sums ``rows``
    cells; a transposed read (error propagation by ``transposed-read``) senses rows, each
    summing ``cols`` cells."""
    xb = arch.crossbar
    summed = xb.cols if transposed else xb.rows
    return column_sum_bits(summed, xb.cell_bits, arch.dac.bits, xb.flipped_encoding)


@dataclass(frozen=True)
class PassPrecision:
    """Bits an exact conversion needs in one pass, and the bits the ADC drops."""

    required_bits: int
    dropped_bits: int


@dataclass(frozen=True)
class ConverterPrecision:
    """The converter precision of a simulation: policy, ADC and input bits, per pass."""

    policy: str
    adc_bits: int
    dac_bits: int
    weight_bits: int
    input_bits: int
    passes: dict[str, PassPrecision]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def converter_precision(arch: Architecture) -> ConverterPrecision:
    """Required and dropped bits of each pass that converts column sums on crossbars:
    forward, error (rows and columns swapped for ``transposed-read``) and, when weight
    gradients run in crossbars, weight_gradient (updates program cells, convert nothing)."""
    t = arch.training
    passes = {"forward": False, "error": t.error_propagation == "transposed-read"}
    if t.weight_gradients == "crossbar":
        passes["weight_gradient"] = False
    out: dict[str, PassPrecision] = {}
    for name, transposed in passes.items():
        need = required_adc_bits(arch, transposed)
        out[name] = PassPrecision(need, max(0, need - arch.adc.bits))
    return ConverterPrecision(arch.adc.precision_policy, arch.adc.bits, arch.dac.bits,
                              arch.precision.weight_bits, arch.precision.input_bits, out)
