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

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from lergan.hardware.units import Dim

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
Resistance = Annotated[float, Field(gt=0), Dim("resistance")]
Voltage = Annotated[float, Field(gt=0), Dim("voltage")]
Bits = Annotated[int, Field(ge=1, le=64), Dim("bits")]
Count = Annotated[int, Field(ge=1), Dim("count")]
CountOrFraction = Annotated[float, Field(ge=0), Dim("count")]
Fraction = Annotated[float, Field(ge=0, le=1), Dim("ratio")]
Ratio = Annotated[float, Field(gt=0), Dim("ratio")]

COMPONENT_KINDS = ("crossbar", "dac", "adc", "sample_hold", "shift_add", "write_driver")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- components -------------------------------------------------------------------------


class Technology(_Frozen):
    """Process node and the digital clock the paper states."""

    node_m: Length
    clock_hz: Frequency


class Crossbar(_Frozen):
    """One R x C ReRAM crossbar array (cells only; peripherals are separate components).

    ``read_energy_j`` is the energy of one read cycle of the whole array (every row driven,
    every column sensed); ``read_cycle_s`` the read cycle (ISAAC: 100 ns).
    """

    rows: Count
    cols: Count
    cell_bits: Bits
    read_cycle_s: PosTime
    read_energy_j: Energy
    area_m2: Area
    signed_weights: Literal["differential", "offset"]
    static_power_w: Power  # one array while powered (non-volatile cells: leakage only)


class Cell(_Frozen):
    """The ReRAM cell: resistance range and write endurance."""

    r_on_ohm: Resistance
    r_off_ohm: Resistance
    read_voltage_v: Voltage
    endurance_writes: Annotated[float, Field(gt=0), Dim("count")]

    @model_validator(mode="after")
    def _range(self) -> Cell:
        if self.r_off_ohm <= self.r_on_ohm:
            raise ValueError("r_off_ohm must exceed r_on_ohm")
        return self


class Dac(_Frozen):
    """Input driver of one crossbar row.

    ``energy_j`` (per row per read cycle) and ``area_m2`` are characterised at
    ``reference_bits``; :func:`lergan.hardware.cost.dac_energy_j` scales them to ``bits``
    in proportion to the number of non-zero levels, 2**bits - 1 (our assumption).
    """

    bits: Bits
    reference_bits: Bits
    energy_j: Energy
    area_m2: Area
    static_power_w: Power  # one DAC while powered, at ``bits``


class Adc(_Frozen):
    """Column ADC shared by ``columns_per_adc`` columns.

    ``energy_j`` (per conversion) and ``area_m2`` are characterised at ``reference_bits``;
    :func:`lergan.hardware.cost.adc_energy_j` scales them to ``bits`` with
    ``energy_scaling``: ``walden`` (energy per conversion = FOM x 2**bits, Walden, IEEE JSAC
    1999) or ``thermal`` (= FOM x 4**bits, the noise-limited regime of Murmann's ADC survey).
    """

    bits: Bits
    reference_bits: Bits
    sample_rate_hz: Frequency
    energy_j: Energy
    area_m2: Area
    columns_per_adc: Count
    static_power_w: Power  # one ADC while powered, at ``bits``
    energy_scaling: Literal["walden", "thermal"] = "walden"


class SampleHold(_Frozen):
    """Sample-and-hold of one column; ``energy_j`` per column per read cycle."""

    energy_j: Energy
    area_m2: Area
    static_power_w: Power


class ShiftAdd(_Frozen):
    """Shift-and-add unit; ``energy_j`` per operation, ``rate_hz`` operations per second."""

    energy_j: Energy
    rate_hz: Frequency
    area_m2: Area
    static_power_w: Power


class Buffer(_Frozen):
    """A buffer or register (SRAM, eDRAM, register file, ReRAM memory mat).

    Energies per byte read / written; ``bandwidth_bytes_per_s`` the peak rate of one instance.
    """

    technology: Literal["sram", "edram", "register", "reram"]
    capacity_bytes: Bytes
    read_energy_j_per_byte: EnergyPerByte
    write_energy_j_per_byte: EnergyPerByte
    bandwidth_bytes_per_s: Bandwidth
    area_m2: Area
    static_power_w: Power


