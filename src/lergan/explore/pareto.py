"""Pareto fronts over stored results, and their plots.

A point is on the front when no other point is at least as good in every objective and
better in one (all objectives minimised: time, energy, power, area). Fronts are computed per
benchmark and architecture (a design point is compared with the others on the same
workload and architecture). Plots are drawn with matplotlib (Agg): a scatter per pair of
objectives with the front highlighted, and each objective against each swept parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lergan.errors import LerganError
from lergan.explore.evaluate import METRICS, OBJECTIVES


def pareto_front(values: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Indices (ascending) of the non-dominated rows of ``values`` (n x k, minimised).

    Rows are visited in lexicographic order; a row can only be dominated by one before it
    (a dominating row is no larger in every column), so each is compared with the front
    found so far: O(n x front). Equal rows are all kept.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise LerganError(f"pareto_front: expected an n x k array, got shape {v.shape}")
    if len(v) == 0:
        return np.zeros(0, dtype=int)
    if not np.isfinite(v).all():
        raise LerganError("pareto_front: values must be finite")
    order = np.lexsort(v.T[::-1])
    front: list[int] = []
    fv = np.empty((0, v.shape[1]))
    for i in order:
        row = v[i]
        if len(fv):
            le = (fv <= row).all(axis=1)
            lt = (fv < row).any(axis=1)
            if (le & lt).any():
                continue
        front.append(int(i))
        fv = np.vstack([fv, row])
    return np.array(sorted(front), dtype=int)


def check_objectives(objectives: Sequence[str]) -> tuple[str, ...]:
    """Two or three distinct objectives of :data:`OBJECTIVES` (``LerganError`` naming a
    wrong one); short names ``time``, ``energy``, ``power``, ``area`` are accepted."""
    short = {o.split("_")[0]: o for o in OBJECTIVES}
    out = []
    for o in objectives:
        name = short.get(o, o)
        if name not in OBJECTIVES:
            raise LerganError(f"objective {o!r}: expected one of "
                              f"{', '.join(short)} ({', '.join(OBJECTIVES)})")
        if name in out:
            raise LerganError(f"objective {o!r}: given twice")
        out.append(name)
    if not 2 <= len(out) <= 3:
        raise LerganError(f"objectives {list(objectives)}: give two or three of "
                          f"{', '.join(short)}")
    return tuple(out)


def fronts(rows: list[dict[str, Any]], objectives: Sequence[str]) -> list[dict[str, Any]]:
    """Per (benchmark, architecture): its successful rows and which are on the front.

    Returns ``[{"benchmark", "architecture", "rows", "front": [indices into rows]}]``.
    """
    objectives = check_objectives(objectives)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("status") != "ok" or any(r.get(o) is None for o in objectives):
            continue
        groups.setdefault((r["benchmark"], r["architecture"]), []).append(r)
    out = []
    for (bench, arch), rs in sorted(groups.items()):
        idx = pareto_front([[r[o] for o in objectives] for r in rs])
        out.append({"benchmark": bench, "architecture": arch, "rows": rs,
                    "front": [int(i) for i in idx]})
    return out


# ---- plots ------------------------------------------------------------------------------

_LABEL = {m: f"{m.rsplit('_', 1)[0]} ({u})" for m, (u, _) in METRICS.items()}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def plot_fronts(groups: list[dict[str, Any]], objectives: Sequence[str],
                parameters: Sequence[str], out_dir: str | Path) -> list[Path]:
    """Write, per benchmark and architecture, ``front-BENCH-ARCH.png`` (a scatter for each
    pair of objectives, front in red, joined in order of the first objective when
    there are two) and
    ``params-BENCH-ARCH.png`` (each objective against each swept parameter, front in red;
    text values are placed at their index). Returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    pairs = [(a, b) for i, a in enumerate(objectives) for b in objectives[i + 1:]]
    for g in groups:
        rs, front = g["rows"], set(g["front"])
        tag = f"{g['benchmark']}-{g['architecture']}".replace("/", "_")
        fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.8),
                                 squeeze=False)
        for ax, (a, b) in zip(axes[0], pairs, strict=False):
            xs = np.array([r[a] for r in rs])
            ys = np.array([r[b] for r in rs])
            on = np.array([i in front for i in range(len(rs))])
            ax.scatter(xs[~on], ys[~on], s=10, c="0.65", label="dominated")
            ax.scatter(xs[on], ys[on], s=18, c="tab:red", label="Pareto-optimal")
            if on.any() and len(objectives) == 2:
                fi = np.argsort(xs[on])
                ax.plot(xs[on][fi], ys[on][fi], c="tab:red", lw=0.8)
            ax.set_xlabel(_LABEL[a])
            ax.set_ylabel(_LABEL[b])
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=8)
        fig.suptitle(f"{g['benchmark']} on {g['architecture']}: Pareto front over "
                     f"{', '.join(objectives)}", fontsize=10)
        fig.tight_layout()
        p = out_dir / f"front-{tag}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        written.append(p)
        if not parameters:
            continue
        fig, axes = plt.subplots(len(objectives), len(parameters),
                                 figsize=(3.4 * len(parameters), 2.8 * len(objectives)),
                                 squeeze=False)
        for j, param in enumerate(parameters):
            raw = [r["batch"] if param == "batch" else r["params"].get(param) for r in rs]
            nums = [_num(v) for v in raw]
            if all(v is not None for v in nums):
                xs, ticks = np.array(nums, dtype=float), None
            else:
                labels = sorted({str(v) for v in raw})
                xs = np.array([labels.index(str(v)) for v in raw], dtype=float)
                ticks = labels
            on = np.array([i in front for i in range(len(rs))])
            for i, obj in enumerate(objectives):
                ax = axes[i][j]
                ys = np.array([r[obj] for r in rs])
                ax.scatter(xs[~on], ys[~on], s=8, c="0.65")
                ax.scatter(xs[on], ys[on], s=14, c="tab:red")
                if ticks is not None:
                    ax.set_xticks(range(len(ticks)), ticks, rotation=30, fontsize=7)
                if i == len(objectives) - 1:
                    ax.set_xlabel(param, fontsize=8)
                if j == 0:
                    ax.set_ylabel(_LABEL[obj], fontsize=8)
                ax.grid(alpha=0.3)
        fig.suptitle(f"{g['benchmark']} on {g['architecture']}: each objective against each "
                     "swept parameter (red: Pareto-optimal)", fontsize=10)
        fig.tight_layout()
        p = out_dir / f"params-{tag}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        written.append(p)
    return written
