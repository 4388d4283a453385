"""The one number formatter of the command line, and the unit each quantity is shown in.

Every table and summary line formats numbers with :func:`number` (thousands separators, a
fixed number of significant digits, never scientific notation for everyday magnitudes)
and shows each quantity in one unit (:data:`UNITS`), so that figures of different commands
compare at a glance. Machine-readable output (``--json``, ``--csv``) keeps SI values.
"""

from __future__ import annotations

import math

#: quantity -> (unit shown, factor from SI): the same in every command's tables
UNITS: dict[str, tuple[str, float]] = {
    "time": ("us", 1e6),
    "energy": ("uJ", 1e6),
    "area": ("mm2", 1.0),  # results keep area in mm2 already
    "power": ("W", 1.0),
    "cells": ("cells", 1.0),
    "bytes": ("MB", 1e-6),
}


def number(v: float, digits: int = 4) -> str:
    """``v`` with ``digits`` significant digits and thousands separators: ``4,524,012``,
    ``12.35``, ``0.001234``; integers stay whole (``1,024``); ``-`` for not-a-number."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if v == 0:
        return "0"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    mag = math.floor(math.log10(abs(v)))
    decimals = max(digits - 1 - mag, 0)
    if abs(v) < 1e-4 or abs(v) >= 1e15:
        return f"{v:.{digits - 1}g}"
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(v: float) -> str:
    """A count of whole things (cells, crossbars): rounded, with thousands separators."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{round(v):,}"


def quantity(v_si: float, what: str, digits: int = 4) -> str:
    """``v_si`` (SI) in ``what``'s unit, with the unit: ``quantity(2e-3, "time")`` is
    ``2,000 us``."""
    unit, factor = UNITS[what]
    return f"{number(v_si * factor, digits)} {unit}"


_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"),
             (1e-6, "u"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"), (1e-18, "a"))


def si(x: float, unit: str, digits: int = 3) -> str:
    """``x`` (in the SI ``unit``) with the SI prefix that fits: ``si(3.906e-13, "J", 4)`` is
    ``"390.6 fJ"``. Everything it prints, :func:`lergan.hardware.units.parse_quantity`
    reads back (prefixes atto to tera)."""
    if x == 0:
        return f"0 {unit}"
    if isinstance(x, float) and not math.isfinite(x):
        return f"{x} {unit}"
    for scale, prefix in _PREFIXES:
        if abs(round(x / scale, digits)) >= 1:
            return f"{x / scale:.{digits}g} {prefix}{unit}"
    return f"{x:.{digits}g} {unit}"
