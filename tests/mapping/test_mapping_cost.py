"""Cost of one operation on the shipped presets: per-action energies times the mapping's
counts, ISAAC's read cycle, PipeLayer-style writes, NeuroSim-style digital gradients."""

from __future__ import annotations

import pytest
from mapping_layers import conv, linear, tconv

from lergan.hardware import load_preset
from lergan.hardware.cost import actions, adc_energy_j, lifetime
from lergan.hardware.peak import effective_read_cycle_s
from lergan.mapping import ENERGY_COMPONENTS, MODES, PASSES, cost, map_pass


@pytest.fixture(scope="module")
def lergan_arch():
    return load_preset("lergan")


def test_wired_on_the_lergan_preset(lergan_arch):
    """A DCGAN-like first T-CONV layer (512 -> 256, 4x4 -> 8x8) in every pass and mode."""
    layer = tconv(2, 512, 256, 4, 2, 1)
    for pass_ in PASSES:
        for mode in MODES:
            m = map_pass(layer, pass_, (512, 4, 4), 64, lergan_arch, mode)
            c = cost(m, lergan_arch)
            assert set(c.energy_j) == set(ENERGY_COMPONENTS)
            assert all(v >= 0 for v in c.energy_j.values())
            assert c.latency_s > 0 and c.total_energy_j > 0
            assert c.to_dict()["total_energy_j"] == pytest.approx(c.total_energy_j)
    assert map_pass(layer, "forward", (512, 4, 4), 1, lergan_arch,
                    "zfdr-pattern").mvm_steps == 9


def test_energy_is_counts_times_action_energies(lergan_arch):
    act = actions(lergan_arch)
    m = map_pass(conv(2, 64, 128, 4, 2, 1), "error", (64, 16, 16), 4, lergan_arch,
                 "zfdr-phase")
    c = cost(m, lergan_arch)
    assert c.energy_j["adc"] == pytest.approx(m.adc_conversions * adc_energy_j(lergan_arch))
    assert c.energy_j["crossbar"] == pytest.approx(
        m.crossbar_read_cycles * act["crossbar.read"].energy_j)
    assert c.energy_j["dac"] == pytest.approx(m.dac_activations * act["dac.drive"].energy_j)
    assert c.latency_parts_s["read"] == pytest.approx(
        m.read_cycles * effective_read_cycle_s(lergan_arch))


def test_isaac_read_cycle_and_mvm_time():
    arch = load_preset("isaac")
    m = map_pass(linear(128, 16), "forward", (128,), 1, arch)
    c = cost(m, arch)
    assert c.read_cycle_s == pytest.approx(100e-9)  # 128 columns per ADC at 1.28 GS/s
    assert m.read_cycles == 16
    assert c.latency_parts_s["read"] == pytest.approx(1.6e-6)  # 16 read cycles


def test_fewer_adc_bits_never_cost_more_adc_energy(lergan_arch):
    m = map_pass(tconv(2, 64, 32, 4, 2, 1), "forward", (64, 8, 8), 2, lergan_arch)
    energies = []
    for bits in (4, 5, 6, 7, 8):
        arch = load_preset("lergan", overrides={"adc.bits": bits})
        energies.append(cost(m, arch).energy_j["adc"])
    assert energies == sorted(energies)


def test_update_writes_and_lifetime():
    arch = load_preset("lergan")
    layer = tconv(2, 64, 32, 4, 2, 1)
    m = map_pass(layer, "update", (64, 8, 8), 64, arch, "zfdr-pattern", replication=2)
    c = cost(m, arch)
    assert c.energy_j["cell_write"] == pytest.approx(
        m.cells_written * arch.write.pulses_per_write * arch.write.energy_per_pulse_j)
    assert c.latency_parts_s["write"] == pytest.approx(
        min(arch.crossbar.rows, max(p.tiling.k for p in m.matrices))
        * arch.write.pulses_per_write * arch.write.pulse_s)
    life = lifetime(arch, m.cells_written, m.cells_per_copy * 2)
    assert c.lifetime_operations == pytest.approx(life.iterations)
    assert c.lifetime_operations == pytest.approx(arch.cell.endurance_writes)  # every cell once
    approx = load_preset("lrgan")
    ma = map_pass(layer, "update", (64, 8, 8), 64, approx, "zfdr-pattern", replication=2)
    assert ma.cells_written == round(m.cells_written * approx.write.fraction_rewritten)
    assert ma.cells_written < m.cells_written


def test_digital_weight_gradient_cost():
    arch = load_preset("lergan", overrides={"training.weight_gradients": "digital"})
    m = map_pass(conv(2, 64, 128, 4, 2, 1), "weight_gradient", (64, 16, 16), 8, arch)
    c = cost(m, arch)
    units = int(arch.components.per_bank("mac"))
    assert c.energy_j["digital"] == pytest.approx(m.digital_macs * arch.components["mac"].energy_j)
    assert c.latency_parts_s["digital"] == pytest.approx(
        m.digital_macs / (units * arch.technology.clock_hz))
    assert c.area_parts_m2["digital.mac"] == pytest.approx(units * arch.components["mac"].area_m2)
    assert c.energy_j["adc"] == 0 and m.crossbars == 0


def test_eight_isaac_crossbars_occupy_one_ima():
    """1024 x 16 weights at 16 bits: 8 row tiles x 1 column tile = one IMA's 8 crossbars,
    whose area with their peripherals is the IMA of ISAAC's Table I (0.157 mm2 / 12)."""
    arch = load_preset("isaac")
    m = map_pass(linear(1024, 16), "forward", (1024,), 1, arch)
    assert m.crossbars == 8
    c = cost(m, arch)
    assert c.area_m2 * 1e6 == pytest.approx(0.157 / 12, rel=0.01)


def test_replication_changes_time_not_energy_except_for_writes(lergan_arch):
    layer = tconv(2, 64, 32, 4, 2, 1)
    for pass_ in ("forward", "error"):
        one = cost(map_pass(layer, pass_, (64, 8, 8), 8, lergan_arch), lergan_arch)
        four = cost(map_pass(layer, pass_, (64, 8, 8), 8, lergan_arch, replication=4),
                    lergan_arch)
        assert four.total_energy_j == pytest.approx(one.total_energy_j)
        assert four.latency_parts_s["read"] == pytest.approx(one.latency_parts_s["read"] / 4)
        assert four.area_m2 == pytest.approx(4 * one.area_m2)
    up1 = map_pass(layer, "update", (64, 8, 8), 8, lergan_arch)
    up4 = map_pass(layer, "update", (64, 8, 8), 8, lergan_arch, replication=4)
    assert up4.cells_written == 4 * up1.cells_written
