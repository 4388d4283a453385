"""Units (issue 13, part 4): every SI prefix atto..tera, byte families, ohms, areas, and
whatever the tool prints it reads back."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lergan.errors import HardwareError
from lergan.hardware.units import SI_UNIT, UNITS, parse_quantity
from lergan.report.format import si

PREFIXES = {"a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
            "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


@pytest.mark.parametrize("prefix, factor", PREFIXES.items())
@pytest.mark.parametrize("unit, dim", [("J", "energy"), ("W", "power"), ("s", "time"),
                                       ("Hz", "frequency"), ("V", "voltage"),
                                       ("Ω", "resistance"), ("ohm", "resistance"),
                                       ("J/bit", "energy_per_bit")])
def test_every_si_prefix(prefix, factor, unit, dim):
    assert parse_quantity(f"2.5 {prefix}{unit}", dim, "k") == pytest.approx(2.5 * factor)


@pytest.mark.parametrize("text, dim, si_value", [
    ("976.6 aJ", "energy", 976.6e-18), ("3 pW", "power", 3e-12), ("2 kW", "power", 2e3),
    ("64 kB", "bytes", 64e3), ("64 KB", "bytes", 65536), ("64 KiB", "bytes", 65536),
    ("2 MiB", "bytes", 2 * 1024**2), ("1 TB", "bytes", 1024**4), ("1 us", "time", 1e-6),
    ("1 µs", "time", 1e-6), ("10 kΩ", "resistance", 1e4), ("1 mm^2", "area", 1e-6),
    ("1 mm²", "area", 1e-6), ("3 um²", "area", 3e-12), ("1 mm2", "area", 1e-6),
    ("16 GB/s", "bandwidth", 16e9), ("8 Gbit/s", "bandwidth", 1e9), ("5 %", "ratio", 0.05),
])
def test_the_units_the_issue_named(text, dim, si_value):
    assert parse_quantity(text, dim, "k") == pytest.approx(si_value)


@given(st.floats(min_value=1e-17, max_value=1e14, allow_nan=False),
       st.sampled_from([("J", "energy"), ("s", "time"), ("W", "power"), ("Hz", "frequency"),
                        ("B/s", "bandwidth"), ("J/bit", "energy_per_bit"),
                        ("ohm", "resistance"), ("V", "voltage")]))
def test_what_the_tool_prints_it_reads_back(x, unit_dim):
    unit, dim = unit_dim
    for digits in (3, 4):
        printed = si(x, unit, digits)
        back = parse_quantity(printed, dim, "k")
        assert back == pytest.approx(x, rel=10 ** (1 - digits))


@pytest.mark.parametrize("dim, unit", SI_UNIT.items())
def test_the_si_unit_of_every_dimension_parses(dim, unit):
    assert parse_quantity(f"1 {unit}", dim, "k") == 1.0


def test_every_unit_of_the_table_is_finite_and_positive():
    assert all(math.isfinite(f) and f > 0 for _, f in UNITS.values())


def test_a_unit_of_another_dimension_is_refused_with_the_key():
    with pytest.raises(HardwareError, match=r"adc\.energy_j"):
        parse_quantity("3 ms", "energy", "adc.energy_j")


@pytest.mark.parametrize("unit, dim", [("J", "energy"), ("s", "time"), ("W", "power"),
                                       ("Hz", "frequency"), ("B/s", "bandwidth"),
                                       ("J/bit", "energy_per_bit"), ("ohm", "resistance"),
                                       ("V", "voltage")])
def test_every_printed_magnitude_reads_back(unit, dim):
    """Every decade from 1e-17 to 1e14 (each SI prefix si() may choose), not only the ones
    hypothesis happens to draw (``0.5 B/s`` prints as ``500 mB/s``)."""
    for exp in range(-17, 15):
        x = 1.234 * 10.0**exp
        assert parse_quantity(si(x, unit, 4), dim, "k") == pytest.approx(x, rel=1e-3)
