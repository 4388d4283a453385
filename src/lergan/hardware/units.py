"""Units that hardware data files may use, and their conversion to SI.

Every number in a preset carries a ``unit``; each field of the schema declares a
*dimension* (energy, time, ...). Loading converts the written unit to the dimension's SI
unit and refuses a unit of another dimension (``HardwareError`` naming the key).

Conventions (stated because papers mix them):
- capacities in bytes with a capital prefix are binary, as the papers' tables are (ISAAC's
  "64 KB eDRAM" is 65,536 bytes): ``KB`` = ``KiB`` = 1024 B, ``MB`` = ``MiB`` = 1024**2 B,
  ``GB``, ``TB`` likewise; the SI ``kB`` (lower-case k) is 1000 B;
- every SI prefix from atto (``a``) to tera (``T``) applies to J, W, s, Hz, V, ohm (or
  ``Ω``), J/bit; micro is ``u``, ``µ`` or ``μ``; lengths and areas take the prefixes up to
  1 (``nm``, ``um``, ``mm``, ``m``) and areas are written ``mm2``, ``mm^2`` or ``mm²``;
- bandwidths use decimal prefixes, as link and DRAM specifications do (DDR4-2400 moves
  19.2 GB/s = 19.2e9 B/s): ``GB/s`` = 1e9 B/s, ``Gbit/s`` = 1e9 / 8 B/s;
- sample rates ``GS/s`` are frequencies (1e9 Hz).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lergan.errors import HardwareError


@dataclass(frozen=True)
class Dim:
    """Marker put in a schema field's ``Annotated`` metadata: the field's dimension."""

    name: str


# dimension -> SI unit written in provenance records
SI_UNIT: dict[str, str] = {
    "energy": "J",
    "power": "W",
    "time": "s",
    "frequency": "Hz",
    "area": "m2",
    "area_per_byte": "m2/B",
    "length": "m",
    "bytes": "B",
    "bits": "bit",
    "bandwidth": "B/s",
    "energy_per_bit": "J/bit",
    "energy_per_byte": "J/B",
    "resistance": "ohm",
    "voltage": "V",
    "count": "count",
    "ratio": "1",
}

#: SI prefixes from atto to tera; micro as ``u``, ``µ`` (micro sign) or ``μ`` (Greek mu)
_PREFIX = {"a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
           "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BINARY = {"Ki": 1024.0, "Mi": 1024.0**2, "Gi": 1024.0**3, "Ti": 1024.0**4}
#: capital-K byte prefixes: binary, as the papers' tables use them (see the docstring)
_PAPER_BYTES = {"K": 1024.0, "M": 1024.0**2, "G": 1024.0**3, "T": 1024.0**4}


def _table() -> dict[str, tuple[str, float]]:
    t: dict[str, tuple[str, float]] = {}
    for p, f in _PREFIX.items():  # every prefix on every SI unit
        t[f"{p}J"] = ("energy", f)
        t[f"{p}J/bit"] = ("energy_per_bit", f)
        t[f"{p}J/b"] = ("energy_per_bit", f)
        t[f"{p}J/B"] = ("energy_per_byte", f)
        t[f"{p}W"] = ("power", f)
        t[f"{p}s"] = ("time", f)
        t[f"{p}Hz"] = ("frequency", f)
        t[f"{p}S/s"] = ("frequency", f)
        t[f"{p}V"] = ("voltage", f)
        t[f"{p}ohm"] = ("resistance", f)
        t[f"{p}Ω"] = ("resistance", f)
        t[f"{p}bit/s"] = ("bandwidth", f / 8.0)
        t[f"{p}b/s"] = ("bandwidth", f / 8.0)
        t[f"{p}bps"] = ("bandwidth", f / 8.0)
        if f >= 1.0:  # decimal byte and bit counts: kB = 1000 B
            t[f"{p}bit"] = ("bits", f)
            t[f"{p}bits"] = ("bits", f)
        t[f"{p}B/s"] = ("bandwidth", f)  # decimal, as link specifications (docstring)
        if f <= 1.0:  # lengths and areas: m, mm, um, nm, ... (no km of chips)
            t[f"{p}m"] = ("length", f)
            for sq in ("2", "^2", "²"):
                t[f"{p}m{sq}"] = ("area", f * f)
                t[f"{p}m{sq}/B"] = ("area_per_byte", f * f)
    t["kB"] = ("bytes", 1e3)
    t["B"] = ("bytes", 1.0)
    for p, f in _PAPER_BYTES.items():
        t[f"{p}B"] = ("bytes", f)
    t["KB/s"] = ("bandwidth", 1e3)  # link rates are decimal (docstring)
    for p, f in _BINARY.items():
        t[f"{p}B"] = ("bytes", f)
        t[f"{p}B/s"] = ("bandwidth", f)
        t[f"{p}b"] = ("bits", f)
        t[f"{p}bit"] = ("bits", f)
    t["mV"] = ("voltage", 1e-3)
    t["count"] = ("count", 1.0)
    t.update({"1": ("ratio", 1.0), "%": ("ratio", 0.01)})
    return t


UNITS: dict[str, tuple[str, float]] = _table()


def to_si(value: float, unit: str, dim: str, key: str) -> float:
    """Convert ``value`` written in ``unit`` to the SI unit of ``dim``.

    Raises ``HardwareError`` naming ``key`` when the unit is unknown or of another dimension.
    """
    if unit not in UNITS:
        raise HardwareError(
            f"{key}: unknown unit {unit!r} (expected a unit of {dim}, e.g. {SI_UNIT[dim]!r})"
        )
    udim, factor = UNITS[unit]
    if udim != dim:
        raise HardwareError(
            f"{key}: unit {unit!r} measures {udim}, but {key} needs a unit of {dim} "
            f"(e.g. {SI_UNIT[dim]!r})"
        )
    return value * factor


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$")


def parse_quantity(text: str, dim: str, key: str) -> float:
    """Parse ``"0.6 pJ"`` / ``"0.6pJ"`` / ``"1e-12 J"`` / ``"6"`` into an SI value of ``dim``.

    A bare number is taken in the dimension's SI unit.
    """
    m = _QUANTITY.match(text)
    if m is None:
        raise HardwareError(f"{key}: cannot read {text!r} as a number with a unit")
    value, unit = float(m.group(1)), m.group(2)
    if not unit:
        return value
    return to_si(value, unit, dim, key)
