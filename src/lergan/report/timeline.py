"""Gantt chart of a simulated iteration: one lane per unit and link, bars coloured by pass.

``plot_timeline(result, path)`` draws :attr:`lergan.system.SimulationResult.timeline` with
matplotlib's Agg backend (no display needed) and writes the format the suffix names (PNG,
SVG, PDF, ...; an unknown suffix is an error). Lanes are grouped by where they are (each
network's tiers, in the order forward, error, update; then the links) on shaded bands
named at their left edge; within a group, lanes follow the order in which they first
start. A group's digital units (batch norm, activations, optimiser steps) share one lane;
a transfer is drawn on every link of its route. A strip above shows when each step (D, G,
D2, ...) runs. Bars on the critical path are outlined; bars too short to see are widened
to a minimum width. Lane labels are for readers (:func:`lane_label`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lergan.errors import LerganError

if TYPE_CHECKING:
    from lergan.system import SimulationResult
    from lergan.system.result import Interval

PASS_COLOURS = {
    "forward": "#4C72B0",
    "error": "#DD8452",
    "weight_gradient": "#55A868",
    "update": "#C44E52",
    "reload": "#8172B3",
    "loss": "#937860",
    "transfer": "#8C8C8C",
    "spill": "#DA8BC3",
}
TIER_ORDER = {"forward": 0, "error": 1, "update": 2}
LINKS = "links"
DIGITAL = "digital units"
MEMORY = "memory mats"


def lanes_of(resource: str, kind: str, tiers: bool = True) -> list[tuple[str, str]]:
    """(group, lane label) pairs an interval of ``resource`` is drawn on.

    Units are named ``NET/TIER/LAYER[...]`` (``lergan`` layout) or ``NET/LAYER[...]``
    (``prime``, ``tiers=False``: its optimiser steps, ``NET/update/LAYER:optimiser``, go
    with the network); swap regions ``GROUP:swap``; links ``3d:B1>B2``, ``bus``,
    ``offchip``, a route joining them with ``+``; a bank's pool of digital units
    ``B3:digital``; a bank's port to its memory mats ``B3:memory`` (spilled data,
    :mod:`lergan.system.storage`).
    """
    if kind == "transfer" or resource == "offchip":
        return [(LINKS, r) for r in resource.split("+")]
    if resource.endswith(":memory") and "/" not in resource:  # "B3:memory"
        return [(MEMORY, f"bank {resource[1:-7]}")]
    if resource.endswith(":swap"):
        return [(resource[:-5], "swap region")]
    if resource.endswith(":digital") and "/" not in resource:  # a bank's pool, "B3:digital"
        return [(DIGITAL, f"bank {resource[1:-8]}")]
    parts = resource.split("/")
    group, label = ("/".join(parts[:2]), "/".join(parts[2:])) if len(parts) >= 3 else (
        parts[0], "/".join(parts[1:]))
    if label.endswith((":digital", ":optimiser")):
        return [(group if tiers or not label.endswith(":optimiser") else parts[0],
                 "digital units")]
    return [(group, label)]


_LANE_SUFFIX = {":wg": "weight gradient", ":T": "transposed copy"}


def lane_label(label: str) -> str:
    """A lane's label for readers: ``3d:B4>B6`` is ``B4 → B6 (3D link)``, ``conv2:wg`` is
    ``conv2 (weight gradient)``, ``offchip`` is ``off-chip``; others are kept."""
    kind, sep, hop = label.partition(":")
    if sep and ">" in hop:
        a, _, b = hop.partition(">")
        return f"{a} → {b} ({kind.upper()} link)"
    for suffix, words in _LANE_SUFFIX.items():
        if label.endswith(suffix):
            return f"{label[: -len(suffix)]} ({words})"
    return {"offchip": "off-chip", "bus": "shared bus"}.get(label, label)


#: bounds of the figure options (inches, points)
SIZE_RANGE = (1.0, 200.0)
FONT_RANGE = (2.0, 72.0)


def output_format(path: str | Path) -> str:
    """The image format of ``path``'s suffix (``LerganError`` naming the supported ones when
    there is no suffix or matplotlib cannot write it)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.backend_bases import FigureCanvasBase


    supported = sorted(FigureCanvasBase.get_supported_filetypes())
    p = Path(path)
    if not str(path).strip() or str(path) == "-" or not p.name or p.name in (".", ".."):
        raise LerganError(f"--out {str(path)!r}: give an image file name such as "
                          "timeline.png")
    suffix = p.suffix.lower().lstrip(".")
    if suffix not in supported:
        raise LerganError(
            f"--out {str(path)!r}: " + (f"unknown image format {suffix!r}" if suffix else
                                        "no suffix to take the image format from")
            + f" (supported: {', '.join('.' + s for s in supported)})")
    return suffix


