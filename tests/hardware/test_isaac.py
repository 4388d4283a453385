"""The isaac preset reproduces ISAAC's own figures (Shafiee et al., ISCA 2016).

Reference values are typed from the paper's Table I (Shafiee et al., ISCA 2016; see
docs/model.md section 3.4), never from our data files: the data files hold
per-action energies and areas, and these tests check that the bottom-up sums over the
organisation give the paper's group, tile and chip totals. The two efficiency figures
(CE, PE) have a weaker provenance; the last two tests say exactly what is and is not
verified.
"""

import pytest

from lergan.hardware import load_preset
from lergan.hardware.cost import actions
from lergan.hardware.peak import breakdown, peak

# ISAAC Table I, per IMA (12 IMAs per tile): power in W, area in m2.
TABLE_I_IMA = {
    "adc": (16e-3, 0.0096e-6),
    "dac": (4e-3, 0.00017e-6),
    "sample_hold": (10e-6, 0.00004e-6),
    "crossbar": (2.4e-3, 0.0002e-6),
    "shift_add": (0.2e-3, 0.00024e-6),
    "input_register": (1.24e-3, 0.0021e-6),
    "output_register": (0.23e-3, 0.00077e-6),
}
# ISAAC Table I, per tile (the router is shared by 4 tiles: a quarter counts per tile).
TABLE_I_TILE = {
    "bank_buffer": (20.7e-3, 0.083e-6),
    "edram_bus": (7e-3, 0.090e-6),
    "router": (42e-3 / 4, 0.151e-6 / 4),
    "shift_add": (0.05e-3, 0.00006e-6),
    "sigmoid": (0.52e-3, 0.0006e-6),
    "maxpool": (0.4e-3, 0.00024e-6),
    "output_buffer": (1.68e-3, 0.0032e-6),
}
TILES = 168
HYPERTRANSPORT = (10.4, 22.88e-6)  # W, m2 (Table I)
CHIP_POWER_W = 65.8  # Table I, chip total with HyperTransport
CHIP_AREA_MM2 = 85.4  # Table I, chip total with HyperTransport
# Peak computational efficiency of ISAAC-CE as ISAAC reports it, 479 GOPs/(s x mm2), 16-bit
# operations, a MAC counted as 2 ops. NOT verified against the paper's own comparison table:
# see test_peak_computational_efficiency_within_5_percent_of_reported.
REPORTED_CE_GOPS_PER_MM2 = 479.0


@pytest.fixture(scope="module")
def isaac():
    return load_preset("isaac")


def _level(arch, level):
    return {b.component: b for b in breakdown(arch) if b.level == level}


@pytest.mark.parametrize("component", sorted(TABLE_I_IMA))
def test_ima_groups_match_table_i(isaac, component):
    rows = _level(isaac, "mat")
    mats = isaac.organisation.banks * isaac.organisation.mats_per_bank
    power, area = TABLE_I_IMA[component]
    assert rows[component].power_w / mats == pytest.approx(power, rel=1e-6)
    assert rows[component].area_m2 / mats == pytest.approx(area, rel=1e-6)


@pytest.mark.parametrize("component", sorted(TABLE_I_TILE))
def test_tile_groups_match_table_i(isaac, component):
    rows = _level(isaac, "bank")
    power, area = TABLE_I_TILE[component]
    assert rows[component].power_w / TILES == pytest.approx(power, rel=1e-6)
    assert rows[component].area_m2 / TILES == pytest.approx(area, rel=1e-6)


def test_ima_totals(isaac):
    rows = _level(isaac, "mat")
    mats = TILES * 12
    assert sum(r.power_w for r in rows.values()) / mats == pytest.approx(24.08e-3, rel=1e-6)
    # Table I: 12 IMAs take 289 mW and 0.157 mm2
    assert 12 * sum(r.power_w for r in rows.values()) / mats == pytest.approx(289e-3, rel=2e-3)
    assert 12 * sum(r.area_m2 for r in rows.values()) / mats == pytest.approx(0.157e-6, rel=3e-3)


def test_tile_totals_about_330mw_0372mm2(isaac):
    tile = [b for b in breakdown(isaac) if b.level in ("mat", "bank")]
    power = sum(b.power_w for b in tile) / TILES
    area = sum(b.area_m2 for b in tile) / TILES
    assert power == pytest.approx(0.330, rel=0.002)
    assert area == pytest.approx(0.372e-6, rel=0.002)


def test_chip_totals_with_hypertransport(isaac):
    p = peak(isaac)
    assert p.power_w == pytest.approx(65.8, rel=0.002)
    assert p.area_mm2 == pytest.approx(85.4, rel=0.002)
    chip = _level(isaac, "chip")["offchip"]
    assert chip.power_w == pytest.approx(HYPERTRANSPORT[0], rel=1e-6)
    assert chip.area_m2 == pytest.approx(HYPERTRANSPORT[1], rel=1e-6)


