"""The result of simulating one iteration: a plain, JSON-serialisable object.

Energy is a list of :class:`Entry` records (network, step, pass, layer, component, joules):
every dynamic action and the static energy, so that any breakdown is a sum over the same
records and adds up to the total. Time is broken down along the critical path (which
accounts for the makespan; what it leaves is ``wait``). Cells written are records too
(component: what is written, see :mod:`lergan.system.wear`), with the groups of physical
cells they wear and the lifetime of the most-worn one. Field names follow the records of
``lergan reproduce`` (``benchmark``, ``architecture``, ``batch``, ``time_s``, ``energy_j``,
``area_mm2``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from lergan.errors import InternalError, LerganError
from lergan.provenance import digest, record

if TYPE_CHECKING:  # wear builds on Entry: a type-only import back
    from lergan.system.wear import IterationLifetime, WearGroup

KEYS = ("network", "step", "pass", "layer", "component")


class Entry(NamedTuple):
    """Joules (or seconds, or square metres) spent by one action class."""

    network: str
    step: str
    pass_: str
    layer: str
    component: str
    value: float

    def key(self, by: str) -> str:
        return self.pass_ if by == "pass" else getattr(self, by)

    def qualified_layer(self) -> str:
        """The layer named with its network (``G.net_2``), so that two networks' layers of
        the same name stay apart; records of no layer (``-``) or of a transfer
        (``offchip``'s ``data/x``) keep their name."""
        if self.layer == "-" or "/" in self.layer or not self.network:
            return self.layer
        return f"{self.network}.{self.layer}"


class Interval(NamedTuple):
    """One bar of the timeline: a task or transfer on a resource."""

    id: str
    resource: str
    kind: str
    network: str
    step: str
    pass_: str
    layer: str
    start_s: float
    finish_s: float


def _group(entries: list[Entry], by: str | tuple[str, ...]) -> dict[str, float]:
    keys = (by,) if isinstance(by, str) else tuple(by)
    for k in keys:
        if k not in KEYS:
            raise LerganError(f"breakdown by {k!r}: expected one of {KEYS}")
    out: dict[str, float] = defaultdict(float)
    qualify = "layer" in keys and "network" not in keys  # else the key names the network
    for e in entries:
        out["/".join(e.qualified_layer() if qualify and k == "layer" else e.key(k)
                     for k in keys)] += e.value
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


@dataclass(frozen=True)
class SimulationResult:
    """Totals, breakdowns, placement, interconnect use and the timeline of one iteration."""

    benchmark: str
    architecture: str
    batch: int
    time_s: float
    energy_j: float
    area_mm2: float
    energy: list[Entry]
    time: list[Entry]
    area: list[Entry]
    timeline: list[Interval]
    critical_path: list[dict[str, Any]]
    utilisation: dict[str, float]
    placement: dict[str, Any]
    interconnect: dict[str, Any]
    cells_written: float
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    writes: list[Entry] = field(default_factory=list)
    wear: list[WearGroup] = field(default_factory=list)  # most-worn first
    lifetime: IterationLifetime | None = None  # simulate sets it
    #: converter precision: ADC policy and bits, bits required and dropped per pass
    #: (:func:`lergan.hardware.converters.converter_precision`; simulate sets it)
    converters: dict[str, Any] = field(default_factory=dict)
    #: peak power of what is provisioned, every component at its peak rate (W; simulate
    #: sets it, :func:`lergan.system.api.peak_power_w`); ``power_w`` is the average
    peak_power_w: float | None = None

    @property
    def power_w(self) -> float:
        """Average power over the iteration: energy / time."""
        return self.energy_j / self.time_s if self.time_s > 0 else 0.0

    @property
    def dynamic_energy_j(self) -> float:
        return sum(e.value for e in self.energy if e.pass_ != "static")

    @property
    def static_energy_j(self) -> float:
        return sum(e.value for e in self.energy if e.pass_ == "static")

    def breakdown(self, by: str | tuple[str, ...] = "component",
                  quantity: str = "energy") -> dict[str, float]:
        """Sum of ``quantity`` (``energy`` J, ``time`` s on the critical path, ``area`` mm2,
        ``writes`` cells written, component = what is written) per key ``by`` (``network``,
        ``step``, ``pass``, ``layer``, ``component`` or a tuple). Without ``network`` among
        the keys, layers are qualified by their network (``G.conv1``), never merged."""
        src = {"energy": self.energy, "time": self.time, "area": self.area,
               "writes": self.writes}.get(quantity)
        if src is None:
            raise LerganError(
                f"breakdown quantity {quantity!r}: expected energy, time, area or writes")
        return _group(src, by)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (the first six keys are the reproduction record)."""

        def entries(xs: list[Entry]) -> list[dict[str, Any]]:
            return [{"network": e.network, "step": e.step, "pass": e.pass_, "layer": e.layer,
                     "component": e.component, "value": e.value} for e in xs]

        out = {
            "benchmark": self.benchmark,
            "architecture": self.architecture,
            "batch": self.batch,
            "time_s": self.time_s,
            "energy_j": self.energy_j,
            "area_mm2": self.area_mm2,
            "power_w": self.power_w,
            "peak_power_w": self.peak_power_w,
            "converters": self.converters,
            "dynamic_energy_j": self.dynamic_energy_j,
            "static_energy_j": self.static_energy_j,
            "cells_written": self.cells_written,
            "breakdowns": {
                q: {k: self.breakdown(k, q) for k in KEYS}
                for q in ("energy", "time", "area", "writes")
            },
            "lifetime": self.lifetime.to_dict() if self.lifetime is not None else None,
            "wear_groups": [g.to_dict() for g in self.wear],
            "energy_entries": entries(self.energy),
            "time_entries": entries(self.time),
            "area_entries": entries(self.area),
            "write_entries": entries(self.writes),
            "critical_path": self.critical_path,
            "utilisation": self.utilisation,
            "placement": self.placement,
            "interconnect": self.interconnect,
            "timeline": [i._asdict() | {"pass": i.pass_} for i in self.timeline],
            "options": self.options,
            "notes": list(self.notes),
            "provenance": record(options_sha256=digest(self.options)),
        }
        for item in out["timeline"]:
            item.pop("pass_", None)
        _check_finite(out, "result")
        return out


def _check_finite(obj: Any, where: str) -> None:
    """Every number finite: inputs are checked finite where they are read, so a non-finite
    result is a bug (:class:`InternalError`), not a user error."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise InternalError(f"{where} is not a finite number ({obj})")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_finite(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_finite(v, f"{where}[{i}]")
