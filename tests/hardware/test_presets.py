"""Every preset loads, and every number in it has a source or is a labelled assumption."""

import pytest
from pydantic import BaseModel, ValidationError

from lergan.hardware import Architecture, list_presets, load_preset, raw_tree

PRESETS = list_presets()


def test_required_presets_present():
    assert {"isaac", "prime", "pipelayer", "lergan", "lrgan"} <= set(PRESETS)


def _leaf_paths(model: BaseModel, prefix: str = ""):
    """Dotted keys of every leaf value of a loaded description."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from _leaf_paths(value, key + ".")
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, BaseModel):
                    yield from _leaf_paths(v, f"{key}.{k}.")
                else:
                    yield f"{key}.{k}", v
        else:
            yield key, value


META = {"name", "title", "paper", "description", "deviations", "base"}


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_loads_and_documents_itself(preset):
    arch = load_preset(preset)
    assert isinstance(arch, Architecture)
    assert arch.name == preset
    assert arch.paper and arch.title and arch.description
    assert len(arch.deviations) >= 1


@pytest.mark.parametrize("preset", PRESETS)
def test_every_field_has_a_source_or_is_an_assumption(preset):
    arch = load_preset(preset)
    prov = arch.provenance_table()
    for key, value in _leaf_paths(arch):
        if key in META:
            continue
        if key not in prov:
            # defaults of the schema are allowed only for non-numeric choices, and for the
            # 3D switches of a design without a 3D connection
            switches = key.startswith(("interconnect.ports_per_bank",
                                       "interconnect.reconfiguration_"))
            if switches and arch.interconnect.topology != "3d":
                continue
            if key == "organisation.mats_per_bank" and arch.organisation.capacity_bytes:
                continue  # derived from the capacity (lergan hardware show lists it)
            assert not isinstance(value, (int, float)) or isinstance(value, bool), key
            continue
        p = prov[key]
        assert p.source or (p.assumption and p.reason), f"{preset}: {key} has no source"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert p.unit, f"{preset}: {key} has no unit"
            assert p.value == pytest.approx(value), key


@pytest.mark.parametrize("preset", PRESETS)
def test_every_numeric_leaf_in_the_file_is_a_quantity(preset):
    """Walk the raw YAML: every leaf has a value and either a source or an assumption."""

    def walk(node, key=""):
        if isinstance(node, dict) and "value" in node:
            assert node.get("source") or (node.get("assumption") and node.get("reason")), key
            if isinstance(node["value"], (int, float)) and not isinstance(node["value"], bool):
                assert "unit" in node, key
            return
        if isinstance(node, dict):
            for k, v in node.items():
                if not key and k in META:
                    continue
                walk(v, f"{key}.{k}" if key else k)

    walk(raw_tree(preset))


@pytest.mark.parametrize("preset", PRESETS)
def test_architecture_is_frozen(preset):
    arch = load_preset(preset)
    with pytest.raises(ValidationError):
        arch.adc.bits = 3  # type: ignore[misc]


@pytest.mark.parametrize("preset", PRESETS)
def test_values_are_si(preset):
    arch = load_preset(preset)
    assert 1e-9 < arch.technology.node_m < 1e-6
    assert 1e-9 < arch.components.read_cycle_s < 1e-5
    assert 1e-16 < arch.adc.energy_j < 1e-9
    assert 1e-13 < arch.components["crossbar"].area_m2 < 1e-6


def test_inheritance_changes_only_what_the_child_says():
    lergan, lrgan = load_preset("lergan"), load_preset("lrgan")
    assert lrgan.base == "lergan"
    assert lrgan.training.approximate_update and not lergan.training.approximate_update
    assert lrgan.write.fraction_rewritten < lergan.write.fraction_rewritten
    assert lrgan.crossbar == lergan.crossbar
    assert lrgan.provenance("write.fraction_rewritten").defined_in == "lrgan.yaml"
    assert lrgan.provenance("crossbar.rows").defined_in == "prime-inference.yaml"


def test_lergan_layout_from_the_deck():
    arch = load_preset("lergan")
    assert arch.organisation.banks == 6
    assert arch.organisation.network_banks == {"G": (1, 2, 3), "D": (4, 5, 6)}
    assert arch.organisation.tiers == ("forward", "error", "update")
    assert arch.interconnect.topology == "3d"
    assert "bank_link" in arch.interconnect.links
    assert load_preset("prime").interconnect.topology == "2d-bus"


def test_derived_counts():
    isaac = load_preset("isaac")
    assert isaac.slices_per_weight == 8
    assert isaac.read_cycles_per_mvm == 16
    assert isaac.mvm_latency_s == pytest.approx(1.6e-6)
    lergan = load_preset("lergan")
    assert lergan.slices_per_weight == 4  # 16-bit weights of 4-bit cells
    assert lergan.read_cycles_per_mvm == 6  # ceil(16 / 3)


def test_prime_is_a_like_for_like_training_baseline():
    """`prime`: PRIME's organisation on lergan's substrate, precision and capacity;
    `prime-inference`: PRIME as published (8-bit weights, 6-bit inputs and outputs)."""
    prime, lergan, pub = (load_preset(n) for n in ("prime", "lergan", "prime-inference"))
    assert prime.precision == lergan.precision and prime.crossbar == lergan.crossbar
    assert prime.organisation.capacity_bytes == lergan.organisation.capacity_bytes
    assert prime.organisation.crossbars == lergan.organisation.crossbars
    assert (prime.organisation.layout, prime.interconnect.topology,
            prime.training.mapping_mode) == ("prime", "2d-bus", "zero-inserting")
    assert (pub.precision.weight_bits, pub.precision.input_bits, pub.adc.bits) == (8, 6, 6)


def test_a_copy_with_changes_derives_its_own_components():
    """``model_copy(update=...)`` must not keep the original's cached component model."""
    from lergan.hardware import load_preset

    a = load_preset("lergan")
    assert a.components.memory_bytes_per_bank > 0  # cached on the original
    org = a.organisation.model_copy(update={"capacity_bytes": None, "compute_fraction": None})
    b = a.model_copy(update={"organisation": org})
    assert b.components.memory_bytes_per_bank == 0.0
    assert a.model_copy().components is a.components  # nothing changed: shared
