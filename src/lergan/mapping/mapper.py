"""Map one pass of one layer onto crossbars: :func:`map_pass`, :func:`map_operation`.

Counting rules (ISAAC, Shafiee et al., ISCA 2016, sections 3 and 5; ``docs/architecture.md``
section 3), per stored matrix tiled as in :mod:`lergan.mapping.tiling`:

- an MVM takes ``cycles = ceil(input_bits / dac_bits)`` read cycles (bit-serial inputs);
  read through the columns (transposed read) it takes one such series per weight slice and
  sign column (``passes = slices * sign``);
- per read cycle of an MVM, each working row tile converts every used column of its column
  tiles once (ADC conversions; sample-and-hold and shift-and-add once per conversion), and
  the row tiles' results are added (``row_tiles - 1`` adds per output value); read
  transposed, each column tile senses every row (row-side ADCs) and column tiles are added;
- MVM steps: every stored matrix and each of its ``replication`` copies work in parallel,
  so a pass takes ``max over matrices of ceil(MVMs of the matrix / replication)`` steps;
  crossbar weight gradients program one sample at a time per copy
  (``ceil(samples / replication)`` rounds, each the per-sample MVMs);
- cells written: an update writes every stored cell of every copy times the write fraction;
  a crossbar weight gradient programs its operand once per sample.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lergan.errors import MappingError
from lergan.mapping.geometry import LayerGeometry, layer_geometry
from lergan.mapping.params import MappingParams, from_architecture
from lergan.mapping.passes import PassSpec, pass_spec, spec_params
from lergan.mapping.tiling import (
    Tiling,
    ceil_div,
    read_cycles_per_mvm,
    sign_columns,
    tile,
    weight_slices,
)

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture
    from lergan.workload.iteration import Operation
    from lergan.workload.layers import Layer


@dataclass(frozen=True)
class MatrixPlacement:
    """One stored matrix, its tiling and its MVMs (per copy of the matrix)."""

    role: str
    copies: int
    mvms: int
    tiling: Tiling

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "copies": self.copies, "mvms": self.mvms,
                "tiling": self.tiling.to_dict()}


@dataclass(frozen=True)
class LayerPassMapping:
    """How one pass of one layer lands on crossbars (all samples, all copies).

    Counts: ``mvms`` (crossbar-group MVMs), ``mvm_steps`` (MVMs in sequence, every group
    and copy in parallel), ``read_cycles`` (``mvm_steps * cycles_per_mvm``: read cycles in
    sequence), ``crossbar_read_cycles`` (crossbar activations summed over crossbars),
    ``dac_activations`` (input drivers times read cycles), ``adc_conversions``,
    ``shift_add_ops``, ``partial_sum_adds`` (adder tree across tiles), ``cells_written``
    (an update rewrites every cell, or only ``fraction_rewritten`` of them when
    ``compare_before_write`` reads the ``cells_compared`` first),
    buffer bytes (``buffer_read_bytes`` / ``buffer_write_bytes``, the accumulation
    buffer's read-modify-writes in ``accumulation_bytes``), ``digital_macs`` and
    ``digital_adds``; MACs: ``macs_dense`` (a dense convolution of the zero-inserted,
    padded operand: zerofree's ``macs.total``; the workload's ``nominal`` is the framework's
    count instead), ``macs_real`` (both operands real), ``macs_executed`` (performed by the
    crossbars or digital units).
    """

    layer: str
    kind: str
    pass_: str
    mode: str
    mode_applied: str
    form: str
    computation: str | None
    samples: int
    replication: int
    params: MappingParams = field(repr=False)
    matrices: tuple[MatrixPlacement, ...]
    slices: int
    sign: int
    cycles_per_mvm: int
    crossbars_per_copy: int
    crossbars: int
    cells_per_copy: int
    taps_stored: int
    mvms: int
    mvm_steps: int
    read_cycles: int
    crossbar_read_cycles: int
    dac_activations: int
    adc_conversions: int
    shift_add_ops: int
    partial_sum_adds: int
    cells_written: int
    cells_compared: int
    write_rounds: int
    rows_per_write_round: int
    buffer_read_bytes: float
    buffer_write_bytes: float
    accumulation_bytes: float
    digital_macs: int
    digital_adds: int
    macs_dense: int
    macs_real: int
    macs_executed: int
    weights: int

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["params"] = self.params.model_dump()
        d["matrices"] = [m.to_dict() for m in self.matrices]
        d["pass"] = d.pop("pass_")
        return d


def _check_replication(replication: int) -> None:
    if not isinstance(replication, int) or isinstance(replication, bool) or replication < 1:
        raise MappingError(f"replication must be a positive integer, got {replication!r}")


def place(spec: PassSpec, geo: LayerGeometry, params: MappingParams,
          replication: int = 1) -> LayerPassMapping:
    """Tile a :class:`PassSpec` onto crossbars and count (see module docstring)."""
    _check_replication(replication)
    R, C = params.crossbar_rows, params.crossbar_cols
    slices = weight_slices(spec.stored_bits, params.cell_bits)
    sign = sign_columns(params.signed_weights)
    bit_cycles = read_cycles_per_mvm(spec.input_bits, params.dac_bits)
    passes = slices * sign if spec.transposed_read else 1
    cycles = bit_cycles * passes
    placed: list[MatrixPlacement] = []
    xbar_cycles = dac = adc = adds = mvms = executed = 0
    crossbars_per_copy = cells_per_copy = 0
    # (integer counts: the per-matrix figures are read once, Tiling's properties written out)
    for m in spec.matrices:
        k, n, copies, m_mvms = m.k, m.n, m.copies, m.mvms
        t = tile(k, n, crossbar_rows=R, crossbar_cols=C, slices=slices, sign=sign)
        placed.append(MatrixPlacement(m.role, copies, m_mvms, t))
        r_tiles, c_tiles = t.row_tiles, t.col_tiles
        physical_cols = n * slices * sign  # t.physical_cols
        crossbars_per_copy += copies * (r_tiles * c_tiles)  # t.crossbars
        cells_per_copy += copies * (k * physical_cols)  # t.cells
        mvms += copies * m_mvms
        executed += copies * m_mvms * k * n
        if spec.transposed_read:
            xbar_cycles += copies * m_mvms * (r_tiles * c_tiles) * cycles
            dac += copies * m_mvms * n * r_tiles * cycles
            adc += copies * m_mvms * k * c_tiles * cycles
            adds += copies * m_mvms * k * (c_tiles - 1)
        else:
            tile_mvms = m.active_tile_mvms if m.active_tile_mvms is not None else (
                m_mvms * r_tiles)
            row_mvms = m.active_row_mvms if m.active_row_mvms is not None else m_mvms * k
            xbar_cycles += copies * tile_mvms * c_tiles * cycles
            dac += copies * row_mvms * c_tiles * cycles
            adc += copies * tile_mvms * physical_cols * cycles
            adds += copies * max(tile_mvms - m_mvms, 0) * n
    if spec.per_sample_program:
        rounds = ceil_div(spec.samples, replication)
        steps = rounds * max((m.mvms // spec.samples for m in spec.matrices), default=0)
    else:
        rounds = 1 if spec.programs_matrices else 0
        steps = max((ceil_div(m.mvms, replication) for m in spec.matrices), default=0)
    cells_compared = 0
    if spec.pass_ == "update" and params.compare_before_write:
        # only a controller that reads before writing can skip unchanged cells
        cells_compared = cells_per_copy * replication
        cells_written = round(cells_compared * params.fraction_rewritten)
    elif spec.pass_ == "update":
        cells_written = cells_per_copy * replication
    elif spec.per_sample_program:
        cells_written = cells_per_copy * spec.samples
    elif spec.programs_matrices:  # programmed once per operation, in every copy
        cells_written = cells_per_copy * replication
    else:
        cells_written = 0
    rows_per_round = min(R, max((m.k for m in spec.matrices), default=0))
    program_reads = 0.0
    if spec.programs_matrices and spec.pass_ != "update":
        program_reads = cells_written / slices / sign * spec.stored_bits / 8
    digital_macs = spec.digital_macs
    return LayerPassMapping(
        layer=geo.name, kind=geo.kind, pass_=spec.pass_, mode=spec.mode,
        mode_applied=spec.mode_applied, form=spec.form, computation=spec.computation,
        samples=spec.samples, replication=replication, params=params,
        matrices=tuple(placed), slices=slices, sign=sign, cycles_per_mvm=cycles,
        crossbars_per_copy=crossbars_per_copy, crossbars=crossbars_per_copy * replication,
        cells_per_copy=cells_per_copy, taps_stored=spec.taps_stored, mvms=mvms,
        mvm_steps=steps, read_cycles=steps * cycles if spec.matrices and mvms else 0,
        crossbar_read_cycles=xbar_cycles, dac_activations=dac, adc_conversions=adc,
        shift_add_ops=adc, partial_sum_adds=adds, cells_written=cells_written,
        cells_compared=cells_compared,
        write_rounds=rounds, rows_per_write_round=rows_per_round if rounds else 0,
        buffer_read_bytes=spec.input_values * spec.input_bits / 8 + spec.extra_read_bytes
        + program_reads,
        buffer_write_bytes=spec.output_values * spec.output_bits / 8 + spec.extra_write_bytes,
        accumulation_bytes=spec.accumulated_values * params.accumulator_bits / 8 * 2,
        digital_macs=digital_macs, digital_adds=adds + spec.accumulated_values,
        macs_dense=spec.macs_dense, macs_real=spec.macs_real,
        macs_executed=executed + digital_macs if spec.form == "digital" else executed,
        weights=spec.weights,
    )


def map_pass(
    layer: Layer,
    pass_: str,
    input_shape: tuple[int, ...] | list[int],
    samples: int,
    arch: Architecture | MappingParams,
    mode: str = "zfdr-pattern",
    replication: int = 1,
    **params_overrides: Any,
) -> LayerPassMapping:
    """Map one pass of ``layer`` (a workload layer description) for ``samples`` samples.

    ``arch`` is a :class:`lergan.hardware.Architecture` or a :class:`MappingParams`;
    ``params_overrides`` replace fields of the mapping's parameters (for example
    ``gate_zero_row_tiles=True``, ``error_propagation="transposed-read"``).
    """
    params = from_architecture(arch, **params_overrides)
    return map_layer_pass(layer_geometry(layer, input_shape), pass_, mode, samples, params,
                          replication)


def map_layer_pass(geo: LayerGeometry, pass_: str, mode: str, samples: int,
                   params: MappingParams, replication: int = 1) -> LayerPassMapping:
    """:func:`map_pass` of a layer's geometry (:func:`~lergan.mapping.geometry.layer_geometry`)
    with the mapping's parameters already built."""
    _check_replication(replication)
    return _place_pass(geo, pass_, mode, samples, params, replication)


