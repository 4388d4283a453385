"""Gantt chart of a simulated iteration: one row per resource, bars coloured by pass.

``plot_timeline(result, path)`` draws :attr:`lergan.system.SimulationResult.timeline` with
matplotlib's Agg backend (no display needed) and writes a PNG (or any format matplotlib
infers from the suffix). Rows are crossbar units, swap regions and links, grouped by bank
tier in the order they first start; the critical path is outlined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PASS_COLOURS = {
    "forward": "#4C72B0",
    "error": "#DD8452",
    "weight_gradient": "#55A868",
    "update": "#C44E52",
    "reload": "#8172B3",
    "loss": "#937860",
    "transfer": "#8C8C8C",
}


def plot_timeline(result: Any, path: str | Path, *, max_rows: int = 80,
                  title: str | None = None) -> Path:
    """Draw ``result``'s timeline to ``path`` (returns the path written)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    path = Path(path)
    bars = result.timeline
    rows: dict[str, int] = {}
    busy: dict[str, float] = {}
    for b in bars:
        busy[b.resource] = busy.get(b.resource, 0.0) + (b.finish_s - b.start_s)
    keep = sorted(busy, key=lambda r: -busy[r])[:max_rows]
    for b in sorted(bars, key=lambda b: (b.start_s, b.resource)):
        if b.resource in keep and b.resource not in rows:
            rows[b.resource] = len(rows)
    crit = {seg["id"] for seg in result.critical_path}
    scale, unit = (1e3, "ms") if result.time_s >= 1e-3 else (1e6, "us")
    fig_h = max(3.0, 0.22 * len(rows) + 1.5)
    fig, ax = plt.subplots(figsize=(13, fig_h))
    for b in bars:
        y = rows.get(b.resource)
        if y is None:
            continue
        ax.barh(y, (b.finish_s - b.start_s) * scale, left=b.start_s * scale, height=0.7,
                color=PASS_COLOURS.get(b.pass_, "#CCCCCC"),
                edgecolor="black" if b.id in crit else "none", linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(list(rows), fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel(f"time ({unit})")
    ax.set_xlim(0, result.time_s * scale * 1.01)
    ax.set_title(title or (
        f"{result.benchmark} on {result.architecture}, batch {result.batch}: "
        f"{result.time_s * scale:.4g} {unit}, {result.energy_j * 1e3:.4g} mJ "
        "(critical path outlined)"), fontsize=9)
    ax.legend(handles=[Patch(color=c, label=p) for p, c in PASS_COLOURS.items()],
              fontsize=7, loc="lower right", ncol=4)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
