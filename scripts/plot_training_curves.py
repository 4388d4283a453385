"""Plot loss and FID curves of `lergan train` runs side by side.

    python scripts/plot_training_curves.py OUT.png runs/float runs/lossless [...]

Each argument after the output is a run folder (its metrics.json); its name labels it.
Losses are smoothed over 25 iterations.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def smooth(v: list[float], n: int = 25) -> list[float]:
    out, acc = [], 0.0
    for i, x in enumerate(v):
        acc += x - (v[i - n] if i >= n else 0.0)
        out.append(acc / min(i + 1, n))
    return out


def main() -> None:
    out, runs = Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]]
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    for run in runs:
        c = json.loads((run / "metrics.json").read_text())["curves"]
        ax[0].plot(smooth(c["loss_D"]), label=run.name, lw=1)
        ax[1].plot(smooth(c["loss_G"]), label=run.name, lw=1)
        it, fid = zip(*c["fid"], strict=True)
        ax[2].plot(it, fid, marker="o", label=run.name, lw=1)
    for a, title in zip(ax, ("D loss (smoothed)", "G loss (smoothed)", "FID"), strict=True):
        a.set_title(title)
        a.set_xlabel("iteration")
    ax[2].set_yscale("log")
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
