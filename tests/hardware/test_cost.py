"""Component costs: scaling laws, actions, transfers, writes, lifetime, peak figures."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lergan.errors import HardwareError
from lergan.hardware import list_presets, load_preset
from lergan.hardware.cost import (
    actions,
    adc_area_m2,
    adc_energy_j,
    dac_energy_j,
    lifetime,
    transfer_cost,
    write_cost,
)
from lergan.hardware.peak import breakdown, effective_read_cycle_s, peak, weights_per_row

PRESETS = list_presets()


@pytest.fixture(scope="module")
def archs():
    return {n: load_preset(n) for n in PRESETS}


@given(
    preset=st.sampled_from(PRESETS),
    scaling=st.sampled_from(["walden", "thermal"]),
    b1=st.integers(1, 16),
    b2=st.integers(1, 16),
)
def test_fewer_adc_bits_never_cost_more_adc_energy(preset, scaling, b1, b2):
    arch = load_preset(preset, overrides={"adc.energy_scaling": scaling})
    lo, hi = sorted((b1, b2))
    assert adc_energy_j(arch, lo) <= adc_energy_j(arch, hi)
    assert adc_area_m2(arch, lo) <= adc_area_m2(arch, hi)
    if lo < hi:
        assert adc_energy_j(arch, lo) < adc_energy_j(arch, hi)


@given(preset=st.sampled_from(PRESETS), bits=st.integers(1, 12))
def test_adc_bits_override_flows_into_actions_and_peak_power(archs, preset, bits):
    base = archs[preset]
    arch = load_preset(preset, overrides={"adc.bits": bits})
    assert actions(arch)["adc.convert"].energy_j == pytest.approx(adc_energy_j(base, bits))
    p0, p1 = peak(base).power_w, peak(arch).power_w
    assert (p1 <= p0) == (bits <= base.adc.bits) or math.isclose(p0, p1)


def test_walden_scaling_values(archs):
    isaac = archs["isaac"]
    assert adc_energy_j(isaac) == pytest.approx(1.5625e-12)
    assert adc_energy_j(isaac, 7) == pytest.approx(1.5625e-12 / 2)
    # prime: 6-bit ADC from ISAAC's 8-bit by the Walden FOM
    assert adc_energy_j(archs["prime"]) == pytest.approx(1.5625e-12 / 4)


@given(b1=st.integers(1, 8), b2=st.integers(1, 8))
def test_dac_energy_monotone_in_bits(archs, b1, b2):
    lo, hi = sorted((b1, b2))
    assert dac_energy_j(archs["prime"], lo) <= dac_energy_j(archs["prime"], hi)
    assert dac_energy_j(archs["prime"], 3) == pytest.approx(7 * 0.390625e-12)


@pytest.mark.parametrize("preset", PRESETS)
def test_actions_cover_every_component(archs, preset):
    arch = archs[preset]
    acts = actions(arch)
    for name in ("crossbar.read", "dac.drive", "sample_hold.sample", "adc.convert",
                 "shift_add.op", "cell.write", "row.write"):
        assert name in acts
    for b in arch.buffers:
        assert f"buffer.{b}.read" in acts and f"buffer.{b}.write" in acts
    for d in arch.digital:
        assert f"digital.{d}.op" in acts
    for ln in arch.interconnect.links:
        assert f"link.{ln}.bit" in acts
    for a in acts.values():
        assert a.energy_j >= 0 and a.latency_s > 0 and a.per and a.formula
    assert acts["row.write"].energy_j == pytest.approx(
        arch.crossbar.cols * arch.write.energy_per_cell_j
    )


@given(nbytes=st.floats(0, 1e9), extra=st.floats(0, 1e9))
def test_transfer_cost_linear_and_monotone(archs, nbytes, extra):
    link = archs["lergan"].interconnect.links["bank_link"]
    a, b = transfer_cost(link, nbytes), transfer_cost(link, nbytes + extra)
    assert a.energy_j <= b.energy_j and a.latency_s <= b.latency_s
    assert a.energy_j == pytest.approx(8 * nbytes * link.energy_j_per_bit)
    if nbytes > 0:
        assert a.latency_s == pytest.approx(
            link.latency_s + nbytes / link.bandwidth_bytes_per_s
        )


def test_transfer_cost_rejects_negative(archs):
    with pytest.raises(HardwareError, match="negative"):
        transfer_cost(archs["lergan"].interconnect.links["offchip"], -1)


def test_offchip_costs_more_per_bit_than_a_bank_link(archs):
    links = archs["lergan"].interconnect.links
    assert links["offchip"].energy_j_per_bit > links["bank_link"].energy_j_per_bit


@given(rows=st.integers(0, 512), cols=st.integers(0, 256), par=st.integers(1, 8))
def test_write_cost(archs, rows, cols, par):
    arch = load_preset("lergan", overrides={"write.rows_in_parallel": par})
    c = write_cost(arch, rows * cols, rows)
    assert c.energy_j == pytest.approx(rows * cols * arch.write.energy_per_cell_j)
    assert c.latency_s == pytest.approx(math.ceil(rows / par) * arch.write.latency_per_row_s)


@given(
    written=st.floats(0, 1e9), in_use=st.floats(1, 1e9), it_s=st.floats(1e-6, 10),
)
def test_lifetime(archs, written, in_use, it_s):
    arch = archs["lergan"]
    life = lifetime(arch, written, in_use, it_s)
    if written == 0:
        assert math.isinf(life.iterations)
    else:
        assert life.iterations == pytest.approx(arch.cell.endurance_writes * in_use / written)
        assert life.seconds == pytest.approx(life.iterations * it_s)
        # writing more never lasts longer
        assert lifetime(arch, written * 2, in_use).iterations <= life.iterations


def test_lifetime_every_cell_each_iteration_is_endurance(archs):
    arch = archs["lrgan"]
    assert lifetime(arch, 1e6, 1e6).iterations == pytest.approx(arch.cell.endurance_writes)
    with pytest.raises(HardwareError, match="cells_in_use"):
        lifetime(arch, 1, 0)


@pytest.mark.parametrize("preset", PRESETS)
def test_peak_is_the_sum_of_the_breakdown(archs, preset):
    arch = archs[preset]
    p = peak(arch)
    rows = breakdown(arch)
    assert p.area_m2 == pytest.approx(sum(r.area_m2 for r in rows))
    assert p.power_w == pytest.approx(sum(r.power_w for r in rows))
    assert p.gops == pytest.approx(
        p.crossbars * 2 * arch.crossbar.rows * weights_per_row(arch)
        / (arch.read_cycles_per_mvm * effective_read_cycle_s(arch)) / 1e9
    )
    d = p.to_dict()
    for key in ("gops", "area_mm2", "power_w", "gops_per_mm2", "gops_per_w"):
        assert d[key] > 0


@given(preset=st.sampled_from(PRESETS), k=st.integers(2, 4))
def test_peak_scales_with_banks(archs, preset, k):
    arch = archs[preset]
    over = {"organisation.banks": arch.organisation.banks * k}
    p0, p1 = peak(arch), peak(load_preset(preset, overrides=over))
    assert p1.gops == pytest.approx(k * p0.gops)
    chip0 = sum(b.area_m2 for b in breakdown(arch) if b.level == "chip")
    assert p1.area_m2 - chip0 == pytest.approx(k * (p0.area_m2 - chip0))


@given(adcs=st.integers(1, 16))
def test_adc_starved_mats_lose_throughput(archs, adcs):
    arch = load_preset("isaac", overrides={"organisation.per_mat.adc": adcs})
    p = peak(arch)
    expected_cycle = max(100e-9, 128 * 8 / (adcs * 1.28e9))
    assert p.mvm_latency_s == pytest.approx(16 * expected_cycle)
    assert p.gops <= peak(archs["isaac"]).gops * (1 + 1e-12)
