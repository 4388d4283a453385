"""`CrossbarConfig`: what the emulated crossbars compute with, read from a hardware preset.

The numbers are the preset's (``lergan.hardware.load_preset(name, overrides)``, the same
presets and ``--set`` overrides the simulator reads); device effects (programming noise, read
noise, stuck cells) are not preset fields and are given here, seeded.

ADC precision policy (``docs/architecture.md`` section 5, ISAAC s.IV):
an exact column sum of ``rows`` cells of ``cell_bits`` driven by ``dac_bits`` inputs needs
``ceil(log2(rows * (2**cell_bits - 1) * (2**dac_bits - 1) + 1))`` bits
(:func:`lossless_adc_bits`). ``lossless`` requires the ADC to have them (narrower is an
error); ``truncate`` keeps the ADC's bits: its step is ``2**(needed - adc_bits)`` column-sum
units, so the low bits are rounded away and the top code saturates
(:mod:`lergan.emulate.crossbar`).
"""

from __future__ import annotations

from math import ceil, log2
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lergan.errors import HardwareError, LerganError
from lergan.hardware import Architecture, load_preset
from lergan.hardware.converters import column_sum_bits
from lergan.vocabulary import Mode

__all__ = [
    "ADC_POLICIES",
    "CrossbarConfig",
    "EmulationError",
    "adc_precision_policy",
    "crossbar_config",
    "lossless_adc_bits",
]

ADC_POLICIES = ("lossless", "truncate")


class EmulationError(LerganError):
    """A configuration the emulated crossbars cannot run (names the field)."""


#: ADC bits for an exact column sum (ISAAC's rule), the cost model's own
#: (:func:`lergan.hardware.converters.column_sum_bits`; the flip is not emulated)
lossless_adc_bits = column_sum_bits


def adc_precision_policy(arch: Architecture) -> str:
    """The preset's ADC precision policy, ``adc.precision_policy`` (the one place the
    emulation reads it; :mod:`lergan.hardware.converters` states the same rule)."""
    return str(getattr(arch.adc, "precision_policy", "truncate"))


