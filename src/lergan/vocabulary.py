"""The words of the model, defined once (docs/glossary.md): passes, steps, tiers, mapping
modes, the zero-inserting computations and which (layer kind, pass) runs which.

Every subpackage imports these names from here; nothing here imports lergan.
"""

from __future__ import annotations

from typing import Literal, get_args

#: What a layer does in an iteration (architecture note, section 0), in that order.
Pass = Literal["forward", "error", "weight_gradient", "update"]
PASSES: tuple[str, ...] = get_args(Pass)
#: Every operation's pass: the layer passes and the loss evaluations.
OPERATION_PASSES: tuple[str, ...] = (*PASSES, "loss")

#: The steps of an iteration: the discriminator's, then the generator's.
STEPS: tuple[str, ...] = ("D", "G")

#: The deck's levels of banks.
Tier = Literal["forward", "error", "update"]
TIERS: tuple[str, ...] = get_args(Tier)

#: How a zero-inserting computation lands on crossbars.
Mode = Literal["zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern"]
MODES: tuple[str, ...] = get_args(Mode)
#: A mode, or ``auto``: chosen per layer pass for an objective (lergan.system.build).
ModeChoice = Literal["zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern", "auto"]

#: The training choices of the architecture note (section 3), as presets name them.
SignedWeights = Literal["differential", "offset"]
ErrorPropagation = Literal["transposed-read", "transposed-copy"]
WeightGradients = Literal["crossbar", "digital"]
Optimiser = Literal["sgd", "momentum", "adam"]

#: The zero-inserting computations (architecture note, section 2), lergan.zerofree's names.
Computation = Literal["conv_transpose", "conv_input_grad", "conv_weight_grad",
                      "conv_transpose_weight_grad"]
COMPUTATIONS: tuple[str, ...] = get_args(Computation)

#: The computation of each zero-inserting (layer kind, pass): T-CONV, S-CONV error, W-CONV.
ZERO_INSERTING: dict[tuple[str, str], str] = {
    ("conv_transpose", "forward"): "conv_transpose",
    ("conv", "error"): "conv_input_grad",
    ("conv", "weight_gradient"): "conv_weight_grad",
    ("conv_transpose", "weight_gradient"): "conv_transpose_weight_grad",
}
#: The passes that have a zero-inserting computation.
ZERO_INSERTING_PASSES: tuple[str, ...] = tuple(
    p for p in PASSES if any(p == q for _, q in ZERO_INSERTING))

assert set(get_args(ModeChoice)) == {*MODES, "auto"}
assert set(ZERO_INSERTING.values()) == set(COMPUTATIONS)
