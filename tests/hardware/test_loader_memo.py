"""The loader's memos change no preset.

A preset file's merged tree is built once and shared (``loader._TREES``), with the
conversion of each of its subtrees; a load with overrides copies only the groups on the
path to each overridden leaf and converts only those. Over random sequences of overrides
(on leaves at several depths, one that removes leaves, one that fails validation), every
Architecture and its provenance table must equal the one built without the memos (the
caller's own tree, overridden, every leaf converted), and the shared tree must stay as the
file wrote it.
"""

from __future__ import annotations

import copy
import os

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lergan.errors import HardwareError
from lergan.hardware import Architecture, loader


def fresh_load(preset: str, overrides: dict | None) -> str:
    """The preset loaded without the memos: its own tree, a copy with the overrides, every
    leaf converted (what :func:`signature` returns)."""
    tree = loader.raw_tree(preset)
    if overrides:
        tree = loader.apply_overrides(tree, overrides)
    prov: dict = {}
    try:
        data = loader._convert(tree, Architecture, None, "", prov)
        a = Architecture.model_validate(data)
    except HardwareError as e:
        return f"HardwareError: {e}"
    except ValidationError as e:
        return f"HardwareError: {loader._format_validation(e, preset)}"
    a._provenance.update(prov)
    return a.model_dump_json() + repr(list(a.provenance_table().items()))


def signature(preset: str, overrides: dict | None) -> str:
    """The Architecture (fields, provenance in file order) or the error, as text."""
    try:
        a = loader._load(preset, overrides)
    except HardwareError as e:
        return f"HardwareError: {e}"
    return a.model_dump_json() + repr(list(a.provenance_table().items()))


overrides_st = st.fixed_dictionaries({}, optional={
    "adc.bits": st.integers(4, 12),
    "crossbar.rows": st.sampled_from([64, 128, 256]),
    "technology.leakage_fraction": st.sampled_from([0.05, 0.1, 0.2]),
    "organisation.mats_per_bank": st.sampled_from([256, 1024]),  # drops capacity leaves
    "organisation.network_banks.G": st.sampled_from(["1,2", "1,2,3"]),
    "interconnect.links.offchip.bandwidth_bytes_per_s": st.sampled_from([1e9, 3.2e10]),
    "buffers.bank_buffer.capacity_bytes": st.sampled_from(["16 KB", "1 MB"]),
    "write.fraction_rewritten": st.sampled_from([0.5, 2.0]),  # 2.0: a validation error
})


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["lergan", "prime", "lergan-2d-bus"]),
       st.lists(overrides_st, min_size=1, max_size=4))
def test_loads_with_shared_trees_equal_fresh_ones(preset, sequence):
    loaded = [signature(preset, over) for over in sequence]  # each reuses what came before
    tree = copy.deepcopy(loader._shared_tree(preset))
    for over, got in zip(sequence, loaded, strict=True):
        assert got == fresh_load(preset, over), over
    assert loader._shared_tree(preset) == tree  # the overrides changed no shared subtree
    assert signature(preset, None) == fresh_load(preset, None)


def test_an_override_leaves_the_preset_and_its_other_leaves_alone():
    base = loader._load("lergan", None)
    over = loader._load("lergan", {"adc.bits": base.adc.bits + 1})
    again = loader._load("lergan", None)
    assert over.adc.bits == base.adc.bits + 1 and again.adc.bits == base.adc.bits
    assert over.provenance("adc.bits").overridden
    assert not again.provenance("adc.bits").overridden
    assert over.provenance("adc.energy_j") == base.provenance("adc.energy_j")
    assert loader.raw_tree("lergan") is not loader.raw_tree("lergan")  # callers' own copies


def _write(path, bits: int, base: str) -> None:
    path.write_text(f"base: {base}\nname: {path.stem}\n"
                    f"adc:\n  bits: {{value: {bits}, unit: bit, source: \"test\"}}\n")


def test_an_edited_preset_file_is_read_again(tmp_path):
    """A preset file (and a file in its base chain) edited between two loads in one process
    gives the new values: the shared trees and the YAML cache are keyed by each file's
    modification time and size, not by its path alone."""
    base = tmp_path / "mybase.yaml"
    child = tmp_path / "mychild.yaml"
    _write(base, 5, "lergan")
    child.write_text("base: mybase.yaml\nname: mychild\n")
    assert loader.load_preset(str(child)).adc.bits == 5
    _write(base, 7, "lergan")
    os.utime(base, ns=(base.stat().st_atime_ns, base.stat().st_mtime_ns + 10**9))
    assert loader.load_preset(str(base)).adc.bits == 7
    assert loader.load_preset(str(child)).adc.bits == 7  # through the base chain
    _write(child, 4, "mybase.yaml")
    os.utime(child, ns=(child.stat().st_atime_ns, child.stat().st_mtime_ns + 10**9))
    assert loader.load_preset(str(child)).adc.bits == 4
    assert loader.load_preset(str(child), {"adc.bits": 3}).adc.bits == 3
