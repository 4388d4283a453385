"""Cited data files of the baselines (``baselines/data/*.yaml``), loaded into SI values.

Every number is a leaf ``{value, unit, source[, derivation]}`` or ``{value, unit,
assumption: true, reason}``, like the hardware presets (``lergan.hardware``). A leaf
without a unit, a source or a labelled assumption is refused (``BaselineError`` naming the
key), so no number enters a model without saying where it comes from. Units are those of
:mod:`lergan.hardware.units` plus compute rates (``GFLOP/s``, ``TFLOP/s``, ``MAC/cycle``).
Users override any leaf by its dotted key (``--set compute_efficiency=0.5``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from lergan.errors import LerganError
from lergan.hardware.units import SI_UNIT, UNITS, parse_quantity

DATA_DIR = Path(__file__).parent / "data"

#: extra units of the baselines' files: (dimension, factor to SI)
EXTRA_UNITS: dict[str, tuple[str, float]] = {
    "FLOP/s": ("flop_rate", 1.0), "GFLOP/s": ("flop_rate", 1e9),
    "TFLOP/s": ("flop_rate", 1e12),
    "MAC/cycle": ("count", 1.0), "kernels": ("count", 1.0),
    "FLOP": ("count", 1.0), "MAC": ("count", 1.0),
}


class BaselineError(LerganError):
    """A baseline preset, override or workload a baseline cannot run (names which)."""


@dataclass(frozen=True)
class Leaf:
    """One cited number: its SI value and where it comes from."""

    key: str
    value: Any
    unit: str
    written: Any
    source: str | None
    derivation: str | None
    assumption: bool
    reason: str | None
    overridden: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "unit": self.unit,
                "written": self.written, "source": self.source, "derivation": self.derivation,
                "assumption": self.assumption, "reason": self.reason,
                "overridden": self.overridden}


def _to_si(value: Any, unit: str, key: str) -> tuple[Any, str]:
    """(SI value, SI unit name) of a written value (strings and lists pass through)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value, unit
    if unit in EXTRA_UNITS:
        dim, factor = EXTRA_UNITS[unit]
        return value * factor, {"flop_rate": "FLOP/s"}.get(dim, "count")
    if unit in UNITS:
        dim, factor = UNITS[unit]
        return value * factor, SI_UNIT[dim]
    raise BaselineError(f"{key}: unknown unit {unit!r}")


def _leaf(node: Mapping[str, Any], key: str) -> Leaf:
    if "value" not in node:
        raise BaselineError(f"{key}: a data leaf needs a 'value'")
    extra = set(node) - {"value", "unit", "source", "derivation", "assumption", "reason"}
    if extra:
        raise BaselineError(f"{key}: unknown fields {sorted(extra)}")
    assumption = bool(node.get("assumption", False))
    if not assumption and not node.get("source"):
        raise BaselineError(f"{key}: every number needs a 'source' or 'assumption: true' "
                            "with a 'reason'")
    if assumption and not node.get("reason"):
        raise BaselineError(f"{key}: an assumption needs a 'reason'")
    unit = str(node.get("unit", "1"))
    value, si_unit = _to_si(node["value"], unit, key)
    return Leaf(key, value, si_unit, node["value"], node.get("source"), node.get("derivation"),
                assumption, node.get("reason"))


def _is_leaf(node: Any) -> bool:
    return isinstance(node, Mapping) and "value" in node


def flatten(node: Mapping[str, Any], prefix: str = "") -> dict[str, Leaf]:
    """Every leaf of a data tree by dotted key."""
    out: dict[str, Leaf] = {}
    for k, v in node.items():
        key = f"{prefix}{k}"
        if _is_leaf(v):
            out[key] = _leaf(v, key)
        elif isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            raise BaselineError(f"{key}: expected a leaf {{value, unit, source}} or a section")
    return out


@lru_cache(maxsize=8)
def read_file(name: str) -> dict[str, Any]:
    """The parsed YAML data file ``baselines/data/NAME.yaml``."""
    path = DATA_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def override(leaves: dict[str, Leaf], overrides: Mapping[str, Any] | None,
             what: str) -> dict[str, Leaf]:
    """``leaves`` with ``overrides`` (dotted key -> number or ``"2 W"``-style text) applied;
    ``BaselineError`` naming an unknown key or an unreadable value."""
    if not overrides:
        return leaves
    out = dict(leaves)
    for key, raw in overrides.items():
        if key not in leaves:
            raise BaselineError(f"{what}: unknown key {key!r} (known: {', '.join(leaves)})")
        old = leaves[key]
        if isinstance(old.value, (int, float)) and not isinstance(old.value, bool):
            if isinstance(raw, str):
                text = raw.strip()
                unit = text.split()[-1] if len(text.split()) > 1 else ""
                if unit in EXTRA_UNITS:
                    value = float(text.split()[0]) * EXTRA_UNITS[unit][1]
                elif unit and unit in UNITS:
                    try:
                        value = parse_quantity(text, UNITS[unit][0], key)
                    except LerganError as exc:
                        raise BaselineError(f"{what}: {exc}") from None
                else:
                    try:
                        value = float(text)
                    except ValueError:
                        raise BaselineError(
                            f"{what}: {key} = {raw!r} is not a number") from None
            else:
                value = float(raw)
            if value < 0:
                raise BaselineError(f"{what}: {key} = {raw!r} must not be negative")
        else:
            value = raw
        out[key] = Leaf(key, value, old.unit, raw, None, None, False, None, overridden=True)
    return out


def preset_leaves(file: str, table: str, name: str, alias: str, label: str,
                  overrides: Mapping[str, Any] | None) -> tuple[str, dict[str, Leaf]]:
    """The resolved leaves of preset ``name`` of ``table`` in data file ``file``: the file's
    ``shared`` leaves, then the preset's, then ``overrides``. ``alias`` (and ``default``)
    stand for the file's ``default`` preset; an unknown name is a ``BaselineError`` listing
    the known ones under ``label`` ("GPU", "FPGA")."""
    data = read_file(file)
    key = str(data["default"]["value"]) if name in (alias, "default") else name
    if key not in data[table]:
        raise BaselineError(f"{label} preset {name!r}: unknown (known: {alias}, "
                            f"{', '.join(data[table])})")
    leaves = flatten(data["shared"])
    leaves.update(flatten(data[table][key]))
    return key, override(leaves, overrides, f"{label} preset {key!r}")


def digest(leaves: Mapping[str, Leaf]) -> str:
    """SHA-256 of the resolved values (what a record's hardware description hash holds)."""
    payload = json.dumps({k: leaves[k].value for k in sorted(leaves)}, sort_keys=True,
                         default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
