"""Evaluate one design point: the only place :mod:`lergan.explore` reads a simulation.

:func:`evaluate_point` calls :func:`lergan.system.simulate` and flattens its result into
the metrics of :data:`METRICS`; everything else in the package (store, Pareto fronts,
sensitivity) reads those names only. To evaluate points with another model (a baseline of
:mod:`lergan.baselines`, a changed simulator), change this function and :data:`METRICS`.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping
from typing import Any

from lergan import __version__
from lergan.hardware import load_preset
from lergan.system import simulate
from lergan.system.options import resolve_architecture

#: metric name -> (unit, meaning); every one is a column of the results store
METRICS: dict[str, tuple[str, str]] = {
    "time_s": ("s", "makespan of one training iteration"),
    "energy_j": ("J", "energy of one iteration, dynamic and static"),
    "power_w": ("W", "average power: energy_j / time_s"),
    "area_mm2": ("mm2", "area of what the design provisions"),
    "dynamic_energy_j": ("J", "dynamic energy of one iteration"),
    "static_energy_j": ("J", "static energy of one iteration"),
    "cells_written": ("cells", "cells programmed per iteration"),
    "lifetime_iterations": ("iterations", "iterations until the most-worn cells reach "
                            "their endurance (empty: unlimited)"),
    "lifetime_s": ("s", "lifetime_iterations x time_s (empty: unlimited)"),
    "macs_executed": ("MACs", "MACs the crossbars and digital units execute"),
}

#: metrics a Pareto front may use (all minimised)
OBJECTIVES = ("time_s", "energy_j", "power_w", "area_mm2")


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def evaluate_point(benchmark: str, architecture: str, batch: int,
                   overrides: Mapping[str, Any] | None = None,
                   options: Mapping[str, Any] | None = None) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
    """(metrics, resolved configuration) of one benchmark on one architecture.

    Metrics are :data:`METRICS` (``None`` where a quantity is unlimited); the configuration
    is everything that determined the result: architecture name, preset, the whole hardware
    description in SI (``Architecture.model_dump``) and the simulation options as the
    simulation resolved them (``SimulationResult.options``: mode, layout, topology, budget).
    Raises what ``simulate`` raises.
    """
    r = simulate(benchmark, arch=architecture, batch=batch,
                 overrides=dict(overrides) if overrides else None,
                 options=dict(options) if options else None)
    life = r.lifetime
    iterations = _finite(getattr(life, "iterations", None))
    macs = r.placement.get("macs") or {}
    metrics = {
        "time_s": r.time_s,
        "energy_j": r.energy_j,
        "power_w": r.energy_j / r.time_s if r.time_s > 0 else None,
        "area_mm2": r.area_mm2,
        "dynamic_energy_j": r.dynamic_energy_j,
        "static_energy_j": r.static_energy_j,
        "cells_written": r.cells_written,
        "lifetime_iterations": iterations,
        "lifetime_s": iterations * r.time_s if iterations is not None else None,
        "macs_executed": _finite(macs.get("executed")),
    }
    preset, base_over = resolve_architecture(architecture)
    hw = load_preset(preset, {**base_over, **(overrides or {})} or None)  # simulate's, cached
    config = {"benchmark": benchmark, "architecture": architecture, "batch": batch,
              "preset": preset, "options": r.options,
              "hardware": hw.model_dump(mode="json")}
    return metrics, config


def run_chunk(tasks: list[tuple[str, str, str, int, dict, dict]]) -> list[dict[str, Any]]:
    """Evaluate a batch of points (``(key, benchmark, architecture, batch, overrides,
    options)``) where it runs (a Dask worker or this process); a point that raises is
    returned with its error instead of metrics, so that one bad point stops nothing."""
    out = []
    for key, bench, arch, batch, overrides, options in tasks:
        t0 = time.perf_counter()
        try:
            metrics, config = evaluate_point(bench, arch, batch, overrides, options)
            text = json.dumps(config, sort_keys=True, separators=(",", ":"))
            out.append({"key": key, "status": "ok", "error": None, "metrics": metrics,
                        "config": text, "elapsed_s": time.perf_counter() - t0,
                        "version": __version__})
        except Exception as exc:  # recorded with the point, the sweep goes on
            out.append({"key": key, "status": "error",
                        "error": f"{type(exc).__name__}: {exc}", "metrics": {},
                        "config": None, "elapsed_s": time.perf_counter() - t0,
                        "version": __version__})
    return out


def warm_up() -> int:
    """Run once per worker process before its points: a worker that runs it imports this
    module, and with it the simulator, once rather than per point; returns the process
    id."""
    return os.getpid()
