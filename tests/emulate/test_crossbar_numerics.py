"""Crossbar numerics against a loop-based reference (bit for bit) and the exact product."""

from __future__ import annotations

import pytest
import torch
from crossbar_reference import reference_matmul
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.emulate import crossbar
from lergan.emulate.config import CrossbarConfig, EmulationError, crossbar_config


@st.composite
def cases(draw, lossless: bool):
    cell_bits = draw(st.integers(1, 4))
    weight_bits = draw(st.integers(max(2, cell_bits), 10))
    dac_bits = draw(st.integers(1, 4))
    bits = draw(st.integers(2, 10))
    rows = draw(st.integers(1, 9))
    needed = crossbar.lossless_adc_bits(rows, cell_bits, dac_bits)
    adc_bits = needed + draw(st.integers(0, 2)) if lossless else draw(st.integers(1, needed))
    scheme = draw(st.sampled_from(["differential", "offset"]))
    slices = -(-weight_bits // cell_bits)
    cfg = CrossbarConfig(rows=rows, cols=2 * slices + 2, cell_bits=cell_bits,
                         weight_bits=weight_bits, input_bits=bits, error_bits=bits,
                         dac_bits=dac_bits, adc_bits=adc_bits, signed_weights=scheme,
                         adc_policy="lossless" if lossless else "truncate")
    m, k, n = draw(st.integers(1, 4)), draw(st.integers(1, 20)), draw(st.integers(1, 4))
    wt = 2 ** (weight_bits - 1) - 1
    x = draw(st.lists(st.lists(st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1),
                               min_size=k, max_size=k), min_size=m, max_size=m))
    w = draw(st.lists(st.lists(st.integers(-wt, wt), min_size=n, max_size=n),
                      min_size=k, max_size=k))
    return cfg, x, w


def _ref(cfg: CrossbarConfig, x, w):
    return reference_matmul(x, w, rows=cfg.rows, cell_bits=cfg.cell_bits,
                            weight_bits=cfg.weight_bits, bits=cfg.input_bits,
                            dac_bits=cfg.dac_bits, adc_bits=cfg.adc_bits,
                            signed_weights=cfg.signed_weights)


@settings(max_examples=25)
@given(cases(lossless=False))
def test_lossy_matches_loop_reference_bit_for_bit(case) -> None:
    cfg, x, w = case
    got = crossbar.matmul_int(torch.tensor(x, dtype=torch.float64),
                              torch.tensor(w, dtype=torch.float64), cfg)
    assert got.tolist() == [[float(v) for v in row] for row in _ref(cfg, x, w)]


@settings(max_examples=25)
@given(cases(lossless=True))
def test_lossless_equals_exact_product_both_paths(case) -> None:
    cfg, x, w = case
    xt, wt = torch.tensor(x, dtype=torch.float64), torch.tensor(w, dtype=torch.float64)
    exact = (xt @ wt).tolist()
    assert cfg.lossless
    assert crossbar.matmul_int(xt, wt, cfg).tolist() == exact  # fast path
    arr = crossbar.CrossbarArray.program(wt, cfg)
    slow = crossbar._combine(cfg, crossbar.column_sums(xt, arr.cells, cfg, cfg.input_bits,
                                                       cfg.rows), wt.shape[1])
    assert slow.tolist() == exact  # faithful path
    assert _ref(cfg, x, w) == [[int(v) for v in r] for r in exact]


def test_truncating_adc_loses_precision() -> None:
    cfg = crossbar_config("prime-inference")  # 6-bit ADC, 256 rows of 4-bit cells: truncates
    assert not cfg.lossless and cfg.adc_step > 1
    g = torch.Generator().manual_seed(0)
    x, w = torch.randn(8, 300, generator=g), torch.randn(300, 5, generator=g)
    err = (crossbar.matmul(x, w, cfg) - x @ w).abs().max()
    ok = crossbar.matmul(x, w, crossbar_config("prime-inference", {"adc.bits": 15},
                                                policy="lossless"))
    assert err > 10 * (ok - x @ w).abs().max()