class CrossbarConfig(BaseModel):
    """Everything :func:`lergan.emulate.crossbar.matmul` needs (frozen).

    Device effects, in units of one cell level (the conductance step between adjacent
    levels): ``programming_noise`` is the standard deviation of a written cell's
    conductance around its target level (drawn at each write, kept until the next one);
    ``read_noise`` the standard deviation of the noise added to each column sum at each
    conversion; ``stuck_fraction`` the share of cells stuck (half at level 0, half at the
    top level), drawn once per array. ``seed`` seeds all three.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rows: int = Field(ge=1)
    cols: int = Field(ge=1)
    cell_bits: int = Field(ge=1)
    weight_bits: int = Field(ge=1)
    input_bits: int = Field(ge=1)
    error_bits: int = Field(ge=1)
    dac_bits: int = Field(ge=1)
    adc_bits: int = Field(ge=1)
    adc_policy: Literal["lossless", "truncate"] = "truncate"
    signed_weights: Literal["differential", "offset"] = "differential"
    compare_before_write: bool = False
    approximate_update: bool = False
    update_threshold: float = Field(default=0.0, ge=0, le=1)
    error_propagation: Literal["transposed-read", "transposed-copy"] = "transposed-copy"
    weight_gradients: Literal["crossbar", "digital"] = "crossbar"
    mapping_mode: Mode = (
        "zfdr-pattern"
    )
    programming_noise: float = Field(default=0.0, ge=0)
    read_noise: float = Field(default=0.0, ge=0)
    stuck_fraction: float = Field(default=0.0, ge=0, le=1)
    seed: int = 0
    #: compute exact passes as one product of the quantised operands (``False``: run the
    #: faithful per-conversion path even when it is exact, for tests and benchmarks)
    fast_path: bool = True

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        _check(self)  # after validation, so that the EmulationError is not wrapped

    # ---- derived -----------------------------------------------------------------------
    @property
    def slices(self) -> int:
        """Cells per weight along a row: ceil(weight_bits / cell_bits)."""
        return -(-self.weight_bits // self.cell_bits)

    @property
    def max_weight_level(self) -> int:
        """Largest magnitude of a quantised signed weight: 2**(weight_bits - 1) - 1."""
        return 2 ** (self.weight_bits - 1) - 1

    @property
    def adc_needed_bits(self) -> int:
        """Bits an exact column sum of a full row tile needs (:func:`lossless_adc_bits`)."""
        return lossless_adc_bits(self.rows, self.cell_bits, self.dac_bits)

    @property
    def adc_step(self) -> int:
        """Column-sum units per ADC code: 2**(needed - adc_bits), 1 when lossless."""
        return 2 ** max(self.adc_needed_bits - self.adc_bits, 0)

    @property
    def lossless(self) -> bool:
        """True when every conversion is exact and no device effect is on (the fast path)."""
        return (
            self.adc_bits >= self.adc_needed_bits
            and self.programming_noise == 0
            and self.read_noise == 0
            and self.stuck_fraction == 0
        )

    @property
    def fast(self) -> bool:
        """Take the fast path: :attr:`lossless` and ``fast_path``."""
        return self.lossless and self.fast_path

    @property
    def weights_per_crossbar_row(self) -> int:
        """Weights one crossbar row holds: cols // slices (the offset scheme keeps one
        weight's slices for its offset column; differential pairs are two crossbars)."""
        usable = self.cols - (self.slices if self.signed_weights == "offset" else 0)
        return usable // self.slices

    def read_cycles(self, bits: int) -> int:
        """Read cycles of a ``bits``-bit input: ceil(bits / dac_bits)."""
        return -(-bits // self.dac_bits)


def _check(c: CrossbarConfig) -> None:
    if c.signed_weights == "offset":
        need, what = 2 * c.slices, "one weight and the offset column"
    else:
        need, what = c.slices, "one weight"
    if c.cols < need:
        raise EmulationError(
            f"crossbar.cols: {c.cols} columns cannot hold {what} ({c.slices} slices of "
            f"{c.cell_bits} bits for precision.weight_bits={c.weight_bits}; need {need})"
        )
    if c.weight_bits < 2:
        raise EmulationError(
            f"precision.weight_bits: {c.weight_bits} bit cannot hold a signed weight "
            f"(crossbar.signed_weights={c.signed_weights!r} needs a sign and a magnitude)"
        )
    for field, bits in (("precision.input_bits", c.input_bits),
                        ("precision.error_bits", c.error_bits)):
        if bits < 2:
            raise EmulationError(f"{field}: {bits} bit cannot hold a signed operand")
        # exact integer arithmetic in float64 (53-bit mantissa)
        if bits + c.weight_bits + ceil(log2(c.rows + 1)) + 8 > 53:
            raise EmulationError(
                f"{field}: {bits} bits with precision.weight_bits={c.weight_bits} overflow "
                f"the emulator's exact float64 sums (keep input + weight bits <= 40)"
            )
    if c.weight_bits > 32:
        raise EmulationError(
            f"precision.weight_bits: {c.weight_bits} bits exceed what the emulator holds (32)"
        )
    if c.adc_policy == "lossless" and c.adc_bits < c.adc_needed_bits:
        raise EmulationError(
            f"adc.bits: {c.adc_bits} bits cannot meet adc.precision_policy='lossless' for "
            f"{c.rows} rows of {c.cell_bits}-bit cells driven by {c.dac_bits}-bit DACs "
            f"(needs {c.adc_needed_bits} bits, ISAAC's rule)"
        )


def crossbar_config(
    arch: str | Architecture = "lergan",
    overrides: dict[str, Any] | None = None,
    *,
    policy: str | None = None,
    **device: Any,
) -> CrossbarConfig:
    """A :class:`CrossbarConfig` from a preset name / file or an ``Architecture``.

    ``overrides`` are preset keys as for ``load_preset`` (e.g. ``{"adc.bits": 6}``);
    ``policy`` overrides the ADC precision policy; ``device`` takes the device-effect and
    mode fields of :class:`CrossbarConfig` (``programming_noise``, ``read_noise``,
    ``stuck_fraction``, ``seed``, ``mapping_mode``). ADC bits of 0 or less are refused here
    naming ``adc.bits`` (the preset schema refuses them too).
    """
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        if key.endswith("bits") and value < 1:
            raise EmulationError(f"{key}: {value:g} bits; a converter or operand needs >= 1")
    set_policy = overrides.pop("adc.precision_policy", None)
    if isinstance(arch, Architecture):
        if overrides:
            raise EmulationError(
                "overrides: give a preset name or file with overrides, not an Architecture"
            )
    else:
        chosen = policy or set_policy
        if chosen in ADC_POLICIES:  # the preset loads under the policy asked for
            overrides["adc.precision_policy"] = chosen
        try:
            arch = load_preset(str(arch), overrides=overrides or None)
        except HardwareError as exc:  # the field is named; the emulation's error class
            raise EmulationError(str(exc)) from None
    pol = policy or set_policy or adc_precision_policy(arch)
    if pol not in ADC_POLICIES:
        raise EmulationError(f"adc.precision_policy: {pol!r} is not one of {ADC_POLICIES}")
    fields: dict[str, Any] = {
        "rows": arch.crossbar.rows,
        "cols": arch.crossbar.cols,
        "cell_bits": arch.crossbar.cell_bits,
        "weight_bits": arch.precision.weight_bits,
        "input_bits": arch.precision.input_bits,
        "error_bits": arch.precision.error_bits,
        "dac_bits": arch.dac.bits,
        # ISAAC's flipped encoding keeps every column sum below half its range, saving one
        # ADC bit; the flip itself is not emulated, so under the lossless policy its saved
        # bit is an ADC bit wider (the same exact sums)
        "adc_bits": arch.adc.bits + (1 if arch.crossbar.flipped_encoding
                                     and pol == "lossless" else 0),
        "adc_policy": pol,
        "signed_weights": arch.crossbar.signed_weights,
        "compare_before_write": arch.write.compare_before_write,
        "approximate_update": arch.training.approximate_update,
        "update_threshold": arch.training.update_threshold,
        "error_propagation": arch.training.error_propagation,
        "weight_gradients": arch.training.weight_gradients,
        # "auto" chooses per layer pass in the simulator; the emulation runs zfdr-phase, the
        # mode auto takes most often for transposed convolutions
        "mapping_mode": ("zfdr-phase" if arch.training.mapping_mode == "auto"
                         else arch.training.mapping_mode),
    }
    fields.update(device)
    return CrossbarConfig(**fields)
