"""Passes: MAC counts against torch, error by transposed read or copy, weight gradients on
crossbars or digital units, updates with master weights and optimiser state."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mapping_layers import conv, linear, tconv

from lergan.mapping import MODES, MappingParams, map_pass
from lergan.zerofree import plan

ISAAC = MappingParams()
COPY = ISAAC.model_copy(update={"error_propagation": "transposed-copy"})
READ = ISAAC.model_copy(update={"error_propagation": "transposed-read"})


def _torch_real_taps(rank, size, k, s, p, d):
    """Real MACs per channel pair of a plain convolution: conv of ones by ones (torch)."""
    import torch
    import torch.nn.functional as F

    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]
    x = torch.ones((1, 1) + (size,) * rank, dtype=torch.float64)
    w = torch.ones((1, 1) + (k,) * rank, dtype=torch.float64)
    return int(fn(x, w, stride=s, padding=p, dilation=d).sum())


@settings(max_examples=25)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.integers(1, 6))
def test_plain_conv_real_macs_match_torch(rank, k, s, p, d, size):
    assume(p <= d * (k - 1) and size + 2 * p >= d * (k - 1) + 1)
    layer = conv(rank, 2, 3, k, s, p, d)
    m = map_pass(layer, "forward", (2,) + (size,) * rank, 1, ISAAC)
    assert m.macs_real == _torch_real_taps(rank, size, k, s, p, d) * 2 * 3
    # the T-CONV with the same parameters pairs the same operands in its error pass
    t = tconv(rank, 3, 2, k, s, p, 0, d)
    out = m.matrices[0].mvms  # conv output positions = T-CONV input positions
    o_size = round(out ** (1 / rank))
    e = map_pass(t, "error", (3,) + (o_size,) * rank, 1, COPY)
    f = map_pass(t, "forward", (3,) + (o_size,) * rank, 1, COPY, mode="zfdr-pattern")
    assert e.macs_real == f.macs_real


def test_error_of_a_strided_conv_uses_the_plan_per_mode():
    layer = conv(2, 16, 32, 4, 2, 1)
    p = plan("conv_input_grad", input_size=(8, 8), kernel_size=4, stride=2, padding=1,
             in_channels=16, out_channels=32)
    for mode in ("zero-inserting", "zfdr-phase", "zfdr-pattern"):
        m = map_pass(layer, "error", (16, 8, 8), 3, COPY, mode)
        assert m.computation == "conv_input_grad" and m.mode_applied == mode
        assert m.mvm_steps == 3 * p.modes[mode].mvm_steps
        assert m.macs_executed == 3 * p.modes[mode].macs_executed
        assert m.taps_stored == p.modes[mode].taps_stored
    sc = map_pass(layer, "error", (16, 8, 8), 3, COPY, "scatter")
    assert sc.form == "scatter" and sc.mvms == 3 * 16  # one MVM per error pixel (4x4)
    t = sc.matrices[0].tiling
    assert (t.k, t.n) == (32, 16 * 16)
    assert sc.accumulation_bytes == 2 * (3 * p.macs.real // 32) * 4


def test_transposed_read_mirrors_the_forward_crossbars():
    layer = tconv(2, 16, 8, 4, 2, 1)
    for mode in MODES:
        fwd = map_pass(layer, "forward", (16, 4, 4), 2, READ, mode)
        err = map_pass(layer, "error", (16, 4, 4), 2, READ, mode)
        assert err.form == "transposed-read"
        assert err.crossbars == fwd.crossbars and err.mvms == fwd.mvms
        assert err.mvm_steps == fwd.mvm_steps
        assert err.cycles_per_mvm == fwd.cycles_per_mvm * fwd.slices * fwd.sign
        # sensed rows need accumulation unless the forward was input-stationary
        assert (err.accumulation_bytes == 0) == (mode == "scatter")
        up_read = map_pass(layer, "update", (16, 4, 4), 2, READ, mode)
        up_copy = map_pass(layer, "update", (16, 4, 4), 2, COPY, mode)
        err_copy = map_pass(layer, "error", (16, 4, 4), 2, COPY, mode)
        assert up_read.crossbars == fwd.crossbars
        assert up_copy.crossbars == fwd.crossbars + err_copy.crossbars


@pytest.mark.parametrize("mode", MODES)
def test_weight_gradient_on_crossbars_programs_the_error_per_sample(mode):
    layer = conv(2, 8, 16, 4, 2, 1)
    p = plan("conv_weight_grad", input_size=(8, 8), kernel_size=4, stride=2, padding=1,
             in_channels=8, out_channels=16)
    applied = "zero-inserting" if mode == "scatter" else mode
    for r in (1, 2):
        m = map_pass(layer, "weight_gradient", (8, 8, 8), 4, ISAAC, mode, replication=r)
        assert m.form == "program-and-stream" and m.mode_applied == applied
        assert m.slices == 8  # 16-bit errors on 2-bit cells
        assert m.cells_written == 4 * m.cells_per_copy  # each sample programmed once
        assert m.write_rounds == 4 // r
        assert m.mvm_steps == (4 // r) * p.modes[applied].mvm_steps
        assert m.macs_executed == 4 * p.modes[applied].macs_executed
        assert m.accumulation_bytes == 2 * 4 * layer_weights(layer) * 4


def layer_weights(layer):
    return layer.in_channels * layer.out_channels // layer.groups * math.prod(layer.kernel_size)


def test_weight_gradient_on_digital_units():
    params = ISAAC.model_copy(update={"weight_gradients": "digital"})
    layer = tconv(2, 8, 4, 5, 2, 2, 1)
    p = plan("conv_transpose_weight_grad", input_size=(4, 4), kernel_size=5, stride=2,
             padding=2, output_padding=1, in_channels=8, out_channels=4)
    for mode in MODES:
        m = map_pass(layer, "weight_gradient", (8, 4, 4), 2, params, mode)
        assert m.form == "digital" and m.crossbars == 0 and m.cells_written == 0
        want = p.macs.real if mode == "scatter" else p.modes[mode].macs_executed
        assert m.digital_macs == 2 * want
    lin = map_pass(linear(10, 20), "weight_gradient", (10,), 3, params)
    assert lin.digital_macs == 3 * 10 * 20


def test_linear_weight_gradient_on_crossbars_stacks_the_batch():
    m = map_pass(linear(10, 20), "weight_gradient", (10,), 64, ISAAC)
    t = m.matrices[0].tiling
    assert (t.k, t.n) == (64, 20) and m.mvms == 10
    assert m.cells_written == 64 * 20 * 8
    two = map_pass(linear(10, 20), "weight_gradient", (10,), 64, ISAAC, replication=2)
    assert two.cells_written == 2 * m.cells_written and two.mvm_steps == 5


@pytest.mark.parametrize("optimizer,state", [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_update_writes_cells_and_moves_master_weights_and_state(optimizer, state):
    params = READ.model_copy(update={"optimiser": optimizer, "fraction_rewritten": 0.25,
                                     "compare_before_write": True})
    layer = linear(300, 100)
    m = map_pass(layer, "update", (300,), 64, params, replication=2)
    values = 300 * 100 + 100  # weights and biases
    assert m.cells_written == round(300 * 800 * 2 * 0.25)
    assert m.cells_compared == 300 * 800 * 2
    # without a compare, every cell is rewritten whatever changed
    blind = map_pass(layer, "update", (300,), 64,
                     params.model_copy(update={"compare_before_write": False}), replication=2)
    assert blind.cells_written == 300 * 800 * 2 and blind.cells_compared == 0
    assert m.buffer_read_bytes == values * (16 + 32 + state * 32) / 8
    assert m.buffer_write_bytes == values * (32 + state * 32) / 8
    assert m.write_rounds == 1 and m.rows_per_write_round == 128
