"""Component costs: scaling laws, actions, transfers, writes, lifetime, peak figures."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lergan.errors import HardwareError
from lergan.hardware import list_presets, load_preset
from lergan.hardware.cost import (
    actions,
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
    lo, hi = sorted((b1, b2))
    a, b = (load_preset(preset, overrides={"adc.energy_scaling": scaling, "adc.bits": x,
                                           "adc.precision_policy": "truncate"})
            for x in (lo, hi))
    assert adc_energy_j(a) <= adc_energy_j(b)
    assert a.components["adc"].area_m2 <= b.components["adc"].area_m2
    if lo < hi:
        assert adc_energy_j(a) < adc_energy_j(b)


@given(preset=st.sampled_from(PRESETS), bits=st.integers(1, 12))
def test_adc_bits_override_flows_into_actions_and_peak_power(archs, preset, bits):
    base = load_preset(preset, overrides={"adc.precision_policy": "truncate"})
    arch = load_preset(preset, overrides={"adc.bits": bits, "adc.precision_policy": "truncate"})
    assert actions(arch)["adc.convert"].energy_j == pytest.approx(adc_energy_j(arch))
    f = 2.0 ** (bits - base.adc.bits) if base.adc.energy_scaling == "walden" else 4.0 ** (
        bits - base.adc.bits)
    assert adc_energy_j(arch) == pytest.approx(adc_energy_j(base) * f)
    p0, p1 = peak(base).power_w, peak(arch).power_w
    assert (p1 <= p0) == (bits <= base.adc.bits) or math.isclose(p0, p1)


def test_walden_scaling_values(archs):
    isaac = archs["isaac"]
    dyn = 1 - isaac.technology.leakage_fraction  # the rest of the table's power is static
    assert adc_energy_j(isaac) == pytest.approx(1.5625e-12 * dyn)
    seven = load_preset("isaac", overrides={"adc.bits": 7, "adc.precision_policy": "truncate"})
    assert adc_energy_j(seven) == pytest.approx(1.5625e-12 / 2 * dyn)
    # prime: 6-bit ADC from ISAAC's 8-bit by the Walden FOM, scaled from 32 to 65 nm
    prime = archs["prime-inference"]
    dyn = 1 - prime.technology.leakage_fraction
    assert adc_energy_j(prime) == pytest.approx(1.5625e-12 / 4 * 65 / 32 * dyn)


def test_dac_energy_models(archs):
    """linear (default): x bits; levels: x (2^b - 1); per-drive: x 1 (3-bit prime DACs)."""
    got = {m: dac_energy_j(load_preset("prime-inference", overrides={"dac.energy_scaling": m}))
           for m in ("linear", "levels", "per-drive")}
    assert got["linear"] == pytest.approx(3 * got["per-drive"])
    assert got["levels"] == pytest.approx(7 * got["per-drive"])
    assert archs["prime-inference"].dac.energy_scaling == "linear"


@given(b1=st.integers(1, 8), b2=st.integers(1, 8),
       model=st.sampled_from(["linear", "levels", "per-drive"]))
def test_dac_energy_monotone_in_bits(b1, b2, model):
    lo, hi = sorted((b1, b2))
    a, b = (load_preset("prime-inference", overrides={"dac.bits": x,
                                                      "dac.energy_scaling": model})
            for x in (lo, hi))
    assert dac_energy_j(a) <= dac_energy_j(b)


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
        arch.crossbar.cols * arch.write.pulses_per_write * arch.write.energy_per_pulse_j
    )


@given(nbytes=st.floats(0, 1e9), extra=st.floats(0, 1e9))
def test_transfer_cost_linear_and_monotone(archs, nbytes, extra):
    arch = archs["lergan"]
    link = arch.interconnect.links["bank_link"]
    a = transfer_cost(arch, "bank_link", nbytes)
    b = transfer_cost(arch, "bank_link", nbytes + extra)
    assert a.energy_j <= b.energy_j and a.latency_s <= b.latency_s
    assert a.energy_j == pytest.approx(8 * nbytes * arch.components["bank_link"].energy_j)
    if nbytes > 0:
        assert a.latency_s == pytest.approx(
            link.latency_s + nbytes / link.bandwidth_bytes_per_s
        )


def test_transfer_cost_uses_the_dynamic_energy_per_bit(archs):
    """A transfer's energy is the link's dynamic energy per bit (``actions``' and the
    system's), which leaves out the share counted as static power."""
    arch = archs["lergan"]
    for name, link in arch.interconnect.links.items():
        per_bit = actions(arch)[f"link.{name}.bit"].energy_j
        assert transfer_cost(arch, name, 1000).energy_j == pytest.approx(8000 * per_bit)
        share = 1 - arch.technology.leakage_fraction
        assert per_bit == pytest.approx(link.energy_j_per_bit * share)


def test_transfer_cost_rejects_negative_and_unknown_links(archs):
    with pytest.raises(HardwareError, match="negative"):
        transfer_cost(archs["lergan"], "offchip", -1)
    with pytest.raises(HardwareError, match=r"'warp'.*no such link"):
        transfer_cost(archs["lergan"], "warp", 8)


def test_offchip_costs_more_per_bit_than_a_bank_link(archs):
    links = archs["lergan"].interconnect.links
    assert links["offchip"].energy_j_per_bit > links["bank_link"].energy_j_per_bit


@given(rows=st.integers(0, 512), cols=st.integers(0, 256), par=st.integers(1, 8))
def test_write_cost(archs, rows, cols, par):
    arch = load_preset("lergan", overrides={"write.rows_in_parallel": par})
    c = write_cost(arch, rows * cols, rows)
    w = arch.write
    assert c.energy_j == pytest.approx(rows * cols * w.pulses_per_write * w.energy_per_pulse_j)
    assert c.latency_s == pytest.approx(math.ceil(rows / par) * w.pulses_per_write * w.pulse_s)


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
    """k times the banks of the same mats (and k times the bytes, for a memory sized by
    its capacity): k times the throughput and the bank-level area."""
    arch = archs[preset]
    over = {"organisation.banks": arch.organisation.banks * k}
    if arch.organisation.capacity_bytes:  # a memory of k times the banks and the bytes
        over["organisation.capacity_bytes"] = arch.organisation.capacity_bytes * k
    p0, p1 = peak(arch), peak(load_preset(preset, overrides=over))
    assert p1.gops == pytest.approx(k * p0.gops)
    chip0 = sum(b.area_m2 for b in breakdown(arch) if b.level == "chip")
    assert p1.area_m2 - chip0 == pytest.approx(k * (p0.area_m2 - chip0))


@given(columns=st.integers(1, 512))
def test_adc_starved_mats_lose_throughput(archs, columns):
    arch = load_preset("isaac", overrides={"adc.columns_per_adc": columns})
    p = peak(arch)
    sense = 128 * arch.crossbar.sense_time_per_row_s
    expected_cycle = max(sense, min(128, columns) / 1.28e9)
    assert p.mvm_latency_s == pytest.approx(16 * expected_cycle)
    assert arch.components.counts["mat"]["adc"] == 8 * math.ceil(128 / columns)
    if columns >= 128:
        assert p.gops == pytest.approx(peak(archs["isaac"]).gops)
