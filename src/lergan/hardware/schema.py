"""The typed, frozen hardware description (`Architecture`) and its parts, in SI units.

Presets in ``presets/*.yaml`` are validated into these models by
:func:`lergan.hardware.load_preset`. Each numeric field declares its dimension with
:class:`~lergan.hardware.units.Dim`; the data file gives ``value`` and ``unit`` and the
loader converts to SI. Field names carry the SI unit (``_j``, ``_s``, ``_w``, ``_m2``,
``_hz``, ``_bytes``, ``_bytes_per_s``, ``_j_per_bit``).

Organisation is generic: a chip holds ``banks``; a bank holds ``mats_per_bank`` mats; a mat
holds ``crossbars_per_mat`` crossbars. ISAAC's tile is our bank and its IMA our mat
(``bank_label`` / ``mat_label`` say what the paper calls them). Peripherals are counted per
level in ``organisation.per_mat`` / ``per_bank`` / ``per_chip`` by component name, so that
area and peak power are sums over the same tables (:mod:`lergan.hardware.peak`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from lergan.errors import HardwareError
from lergan.hardware.components import ComponentModel, derive, mat_capacity_bytes
from lergan.hardware.converters import required_adc_bits
from lergan.hardware.units import Dim
from lergan.vocabulary import (
    ErrorPropagation,
    ModeChoice,
    Optimiser,
    SignedWeights,
    Tier,
    WeightGradients,
)

# ---- annotated scalar types -------------------------------------------------------------

Energy = Annotated[float, Field(ge=0), Dim("energy")]
Power = Annotated[float, Field(ge=0), Dim("power")]
Time = Annotated[float, Field(ge=0), Dim("time")]
PosTime = Annotated[float, Field(gt=0), Dim("time")]
Frequency = Annotated[float, Field(gt=0), Dim("frequency")]
Area = Annotated[float, Field(ge=0), Dim("area")]
Length = Annotated[float, Field(gt=0), Dim("length")]
Bytes = Annotated[float, Field(ge=0), Dim("bytes")]
Bandwidth = Annotated[float, Field(gt=0), Dim("bandwidth")]
EnergyPerBit = Annotated[float, Field(ge=0), Dim("energy_per_bit")]
EnergyPerByte = Annotated[float, Field(ge=0), Dim("energy_per_byte")]
AreaPerByte = Annotated[float, Field(ge=0), Dim("area_per_byte")]
Bits = Annotated[int, Field(ge=1, le=64), Dim("bits")]
Count = Annotated[int, Field(ge=1), Dim("count")]
CountOrFraction = Annotated[float, Field(ge=0), Dim("count")]
Fraction = Annotated[float, Field(ge=0, le=1), Dim("ratio")]
Ratio = Annotated[float, Field(gt=0), Dim("ratio")]

#: components every computing mat has, their counts derived from the crossbar geometry
#: (:mod:`lergan.hardware.components`); ``shift_add`` is counted per mat in the preset
DERIVED_PER_MAT = ("crossbar", "dac", "sample_hold", "adc")
COMPONENT_KINDS = (*DERIVED_PER_MAT, "shift_add")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


# ---- components -------------------------------------------------------------------------


class Technology(_Frozen):
    """Process node, digital clock, and how CMOS figures move with the node.

    Component energies and areas in a preset are characterised at ``reference_node_m``
    (ISAAC's Table I: 32 nm) and scaled to ``node_m`` by first-order constant-voltage
    scaling: energy x (node / reference), area x (node / reference)^2
    (:mod:`lergan.hardware.components`). ``leakage_fraction`` is the share of a CMOS
    component's characterised peak power that is static: drawn whenever the component is
    powered, acting or not.
    """

    node_m: Length
    reference_node_m: Length
    clock_hz: Frequency
    leakage_fraction: Annotated[float, Field(ge=0, lt=1), Dim("ratio")]


class Crossbar(_Frozen):
    """One R x C ReRAM crossbar array (cells only; peripherals are separate components).

    Area, read energy and sense time follow from the geometry
    (:mod:`lergan.hardware.components`): ``rows x cols x cell_area_f2 x node^2``,
    ``rows x cols x read_energy_per_cell_j`` per read cycle, ``rows x
    sense_time_per_row_s`` (bit-line charging grows with the cells on it). The arrays are
    non-volatile: they draw no static power. ``flipped_encoding`` is ISAAC's weight
    encoding that keeps a column's sum below half its range (one ADC bit saved).
    """

    rows: Count
    cols: Count
    cell_bits: Bits
    cell_area_f2: Annotated[float, Field(gt=0), Dim("ratio")]
    read_energy_per_cell_j: Energy
    sense_time_per_row_s: PosTime
    signed_weights: SignedWeights
    flipped_encoding: bool = False


class Cell(_Frozen):
    """The ReRAM cell's write endurance (its electrical figures are the crossbar's and the
    write model's fields)."""

    endurance_writes: Annotated[float, Field(gt=0), Dim("count")]


class Dac(_Frozen):
    """Input driver of one crossbar row.

    ``energy_j`` (per row per read cycle) and ``area_m2`` are characterised at
    ``reference_bits`` and scaled to ``bits`` by ``energy_scaling``: ``linear`` (x bits /
    reference_bits: a b-bit drive costs what b 1-bit drives cost, ISAAC's characterised
    1-bit DAC per input bit), ``levels`` (x (2^b - 1) / (2^ref - 1), the pessimistic end)
    or ``per-drive`` (the same per drive at any resolution, the optimistic end).
    """

    bits: Bits
    reference_bits: Bits
    energy_j: Energy
    area_m2: Area
    energy_scaling: Literal["linear", "levels", "per-drive"] = "linear"


class Adc(_Frozen):
    """Column ADC shared by ``columns_per_adc`` columns of a crossbar.

    ``energy_j`` (per conversion) and ``area_m2`` are characterised at ``reference_bits``
    and ``reference_sample_rate_hz``; energy scales with ``energy_scaling``: ``walden``
    (x 2^(b - ref): Walden, IEEE JSAC 1999, energy per conversion = FOM x 2^ENOB) or
    ``thermal`` (x 4^(b - ref), noise-limited converters, Murmann's survey); area with
    2^(b - ref) x rate / reference rate. ``precision_policy``: ``lossless`` requires the
    bits of an exact column sum (ISAAC's rule, :mod:`lergan.hardware.converters`);
    ``truncate`` keeps ``bits`` and drops the low bits, reported per pass.
    """

    bits: Bits
    reference_bits: Bits
    sample_rate_hz: Frequency
    reference_sample_rate_hz: Frequency
    energy_j: Energy
    area_m2: Area
    columns_per_adc: Count
    energy_scaling: Literal["walden", "thermal"] = "walden"
    precision_policy: Literal["lossless", "truncate"] = "truncate"


class SampleHold(_Frozen):
    """Sample-and-hold of one column; ``energy_j`` per column per read cycle."""

    energy_j: Energy
    area_m2: Area


class ShiftAdd(_Frozen):
    """Shift-and-add unit; ``energy_j`` per operation, one operation per clock."""

    energy_j: Energy
    area_m2: Area


class Buffer(_Frozen):
    """A buffer or register (SRAM, eDRAM, register file, ReRAM memory mat).

    Energies per byte read / written; ``bandwidth_bytes_per_s`` the peak rate of one
    instance; area ``capacity_bytes x area_per_byte_m2``.
    """

    technology: Literal["sram", "edram", "register", "reram"]
    capacity_bytes: Annotated[float, Field(gt=0), Dim("bytes")]
    read_energy_j_per_byte: EnergyPerByte
    write_energy_j_per_byte: EnergyPerByte
    bandwidth_bytes_per_s: Bandwidth
    area_per_byte_m2: AreaPerByte


class DigitalUnit(_Frozen):
    """A digital unit (MAC, activation, pooling): ``energy_j`` per operation, one operation
    per clock; characterised at ``reference_node_m`` (default: the technology's)."""

    energy_j: Energy
    area_m2: Area
    reference_node_m: Length | None = None


class Link(_Frozen):
    """A link, bus, router or off-chip channel: one instance's bandwidth, latency, energy."""

    bandwidth_bytes_per_s: Bandwidth
    latency_s: Time
    energy_j_per_bit: EnergyPerBit
    area_m2: Area


class Precision(_Frozen):
    """Bits of each quantity in training (activations are the forward MVM inputs)."""

    weight_bits: Bits
    input_bits: Bits
    error_bits: Bits
    gradient_bits: Bits
    master_weight_bits: Bits
    optimiser_state_bits: Bits


class WriteModel(_Frozen):
    """Programming crossbar cells at an update.

    A cell takes ``pulses_per_write`` program-and-verify pulses of ``energy_per_pulse_j``
    and ``pulse_s`` each (a row's cells in parallel, ``rows_in_parallel`` rows at once).
    ``fraction_rewritten`` is the share of stored cells whose level changes per update;
    only a controller that compares before writing (``compare_before_write``: one read of
    every covered cell first) skips the others, otherwise every cell is rewritten.
    """

    energy_per_pulse_j: Energy
    pulse_s: PosTime
    pulses_per_write: Annotated[float, Field(ge=1), Dim("count")]
    rows_in_parallel: Count
    fraction_rewritten: Fraction
    compare_before_write: bool


class Training(_Frozen):
    """How training runs on the crossbars (each a named choice, see docs/model.md s.3)."""

    error_propagation: ErrorPropagation
    weight_gradients: WeightGradients
    optimiser: Optimiser
    approximate_update: bool
    update_threshold: Fraction
    #: the mapping mode every layer runs in unless a simulation names another
    #: (``lergan.mapping.MODES``; LerGAN's ZFDR or the conventional zero-inserting mapping),
    #: or ``auto``: chosen per layer pass (``lergan.system.build.choose_mode``)
    mapping_mode: ModeChoice


class Organisation(_Frozen):
    """Chip -> banks -> mats -> crossbars, and what each level holds.

    ``per_mat`` / ``per_bank`` / ``per_chip`` count instances of named components:
    ``shift_add``, a key of ``buffers``, of ``digital`` or of ``interconnect.links``. A
    mat's crossbars, DACs, sample-and-holds and ADCs are not typed: they follow from
    ``crossbars_per_mat`` and the crossbar geometry (:mod:`lergan.hardware.components`).
    Fractions are allowed (ISAAC's router is shared by four tiles: 0.25 per tile).
    ``network_banks`` places networks on banks (1-based); ``tiers`` names the bank tiers.
    """

    banks: Count
    mats_per_bank: Count
    crossbars_per_mat: Count
    #: a main memory's capacity (all its mats' cells) and the share of its mats that
    #: compute: when given, ``mats_per_bank`` (the compute mats) is derived from them
    capacity_bytes: Annotated[float, Field(gt=0), Dim("bytes")] | None = None
    compute_fraction: Annotated[float, Field(gt=0, le=1), Dim("ratio")] | None = None
    bank_label: str = "bank"
    mat_label: str = "mat"
    per_mat: dict[str, CountOrFraction] = Field(default_factory=dict)
    per_bank: dict[str, CountOrFraction] = Field(default_factory=dict)
    per_chip: dict[str, CountOrFraction] = Field(default_factory=dict)
    network_banks: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    tiers: tuple[Tier, ...] = ()
    #: how a simulated iteration lays the passes out: ``lergan`` (each network's banks
    #: form its tiers) or ``prime`` (a network's passes share its banks)
    layout: Literal["lergan", "prime"]

    @property
    def crossbars(self) -> int:
        """Crossbars on the chip."""
        return self.banks * self.mats_per_bank * self.crossbars_per_mat

    @model_validator(mode="after")
    def _placement(self) -> Organisation:
        for comp in DERIVED_PER_MAT:
            if comp in self.per_mat:
                raise ValueError(
                    f"per_mat.{comp}: derived, not typed (from crossbars_per_mat and the "
                    "crossbar geometry; adc from adc.columns_per_adc): remove it")
        for net, banks in self.network_banks.items():
            for b in banks:
                if not 1 <= b <= self.banks:
                    raise ValueError(
                        f"network_banks.{net}: bank {b} is outside 1..{self.banks}"
                    )
        return self


class Interconnect(_Frozen):
    """Links between banks and off chip.

    ``topology``: ``3d`` (LerGAN: direct reconfigurable bank-to-bank links, ``bank_link``),
    ``2d-bus`` (banks share ``internal_bus``; data between networks over it) or
    ``2d-offchip`` (data between networks goes off chip through ``offchip``).
    ``links`` must hold the links the topology uses.
    """

    topology: Literal["3d", "2d-bus", "2d-offchip", "noc"]
    links: dict[str, Link]
    #: the 3D connection's switches (used by ``3d`` only; a bus or mesh has none): ports
    #: per bank, the time to set a switch for a new bank-to-bank link (added to the first
    #: transfer over it in a step) and the energy of one link reconfigured
    ports_per_bank: Count = 1
    reconfiguration_latency_s: Time = 0.0
    reconfiguration_energy_j: Energy = 0.0

    @model_validator(mode="after")
    def _needed(self) -> Interconnect:
        need = {"3d": ("bank_link", "offchip"), "2d-bus": ("internal_bus", "offchip"),
                "2d-offchip": ("internal_bus", "offchip"), "noc": ("offchip",)}[self.topology]
        missing = [n for n in need if n not in self.links]
        if missing:
            raise ValueError(f"topology {self.topology!r} needs links {missing}")
        return self


class Provenance(_Frozen):
    """Where one number comes from: SI value, as written, source, derivation or assumption."""

    key: str
    value: Any
    unit: str
    written_value: Any
    written_unit: str
    source: str | None = None
    derivation: str | None = None
    assumption: bool = False
    reason: str | None = None
    overridden: bool = False
    defined_in: str | None = None
    range: tuple[float, float] | None = None  # SI; the span `lergan sensitivity` varies over


class Architecture(_Frozen):
    """A whole hardware description in SI units (see module docstring)."""

    name: str
    title: str
    paper: str
    description: str
    deviations: tuple[str, ...]
    base: str | None = None
    technology: Technology
    crossbar: Crossbar
    cell: Cell
    dac: Dac
    adc: Adc
    sample_hold: SampleHold
    shift_add: ShiftAdd
    buffers: dict[str, Buffer]
    digital: dict[str, DigitalUnit]
    precision: Precision
    write: WriteModel
    training: Training
    organisation: Organisation
    interconnect: Interconnect

    _provenance: dict[str, Provenance] = PrivateAttr(default_factory=dict)
    _components: ComponentModel | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _mats_from_capacity(cls, data: Any) -> Any:
        """``organisation.mats_per_bank`` from a memory's capacity: its mats are
        ``capacity / (crossbars_per_mat x rows x cols x cell_bits / 8)`` bytes each,
        spread evenly over the banks, and ``compute_fraction`` of them compute."""
        if not isinstance(data, dict):
            return data
        org, xb = data.get("organisation"), data.get("crossbar")
        if not isinstance(org, dict) or org.get("capacity_bytes") is None:
            return data
        if org.get("mats_per_bank") is not None:
            raise ValueError("organisation.mats_per_bank: derived from capacity_bytes and "
                             "compute_fraction; give one or the other")
        if org.get("compute_fraction") is None:
            raise ValueError("organisation.compute_fraction: needed with capacity_bytes")
        try:
            mat_bytes = mat_capacity_bytes(org["crossbars_per_mat"], xb["rows"], xb["cols"],
                                           xb["cell_bits"])
            mats = org["capacity_bytes"] / mat_bytes / org["banks"] * org["compute_fraction"]
        except (KeyError, TypeError, ZeroDivisionError):
            return data  # the field validators name what is missing or wrong
        parts = (org["crossbars_per_mat"], xb["rows"], xb["cols"], xb["cell_bits"],
                 org["banks"], org["capacity_bytes"], org["compute_fraction"])
        if any(isinstance(v, bool) or not v > 0 for v in parts):
            # a non-positive part: its own field's validator names it (a placeholder
            # count keeps "mats_per_bank: field required" out of the message)
            return {**data, "organisation": {**org, "mats_per_bank": 1}}
        if not mats >= 1:
            raise ValueError(
                f"organisation.capacity_bytes: {org['capacity_bytes']:g} B in "
                f"{org['banks']} banks of {mat_bytes:g}-byte mats, {org['compute_fraction']:g}"
                " of them computing, leaves no compute mat in a bank")
        return {**data, "organisation": {**org, "mats_per_bank": int(mats)}}

    @model_validator(mode="after")
    def _consistent(self) -> Architecture:
        known = set(COMPONENT_KINDS) | set(self.buffers) | set(self.digital) | set(
            self.interconnect.links
        )
        for level in ("per_mat", "per_bank", "per_chip"):
            for comp in getattr(self.organisation, level):
                if comp not in known:
                    raise ValueError(
                        f"organisation.{level}.{comp}: no component, buffer, digital unit "
                        f"or link named {comp!r} (known: {sorted(known)})"
                    )
        if self.precision.weight_bits < self.crossbar.cell_bits:
            raise ValueError(
                f"precision.weight_bits ({self.precision.weight_bits}) is below "
                f"crossbar.cell_bits ({self.crossbar.cell_bits})"
            )
        if self.training.weight_gradients == "digital" and "mac" not in self.digital:
            raise ValueError("training.weight_gradients is 'digital' but digital.mac is absent")
        if "mac" not in self.digital:
            raise ValueError("digital.mac: every preset needs a digital MAC unit (batch norm, "
                             "activations, losses and the optimiser run on it)")
        if self.adc.precision_policy == "lossless":
            need = required_adc_bits(self)
            if self.adc.bits < need:
                raise ValueError(
                    f"adc.bits: {self.adc.bits} bits cannot convert a column sum exactly "
                    f"under adc.precision_policy 'lossless' (needs {need}: ISAAC's rule for "
                    f"{self.crossbar.rows} rows of {self.crossbar.cell_bits}-bit cells and "
                    f"{self.dac.bits}-bit inputs); widen the ADC or choose 'truncate'")
        return self

    # ---- derived figures used everywhere --------------------------------------------------

    @property
    def slices_per_weight(self) -> int:
        """Cells along a row per weight: ceil(weight_bits / cell_bits)."""
        return -(-self.precision.weight_bits // self.crossbar.cell_bits)

    @property
    def read_cycles_per_mvm(self) -> int:
        """Read cycles per MVM: ceil(input_bits / dac.bits) (bit-serial inputs)."""
        return -(-self.precision.input_bits // self.dac.bits)

    @property
    def mvm_latency_s(self) -> float:
        """Time of one MVM: read cycles per MVM times the (derived) read cycle."""
        return self.read_cycles_per_mvm * self.components.read_cycle_s

    @property
    def components(self) -> ComponentModel:
        """The chip's components derived from this description
        (:class:`lergan.hardware.components.ComponentModel`, computed once).

        Read from pydantic's store of private attributes directly: ``self._components``
        goes through ``BaseModel.__getattr__`` (about 2 us), and the costing reads this
        hundreds of times per preset object."""
        private = self.__pydantic_private__
        model = private.get("_components") if private is not None else None
        if model is None:
            self._components = model = derive(self)
        return model

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Architecture:
        """A copy (pydantic's); with ``update`` its component model is derived anew, not
        the original's cached one."""
        copy = super().model_copy(update=update, deep=deep)
        if update:
            copy._components = None
        return copy

    def provenance(self, key: str) -> Provenance:
        """Where the number at dotted ``key`` comes from (``HardwareError`` if unknown)."""
        try:
            return self._provenance[key]
        except KeyError:
            raise HardwareError(
                f"{key}: no such key in preset {self.name!r} (see `lergan hardware show "
                f"{self.name}`)"
            ) from None

    def provenance_table(self) -> dict[str, Provenance]:
        """Every leaf key of the description with its provenance, in file order."""
        return dict(self._provenance)
