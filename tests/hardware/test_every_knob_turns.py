"""Every numeric field of every preset changes some output when it is perturbed.

Outputs: peak GOPS, area and power (`lergan.hardware.peak`), the summed per-operation
latency and energy of a small DCGAN's iteration mapped on the preset
(`lergan.system.build.op_specs`), and, where the preset's interconnect is simulated, the
whole iteration's time, energy, area, cells written and lifetime. A field is perturbed by
x2, x0.5 and x10 (a bottleneck such as the ADC-bound read cycle may hide a small change);
a value the preset then refuses (an ADC too narrow for the lossless policy, say) counts as
a change: the knob decides something. Fields that act only under another choice are
checked under that choice (``CONDITIONS``); the few that no simulated output reads are
listed with the reason (``NOT_SIMULATED``), so that a new dead knob fails this test.
"""

from __future__ import annotations

import math
from functools import cache

import pytest

from lergan.errors import LerganError
from lergan.hardware import list_presets, load_preset
from lergan.hardware.peak import peak
from lergan.mapping import cost
from lergan.system import simulate
from lergan.system.api import iteration_graph
from lergan.system.build import op_specs
from lergan.system.options import SimulationOptions
from lergan.workload import suite

#: field -> overrides under which it acts (and what physics says about the default)
CONDITIONS: dict[str, dict[str, object]] = {
    # SGD keeps no optimiser state: its bits matter once momentum or Adam does
    "precision.optimiser_state_bits": {"training.optimiser": "adam"},
    # the 3D topology sends no data over the chip bus; a 2D bus does
    "interconnect.links.internal_bus.latency_s": {"interconnect.topology": "2d-bus"},
    # only a controller that compares before writing can skip unchanged cells
    "write.fraction_rewritten": {"write.compare_before_write": True},
    # the 3D connection's links and switches act where the topology is 3D
    **{k: {"interconnect.topology": "3d"} for k in (
        "interconnect.ports_per_bank", "interconnect.reconfiguration_latency_s",
        "interconnect.reconfiguration_energy_j",
        "interconnect.links.bank_link.bandwidth_bytes_per_s",
        "interconnect.links.bank_link.latency_s",
        "interconnect.links.bank_link.energy_j_per_bit",
        "interconnect.links.bank_link.area_m2")},
}
#: (preset, field) -> why no simulated output reads it
NOT_SIMULATED: dict[tuple[str, str], str] = {
    **{(p, "training.update_threshold"): "LrGAN's approximate-update threshold acts in "
       "functional emulation (lergan.emulate), whose measured write fractions feed the "
       "simulator; the cost model reads write.fraction_rewritten"
       for p in ("isaac", "prime-inference", "pipelayer", "lergan", "lrgan", "prime")},
    **{("isaac", f"interconnect.links.{ln}.latency_s"): "ISAAC's mesh (noc) is described "
       "for its area and power; lergan.system does not simulate a mesh"
       for ln in ("edram_bus", "router", "offchip")},
    ("isaac", "buffers.output_buffer.write_energy_j_per_byte"): "the mapping moves a tile's "
    "data through its eDRAM bank buffer; the output buffer counts in area and peak power",
    ("isaac", "digital.mac.area_m2"): "ISAAC's Table I has no MAC units (per_bank lists "
    "none); the training arithmetic added to it is charged energy, not area",
}


def _small():
    return suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)


GAN = _small()
BATCH = 4


@cache
def _cheap(preset: str, over: tuple) -> tuple:
    """Peak figures and the summed per-operation costs (no schedule)."""
    a = load_preset(preset, overrides=dict(over) or None)
    p = peak(a)
    _, graph = iteration_graph(GAN, BATCH, SimulationOptions())
    _, mappings = op_specs(graph, a, a.training.mapping_mode)
    costs = [cost(m, a) for m in mappings.values()]
    return (p.gops, p.area_m2, p.power_w, sum(c.latency_s for c in costs),
            sum(c.total_energy_j for c in costs), sum(c.cells_written for c in costs),
            min((c.lifetime_operations for c in costs if c.lifetime_operations), default=0))


@cache
def _full(preset: str, over: tuple) -> tuple:
    """The whole iteration, where the preset's interconnect is simulated."""
    if load_preset(preset).interconnect.topology == "noc":
        return ()
    r = simulate(GAN, preset, BATCH, overrides=dict(over) or None)
    return (r.time_s, r.energy_j, r.area_mm2, r.cells_written, r.lifetime.iterations)


def _outputs(preset: str, over: dict[str, object]) -> tuple:
    key = tuple(sorted(over.items()))
    return _cheap(preset, key) + _full(preset, key)


