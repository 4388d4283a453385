"""What each pass of a layer asks of the crossbars: matrices, MVMs, bits, digital work.

For a layer (:class:`~lergan.mapping.geometry.LayerGeometry`), a pass and a mapping mode,
:func:`pass_spec` returns a :class:`PassSpec`: the stored matrices and their MVMs, the bits
of inputs and outputs, whether the crossbars are read transposed, the digital work beside
them, and the MAC counts. :func:`lergan.mapping.mapper.map_pass` tiles it onto crossbars.

Which computation each pass is (``docs/architecture.md`` sections 2 and 3):

- forward: linear ``y = W x``; conv: a plain convolution (ordinary gather); conv_transpose:
  T-CONV, zero-inserting (computation ``conv_transpose``).
- error: linear ``W^T dy``; conv: S-CONV error, zero-inserting (``conv_input_grad``);
  conv_transpose: a plain strided convolution of the output error.
- weight_gradient: linear ``dy x^T``; conv: W-CONV (``conv_weight_grad``); conv_transpose:
  W-CONV (``conv_transpose_weight_grad``).
- update: write every stored copy of the weights.

Named choices (from the preset, :class:`~lergan.mapping.params.MappingParams`):

- error by ``transposed-read``: the error pass reads the *forward* crossbars transposed
  (drive columns, sense rows; one pass per weight slice and sign column). Each forward MVM
  has a transposed twin driven by the output error at that position; a forward matrix in
  gather form then yields the error in scatter form (its sensed rows are partial results
  accumulated digitally), a forward in scatter form yields the error in gather form. The
  requested mode is the layer's mode: for a transposed convolution it fixes the forward
  storage that is read back.
- error by ``transposed-copy``: the error pass has its own crossbars (the error tier) holding
  the weights transposed and, for a zero-inserting error, reshaped per mode.
- weight gradients on ``crossbar`` (PipeLayer): the output error of one sample is programmed
  into crossbars (rows: error positions, compacted per mode; columns: the error's channels,
  ``ceil(error_bits / cell_bits)`` slices) and the input windows stream through; samples are
  processed one after another (each programmed once; replicas take different samples), and
  the per-sample gradients are summed digitally. A linear layer stores the whole batch's
  errors at once (rows: samples), so the sum over samples happens on the columns.
  ``scatter`` has no crossbar form here and maps as ``zero-inserting`` (``mode_applied``
  says so).
- weight gradients on ``digital`` units (DNN+NeuroSim V2.1): the MACs the mode executes (the
  dense count in ``zero-inserting``, padding included in ``zfdr-phase``, the real MACs in
  ``zfdr-pattern`` and ``scatter``), operands read once from the buffers.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass, replace

from lergan.errors import MappingError
from lergan.mapping.geometry import LayerGeometry
from lergan.mapping.modes import MatrixUse, check_mode, gated_row_tiles, plan_matrices
from lergan.mapping.params import (
    OPTIMISER_OPS_PER_WEIGHT,
    OPTIMISER_STATE_TENSORS,
    MappingParams,
)
from lergan.vocabulary import PASSES, ZERO_INSERTING
from lergan.zerofree import ZeroFreePlan, plan

#: The zerofree computation of each zero-inserting (kind, pass) (lergan.vocabulary).
COMPUTATION = ZERO_INSERTING


@dataclass(frozen=True)
class PassSpec:
    """A pass before tiling (see module docstring). Counts cover all samples.

    ``form``: ``gather`` (one output position per MVM), ``scatter`` (one input position per
    MVM, products accumulated digitally), ``transposed-read`` of the forward crossbars,
    ``program-and-stream`` (weight gradient on crossbars), ``digital`` or ``write``.
    ``accumulated_values``: partial results read-modify-written in the accumulation buffer.
    ``output_values``: final values written to the buffer. ``write_rounds``: programming
    rounds of the stored matrices (1 for an update; one per sample for crossbar weight
    gradients, divided among replicas in :mod:`lergan.mapping.mapper`).
    """

    pass_: str
    mode: str
    mode_applied: str
    form: str
    computation: str | None
    samples: int
    matrices: tuple[MatrixUse, ...]
    input_bits: int
    output_bits: int
    stored_bits: int
    transposed_read: bool = False
    programs_matrices: bool = False
    per_sample_program: bool = False
    input_values: int = 0
    accumulated_values: int = 0
    output_values: int = 0
    digital_macs: int = 0
    extra_read_bytes: float = 0.0
    extra_write_bytes: float = 0.0
    macs_dense: int = 0
    macs_real: int = 0
    weights: int = 0
    taps_stored: int = 0


# ---- MAC counts of plain (non-zero-inserting) convolutions -------------------------------


@functools.lru_cache(maxsize=4096)
def _conv_real_taps(n_in: int, n_out: int, k: int, s: int, p: int, d: int) -> int:
    """Sum over outputs j of the taps u with ``0 <= j*s + u*d - p < n_in`` (one axis;
    memoised: a layer's axes are counted again for every preset)."""
    return sum(
        sum(1 for u in range(k) if 0 <= j * s + u * d - p < n_in) for j in range(n_out)
    )


def plain_conv_macs(
    n_in: tuple[int, ...], n_out: tuple[int, ...], geo: LayerGeometry, row_ch: int, cols: int
) -> tuple[int, int]:
    """(dense, real) MACs per sample of a plain strided convolution with ``geo``'s kernel."""
    dense = math.prod(n_out) * geo.taps
    real = math.prod(
        _conv_real_taps(i, o, k, s, p, d)
        for i, o, k, s, p, d in zip(
            n_in, n_out, geo.kernel_size, geo.stride, geo.padding, geo.dilation, strict=True
        )
    )
    chan = row_ch * cols * geo.groups
    return dense * chan, real * chan


# ---- the passes ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _plan(geo: LayerGeometry, computation: str) -> ZeroFreePlan:
    """The layer's ZFDR plan (cached: a plan is immutable and a layer is mapped many times)."""
    return plan(computation, **geo.plan_args())


def _gather_plan_spec(
    geo: LayerGeometry, p: ZeroFreePlan, pass_: str, mode: str, samples: int,
    params: MappingParams, in_bits: int, out_bits: int,
) -> PassSpec:
    """A zero-inserting computation in gather form, in a plan mode."""
    mats = plan_matrices(p, mode, samples)
    if mode == "zero-inserting" and params.gate_zero_row_tiles:
        tiles, rows = gated_row_tiles(p, params.crossbar_rows, samples)
        mats = tuple(replace(m, active_tile_mvms=tiles, active_row_mvms=rows) for m in mats)
    fig = p.modes[mode]
    return PassSpec(
        pass_=pass_, mode=mode, mode_applied=mode, form="gather", computation=p.computation,
        samples=samples, matrices=mats, input_bits=in_bits, output_bits=out_bits,
        stored_bits=params.weight_bits,
        input_values=sum(m.mvms * m.k * m.copies for m in mats),
        output_values=samples * p.output_positions * p.cols * geo.groups,
        macs_dense=samples * p.macs.total, macs_real=samples * p.macs.real,
        weights=geo.weights, taps_stored=fig.taps_stored,
    )


def _scatter_spec(
    geo: LayerGeometry, p: ZeroFreePlan, pass_: str, samples: int, params: MappingParams,
    in_bits: int, out_bits: int, in_positions: int, row_ch: int, cols: int,
) -> PassSpec:
    """Input-stationary: each input position times a ``row_ch x (cols * k^d)`` matrix.

    Products landing on real outputs are accumulated; those cropped by padding are dropped.
    Landed values = real MACs / row_ch (each value already sums the row channels).
    """
    g = geo.groups
    m = MatrixUse("scatter weights", row_ch, cols * geo.taps, g, samples * in_positions)
    return PassSpec(
        pass_=pass_, mode="scatter", mode_applied="scatter", form="scatter",
        computation=p.computation, samples=samples, matrices=(m,), input_bits=in_bits,
        output_bits=out_bits, stored_bits=params.weight_bits,
        input_values=m.mvms * m.k * g,
        accumulated_values=samples * p.macs.real // row_ch,
        output_values=samples * p.output_positions * p.cols * g,
        macs_dense=samples * p.macs.total, macs_real=samples * p.macs.real,
        weights=geo.weights, taps_stored=geo.taps,
    )


def _plain_spec(
    geo: LayerGeometry, pass_: str, mode: str, samples: int, params: MappingParams,
    in_bits: int, out_bits: int,
) -> PassSpec:
    """Ordinary gather mapping of a non-zero-inserting pass (mode does not apply)."""
    g = geo.groups
    if geo.kind == "linear":
        k, n = (geo.in_channels, geo.out_channels) if pass_ == "forward" else (
            geo.out_channels, geo.in_channels)
        positions = geo.positions
        dense = real = samples * positions * k * n
    elif geo.kind == "conv":  # forward
        k, n = geo.in_channels // g * geo.taps, geo.out_channels // g
        positions = geo.out_positions
        dense, real = plain_conv_macs(geo.input_size, geo.output_size, geo,
                                      geo.in_channels // g, n)
        dense, real = dense * samples, real * samples
    else:  # conv_transpose error: a plain strided conv of the output error
        k, n = geo.out_channels // g * geo.taps, geo.in_channels // g
        positions = geo.in_positions
        dense, real = plain_conv_macs(geo.output_size, geo.input_size, geo,
                                      geo.out_channels // g, n)
        dense, real = dense * samples, real * samples
    m = MatrixUse("weights", k, n, g, samples * positions)
    return PassSpec(
        pass_=pass_, mode=mode, mode_applied="ordinary", form="gather", computation=None,
        samples=samples, matrices=(m,), input_bits=in_bits, output_bits=out_bits,
        stored_bits=params.weight_bits, input_values=m.mvms * k * g,
        output_values=m.mvms * n * g, macs_dense=dense, macs_real=real,
        weights=geo.weights, taps_stored=geo.taps,
    )


def forward_spec(
    geo: LayerGeometry, mode: str, samples: int, params: MappingParams
) -> PassSpec:
    return _mvm_pass_spec(geo, "forward", mode, samples, params, params.input_bits)


def _mvm_pass_spec(
    geo: LayerGeometry, pass_: str, mode: str, samples: int, params: MappingParams, bits: int
) -> PassSpec:
    """A forward or (stored-copy) error pass: plain MVMs where the pass inserts no zeros
    (not in :data:`lergan.vocabulary.ZERO_INSERTING`), else the scatter form over the pass's
    input positions (the layer's input forward, its output error backward) or the gather
    forms of the zero-free plan."""
    computation = COMPUTATION.get((geo.kind, pass_))
    if computation is None:
        return _plain_spec(geo, pass_, mode, samples, params, bits, bits)
    p = _plan(geo, computation)
    if mode == "scatter":
        g = geo.groups
        if pass_ == "forward":
            positions, rows, cols = geo.in_positions, geo.in_channels, geo.out_channels
        else:
            positions, rows, cols = geo.out_positions, geo.out_channels, geo.in_channels
        return _scatter_spec(geo, p, pass_, samples, params, bits, bits, positions,
                             rows // g, cols // g)
    return _gather_plan_spec(geo, p, pass_, mode, samples, params, bits, bits)


def _transposed_read_spec(
    geo: LayerGeometry, mode: str, samples: int, params: MappingParams
) -> PassSpec:
    """Error pass as the transposed twin of every forward MVM (see module docstring)."""
    fwd = forward_spec(geo, mode, samples, params)
    fwd = replace(fwd, matrices=tuple(
        replace(m, active_tile_mvms=None, active_row_mvms=None) for m in fwd.matrices))
    if geo.kind == "conv_transpose":
        real = fwd.macs_real  # the error pairs the same operands as the forward
        nominal = fwd.macs_dense
    elif geo.kind == "conv":
        p = _plan(geo, "conv_input_grad")
        real, nominal = samples * p.macs.real, samples * p.macs.total
    else:
        real = nominal = fwd.macs_real
    in_values = sum(m.mvms * m.n * m.copies for m in fwd.matrices)
    sensed = sum(m.mvms * m.k * m.copies for m in fwd.matrices)
    gather = fwd.form == "scatter" or geo.kind == "linear"
    in_err = samples * geo.in_positions * geo.in_channels
    return PassSpec(
        pass_="error", mode=mode, mode_applied=fwd.mode_applied, form="transposed-read",
        computation=COMPUTATION.get((geo.kind, "error")), samples=samples,
        matrices=fwd.matrices, input_bits=params.error_bits, output_bits=params.error_bits,
        stored_bits=params.weight_bits, transposed_read=True, input_values=in_values,
        accumulated_values=0 if gather else sensed, output_values=in_err,
        macs_dense=nominal, macs_real=real, weights=geo.weights,
        taps_stored=fwd.taps_stored,
    )


def error_spec(geo: LayerGeometry, mode: str, samples: int, params: MappingParams) -> PassSpec:
    if params.error_propagation == "transposed-read":
        return _transposed_read_spec(geo, mode, samples, params)
    return _mvm_pass_spec(geo, "error", mode, samples, params, params.error_bits)


def weight_gradient_spec(
    geo: LayerGeometry, mode: str, samples: int, params: MappingParams
) -> PassSpec:
    act, err = params.input_bits, params.error_bits
    grads = geo.weights
    common = dict(
        pass_="weight_gradient", mode=mode, samples=samples, weights=grads,
        output_values=grads,
    )
    if geo.kind == "linear":
        nominal = samples * geo.positions * grads
        if params.weight_gradients == "digital":
            return _digital_wgrad(geo, mode, samples, params, nominal, nominal, nominal, None)
        # store dy of the whole batch (rows: samples x positions, cols: out features) and
        # stream x per input feature: the sum over samples happens on the columns
        m = MatrixUse("error operand", samples * geo.positions, geo.out_channels, 1,
                      geo.in_channels)
        return PassSpec(
            mode_applied="ordinary", form="program-and-stream", computation=None,
            matrices=(m,), input_bits=act, output_bits=params.gradient_bits,
            stored_bits=err, programs_matrices=True, per_sample_program=False,
            input_values=m.mvms * m.k, accumulated_values=0,
            macs_dense=nominal, macs_real=nominal, taps_stored=1, **common,
        )
    p = _plan(geo, COMPUTATION[(geo.kind, "weight_gradient")])
    if params.weight_gradients == "digital":
        executed = p.macs.real if mode == "scatter" else p.modes[mode].macs_executed
        return _digital_wgrad(geo, mode, samples, params, samples * p.macs.total,
                              samples * p.macs.real, samples * executed, p.computation)
    applied = "zero-inserting" if mode == "scatter" else mode
    mats = plan_matrices(p, applied, samples)
    if applied == "zero-inserting" and params.gate_zero_row_tiles:
        tiles, rows = gated_row_tiles(p, params.crossbar_rows, samples)
        mats = tuple(replace(m, active_tile_mvms=tiles, active_row_mvms=rows) for m in mats)
    return PassSpec(
        mode_applied=applied, form="program-and-stream", computation=p.computation,
        matrices=mats, input_bits=act, output_bits=params.gradient_bits, stored_bits=err,
        programs_matrices=True, per_sample_program=True,
        input_values=sum(m.mvms * m.k * m.copies for m in mats),
        accumulated_values=samples * grads,
        macs_dense=samples * p.macs.total, macs_real=samples * p.macs.real,
        taps_stored=p.modes[applied].taps_stored, **common,
    )


def _digital_wgrad(
    geo: LayerGeometry, mode: str, samples: int, params: MappingParams, nominal: int,
    real: int, executed: int, computation: str | None,
) -> PassSpec:
    """Weight gradient on digital MAC units: operands read once, gradients written once."""
    act, err = params.input_bits, params.error_bits
    reads = samples * (geo.in_positions * geo.in_channels * act
                       + geo.out_positions * geo.out_channels * err) / 8
    return PassSpec(
        pass_="weight_gradient", mode=mode,
        mode_applied=mode if computation is not None else "ordinary", form="digital",
        computation=computation, samples=samples, matrices=(), input_bits=act,
        output_bits=params.gradient_bits, stored_bits=err, digital_macs=executed,
        extra_read_bytes=reads, output_values=geo.weights, macs_dense=nominal,
        macs_real=real, weights=geo.weights, taps_stored=0,
    )


def update_spec(geo: LayerGeometry, mode: str, samples: int, params: MappingParams) -> PassSpec:
    """Write every stored copy of the weights; master weights and optimiser state in buffers.

    Stored copies: the forward tier's matrices in this mode, plus the error tier's transposed
    copy (in this mode) when errors propagate by ``transposed-copy``. Buffer traffic per
    weight: read the gradient, the master weight and the optimiser state; write the master
    weight and the state back (``OPTIMISER_STATE_TENSORS``); the new weight's slices go to
    the write drivers. Bias values take the same digital update and no crossbar.
    """
    stored = list(forward_spec(geo, mode, 1, params).matrices)
    if params.error_propagation == "transposed-copy":
        stored += list(error_spec(geo, mode, 1, params).matrices)
    stored = [replace(m, mvms=0, active_tile_mvms=None, active_row_mvms=None) for m in stored]
    values = geo.weights + geo.bias_values
    state = OPTIMISER_STATE_TENSORS[params.optimiser]
    master, sbits = params.master_weight_bits, params.optimiser_state_bits
    reads = values * (params.gradient_bits + master + state * sbits) / 8
    writes = values * (master + state * sbits) / 8
    return PassSpec(
        pass_="update", mode=mode, mode_applied=forward_spec(geo, mode, 1, params).mode_applied,
        form="write", computation=None, samples=samples, matrices=tuple(stored),
        input_bits=params.weight_bits, output_bits=params.weight_bits,
        stored_bits=params.weight_bits, programs_matrices=True,
        digital_macs=values * OPTIMISER_OPS_PER_WEIGHT[params.optimiser],
        extra_read_bytes=reads, extra_write_bytes=writes, weights=geo.weights,
        taps_stored=forward_spec(geo, mode, 1, params).taps_stored,
    )


#: The :class:`MappingParams` fields :func:`pass_spec` reads (and ``crossbar_rows`` when
#: ``gate_zero_row_tiles``): a pass's matrices, bits and digital work do not depend on the
#: crossbar's shape, the cell and DAC bits, the sign scheme, the write fraction or the
#: accumulator, which only :mod:`lergan.mapping.mapper` (tiling, counts) reads
SPEC_FIELDS = ("weight_bits", "input_bits", "error_bits", "gradient_bits",
               "master_weight_bits", "optimiser_state_bits", "error_propagation",
               "weight_gradients", "optimiser", "gate_zero_row_tiles")


_spec_fields = operator.attrgetter(*SPEC_FIELDS)


def spec_params(params: MappingParams) -> tuple:
    """What :func:`pass_spec` reads of ``params`` (:data:`SPEC_FIELDS`), as a memo key."""
    return (*_spec_fields(params),
            params.crossbar_rows if params.gate_zero_row_tiles else None)


def pass_spec(
    geo: LayerGeometry, pass_: str, mode: str, samples: int, params: MappingParams
) -> PassSpec:
    """The :class:`PassSpec` of one pass of one layer in one mode."""
    check_mode(mode)
    if not isinstance(samples, int) or samples < 1:
        raise MappingError(f"samples must be a positive integer, got {samples!r}")
    builders = {"forward": forward_spec, "error": error_spec,
                "weight_gradient": weight_gradient_spec, "update": update_spec}
    if pass_ not in builders:
        raise MappingError(f"pass must be one of {', '.join(PASSES)}; got {pass_!r}")
    return builders[pass_](geo, mode, samples, params)