@functools.lru_cache(maxsize=4096, typed=True)
def _place_pass(geo: LayerGeometry, pass_: str, mode: str, samples: int,
                params: MappingParams, replication: int) -> LayerPassMapping:
    """:func:`place` of :func:`pass_spec`, memoised: a pure function of its arguments (the
    geometry and the parameters hold all it reads of the layer and the preset), shared by
    every preset with the same parameters (other energies, another ADC)."""
    return place(_pass_spec(geo, pass_, mode, samples, params), geo, params, replication)


#: :func:`pass_spec` results by (geometry, pass, mode, samples and their type,
#: :func:`spec_params`)
_SPECS: dict[tuple, PassSpec] = {}
_SPECS_MAX = 4096


def _pass_spec(geo: LayerGeometry, pass_: str, mode: str, samples: int,
               params: MappingParams) -> PassSpec:
    """:func:`pass_spec`, memoised by what it reads of the parameters
    (:func:`~lergan.mapping.passes.spec_params`): presets that differ only in the
    crossbar's shape or what the tiling reads (``crossbar.rows``, ``cell_bits``, ...)
    share a pass's spec, and only tile it afresh."""
    key = (geo, pass_, mode, samples, type(samples), spec_params(params))
    hit = _SPECS.get(key)
    if hit is None:
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        hit = _SPECS[key] = pass_spec(geo, pass_, mode, samples, params)
    return hit


def map_operation(op: Operation, arch: Architecture | MappingParams,
                  mode: str = "zfdr-pattern", replication: int = 1,
                  **params_overrides: Any) -> LayerPassMapping:
    """Map a workload iteration :class:`Operation` (``layer_spec``, ``input_shape``,
    ``pass_``, ``samples``)."""
    return map_pass(op.layer_spec, op.pass_, op.input_shape, op.samples, arch, mode,
                    replication, **params_overrides)
