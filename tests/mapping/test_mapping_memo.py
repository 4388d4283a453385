"""The mapping's memos change no result: a memoised mapping equals one computed afresh.

``map_pass`` memoises each layer pass by its geometry and :class:`MappingParams`, and
``tile`` and the plain convolutions' tap counts by their integers; the memos are shared by
every preset with the same parameters. Over random sequences of layers, passes, modes and
parameters (so that entries made for one preset are looked up for the next), every mapping
must equal :func:`lergan.mapping.mapper.place` of :func:`lergan.mapping.passes.pass_spec`
with every memo cleared.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from mapping_layers import conv, linear, tconv

from lergan.hardware import load_preset
from lergan.mapping import MODES, PASSES, MappingParams, cost, map_pass, mapper, passes, tiling
from lergan.mapping.geometry import layer_geometry
from lergan.mapping.memo import actions

LAYERS = [
    (tconv(), (4, 5, 5)),
    (tconv(rank=1, cin=3, cout=2, k=3, s=3, p=0, op=1), (3, 7)),
    (conv(), (4, 9, 9)),
    (conv(rank=3, cin=2, cout=4, k=3, s=2, p=1), (2, 5, 5, 5)),
    (linear(fin=40, fout=30), (40,)),
]


def clear_mapping_memos() -> None:
    mapper._place_pass.cache_clear()
    mapper._SPECS.clear()
    tiling.tile.cache_clear()
    passes._conv_real_taps.cache_clear()
    passes._plan.cache_clear()


params_st = st.builds(
    MappingParams,
    crossbar_rows=st.sampled_from([16, 64, 128, 256]),
    crossbar_cols=st.sampled_from([16, 64, 128]),
    cell_bits=st.sampled_from([1, 2, 4]),
    dac_bits=st.sampled_from([1, 2]),
    weight_bits=st.sampled_from([8, 16]),
    signed_weights=st.sampled_from(["offset", "differential"]),
    error_propagation=st.sampled_from(["transposed-copy", "transposed-read"]),
    weight_gradients=st.sampled_from(["crossbar", "digital"]),
    fraction_rewritten=st.sampled_from([1.0, 0.5]),
    compare_before_write=st.booleans(),
    gate_zero_row_tiles=st.booleans(),
)
case_st = st.tuples(st.sampled_from(range(len(LAYERS))), st.sampled_from(PASSES),
                    st.sampled_from(MODES), st.integers(1, 3), params_st, st.integers(1, 3))


@settings(max_examples=40)
@given(st.lists(case_st, min_size=2, max_size=6))
def test_memoised_mappings_equal_fresh_ones(cases):
    mapped = []
    for i, pass_, mode, samples, params, replication in cases:
        layer, shape = LAYERS[i]
        mapped.append(map_pass(layer, pass_, shape, samples, params, mode, replication))
    for (i, pass_, mode, samples, params, replication), m in zip(cases, mapped, strict=True):
        clear_mapping_memos()
        layer, shape = LAYERS[i]
        geo = layer_geometry(layer, shape)
        fresh = mapper.place(passes.pass_spec(geo, pass_, mode, samples, params), geo, params,
                             replication)
        assert m == fresh


def test_presets_with_the_same_parameters_share_a_mapping_not_its_cost():
    a = load_preset("lergan")
    b = load_preset("lergan", {"adc.bits": a.adc.bits + 1})
    layer, shape = LAYERS[0]
    ma = map_pass(layer, "forward", shape, 2, a, "zfdr-phase")
    mb = map_pass(layer, "forward", shape, 2, b, "zfdr-phase")
    assert ma is mb  # the ADC is not a mapping parameter
    assert cost(ma, a).energy_j["adc"] < cost(mb, b).energy_j["adc"]
    c = load_preset("lergan", {"crossbar.rows": a.crossbar.rows // 2})
    assert map_pass(layer, "forward", shape, 2, c, "zfdr-phase").params.crossbar_rows == (
        a.crossbar.rows // 2)


def test_per_architecture_memo_follows_the_object():
    a = load_preset("lergan")
    b = load_preset("lergan", {"adc.bits": a.adc.bits + 1})
    assert actions(a) is actions(a)
    assert actions(a)["adc.convert"].energy_j < actions(b)["adc.convert"].energy_j


#: values of every MappingParams field (the spec memo's test changes each one in turn)
FIELD_VALUES = {
    "crossbar_rows": [16, 64, 128, 256],
    "crossbar_cols": [16, 64, 128],
    "cell_bits": [1, 2, 4],
    "dac_bits": [1, 2],
    "weight_bits": [8, 16],
    "input_bits": [8, 16],
    "error_bits": [8, 16],
    "gradient_bits": [16, 32],
    "accumulator_bits": [24, 32],
    "master_weight_bits": [16, 32],
    "optimiser_state_bits": [16, 32],
    "signed_weights": ["offset", "differential"],
    "error_propagation": ["transposed-copy", "transposed-read"],
    "weight_gradients": ["crossbar", "digital"],
    "optimiser": ["sgd", "momentum", "adam"],
    "fraction_rewritten": [1.0, 0.5],
    "compare_before_write": [False, True],
    "gate_zero_row_tiles": [False, True],
}
FIELD_ST = {f: st.sampled_from(v) for f, v in FIELD_VALUES.items()}


def test_every_parameter_has_values():
    assert set(FIELD_VALUES) == set(MappingParams.model_fields)


@settings(max_examples=12)
@given(st.sampled_from(range(len(LAYERS))), st.sampled_from(PASSES), st.integers(1, 3),
       st.fixed_dictionaries(FIELD_ST), st.fixed_dictionaries(FIELD_ST))
def test_pass_specs_are_memoised_by_all_they_read(i, pass_, samples, a, b):
    """Parameters that agree on :func:`passes.spec_params` give the same spec (the fields
    left out of the key change nothing), and the memo answers parameters that differ from
    memoised ones in any one field with their own spec (in every mode, gated or not)."""
    layer, shape = LAYERS[i]
    geo = layer_geometry(layer, shape)
    for mode in MODES:
        pa = MappingParams(**a)
        # b: a's key fields, every other field drawn anew
        same_key = MappingParams(**{**b, **{f: a[f] for f in passes.SPEC_FIELDS}, **(
            {"crossbar_rows": a["crossbar_rows"]} if a["gate_zero_row_tiles"] else {})})
        assert passes.spec_params(same_key) == passes.spec_params(pa)
        assert passes.pass_spec(geo, pass_, mode, samples, same_key) == passes.pass_spec(
            geo, pass_, mode, samples, pa)
        # each field changed alone, looked up after the base's spec was memoised: a key
        # without a field the spec reads would answer with the base's spec
        for gate in (False, True):
            base = {**a, "gate_zero_row_tiles": gate}
            for f, values in FIELD_VALUES.items():
                for v in values:
                    if v == base[f]:
                        continue
                    clear_mapping_memos()
                    mapper._pass_spec(geo, pass_, mode, samples, MappingParams(**base))
                    pf = MappingParams(**{**base, f: v})
                    assert mapper._pass_spec(geo, pass_, mode, samples, pf) == (
                        passes.pass_spec(geo, pass_, mode, samples, pf)), (mode, f, v)
