"""The scale figure: time, energy and power of an iteration against the memory's capacity,
each point labelled with its bottleneck (:mod:`lergan.system.scale`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lergan.system.scale import ScalePoint


def plot_scale(points: Sequence[ScalePoint], out: str | Path, title: str | None = None) -> Path:
    """Write the figure (format from the suffix: .png, .svg, .pdf) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    by_bench: dict[str, list[ScalePoint]] = {}
    for p in points:
        by_bench.setdefault(f"{p.benchmark} on {p.architecture}", []).append(p)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    for label, pts in by_bench.items():
        pts = sorted(pts, key=lambda p: p.factor)
        x = [p.crossbars for p in pts]
        for ax, y in zip(axes, ([p.time_s * 1e3 for p in pts], [p.energy_j * 1e3 for p in pts],
                                [p.power_w for p in pts]), strict=True):
            line, = ax.plot(x, y, marker="o", label=label)
        axes[2].plot(x, [p.peak_power_w for p in pts], linestyle="--", linewidth=0.8,
                     color=line.get_color())  # the peak of what is provisioned
        last = pts[-1]
        axes[0].annotate(f"{last.bottleneck} ({last.bottleneck_share:.0%})",
                         (x[-1], last.time_s * 1e3), textcoords="offset points",
                         xytext=(-6, 8), ha="right", fontsize=7)
    for ax, ylabel in zip(axes, ("time per iteration (ms)", "energy per iteration (mJ)",
                                 "power (W): average, peak dashed"), strict=True):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("compute crossbars (capacity x compute fraction)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title or "Scaling the memory up: each curve ends at its named bottleneck")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out