def _numeric_fields(preset: str) -> list[str]:
    return [k for k, p in load_preset(preset).provenance_table().items()
            if isinstance(p.value, (int, float)) and not isinstance(p.value, bool)]


def _turns(preset: str, key: str, cond: dict[str, object]) -> bool:
    base = tuple(sorted(cond.items()))
    v = load_preset(preset, overrides=cond or None).provenance(key).value
    for stage in (_cheap, _full):  # the schedule only for what the costs do not show
        for k in (2, 0.5, 10):
            new = v * k if v else 1e-9
            if isinstance(v, int) and not isinstance(v, bool):
                new = max(1, round(new))
                if new == v:
                    continue
            try:
                if stage(preset, tuple(sorted({**cond, key: new}.items()))) != stage(
                        preset, base):
                    return True
            except LerganError:
                return True  # refused: the value decides what the preset can be
    return False


#: presets with a paper of their own; the ablations (``lergan-*``) are lergan with one
#: choice changed, checked by test_ablations_change_only_their_choice
PAPER_PRESETS = [p for p in list_presets() if not p.startswith("lergan-")]
CASES = [(p, k) for p in PAPER_PRESETS for k in _numeric_fields(p)]


@pytest.mark.parametrize("preset", [p for p in list_presets() if p.startswith("lergan-")])
def test_ablations_change_only_their_choice(preset):
    base, a = load_preset("lergan"), load_preset(preset)
    assert a.base == "lergan"
    changed = {k for k, p in a.provenance_table().items()
               if base.provenance_table().get(k) is None
               or base.provenance(k).value != p.value}
    assert changed, preset
    assert changed <= {"training.mapping_mode", "interconnect.topology",
                       "organisation.per_bank.bank_link"}, changed


@pytest.mark.parametrize(("preset", "key"), CASES, ids=[f"{p}:{k}" for p, k in CASES])
def test_every_numeric_field_changes_an_output(preset, key):
    if (preset, key) in NOT_SIMULATED:
        assert not _turns(preset, key, {}), (
            f"{preset}:{key} now turns an output: remove it from NOT_SIMULATED")
        return
    cond = CONDITIONS.get(key, {})
    assert _turns(preset, key, cond), f"{preset}:{key} changes nothing (dead knob)"


@pytest.mark.parametrize("key", ["precision.optimiser_state_bits",
                                 "interconnect.links.internal_bus.latency_s",
                                 "write.fraction_rewritten"])
def test_conditional_fields_are_inert_without_their_condition_on_lergan(key):
    """What CONDITIONS says is physics, not an accident: off its condition, no change."""
    if key == "write.fraction_rewritten":
        over = {"write.fraction_rewritten": 0.5}
    else:
        v = load_preset("lergan").provenance(key).value
        over = {key: v * 2}
    assert _outputs("lergan", over) == _outputs("lergan", {})


def test_geometry_and_node_move_area_energy_and_latency():
    fixed = {"organisation.mats_per_bank": 1024}  # the same mats, other crossbars
    base = load_preset("lergan", overrides=fixed)
    for over in ({"crossbar.rows": 512, "crossbar.cols": 512}, {"technology.node_m": 32e-9}):
        a = load_preset("lergan", overrides={**fixed, **over})
        assert a.components["crossbar"].area_m2 != base.components["crossbar"].area_m2
        assert peak(a).area_m2 != peak(base).area_m2
        assert peak(a).power_w != peak(base).power_w
    big = load_preset("lergan", overrides={**fixed, "crossbar.rows": 1024})
    assert big.components.read_cycle_s > base.components.read_cycle_s  # sense-bound now
    small = load_preset("lergan", overrides={**fixed, "crossbar.rows": 128,
                                             "crossbar.cols": 128})
    assert small.components.instances("dac") == base.components.instances("dac") / 2
    assert math.isclose(small.components["crossbar"].area_m2 * 4,
                        base.components["crossbar"].area_m2)


def test_a_memory_sized_by_its_capacity():
    """Twice the bytes, twice the compute mats; smaller mats, more of them."""
    a = load_preset("lergan")
    assert a.organisation.mats_per_bank == 1024  # 768 MiB, 6 banks, 32 KiB mats, 1/4
    two = load_preset("lergan", overrides={"organisation.capacity_bytes": "1536 MiB"})
    assert two.organisation.mats_per_bank == 2048
    small = load_preset("lergan", overrides={"crossbar.rows": 128, "crossbar.cols": 128})
    assert small.organisation.mats_per_bank == 4096
    with pytest.raises(LerganError, match="capacity_bytes"):
        load_preset("lergan", overrides={"organisation.capacity_bytes": "1 KiB"})
    with pytest.raises(LerganError, match="capacity_bytes"):
        load_preset("lergan", overrides={"organisation.capacity_bytes": "-1 GiB"})
