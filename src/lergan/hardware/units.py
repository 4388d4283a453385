"""Units that hardware data files may use, and their conversion to SI.

Every number in a preset carries a ``unit``; each field of the schema declares a
*dimension* (energy, time, ...). Loading converts the written unit to the dimension's SI
unit and refuses a unit of another dimension (``HardwareError`` naming the key).

Conventions (stated because papers mix them):
- capacities in bytes use binary prefixes, as the papers' tables do (ISAAC's "64 KB eDRAM"
  is 65,536 bytes): ``KB`` = ``KiB`` = 1024 B, ``MB`` = ``MiB`` = 1024**2 B;
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

_PREFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3,
           "M": 1e6, "G": 1e9, "T": 1e12}


def _table() -> dict[str, tuple[str, float]]:
    t: dict[str, tuple[str, float]] = {}
    for p in ("f", "p", "n", "u", "m", ""):
        t[f"{p}J"] = ("energy", _PREFIX[p])
        t[f"{p}J/bit"] = ("energy_per_bit", _PREFIX[p])
        t[f"{p}J/B"] = ("energy_per_byte", _PREFIX[p])
    for p in ("n", "u", "m", ""):
        t[f"{p}W"] = ("power", _PREFIX[p])
    for p in ("p", "n", "u", "m", ""):
        t[f"{p}s"] = ("time", _PREFIX[p])
    for p in ("", "k", "M", "G"):
        t[f"{p}Hz"] = ("frequency", _PREFIX[p])
        t[f"{p}S/s"] = ("frequency", _PREFIX[p])
    t.update({"m2": ("area", 1.0), "mm2": ("area", 1e-6), "um2": ("area", 1e-12)})
    t.update({"m2/B": ("area_per_byte", 1.0), "mm2/B": ("area_per_byte", 1e-6),
              "um2/B": ("area_per_byte", 1e-12)})
    t.update({"m": ("length", 1.0), "mm": ("length", 1e-3), "um": ("length", 1e-6),
              "nm": ("length", 1e-9)})
    t.update({"B": ("bytes", 1.0), "KB": ("bytes", 1024.0), "KiB": ("bytes", 1024.0),
              "MB": ("bytes", 1024.0**2), "MiB": ("bytes", 1024.0**2),
              "GB": ("bytes", 1024.0**3), "GiB": ("bytes", 1024.0**3)})
    t.update({"bit": ("bits", 1.0), "bits": ("bits", 1.0)})
    for p in ("", "k", "M", "G", "T"):
        t[f"{p}B/s"] = ("bandwidth", _PREFIX[p])
        t[f"{p}bit/s"] = ("bandwidth", _PREFIX[p] / 8.0)
    t.update({"ohm": ("resistance", 1.0), "kohm": ("resistance", 1e3),
              "Mohm": ("resistance", 1e6)})
    t.update({"V": ("voltage", 1.0), "mV": ("voltage", 1e-3)})
    t.update({"count": ("count", 1.0)})
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
