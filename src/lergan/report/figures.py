"""Figures of a comparison, from records (:class:`lergan.baselines.records.Record`), drawn
with matplotlib's Agg backend (no display) to PNG files.

- :func:`plot_gains`: per benchmark, how many times faster (or more frugal) one architecture
  is than each baseline (log scale, a line at 1);
- :func:`plot_breakdown`: for one benchmark, each architecture's time or energy split by
  pass, or area by component, as shares (stacked to 100 %) with the total written on top,
  so that GPUs (joules) and ReRAM (millijoules) share one axis;
- :func:`plot_scale`: a hook for scale figures: any series of (x, y) points, e.g. the
  speed-up over the GPU as the batch grows;
- timelines: :func:`lergan.report.timeline.plot_timeline`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lergan.report.tables import UNITS, precision_text
from lergan.report.timeline import PASS_COLOURS

if TYPE_CHECKING:
    from lergan.baselines.records import Record

PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3",
           "#8C8C8C", "#CCB974", "#64B5CD")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def precision_of(records: Sequence[Record], arch: str) -> str:
    """``weight/input/ADC`` bits of ``arch`` in ``records`` (every figure states them)."""
    for r in records:
        if r.architecture == arch:
            return precision_text(r.precision)
    return "?"


def _plain_log_ticks(ax: Any) -> None:
    """Log-axis ticks written as plain numbers (0.5, 1, 3) rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter

    def minor(v: float, _: Any) -> str:  # label 2 and 5 between the decades only
        if v <= 0:
            return ""
        m = v / 10 ** math.floor(math.log10(v) + 1e-9)
        return f"{v:g}" if any(abs(m - k) < 1e-6 for k in (2, 5)) else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))
    ax.tick_params(axis="y", which="minor", labelsize=7)


def gains(records: Sequence[Record], subject: str, baseline: str,
          quantity: str = "time") -> dict[str, float]:
    """Per benchmark: ``baseline / subject`` time (speed-up) or energy (energy saving)."""
    attr = "time_s" if quantity == "time" else "energy_j"
    by = {(r.benchmark, r.architecture): getattr(r, attr) for r in records}
    out = {}
    for (bench, arch), v in by.items():
        if arch == subject and (bench, baseline) in by and v:
            out[bench] = by[(bench, baseline)] / v
    return out


def plot_gains(records: Sequence[Record], subject: str, baselines: Sequence[str],
               path: str | Path, quantity: str = "time", title: str | None = None) -> Path:
    """Grouped bars: ``subject``'s speed-up (``quantity="time"``) or energy saving
    (``"energy"``) over each baseline, per benchmark."""
    plt = _plt()
    path = Path(path)
    benches = sorted({r.benchmark for r in records})
    series = [(b, gains(records, subject, b, quantity)) for b in baselines]
    series = [(b, g) for b, g in series if g]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(benches) + 2), 4.2))
    width = 0.8 / max(len(series), 1)
    for i, (b, g) in enumerate(series):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(benches))]
        ys = [g.get(bench, math.nan) for bench in benches]
        ax.bar(xs, ys, width, label=f"over {b} ({precision_of(records, b)})",
               color=PALETTE[i % len(PALETTE)])
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xticks(range(len(benches)))
    ax.set_xticklabels(benches, rotation=20, ha="right")
    what = "speed-up" if quantity == "time" else "energy saving"
    ax.set_ylabel(f"{subject} {what} (x, log scale)")
    ax.set_title((title or f"{subject}: {what} over each baseline (above 1: {subject} is "
                  "better)") + f"\n{subject} {precision_of(records, subject)}; precision as "
                 "weight/input/ADC bits", fontsize=10)
    ax.grid(axis="y", alpha=0.3, which="both")
    if series:
        ax.legend(fontsize=8, ncol=min(len(series), 4), loc="upper center",
                  bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_breakdown(records: Sequence[Record], benchmark: str, quantity: str, by: str,
                   path: str | Path, limit: int = 8) -> Path:
    """Stacked shares of ``quantity`` (``time``, ``energy`` or ``area``) by ``by`` (``pass``
    or ``component``) per architecture for ``benchmark``, the total written on each bar."""
    plt = _plt()
    path = Path(path)
    recs = [r for r in records if r.benchmark == benchmark
            and by in r.breakdowns.get(quantity, {})]
    totals: dict[str, float] = {}
    for r in recs:
        for k, v in r.breakdowns[quantity][by].items():
            totals[k] = totals.get(k, 0.0) + v / (sum(r.breakdowns[quantity][by].values()) or 1)
    keys = sorted(totals, key=lambda k: -totals[k])
    shown, rest = keys[:limit], keys[limit:]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(recs) + 3), 4.4))
    unit, factor = UNITS[quantity]

    def colour(j: int, k: str) -> str:
        if k == "other":
            return "#DDDDDD"
        return PASS_COLOURS.get(k) or PALETTE[j % len(PALETTE)] if by == "pass" else (
            PALETTE[j % len(PALETTE)])

    for i, r in enumerate(recs):
        parts = r.breakdowns[quantity][by]
        total = sum(parts.values()) or 1.0
        bottom = 0.0
        for j, k in enumerate([*shown, "other"]):
            v = (sum(parts.get(x, 0.0) for x in rest) if k == "other" else parts.get(k, 0.0))
            share = 100 * v / total
            ax.bar(i, share, 0.7, bottom=bottom, color=colour(j, k),
                   label=k if i == 0 else None)
            bottom += share
        value = {"time": r.time_s, "energy": r.energy_j, "area": r.area_mm2 or 0.0}[quantity]
        shown_v = value * (factor if quantity != "area" else 1.0)
        ax.text(i, 101, f"{shown_v:.3g} {unit}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(recs)))
    ax.set_xticklabels([f"{r.architecture}\n{precision_text(r.precision)}" for r in recs],
                       rotation=25, ha="right", fontsize=8)
    ax.set_ylim(0, 112)
    ax.set_ylabel(f"share of {quantity} (%)")
    ax.set_title(f"{benchmark}: {quantity} by {by} (total on each bar; precision as "
                 "weight/input/ADC bits)", fontsize=10)
    ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_scale(series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
               path: str | Path, *, xlabel: str, ylabel: str, title: str,
               logx: bool = True, logy: bool = True) -> Path:
    """A scale figure: one line per ``(label, xs, ys)``."""
    plt = _plt()
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (label, xs, ys) in enumerate(series):
        ax.plot(xs, ys, marker="o", label=label, color=PALETTE[i % len(PALETTE)])
    if logx:
        ax.set_xscale("log", base=2)
    if logy:
        ax.set_yscale("log")
        _plain_log_ticks(ax)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    if series:
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
