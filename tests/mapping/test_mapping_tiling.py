"""Hand-derived small cases: slices, signed scheme, tiles, read cycles, ADC conversions."""

from __future__ import annotations

import pytest
from mapping_layers import conv, linear, tconv

from lergan.errors import MappingError
from lergan.mapping import MappingParams, map_pass
from lergan.mapping.tiling import (
    col_tiles,
    read_cycles_per_mvm,
    row_tile_sizes,
    row_tiles,
    sign_columns,
    tile,
    weight_slices,
)

ISAAC = MappingParams()  # 128 x 128, 2-bit cells, 1-bit DACs, 16-bit weights and inputs


def test_slices_sign_and_read_cycles():
    assert weight_slices(16, 2) == 8  # ISAAC: 16-bit weights as 8 cells of 2 bits
    assert weight_slices(8, 4) == 2  # PRIME: two 4-bit cells
    assert weight_slices(5, 2) == 3
    assert sign_columns("differential") == 2
    assert sign_columns("offset") == 1
    assert read_cycles_per_mvm(16, 1) == 16  # ISAAC: 16 read cycles per MVM
    assert read_cycles_per_mvm(6, 3) == 2  # PRIME: 3-bit drivers composed into 6 bits
    assert read_cycles_per_mvm(16, 3) == 6
    with pytest.raises(MappingError, match="signed_weights"):
        sign_columns("twos-complement")
    with pytest.raises(MappingError, match="cell_bits"):
        weight_slices(16, 0)


def test_tiles_of_a_300_by_100_matrix():
    assert row_tiles(300, 128) == 3
    assert row_tile_sizes(300, 128) == (128, 128, 44)
    assert col_tiles(100, 8, 1, 128) == 7  # ceil(800 / 128)
    assert col_tiles(100, 8, 2, 128) == 13  # ceil(1600 / 128)
    t = tile(300, 100, crossbar_rows=128, crossbar_cols=128, slices=8, sign=1)
    assert (t.row_tiles, t.col_tiles, t.crossbars, t.cells) == (3, 7, 21, 300 * 800)


