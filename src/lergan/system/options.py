"""Options of a simulation (the choices that are not hardware numbers), and the names of
the architectures (presets, ablations among them).

Hardware numbers and per-preset defaults (mapping mode, layout, 3D switch reconfiguration,
static power) are preset fields (``lergan.hardware``), overridable like any other.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lergan.errors import LerganError
from lergan.hardware import list_presets
from lergan.vocabulary import MODES as MODES  # re-exported: options name the modes
from lergan.vocabulary import OPERATION_PASSES, ModeChoice
from lergan.workload.layers import LAYER_KINDS

Mode = ModeChoice  # a mapping mode or "auto" (lergan.vocabulary)
#: passes an ``ops_per_element`` key may name (``loss`` for loss terms)
PASSES = OPERATION_PASSES


class SimulationOptions(BaseModel):
    """How one iteration is simulated (``None``: the architecture's default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode | None = Field(
        None, description="mapping mode of every layer; default: the preset's "
        "training.mapping_mode (auto for lergan, zero-inserting for lergan-no-zfdr "
        "and prime); 'auto' chooses per layer pass (see mode_objective)")
    mode_objective: Literal["time", "energy", "edp"] = Field(
        "time", description="what mode='auto' minimises per layer pass: time (crossbar-"
        "seconds, the time on an equal share of the budget), energy, or edp (their product)")
    layout: Literal["lergan", "prime"] | None = Field(
        None, description="lergan: forward/error/update tiers per network; prime: a "
        "network's passes share its banks; default: the preset's organisation.layout")
    topology: Literal["3d", "2d-bus", "2d-offchip"] | None = Field(
        None, description="interconnect topology; default: the preset's")
    crossbar_budget: int | None = Field(
        None, gt=0, description="crossbars placement may use (default: the whole chip)")
    replication: Literal["auto", "none"] | int | dict[str, int] = Field(
        "auto", description="'auto' balances each tier's pipeline under the budget; "
        "'none' or an integer fixes every unit; a mapping fixes named units "
        "('D/forward/conv1') or layers ('D/conv1')")
    stale_d_weights: bool = Field(
        False, description="the G-step's D forward uses the weights from before the D "
        "update, which then need not finish first")
    g_step_latent: Literal["fresh", "reuse"] = Field(
        "fresh", description="G-step generator input: fresh latent vectors or the D-step's "
        "fakes (see lergan.workload.iteration.IterationOptions)")
    transfer_chunks: int = Field(
        8, ge=1, le=1024, description="chunks a streamed transfer is scheduled in (the "
        "first sample alone, then the rest evenly): the granularity of link sharing")
    write_fractions: dict[str, float] = Field(
        default_factory=dict, description="measured share of a layer's cells whose level "
        "changes per update, by 'NET/LAYER', 'NET' or '*' (lergan train's metrics.json, "
        "--write-stats), replacing write.fraction_rewritten with compare-before-write")
    ops_per_element: dict[str, float] = Field(
        default_factory=dict, description="digital operations per output element of "
        "MAC-free operations, replacing lergan.mapping.elementwise.OPS_PER_ELEMENT's "
        "assumptions; keys 'KIND/PASS' (e.g. 'batch_norm/forward', 'loss/loss')")

    @field_validator("ops_per_element")
    @classmethod
    def _known_ops_keys(cls, value: dict[str, float]) -> dict[str, float]:
        """Keys name a layer kind (or ``loss``) and a pass; values are finite and >= 0."""
        kinds = (*LAYER_KINDS, "loss")
        for key, v in value.items():
            kind, _, pass_ = key.partition("/")
            if kind not in kinds or pass_ not in PASSES:
                raise ValueError(
                    f"ops_per_element {key!r}: expected KIND/PASS with KIND one of "
                    f"{', '.join(kinds)} and PASS one of {', '.join(PASSES)}")
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"ops_per_element {key!r}: {v!r} is not a finite "
                                 "non-negative number")
        return value

    @field_validator("replication")
    @classmethod
    def _positive_copies(cls, value: object) -> object:
        """Copies are >= 1 (names are checked against the GAN by ``simulate``)."""
        items = value.items() if isinstance(value, dict) else (
            [("replication", value)] if isinstance(value, int) else [])
        for key, v in items:
            if v < 1 or v > 1 << 20:
                raise ValueError(f"{key}: {v} copies (must be 1 to {1 << 20})")
        return value


def resolve_architecture(name: str) -> tuple[str, dict[str, object]]:
    """Preset and hardware overrides of an architecture name or preset file (``LerganError``
    naming the known ones when it is neither). The ablations (``lergan-no-zfdr``,
    ``lergan-2d-bus``, ``lergan-2d-offchip`` and the ladder ``lergan-neither``,
    ``lergan-zfdr-only``, ``lergan-3d-only``) are preset files (``base: lergan`` plus their
    change), so users can read and copy them."""
    if name not in list_presets() and not name.endswith((".yaml", ".yml")):
        raise LerganError(
            f"architecture {name!r}: no such preset or ablation (known: "
            f"{', '.join(architecture_names())}; or give a path to a .yaml file)")
    return name, {}


def architecture_names() -> list[str]:
    """Presets, the ablations among them."""
    return list_presets()


def as_options(options: SimulationOptions | dict | None) -> SimulationOptions:
    """Options from an object, a mapping or ``None`` (``LerganError`` naming each bad
    option, its value and what it expects)."""
    if options is None:
        return SimulationOptions()
    if isinstance(options, SimulationOptions):
        return options
    if isinstance(options, dict):
        try:
            return SimulationOptions(**options)
        except ValidationError as exc:
            raise LerganError(option_errors(exc)) from None
    raise LerganError(f"options: expected SimulationOptions or a mapping, got {options!r}")


#: options that became preset fields (issue 5 follow-up): where to set them now
MOVED_TO_PRESET = {
    "reconfiguration_latency_s": "interconnect.reconfiguration_latency_s",
    "reconfiguration_energy_j": "interconnect.reconfiguration_energy_j",
}


def option_errors(exc: object) -> str:
    """One line per bad option of a pydantic ``ValidationError`` of :class:`SimulationOptions`
    (a value that fits none of a field's forms is described by the field's help)."""
    by_field: dict[str, list[dict]] = {}
    for err in exc.errors():  # type: ignore[attr-defined]
        by_field.setdefault(str(err["loc"][0]) if err["loc"] else "options", []).append(err)
    lines = []
    for name, errs in by_field.items():
        field = SimulationOptions.model_fields.get(name)
        if name in MOVED_TO_PRESET:
            lines.append(f"option {name!r}: now a preset field; override it as a hardware "
                         f"setting, {MOVED_TO_PRESET[name]}=VALUE (--set or overrides)")
            continue
        if field is None:
            lines.append(f"option {name!r}: unknown (known: "
                         f"{', '.join(SimulationOptions.model_fields)})")
            continue
        why = field.description if len(errs) > 1 and field.description else errs[0]["msg"]
        lines.append(f"option {name} = {errs[0].get('input')!r}: {why}")
    return "; ".join(lines)