def test_per_action_energy_times_peak_rate_gives_table_power(isaac):
    """E_action x (actions per second at peak) = Table I power, per component: the dynamic
    share (1 - leakage_fraction) of it; the rest is static power."""
    raw = actions(isaac)
    dyn = 1 - isaac.technology.leakage_fraction
    act = {k: type(a)(a.name, a.energy_j / (1 if k == "crossbar.read" else dyn), a.latency_s,
                      a.per, a.formula)  # arrays are non-volatile: no static share
           for k, a in raw.items() if not k.startswith("cell.") and k != "row.write"}
    cycle = 1 / isaac.components.read_cycle_s  # 10 MHz read cycles
    assert isaac.components.read_cycle_s == pytest.approx(100e-9)  # 128 columns / 1.28 GS/s
    # per IMA: 8 crossbars, 1024 DACs/S&H at one action per read cycle, 8 ADCs at 1.28 GS/s
    assert 8 * act["crossbar.read"].energy_j * cycle == pytest.approx(2.4e-3)
    assert 1024 * act["dac.drive"].energy_j * cycle == pytest.approx(4e-3)
    assert 1024 * act["sample_hold.sample"].energy_j * cycle == pytest.approx(10e-6)
    assert 8 * act["adc.convert"].energy_j * 1.28e9 == pytest.approx(16e-3)
    assert 4 * act["shift_add.op"].energy_j * 1.2e9 == pytest.approx(0.2e-3)
    # registers: 128 B per read cycle in, 256 B per 16-cycle MVM out
    assert act["buffer.input_register.read"].energy_j * 128 * cycle == pytest.approx(1.24e-3)
    assert act["buffer.output_register.read"].energy_j * 256 * cycle / 16 == pytest.approx(
        0.23e-3
    )
    # per tile: eDRAM over the 384-wire bus at 1.2 GHz, router 8 x 32-bit ports
    assert act["buffer.bank_buffer.read"].energy_j * 48 * 1.2e9 == pytest.approx(20.7e-3)
    assert act["link.edram_bus.bit"].energy_j * 384 * 1.2e9 == pytest.approx(7e-3)
    assert act["link.router.bit"].energy_j * 8 * 32 * 1.2e9 == pytest.approx(42e-3)
    assert 4 * act["link.offchip.bit"].energy_j * 6.4e9 * 8 == pytest.approx(10.4)
    # and the same through the peak model's own rates
    assert isaac.components["adc"].peak_power_w == pytest.approx(2e-3)
    assert isaac.components["adc"].static_power_w == pytest.approx(2e-3 * (1 - dyn))


def test_peak_throughput_from_table_i_organisation(isaac):
    """16,128 crossbars x 128 rows x 16 weights (16-bit, 8 slices of 2 bits) per 1.6 us MVM
    (16 read cycles of 100 ns, Sec. IV), 2 ops per MAC: 41.29 TOPS."""
    p = peak(isaac)
    assert p.crossbars == TILES * 12 * 8 == 16128
    assert p.macs_per_mvm == 128 * 16
    assert p.mvm_latency_s == pytest.approx(16 * 100e-9)
    assert p.gops == pytest.approx(16128 * 2 * 128 * 16 / 1.6e-6 / 1e9)


def test_peak_computational_efficiency_within_5_percent_of_reported(isaac):
    """CE = peak GOPS / chip area with HyperTransport: 41,288 / 85.42 = 483.3 GOPs/(s x mm2).

    Reported figure: 479 GOPs/(s x mm2) for ISAAC-CE (the Table I design point), "Sec.
    VIII-B", against DaDianNao's 63.5 -- the paper's abstract states 7.5x the computational
    density of DaDianNao, and 479 / 63.5 = 7.5. Provenance: a public literature note written
    from the paper's full text (a GitHub notes collection, file key 2016_Shafiee_ISAAC_ISCA,
    claim C3), and the abstract's "14.8x, 5.5x, and 7.5x in throughput, energy, and
    computational density" quoted identically by other notes. The paper's own comparison
    table (CE, PE, SE of DaDianNao and ISAAC-CE/-PE/-SE) could NOT be read: the search tool
    only returns the opening page of the stored full-text copies (studylib.net doc 14038537,
    moam.info, vdocuments.site isca16-old), so the table number and the exact printed value
    are unverified. The October 2016 revision corrected ISAAC-PE and ISAAC-SE results only,
    not ISAAC-CE.

    The convention is pinned by the number itself: 479 matches peak ops over the area WITH
    HyperTransport (483.3, +0.9 %) and not without it (660, +38 %), and matches 2 ops per
    16-bit MAC (1 op per MAC would give 242).
    """
    p = peak(isaac)
    ce = p.gops / CHIP_AREA_MM2
    assert p.gops_per_mm2 == pytest.approx(ce, rel=2e-3)  # our area is Table I's
    assert p.gops_per_mm2 == pytest.approx(REPORTED_CE_GOPS_PER_MM2, rel=0.05)
    no_ht_area_mm2 = sum(b.area_m2 for b in breakdown(isaac) if b.level != "chip") * 1e6
    assert p.gops / no_ht_area_mm2 > REPORTED_CE_GOPS_PER_MM2 * 1.05
    assert p.gops / 2 / p.area_mm2 < REPORTED_CE_GOPS_PER_MM2 * 0.95


def test_power_efficiency_derived_from_table_i(isaac):
    """PE = peak GOPS / Table I chip power: 41,288 GOPS / 65.8 W = 627 GOPS/W with
    HyperTransport; 745 GOPS/W over the 168 tiles alone (55.4 W).

    Nothing published is asserted here. ISAAC's own PE for ISAAC-CE (in the same comparison
    table as CE) could not be read (see the CE test), so we cannot tell whether it includes
    HyperTransport power. A full-text-based literature note says ISAAC's PE is "119 % better"
    than DaDianNao's (DaDianNao 20.1 W); 627 would match that only if DaDianNao's PE were
    286 GOPS/W, a value we have not verified either, so neither is used. If the published PE
    is found, assert it within 5 % against whichever of the two derivations it matches.
    """
    p = peak(isaac)
    assert p.gops_per_w == pytest.approx(p.gops / CHIP_POWER_W, rel=2e-3)
    assert p.gops_per_w == pytest.approx(627.5, rel=2e-3)
    tiles_power_w = sum(b.power_w for b in breakdown(isaac) if b.level != "chip")
    assert tiles_power_w == pytest.approx(CHIP_POWER_W - HYPERTRANSPORT[0], rel=2e-3)
    assert p.gops / tiles_power_w == pytest.approx(745.2, rel=2e-3)
