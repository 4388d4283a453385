"""The per-layer table of a simulated iteration (``lergan simulate NAME --per-layer``).

One row per (network, layer, pass), NeuroSim-style:

- ``latency_s``: how long the layer's pass keeps its own units busy: per step, from its
  first task's start to its last task's finish (transfers excluded), summed over steps;
- ``critical_path_s``: its share of the critical path (:meth:`SimulationResult.breakdown`
  by time; the rows add up to the iteration time);
- ``energy_j``: its dynamic energy (rows of no layer carry transfers, reconfiguration and
  static energy; all rows add up to the total);
- ``area_mm2``: the area of the crossbars its unit holds (a unit of the forward tier is the
  ``forward`` row, of the error tier ``error``, of the update tier ``weight_gradient``; the
  ``prime`` layout's units, shared by the passes, ``forward``), as the network's share of
  the chip area in proportion to its crossbars;
- ``cells_written``: cells written (updates, reloads of swapped weights).

Layer names are qualified by their network in the ``network`` column, never merged.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lergan.system import SimulationResult

COLUMNS = ("network", "layer", "pass", "latency_s", "critical_path_s", "energy_j",
           "area_mm2", "cells_written")

_TIER_PASS = {"forward": "forward", "error": "error", "update": "weight_gradient"}


def per_layer_rows(result: SimulationResult) -> list[dict[str, Any]]:
    """The rows (dicts keyed by :data:`COLUMNS`), in network, layer, pass order of first
    appearance in the timeline."""
    zero = dict.fromkeys(COLUMNS[3:], 0.0)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def row(net: str, layer: str, pass_: str) -> dict[str, Any]:
        key = (net, layer, pass_)
        if key not in rows:
            rows[key] = {"network": net, "layer": layer, "pass": pass_, **zero}
        return rows[key]

    spans: dict[tuple[str, str, str, str], list[float]] = {}
    for b in sorted(result.timeline, key=lambda b: (b.start_s, b.id)):
        if b.kind == "transfer":
            continue
        row(b.network, b.layer, b.pass_)
        s = spans.setdefault((b.network, b.layer, b.pass_, b.step), [b.start_s, b.finish_s])
        s[0], s[1] = min(s[0], b.start_s), max(s[1], b.finish_s)
    for (net, layer, pass_, _), (s0, s1) in spans.items():
        rows[(net, layer, pass_)]["latency_s"] += s1 - s0
    for field, entries in (("critical_path_s", result.time), ("energy_j", result.energy),
                           ("cells_written", result.writes)):
        for e in entries:
            row(e.network, e.layer, e.pass_)[field] += e.value
    # area: each network's area shared by its units in proportion to their crossbars
    net_area: dict[str, float] = defaultdict(float)
    for e in result.area:
        net_area[e.network] += e.value
    units = result.placement.get("units", {})
    net_xbars: dict[str, float] = defaultdict(float)
    for u in units.values():
        net_xbars[u["network"]] += u.get("crossbars", 0) * u.get("replication", 1)
    assigned: dict[str, float] = defaultdict(float)
    for u in units.values():
        xb = u.get("crossbars", 0) * u.get("replication", 1)
        if not xb or not net_xbars[u["network"]]:
            continue
        share = net_area[u["network"]] * xb / net_xbars[u["network"]]
        pass_ = _TIER_PASS.get(u.get("tier") or "forward", "forward")
        row(u["network"], u["layer"], pass_)["area_mm2"] += share
        assigned[u["network"]] += share
    for net, a in net_area.items():  # networks without crossbars (chip, unused banks)
        if a - assigned.get(net, 0.0) > 1e-12 * max(a, 1.0):
            row(net, "-", "-")["area_mm2"] += a - assigned.get(net, 0.0)
    return list(rows.values())


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV (SI units: seconds, joules; mm2; cells), with a header."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})
    return buf.getvalue()