def test_input_planes_and_levels_reassemble() -> None:
    x = torch.arange(-128, 128, dtype=torch.float64)
    p = crossbar.input_planes(x, 8, 3)
    assert torch.equal((p * torch.tensor([1.0, 8, 64]).view(3, 1)).sum(0), x)
    cfg = crossbar_config("isaac")
    q = torch.tensor([[-32767.0, 0, 5, 32767]])
    assert torch.equal(crossbar.CrossbarArray.program(q, cfg).weights, q)


def test_transposed_read_is_the_transposed_product() -> None:
    cfg = crossbar_config("lergan", {"adc.bits": 15}, policy="lossless")
    g = torch.Generator().manual_seed(1)
    w = torch.randint(-300, 300, (40, 7), generator=g).double()
    dy = torch.randint(-1000, 1000, (3, 7), generator=g).double()
    arr = crossbar.CrossbarArray.program(w, cfg)
    assert torch.equal(arr.mvm(dy, cfg.error_bits, transposed=True), dy @ w.T)
    lossy = crossbar_config("isaac", {"adc.bits": 4, "adc.precision_policy": "truncate"})
    arr = crossbar.CrossbarArray.program(w, lossy)
    # offset scheme read transposed: the biased cells q + Q through the row-side ADCs
    # (tiles of the weights a crossbar row holds), Q * sum(dy) subtracted digitally
    biased = (w.T + lossy.max_weight_level).int().tolist()
    ref = reference_matmul(dy.int().tolist(), biased, rows=lossy.weights_per_crossbar_row,
                           cell_bits=2, weight_bits=17, bits=16, dac_bits=1, adc_bits=4,
                           signed_weights="differential")
    want = torch.tensor(ref, dtype=torch.float64) - lossy.max_weight_level * dy.sum(1, True)
    assert torch.equal(arr.mvm(dy, 16, transposed=True), want)


def test_rewrite_counts_and_compare_before_write() -> None:
    cfg = crossbar_config("lergan", {"adc.bits": 15}, policy="lossless")
    w = torch.zeros(4, 3, dtype=torch.float64)
    arr = crossbar.CrossbarArray.program(w, cfg)
    w2 = w.clone()
    w2[0, 0] = 1  # lowest slice of one weight in the positive array
    assert arr.rewrite(w2, compare=True) == (1, 2 * 4 * 4 * 3 - 1)
    assert arr.rewrite(w2, compare=False) == (2 * 4 * 4 * 3, 0)


def test_device_noise_is_seeded_and_perturbs() -> None:
    x = torch.randn(4, 50, generator=torch.Generator().manual_seed(2))
    w = torch.randn(50, 6, generator=torch.Generator().manual_seed(3))
    cfg = crossbar_config("lergan", {"adc.bits": 15}, policy="lossless",
                          programming_noise=0.3, read_noise=0.5, stuck_fraction=0.01, seed=5)
    a, b = crossbar.matmul(x, w, cfg), crossbar.matmul(x, w, cfg)
    assert torch.equal(a, b)
    assert not torch.equal(a, crossbar.matmul(x, w, cfg.model_copy(update={"seed": 6})))
    assert (a - x @ w).abs().max() > 0


@pytest.mark.parametrize(
    ("overrides", "policy", "field"),
    [
        ({"adc.bits": 0}, None, "adc.bits"),
        ({"crossbar.cols": 3}, None, "crossbar.cols"),
        ({"precision.weight_bits": 4, "crossbar.cell_bits": 4, "precision.input_bits": 1},
         None, "precision.input_bits"),
        ({}, "lossless", "adc.bits"),
    ],
)
def test_bad_configurations_name_the_field(overrides, policy, field) -> None:
    with pytest.raises(EmulationError, match=field.replace(".", r"\.")):
        crossbar_config("lergan", overrides, policy=policy)


def test_weight_bits_the_scheme_cannot_hold() -> None:
    with pytest.raises(EmulationError, match=r"precision\.weight_bits"):
        crossbar_config("lergan", {"crossbar.cell_bits": 1, "precision.weight_bits": 1})
    with pytest.raises(EmulationError, match=r"precision\.weight_bits"):
        crossbar_config("lergan", {"precision.weight_bits": 40})
