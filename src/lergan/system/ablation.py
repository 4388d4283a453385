"""Ablations on the very same iteration graph (``docs/architecture.md`` section 6).

Variants: ``lergan``, ``lergan-no-zfdr`` (zero-inserting), ``lergan-2d-bus``,
``lergan-2d-offchip``, and LerGAN in each mapping mode. Two bases of comparison:

- ``budget``: every variant may use the same number of crossbars (the reference's budget);
- ``area``: every variant gets the reference's area: its crossbar budget grows (or shrinks)
  by the area it saves (or spends) elsewhere, mostly the 3D links and switches, divided by
  the area of one crossbar with its share of the mat's peripherals; where that exceeds the
  chip, the chip gets more mats per bank (``organisation.mats_per_bank``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lergan.errors import LerganError
from lergan.hardware.peak import breakdown
from lergan.system.api import load_architecture, simulate
from lergan.system.options import MODES, SimulationOptions, as_options
from lergan.system.result import SimulationResult

if TYPE_CHECKING:
    from lergan.hardware import Architecture
    from lergan.workload import GAN
    from lergan.workload.iteration import IterationGraph

ARCH_VARIANTS = ("lergan", "lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip")
BASES = ("budget", "area")


@dataclass(frozen=True)
class Variant:
    """An architecture name and, optionally, a mapping mode forced on every layer."""

    arch: str
    mode: str | None = None

    @property
    def label(self) -> str:
        return self.arch if self.mode is None else f"{self.arch}[{self.mode}]"


def default_variants(reference: str = "lergan") -> list[Variant]:
    """The four architectures, then the reference in every mapping mode."""
    return [Variant(a) for a in ARCH_VARIANTS] + [Variant(reference, m) for m in MODES]


def crossbar_area_m2(arch: Architecture) -> float:
    """Area of one crossbar with its share of its mat's components (mat-level rows)."""
    org = arch.organisation
    total = org.banks * org.mats_per_bank * org.crossbars_per_mat
    return sum(r.area_m2 for r in breakdown(arch) if r.level == "mat") / total


def compare(
    name_or_gan: str | GAN | IterationGraph,
    batch: int = 64,
    *,
    basis: str = "budget",
    variants: list[Variant] | None = None,
    overrides: dict[str, Any] | None = None,
    options: SimulationOptions | dict | None = None,
) -> list[dict[str, Any]]:
    """Simulate every variant on the same graph; one row per variant.

    Rows hold ``variant``, ``architecture``, ``mode``, ``crossbar_budget``, ``time_s``,
    ``energy_j``, ``area_mm2``, ``speedup`` and ``energy_saving`` relative to the first
    variant (the reference), and the variant's full ``result`` (a SimulationResult).
    """
    if basis not in BASES:
        raise LerganError(f"basis {basis!r}: expected one of {BASES}")
    opts = as_options(options)
    variants = variants or default_variants()
    ref_arch, *_ = load_architecture(variants[0].arch, overrides)
    org = ref_arch.organisation
    budget = opts.crossbar_budget or org.banks * org.mats_per_bank * org.crossbars_per_mat
    rows: list[dict[str, Any]] = []
    ref: SimulationResult | None = None
    for v in variants:
        o = opts.model_copy(update={"crossbar_budget": budget,
                                    "mode": v.mode or opts.mode})
        over = dict(overrides or {})
        r = simulate(name_or_gan, v.arch, batch, over or None, o)
        if basis == "area" and ref is not None:
            a, *_ = load_architecture(v.arch, over or None)
            per = crossbar_area_m2(a) * 1e6
            b = math.floor(budget + (ref.area_mm2 - r.area_mm2) / per)
            if b < 1:
                raise LerganError(
                    f"variant {v.label}: at the reference's area ({ref.area_mm2:.4g} mm2) it "
                    "has no room for crossbars")
            aorg = a.organisation
            per_bank = aorg.mats_per_bank * aorg.crossbars_per_mat
            if b > aorg.banks * per_bank:
                over["organisation.mats_per_bank"] = math.ceil(
                    b / (aorg.banks * aorg.crossbars_per_mat))
            r = simulate(name_or_gan, v.arch, batch, over or None,
                         o.model_copy(update={"crossbar_budget": b}))
        if ref is None:
            ref = r
        rows.append({
            "variant": v.label,
            "architecture": v.arch,
            "mode": r.options["mode"],
            "crossbar_budget": r.options["crossbar_budget"],
            "time_s": r.time_s,
            "energy_j": r.energy_j,
            "area_mm2": r.area_mm2,
            "speedup": ref.time_s / r.time_s if r.time_s else math.inf,
            "energy_saving": ref.energy_j / r.energy_j if r.energy_j else math.inf,
            "result": r,
        })
    return rows