@pytest.mark.parametrize("scheme,sign", [("offset", 1), ("differential", 2)])
def test_linear_forward_counts(scheme, sign):
    params = ISAAC.model_copy(update={"signed_weights": scheme})
    m = map_pass(linear(300, 100), "forward", (300,), 5, params, mode="zero-inserting")
    ct = -(-100 * 8 * sign // 128)
    assert m.crossbars == 3 * ct
    assert m.mvms == 5 and m.mvm_steps == 5
    assert m.cycles_per_mvm == 16 and m.read_cycles == 5 * 16
    # each of the 3 row tiles converts all 100 * 8 * sign columns in each of 16 cycles
    assert m.adc_conversions == 5 * 3 * 100 * 8 * sign * 16
    assert m.dac_activations == 5 * 300 * ct * 16
    assert m.crossbar_read_cycles == 5 * 3 * ct * 16
    assert m.partial_sum_adds == 5 * 2 * 100
    assert m.macs_executed == m.macs_real == m.macs_dense == 5 * 300 * 100
    assert m.buffer_read_bytes == 5 * 300 * 2 and m.buffer_write_bytes == 5 * 100 * 2


def test_replication_divides_steps_and_multiplies_crossbars():
    one = map_pass(linear(300, 100), "forward", (300,), 10, ISAAC)
    three = map_pass(linear(300, 100), "forward", (300,), 10, ISAAC, replication=3)
    assert three.crossbars == 3 * one.crossbars
    assert three.mvm_steps == 4 and one.mvm_steps == 10
    assert three.adc_conversions == one.adc_conversions


def test_transposed_read_is_one_pass_per_slice_and_sign_column():
    params = ISAAC.model_copy(update={"error_propagation": "transposed-read",
                                      "signed_weights": "differential"})
    m = map_pass(linear(300, 100), "error", (300,), 2, params)
    assert m.form == "transposed-read"
    assert m.crossbars == 3 * 13  # the forward crossbars, read through their columns
    assert m.cycles_per_mvm == 16 * 8 * 2
    # every column tile senses all 300 rows (row-side ADCs) in every cycle of every pass
    assert m.adc_conversions == 2 * 300 * 13 * 16 * 16
    copy = map_pass(linear(300, 100), "error", (300,), 2,
                    params.model_copy(update={"error_propagation": "transposed-copy"}))
    assert copy.form == "gather" and copy.cycles_per_mvm == 16
    assert (copy.matrices[0].tiling.k, copy.matrices[0].tiling.n) == (100, 300)


def test_conv_forward_matrix_and_padding_macs():
    layer = conv(rank=2, cin=3, cout=8, k=3, s=1, p=1)
    m = map_pass(layer, "forward", (3, 4, 4), 1, ISAAC)
    t = m.matrices[0].tiling
    assert (t.k, t.n) == (27, 8)
    assert m.mvms == 16 and m.mode_applied == "ordinary"
    assert m.macs_dense == 16 * 27 * 8
    # 4x4 input, 3x3 kernel, padding 1: per axis 2+3+3+2 = 10 real taps over 4 outputs
    assert m.macs_real == 10 * 10 * 3 * 8


def test_bad_input_is_a_mapping_error():
    with pytest.raises(MappingError, match="mode"):
        map_pass(tconv(), "forward", (4, 4, 4), 1, ISAAC, mode="fast")
    with pytest.raises(MappingError, match="pass"):
        map_pass(tconv(), "backward", (4, 4, 4), 1, ISAAC)
    with pytest.raises(MappingError, match="replication"):
        map_pass(tconv(), "forward", (4, 4, 4), 1, ISAAC, replication=0)
    with pytest.raises(MappingError, match="channels"):
        map_pass(tconv(), "forward", (5, 4, 4), 1, ISAAC)
    with pytest.raises(MappingError, match="samples"):
        map_pass(tconv(), "forward", (4, 4, 4), 0, ISAAC)
    from lergan.workload.layers import BatchNorm
    with pytest.raises(MappingError, match="no crossbar mapping"):
        map_pass(BatchNorm(name="bn", num_features=4), "forward", (4, 4, 4), 1, ISAAC)


def test_unknown_or_bad_mapping_parameter_is_named():
    with pytest.raises(MappingError, match="gate_zero_rows"):
        map_pass(linear(), "forward", (300,), 1, ISAAC, gate_zero_rows=True)
    with pytest.raises(MappingError, match="fraction_rewritten"):
        map_pass(linear(), "forward", (300,), 1, ISAAC, fraction_rewritten=1.5)


def test_row_tile_gating_skips_tiles_of_taps_that_meet_zeros():
    """1-D T-CONV, 4 -> 8, k4 s2 p1, 128 input channels: one row tile per tap (R = 128).

    Brute force: output o meets tap t when (o + p - t) is a multiple of s whose quotient is
    an input index (the flipped-kernel correlation over the zero-inserted input)."""
    k, s, p, n = 4, 2, 1, 4
    real_taps = sum(
        1
        for o in range(8)
        for t in range(k)
        if (o + p - t) % s == 0 and 0 <= (o + p - t) // s < n
    )
    assert real_taps == 14
    layer = tconv(rank=1, cin=128, cout=16, k=k, s=s, p=p)
    plain = map_pass(layer, "forward", (128, n), 1, ISAAC, "zero-inserting")
    gated = map_pass(layer, "forward", (128, n), 1, ISAAC, "zero-inserting",
                     gate_zero_row_tiles=True)
    cols = 16 * 8  # 16 outputs x 8 slices, offset encoding
    assert plain.adc_conversions == 8 * 4 * cols * 16  # 8 MVMs x 4 row tiles
    assert gated.adc_conversions == real_taps * cols * 16
    assert gated.crossbar_read_cycles == real_taps * 1 * 16
    assert gated.mvm_steps == plain.mvm_steps == 8