class DigitalUnit(_Frozen):
    """A digital unit (MAC array, activation, pooling): ``energy_j`` per operation."""

    bits: Bits
    energy_j: Energy
    ops_per_s: Annotated[float, Field(gt=0), Dim("frequency")]
    area_m2: Area
    static_power_w: Power


class Link(_Frozen):
    """A link, bus, router or off-chip channel: one instance's bandwidth, latency, energy."""

    bandwidth_bytes_per_s: Bandwidth
    latency_s: Time
    energy_j_per_bit: EnergyPerBit
    area_m2: Area
    static_power_w: Power


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

    ``energy_per_cell_j`` covers one programmed cell including its program-and-verify
    pulses (``pulses_per_write`` is recorded for the derivation and for sweeps);
    ``latency_per_row_s`` the time to program one row (its cells in parallel);
    ``rows_in_parallel`` rows programmed at once per crossbar; ``fraction_rewritten`` the
    share of a layer's cells actually rewritten per update (1 = every cell).
    """

    energy_per_cell_j: Energy
    latency_per_row_s: PosTime
    pulses_per_write: Annotated[float, Field(ge=1), Dim("count")]
    rows_in_parallel: Count
    fraction_rewritten: Fraction
    compare_before_write: bool
    driver_area_m2: Area
    driver_static_power_w: Power  # one write driver (``write_driver``) while powered


class Training(_Frozen):
    """How training runs on the crossbars (each a named choice, see docs/model.md s.3)."""

    error_propagation: Literal["transposed-read", "transposed-copy"]
    weight_gradients: Literal["crossbar", "digital"]
    optimiser: Literal["sgd", "momentum", "adam"]
    approximate_update: bool
    update_threshold: Fraction
    #: the mapping mode every layer runs in unless a simulation names another
    #: (``lergan.mapping.MODES``; LerGAN's ZFDR or the conventional zero-inserting mapping)
    mapping_mode: Literal["zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern"]


class Organisation(_Frozen):
    """Chip -> banks -> mats -> crossbars, and what each level holds.

    ``per_mat`` / ``per_bank`` / ``per_chip`` count instances of named components:
    ``crossbar``, ``dac``, ``adc``, ``sample_hold``, ``shift_add``, ``write_driver``, a key of
    ``buffers``, of ``digital`` or of ``interconnect.links``. Fractions are allowed (ISAAC's
    router is shared by four tiles: 0.25 per tile). ``network_banks`` places networks on
    banks (1-based); ``tiers`` names the bank tiers.
    """

    banks: Count
    mats_per_bank: Count
    crossbars_per_mat: Count
    bank_label: str = "bank"
    mat_label: str = "mat"
    per_mat: dict[str, CountOrFraction] = Field(default_factory=dict)
    per_bank: dict[str, CountOrFraction] = Field(default_factory=dict)
    per_chip: dict[str, CountOrFraction] = Field(default_factory=dict)
    network_banks: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    tiers: tuple[Literal["forward", "error", "update"], ...] = ()
    #: how a simulated iteration lays the passes out: ``lergan`` (each network's banks
    #: form its tiers) or ``prime`` (a network's passes share its banks)
    layout: Literal["lergan", "prime"]

    @property
    def crossbars(self) -> int:
        """Crossbars on the chip."""
        return self.banks * self.mats_per_bank * self.crossbars_per_mat

    @model_validator(mode="after")
    def _placement(self) -> Organisation:
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
    ports_per_bank: Count
    links: dict[str, Link]
    #: setting a 3D switch for a new bank-to-bank link: added to the first transfer over
    #: it in a step, and the energy of one link reconfigured (used by ``3d`` only)
    reconfiguration_latency_s: Time
    reconfiguration_energy_j: Energy

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
        """Time of one MVM: read cycles per MVM times the read cycle."""
        return self.read_cycles_per_mvm * self.crossbar.read_cycle_s

    def provenance(self, key: str) -> Provenance:
        """Where the number at dotted ``key`` comes from (``HardwareError`` if unknown)."""
        from lergan.errors import HardwareError

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
