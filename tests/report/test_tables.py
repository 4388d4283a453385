"""Comparison rows and their renderings (terminal, CSV, HTML) agree."""

from __future__ import annotations

import csv
import io

import pytest

from lergan.baselines.records import evaluate
from lergan.errors import LerganError
from lergan.report.tables import (
    comparison_rows,
    fmt,
    html_table,
    precision_text,
    records_csv,
    rich_table,
    to_csv,
)


@pytest.fixture(scope="module")
def records():
    return [evaluate(b, a, 8) for b in ("cgan", "dcgan") for a in ("lergan", "gpu", "fpga")]


def test_rows_in_report_units_with_gains_against_the_reference(records):
    rows = comparison_rows(records, "gpu")
    by = {(r["benchmark"], r["architecture"]): r for r in rows}
    for rec in records:
        row = by[(rec.benchmark, rec.architecture)]
        ref = next(x for x in records if x.benchmark == rec.benchmark
                   and x.architecture == "gpu")
        assert row["time_ms"] == pytest.approx(rec.time_s * 1e3)
        assert row["energy_mj"] == pytest.approx(rec.energy_j * 1e3)
        assert row["speedup"] == pytest.approx(ref.time_s / rec.time_s)
        assert row["energy_saving"] == pytest.approx(ref.energy_j / rec.energy_j)
    assert by[("cgan", "gpu")]["speedup"] == 1.0
    assert by[("cgan", "lergan")]["precision"] == "16/16/6"
    assert by[("cgan", "gpu")]["precision"] == "32/32/-"
    with pytest.raises(LerganError, match="reference 'prime': no record"):
        comparison_rows(records, "prime")


def test_csv_html_and_terminal_show_the_same_rows(records):
    from rich.console import Console

    rows = comparison_rows(records)
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert len(parsed) == len(rows)
    assert float(parsed[1]["time_ms"]) == pytest.approx(rows[1]["time_ms"])
    assert parsed[0]["reference"] == "lergan"
    page = html_table(rows)
    assert page.count("<tr>") == len(rows) + 1 and "time (ms)" in page
    con = Console(width=80, record=True)
    con.print(rich_table(rows, title="t"))
    text = con.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert fmt(rows[0]["time_ms"]) in text
    si = list(csv.DictReader(io.StringIO(records_csv(records))))
    assert float(si[0]["time_s"]) == records[0].time_s and si[1]["adc_bits"] == ""


def test_formatting():
    assert fmt(None) == "-" and fmt(1234567.0) == "1,234,567" and fmt(0.012345) == "0.01235"
    assert fmt(12) == "12" and fmt(0.0) == "0"
    assert precision_text({"weight_bits": 8, "input_bits": 6, "adc_bits": None}) == "8/6/-"
    assert "&lt;b&gt;" in html_table([{**dict.fromkeys(
        ["benchmark", "batch", "time_ms", "energy_mj", "power_w", "area_mm2", "precision",
         "speedup", "energy_saving"], 1), "architecture": "<b>"}])


def test_the_page_states_prime_precision_against_lergan():
    from lergan.report.html import prime_note

    recs = [evaluate("cgan", "prime", 4), evaluate("cgan", "lergan", 4)]
    assert "like for like in precision" in prime_note(recs)  # prime trains at 16 bits
    low = [evaluate("cgan", "prime[precision.weight_bits=8,precision.input_bits=6]", 4),
           evaluate("cgan", "lergan", 4)]
    low = [type(low[0])(**{**low[0].__dict__, "architecture": "prime"}), low[1]]
    note = prime_note(low)
    assert "8/6/6" in note and "16/16/6" in note
    assert prime_note(recs[1:]) == ""
