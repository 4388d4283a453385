"""The numbers and named choices a mapping needs, as one frozen, typed object.

:class:`MappingParams` is the subset of a hardware preset that decides how an operation lands
on crossbars: crossbar geometry, precisions, and the training choices of
``docs/architecture.md`` section 3. It is built from a :class:`lergan.hardware.Architecture`
by :func:`lergan.mapping.params.from_architecture`; tests and sweeps may build one directly.
The defaults are ISAAC's geometry (128 x 128 cells of 2 bits, 1-bit DACs, 16-bit weights and
inputs; Shafiee et al., ISCA 2016, section 3 and Table I); they are only defaults for
hand-built parameters, the presets set every field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lergan.errors import MappingError
from lergan.vocabulary import ErrorPropagation, Optimiser, SignedWeights, WeightGradients

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture

SIGNED_WEIGHTS: tuple[str, ...] = get_args(SignedWeights)
ERROR_PROPAGATIONS: tuple[str, ...] = get_args(ErrorPropagation)
WEIGHT_GRADIENTS: tuple[str, ...] = get_args(WeightGradients)
OPTIMISERS: tuple[str, ...] = get_args(Optimiser)

#: Optimiser state tensors kept per weight beside the master copy (SGD: none; SGD with
#: momentum: the velocity; Adam: the first and second moments, Kingma & Ba, ICLR 2015).
OPTIMISER_STATE_TENSORS: dict[str, int] = {"sgd": 0, "momentum": 1, "adam": 2}

#: Digital operations per weight at each update (multiply-accumulates, our count of the
#: update rule): SGD ``w -= lr * g`` is 1; momentum ``v = mu * v + g; w -= lr * v`` is 2;
#: Adam (two moment updates, the bias-corrected ratio with a square root and a division,
#: the step) is counted as 6 MAC-equivalents, an assumption.
OPTIMISER_OPS_PER_WEIGHT: dict[str, int] = {"sgd": 1, "momentum": 2, "adam": 6}


class MappingParams(BaseModel):
    """Everything :func:`lergan.mapping.map_pass` reads from a preset (SI units, bits).

    Named choices (``docs/architecture.md`` section 3):

    - ``signed_weights``: ``differential`` (a differential pair) stores a signed weight as a
      positive and a negative column (PRIME), doubling columns and their ADC conversions
      (both columns converted, subtracted digitally: a choice); ``offset``
      stores ``w + 2^(b-1)`` in one column and subtracts the offset times the sum of the
      inputs digitally (ISAAC's biased encoding).
    - ``error_propagation``: ``transposed-read`` drives the forward crossbars' columns and
      senses their rows (one pass per weight slice and sign column, row-side ADCs, no extra
      crossbars); ``transposed-copy`` keeps the transposed (and, for zero-inserting errors,
      reshaped) weights on their own crossbars in the error tier, rewritten at each update.
    - ``weight_gradients``: ``crossbar`` programs the output error into crossbars and
      streams the activations (PipeLayer, HPCA 2017; every programmed cell is a write);
      ``digital`` runs the weight gradient on digital MAC units (DNN+NeuroSim V2.1).
    - ``fraction_rewritten``: the fraction of stored cells whose level changes at each update;
      only skipped when ``compare_before_write`` (the preset's
      ``write.compare_before_write``, implied by LrGAN's ``training.approximate_update``)
      reads each covered cell first; otherwise every cell is rewritten.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    crossbar_rows: int = Field(128, ge=1)
    crossbar_cols: int = Field(128, ge=1)
    cell_bits: int = Field(2, ge=1)
    dac_bits: int = Field(1, ge=1)
    weight_bits: int = Field(16, ge=1)
    input_bits: int = Field(16, ge=1)
    error_bits: int = Field(16, ge=1)
    gradient_bits: int = Field(16, ge=1)
    accumulator_bits: int = Field(32, ge=1)
    master_weight_bits: int = Field(32, ge=1)
    optimiser_state_bits: int = Field(32, ge=1)
    #: Partial sums accumulated digitally (scatter outputs, weight-gradient sums over
    #: samples): 32 bits, an assumption (no source states it for LerGAN).
    signed_weights: SignedWeights = "offset"
    error_propagation: ErrorPropagation = "transposed-copy"
    weight_gradients: WeightGradients = "crossbar"
    optimiser: Optimiser = "sgd"
    fraction_rewritten: float = Field(1.0, ge=0.0, le=1.0)
    compare_before_write: bool = False
    gate_zero_row_tiles: bool = False


def from_architecture(arch: Architecture | MappingParams, **overrides: Any) -> MappingParams:
    """The mapping's view of a :class:`lergan.hardware.Architecture` (plus overrides).

    ``fraction_rewritten`` is the preset's ``write.fraction_rewritten``; ``accumulator_bits`` and
    ``gate_zero_row_tiles`` are not preset fields and keep their defaults unless overridden.
    """
    if isinstance(arch, MappingParams):
        return _validated({**arch.model_dump(), **overrides}) if overrides else arch
    p, t = arch.precision, arch.training
    fields: dict[str, Any] = dict(
        crossbar_rows=arch.crossbar.rows,
        crossbar_cols=arch.crossbar.cols,
        cell_bits=arch.crossbar.cell_bits,
        dac_bits=arch.dac.bits,
        weight_bits=p.weight_bits,
        input_bits=p.input_bits,
        error_bits=p.error_bits,
        gradient_bits=p.gradient_bits,
        master_weight_bits=p.master_weight_bits,
        optimiser_state_bits=p.optimiser_state_bits,
        signed_weights=arch.crossbar.signed_weights,
        error_propagation=t.error_propagation,
        weight_gradients=t.weight_gradients,
        optimiser=t.optimiser,
        fraction_rewritten=arch.write.fraction_rewritten,
        compare_before_write=(arch.write.compare_before_write
                              or arch.training.approximate_update),
    )
    fields.update(overrides)
    return _validated(fields)


def _validated(fields: dict[str, Any]) -> MappingParams:
    try:
        return MappingParams(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise MappingError(
            f"mapping parameter {key!r}: {err['msg']} (got {err.get('input')!r})"
        ) from None
