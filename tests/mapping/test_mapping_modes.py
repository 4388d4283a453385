"""The deck's ZFDR figure in the mapping, and the provable invariants between modes."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mapping_layers import conv, linear, tconv

from lergan.mapping import MODES, MappingParams, map_pass

ISAAC = MappingParams()


@pytest.mark.parametrize(
    "k,p,op,patterns,taps_pattern,taps_phase",
    [(5, 2, 1, 25, 100, 36), (4, 1, 0, 16, 36, 16)],
)
def test_deck_figure_64_against_9_mvm_steps(k, p, op, patterns, taps_pattern, taps_phase):
    """4x4 -> 8x8 transposed convolution (docs/architecture.md section 2)."""
    layer = tconv(rank=2, cin=8, cout=8, k=k, s=2, p=p, op=op)
    m = {mode: map_pass(layer, "forward", (8, 4, 4), 1, ISAAC, mode=mode) for mode in MODES}
    assert m["zero-inserting"].mvm_steps == 64
    assert m["zfdr-pattern"].mvm_steps == 9
    assert m["zfdr-phase"].mvm_steps == 16  # 4 phases of 4x4 outputs in parallel
    assert m["scatter"].mvm_steps == 16  # one MVM per input pixel
    assert len(m["zfdr-pattern"].matrices) == patterns
    assert m["zfdr-pattern"].taps_stored == taps_pattern
    assert m["zfdr-phase"].taps_stored == taps_phase
    assert m["zero-inserting"].taps_stored == k * k
    # one output pixel per MVM: 64 MVMs in every gather mode
    assert m["zero-inserting"].mvms == m["zfdr-phase"].mvms == m["zfdr-pattern"].mvms == 64
    # the pattern mode executes exactly the real MACs, the dense mode all of them
    assert m["zfdr-pattern"].macs_executed == m["zfdr-pattern"].macs_real
    assert m["zero-inserting"].macs_executed == m["zero-inserting"].macs_dense
    # weight duplication shows in the cells each update writes (forward tier only here)
    up = {mode: map_pass(layer, "update", (8, 4, 4), 1, ISAAC.model_copy(
        update={"error_propagation": "transposed-read"}), mode=mode) for mode in MODES}
    ratio = up["zfdr-pattern"].cells_written / up["zero-inserting"].cells_written
    assert ratio == pytest.approx(taps_pattern / (k * k))


# ---- random layers ------------------------------------------------------------------------


@st.composite
def zero_inserting_case(draw):
    """A layer and the pass of it that is zero-inserting, with its input shape."""
    rank = draw(st.integers(1, 3))
    maxsize = {1: 12, 2: 7, 3: 4}[rank]
    kind = draw(st.sampled_from(
        ["tconv", "conv_error", "conv_wgrad", "tconv_wgrad", "tconv_error_read"]))
    k = draw(st.integers(1, 5))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2))
    groups = draw(st.sampled_from([1, 2]))
    cin = groups * draw(st.integers(1, 40))
    cout = groups * draw(st.integers(1, 40))
    size = draw(st.integers(1, maxsize))
    if kind.startswith("tconv"):
        p = draw(st.integers(0, d * (k - 1)))
        op = draw(st.integers(0, max(s, d) - 1))
        assume((size - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1)
        layer = tconv(rank, cin, cout, k, s, p, op, d, groups)
    else:
        p = draw(st.integers(0, k - 1))
        assume(size + 2 * p >= d * (k - 1) + 1)
        layer = conv(rank, cin, cout, k, s, p, d, groups)
    pass_ = {"tconv": "forward", "conv_error": "error", "tconv_error_read": "error"}.get(
        kind, "weight_gradient")
    return layer, pass_, (cin,) + (size,) * rank


params_st = st.builds(
    lambda r, c, cell, w: MappingParams(crossbar_rows=r, crossbar_cols=c, cell_bits=cell,
                                        weight_bits=w),
    st.sampled_from([32, 64, 128, 256]), st.sampled_from([32, 128, 256]),
    st.sampled_from([1, 2, 4]), st.sampled_from([8, 16]),
)


@settings(max_examples=60)
@given(zero_inserting_case(), params_st, st.integers(1, 4), st.integers(1, 3))
def test_zfdr_phase_never_worse_than_zero_inserting(case, params, replication, samples):
    layer, pass_, shape = case
    if layer.kind == "conv_transpose" and pass_ == "error":
        # read transposed, the error of a T-CONV mirrors its forward crossbars per mode
        params = params.model_copy(update={"error_propagation": "transposed-read"})
    zi = map_pass(layer, pass_, shape, samples, params, "zero-inserting", replication)
    ph = map_pass(layer, pass_, shape, samples, params, "zfdr-phase", replication)
    pa = map_pass(layer, pass_, shape, samples, params, "zfdr-pattern", replication)
    assert zi.mode_applied == "zero-inserting"
    assert ph.mvm_steps <= zi.mvm_steps
    assert ph.adc_conversions <= zi.adc_conversions
    assert pa.mvm_steps <= ph.mvm_steps
    assert pa.macs_executed == pa.macs_real <= ph.macs_executed <= zi.macs_executed
    assert pa.macs_real == zi.macs_real
    # gating all-zero row tiles never adds work
    gated = map_pass(layer, pass_, shape, samples, params, "zero-inserting", replication,
                     gate_zero_row_tiles=True)
    assert gated.adc_conversions <= zi.adc_conversions
    assert gated.mvm_steps == zi.mvm_steps


@settings(max_examples=60)
@given(zero_inserting_case(), params_st)
def test_zfdr_pattern_stores_every_tap_that_meets_data(case, params):
    layer, pass_, shape = case
    # the passes whose taps index the weight: T-CONV forward, S-CONV error
    assume((layer.kind, pass_) in (("conv_transpose", "forward"), ("conv", "error")))
    m = map_pass(layer, pass_, shape, 1, params, "zfdr-pattern")
    from lergan.zerofree import plan

    comp = {"forward": "conv_transpose", "error": "conv_input_grad"}[pass_]
    args = dict(input_size=shape[1:], kernel_size=layer.kernel_size, stride=layer.stride,
                padding=layer.padding, dilation=layer.dilation, in_channels=layer.in_channels,
                out_channels=layer.out_channels, groups=layer.groups)
    if comp == "conv_transpose":
        args["output_padding"] = layer.output_padding
    p = plan(comp, **args)
    met = [set().union(*(c.taps for c in a.classes)) for a in p.axes]
    if all(len(t) == k for t, k in zip(met, layer.kernel_size, strict=True)):
        assert m.taps_stored >= math.prod(layer.kernel_size)


@settings(max_examples=40)
@given(zero_inserting_case(), params_st, st.sampled_from(MODES),
       st.sampled_from([1, 2, 4]), st.sampled_from([1, 2, 4]))
def test_a_larger_crossbar_never_needs_more_crossbars(case, params, mode, fr, fc):
    layer, pass_, shape = case
    big = params.model_copy(update={"crossbar_rows": params.crossbar_rows * fr,
                                    "crossbar_cols": params.crossbar_cols * fc})
    for pass_name in (pass_, "update"):
        small_m = map_pass(layer, pass_name, shape, 2, params, mode)
        big_m = map_pass(layer, pass_name, shape, 2, big, mode)
        assert big_m.crossbars <= small_m.crossbars


@settings(max_examples=30)
@given(st.integers(1, 2000), st.integers(1, 2000), st.sampled_from([64, 128, 256]),
       st.sampled_from([64, 128, 256]))
def test_a_larger_crossbar_never_needs_more_crossbars_linear(fin, fout, r, c):
    small = MappingParams(crossbar_rows=r, crossbar_cols=c)
    big = MappingParams(crossbar_rows=2 * r, crossbar_cols=2 * c)
    a = map_pass(linear(fin, fout), "forward", (fin,), 1, small)
    b = map_pass(linear(fin, fout), "forward", (fin,), 1, big)
    assert b.crossbars <= a.crossbars
