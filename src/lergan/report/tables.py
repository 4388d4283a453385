"""Comparison tables: rows first (plain dicts in the report's units), then rendered as a
terminal table (rich, 80 columns), CSV or HTML, so that ``lergan compare``, ``lergan
reproduce`` and ``index.html`` show the same figures.

Units everywhere in reports (:data:`UNITS`): time in ms, energy in mJ, power in W, area in
mm2, precision as weight / input / ADC bits. ``speedup`` and ``energy_saving`` of a row are
relative to the reference architecture of the same benchmark and batch: ``reference time /
row time`` and ``reference energy / row energy`` (above 1: the row is faster, or more
frugal, than the reference).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from lergan.errors import LerganError

if TYPE_CHECKING:
    from lergan.baselines.records import Record

#: quantity -> (unit shown, factor from SI)
UNITS: dict[str, tuple[str, float]] = {
    "time": ("ms", 1e3), "energy": ("mJ", 1e3), "power": ("W", 1.0), "area": ("mm2", 1.0),
}

#: (row key, column header, unit) in display order
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("benchmark", "benchmark", ""),
    ("architecture", "architecture", ""),
    ("batch", "batch", ""),
    ("time_ms", "time", "ms"),
    ("energy_mj", "energy", "mJ"),
    ("power_w", "power", "W"),
    ("area_mm2", "area", "mm2"),
    ("precision", "precision", "w/in/adc bits"),
    ("speedup", "speedup", "x"),
    ("energy_saving", "energy saving", "x"),
)


def precision_text(p: dict[str, Any]) -> str:
    """``16/16/6``: weight, input and ADC bits (``-`` where there is no ADC)."""
    def bits(v: Any) -> str:
        return "-" if v is None else str(int(v))

    return f"{bits(p.get('weight_bits'))}/{bits(p.get('input_bits'))}/{bits(p.get('adc_bits'))}"


def fmt(v: Any, digits: int = 4) -> str:
    """A figure with ``digits`` significant digits and thousands separators (``-`` for none)."""
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if v == 0:
        return "0"
    if abs(v) >= 10 ** (digits - 1):
        return f"{v:,.0f}"
    out = f"{v:.{digits}g}"
    if "e" in out:
        return out
    return out


def comparison_rows(records: Iterable[Any], reference: str | None = None) -> list[dict[str, Any]]:
    """One row per record, in the report's units, with ``speedup`` and ``energy_saving``
    against ``reference`` (an architecture label; default: the first record's) for the same
    benchmark and batch (``None`` where that benchmark has no reference record)."""
    recs = list(records)
    if not recs:
        return []
    reference = reference or recs[0].architecture
    refs = {(r.benchmark, r.batch): r for r in recs if r.architecture == reference}
    if not refs:
        raise LerganError(f"reference {reference!r}: no record has that architecture "
                          f"(have: {', '.join(dict.fromkeys(r.architecture for r in recs))})")
    rows = []
    for r in recs:
        ref = refs.get((r.benchmark, r.batch))
        rows.append({
            "benchmark": r.benchmark, "architecture": r.architecture, "batch": r.batch,
            "platform": r.platform,
            "time_ms": r.time_s * UNITS["time"][1],
            "energy_mj": r.energy_j * UNITS["energy"][1],
            "power_w": r.power_w,
            "area_mm2": r.area_mm2,
            "weight_bits": r.precision.get("weight_bits"),
            "input_bits": r.precision.get("input_bits"),
            "adc_bits": r.precision.get("adc_bits"),
            "precision": precision_text(r.precision),
            "speedup": ref.time_s / r.time_s if ref and r.time_s else None,
            "energy_saving": ref.energy_j / r.energy_j if ref and r.energy_j else None,
            "reference": reference if ref else None,
        })
    return rows


def rich_table(rows: Sequence[dict[str, Any]], title: str = "", caption: str = "") -> Any:
    """The rows as a rich table that fits 80 columns (units in the headers)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=title or None, title_justify="left", box=box.SIMPLE, pad_edge=False,
              padding=(0, 1), collapse_padding=True, caption=caption or None,
              caption_justify="left")
    show_batch = len({r["batch"] for r in rows}) > 1
    short = {"benchmark": "GAN", "architecture": "arch", "time_ms": "ms", "energy_mj": "mJ",
             "power_w": "W", "area_mm2": "mm2", "precision": "w/i/adc",
             "speedup": "speedup", "energy_saving": "saving", "batch": "batch"}
    keys = [k for k, _, _ in COLUMNS if k != "batch" or show_batch]
    arch_width = min(14, max((len(r["architecture"]) for r in rows), default=4))
    for k in keys:
        t.add_column(short[k], justify="left" if k in ("benchmark", "architecture") else "right",
                     no_wrap=k != "architecture", overflow="fold",
                     min_width=arch_width if k == "architecture" else None)
    for r in rows:
        t.add_row(*(escape(fmt(r[k])) for k in keys))
    return t


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV, units in the headers (``time_ms``, ``energy_mj``, ...)."""
    keys = ["benchmark", "architecture", "platform", "batch", "time_ms", "energy_mj", "power_w",
            "area_mm2", "weight_bits", "input_bits", "adc_bits", "speedup", "energy_saving",
            "reference"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keys)
    for r in rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in keys])
    return out.getvalue()


def records_csv(records: Iterable[Record]) -> str:
    """The reproduction records as CSV in SI units (the fields of ``results.json``)."""
    keys = ["benchmark", "architecture", "platform", "preset", "batch", "time_s", "energy_j",
            "power_w", "area_mm2", "weight_bits", "input_bits", "adc_bits", "hardware_hash"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keys)
    for r in records:
        d = r.to_dict()
        p = d["precision"]
        w.writerow([d["benchmark"], d["architecture"], d["platform"], d["preset"], d["batch"],
                    d["time_s"], d["energy_j"], d["power_w"],
                    "" if d["area_mm2"] is None else d["area_mm2"],
                    p.get("weight_bits"), p.get("input_bits"),
                    "" if p.get("adc_bits") is None else p.get("adc_bits"),
                    d["hardware_hash"]])
    return out.getvalue()


def html_table(rows: Sequence[dict[str, Any]], table_id: str = "results") -> str:
    """The rows as an HTML table (escaped; units in the headers)."""
    head = "".join(f"<th>{html.escape(h)}{f' ({html.escape(u)})' if u else ''}</th>"
                   for _, h, u in COLUMNS)
    body = []
    for r in rows:
        cells = "".join(
            f"<td class=\"{'txt' if k in ('benchmark', 'architecture', 'precision') else 'num'}"
            f"\">{html.escape(fmt(r[k]))}</td>" for k, _, _ in COLUMNS)
        body.append(f"<tr>{cells}</tr>")
    return (f"<table id=\"{html.escape(table_id)}\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def html_simple(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Any small table as HTML (cells formatted with :func:`fmt`)."""
    h = "".join(f"<th>{html.escape(x)}</th>" for x in header)
    b = "".join("<tr>" + "".join(f"<td>{html.escape(fmt(c))}</td>" for c in row) + "</tr>"
                for row in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>"