def _group_key(group: str, first_network: dict[str, int]) -> tuple:
    if group == LINKS:
        return (1, 0, 0, group)
    if group == DIGITAL:
        return (0, 100, 0, group)
    if group == MEMORY:
        return (0, 101, 0, group)
    net, _, tier = group.partition("/")
    return (0, first_network.get(net, 99), TIER_ORDER.get(tier, 3), group)


def has_tiers(bars: Iterable[Interval]) -> bool:
    """Whether the units are laid out in tiers (``NET/TIER/LAYER`` names)."""
    return any(b.kind != "transfer" and b.resource.count("/") >= 2
               and not b.resource.endswith(":optimiser") for b in bars)


def layout_lanes(bars: Iterable[Interval], max_rows: int) -> tuple[list[tuple[str, str]], int]:
    """Lanes in drawing order (grouped, then by first start) and how many were left out
    (the least busy, beyond ``max_rows``)."""
    bars = list(bars)
    tiers = has_tiers(bars)
    busy: dict[tuple[str, str], float] = {}
    first: dict[tuple[str, str], float] = {}
    first_network: dict[str, int] = {}
    for b in sorted(bars, key=lambda b: (b.start_s, b.id)):
        if b.network not in first_network and b.kind != "transfer":
            first_network[b.network] = len(first_network)
        for lane in lanes_of(b.resource, b.kind, tiers):
            busy[lane] = busy.get(lane, 0.0) + (b.finish_s - b.start_s)
            first.setdefault(lane, b.start_s)
    keep = set(sorted(busy, key=lambda k: -busy[k])[:max_rows])
    order = sorted(keep, key=lambda k: (_group_key(k[0], first_network), first[k], k[1]))
    return order, len(busy) - len(keep)


