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