def plot_timeline(result: SimulationResult, path: str | Path, *, max_rows: int = 60,
                  title: str | None = None, width: float = 14.0,
                  height: float | None = None, font_size: float = 8.0) -> Path:
    """Draw ``result``'s timeline to ``path`` in the format its suffix names (returns the
    path written). ``width`` and ``height`` in inches (height: by default 0.26 per lane
    plus 2.6), ``font_size`` in points (lane labels; titles scale with it). An unknown
    suffix, a size out of range or an unwritable path is a ``LerganError``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch


    fmt = output_format(path)
    for what, v, (lo, hi) in (("--width", width, SIZE_RANGE), ("--height", height, SIZE_RANGE),
                              ("--font-size", font_size, FONT_RANGE)):
        if v is not None and not lo <= v <= hi:
            raise LerganError(f"{what} {v!r}: must be between {lo:g} and {hi:g}")
    path = Path(path)
    try:
        is_dir = path.is_dir()
    except OSError as exc:  # a name too long for the file system
        raise LerganError(f"--out {str(path)[:80]!r}: cannot write: {exc.strerror}") from None
    if is_dir:
        raise LerganError(f"--out {str(path)!r}: is a directory")
    bars = result.timeline
    lanes, hidden = layout_lanes(bars, max_rows)
    row = {lane: i for i, lane in enumerate(lanes)}
    crit = {seg["id"] for seg in result.critical_path}
    scale, unit = (1e3, "ms") if result.time_s >= 1e-3 else (1e6, "us")
    span = result.time_s * scale or 1.0
    min_w = span * 0.002  # narrower bars would vanish at this resolution

    n = max(len(lanes), 1)
    fig_h = height or 0.26 * n + 2.6
    fs = font_size
    fig, (top, ax) = plt.subplots(
        2, 1, sharex=True, figsize=(width, fig_h),
        gridspec_kw={"height_ratios": [0.9, max(0.26 * n, 1.5)], "hspace": 0.04})

    # steps: when each one runs (first start to last finish of its bars)
    steps: dict[str, list[float]] = {}
    for b in bars:
        s = steps.setdefault(b.step, [b.start_s, b.finish_s])
        s[0], s[1] = min(s[0], b.start_s), max(s[1], b.finish_s)
    for i, (name, (s0, s1)) in enumerate(sorted(steps.items(), key=lambda kv: kv[1][0])):
        top.barh(i, (s1 - s0) * scale, left=s0 * scale, height=0.6, color="#BBBBBB")
        top.text(s0 * scale, i, f" {name}-step", va="center", ha="left", fontsize=fs)
    top.set_yticks([])
    top.set_ylim(len(steps) - 0.4, -0.6)
    top.set_title(title or (
        f"{result.benchmark} on {result.architecture}, batch {result.batch}: "
        f"{result.time_s * scale:.4g} {unit}, {result.energy_j * 1e3:.4g} mJ "
        "(critical path outlined)"), fontsize=fs + 2)

    # group bands, named in the left margin (left of the lanes' labels)
    from matplotlib.transforms import blended_transform_factory

    margin = blended_transform_factory(fig.transFigure, ax.transData)
    groups: dict[str, list[int]] = {}
    for i, (g, _) in enumerate(lanes):
        groups.setdefault(g, []).append(i)
    for k, (g, rows) in enumerate(groups.items()):
        if k % 2 == 0:
            ax.axhspan(rows[0] - 0.5, rows[-1] + 0.5, color="#F2F2F2", zorder=0)
        ax.axhline(rows[0] - 0.5, color="#999999", linewidth=0.6, zorder=1)
        ax.text(0.006, rows[0], g, transform=margin, fontsize=fs + 1, fontweight="bold",
                va="center", ha="left", color="#333333")

    tiers = has_tiers(bars)
    for b in bars:
        w = (b.finish_s - b.start_s) * scale
        for lane in lanes_of(b.resource, b.kind, tiers):
            y = row.get(lane)
            if y is None:
                continue
            on_path = b.id in crit
            ax.barh(y, max(w, min_w), left=b.start_s * scale, height=0.7,
                    color=PASS_COLOURS.get(b.pass_, "#CCCCCC"),
                    edgecolor="black" if on_path else "none",
                    linewidth=1.0 if on_path else 0, zorder=2)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([lane_label(label) for _, label in lanes], fontsize=fs)
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.set_xlim(0, span * 1.01)
    ax.set_xlabel(f"time ({unit})" + (f"; {hidden} least busy lanes not shown"
                                       if hidden else ""), fontsize=fs + 1)
    ax.tick_params(axis="x", labelsize=fs)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(handles=[Patch(color=c, label=p.replace("_", " "))
                        for p, c in PASS_COLOURS.items()],
               fontsize=fs, loc="upper right", ncol=len(PASS_COLOURS), frameon=False,
               bbox_to_anchor=(0.99, 1.0))
    fig.subplots_adjust(left=0.15, right=0.99, top=1 - 0.55 / fig_h, bottom=0.45 / fig_h)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, format=fmt)
    except OSError as exc:
        raise LerganError(f"--out {str(path)[:80]!r}: cannot write: {exc.strerror or exc}"
                          ) from None
    finally:
        plt.close(fig)
    return path
