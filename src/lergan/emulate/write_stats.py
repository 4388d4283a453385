"""Measured write fractions for the cost model, from a ``lergan train`` run's metrics.json.

``write.fraction_rewritten`` (the share of a layer's cells written per update) is an
assumption in the presets; an emulated training run measures it per layer: cells written
by the updates (forward arrays and transposed copies) over the cells those updates could
have written. :func:`load_write_stats` reads ``DIR/metrics.json`` into :class:`WriteStats`,
whose :meth:`WriteStats.fraction` answers for a network and layer of a simulated workload:
the layer's own figure when the trained GAN has that layer (keys ``NETWORK/LAYER``, e.g.
``G/tconv1``), else the network's (``G``), else the whole run's, cell-weighted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lergan.emulate.config import EmulationError

__all__ = ["WriteStats", "load_write_stats", "write_fractions"]

_TIERS = ("forward", "transposed_copy")


@dataclass(frozen=True)
class WriteStats:
    """Measured fractions of cells written per update, in [0, 1]."""

    layers: dict[str, float] = field(default_factory=dict)  # "G/tconv1" -> fraction
    networks: dict[str, float] = field(default_factory=dict)  # "G" -> fraction
    overall: float = 1.0
    source: str = ""
    architecture: str = ""
    iterations: int = 0

    def fraction(self, network: str, layer: str) -> float:
        """The measured fraction for ``network``'s ``layer``: the layer's, else the
        network's, else the run's."""
        key = f"{network}/{layer}"
        if key in self.layers:
            return self.layers[key]
        return self.networks.get(network, self.overall)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "architecture": self.architecture,
                "iterations": self.iterations, "overall": self.overall,
                "networks": dict(self.networks), "layers": dict(self.layers)}


def load_write_stats(metrics: str | Path | dict[str, Any]) -> WriteStats:
    """:class:`WriteStats` from a metrics.json path (or its parsed dict).

    Refused with :class:`EmulationError` naming the file: missing, not JSON, from a
    ``--float`` run (no cells), or with no update counted.
    """
    src = "<dict>"
    if not isinstance(metrics, dict):
        src = str(metrics)
        try:
            metrics = json.loads(Path(metrics).read_text())
        except FileNotFoundError:
            raise EmulationError(f"--write-stats {src}: no such file") from None
        except (OSError, ValueError) as e:
            raise EmulationError(f"--write-stats {src}: not a metrics.json ({e})") from None
    if not isinstance(metrics, dict) or "layers" not in metrics:
        raise EmulationError(f"--write-stats {src}: not a `lergan train` metrics.json "
                             "(no 'layers')")
    if metrics.get("cell_writes") is None:
        raise EmulationError(f"--write-stats {src}: a --float run has no write statistics")
    layers: dict[str, float] = {}
    per_net: dict[str, list[int]] = {}
    total = [0, 0]
    for name, lay in metrics["layers"].items():
        w = sum(int(lay["written"].get(t, 0)) for t in _TIERS)
        s = sum(int(lay["skipped"].get(t, 0)) for t in _TIERS)
        if w + s == 0:
            continue
        layers[name] = w / (w + s)
        acc = per_net.setdefault(name.split("/", 1)[0], [0, 0])
        acc[0] += w
        acc[1] += w + s
        total[0] += w
        total[1] += w + s
    if total[1] == 0:
        raise EmulationError(f"--write-stats {src}: no update was counted (0 iterations?)")
    cfg = metrics.get("config", {})
    return WriteStats(
        layers=layers,
        networks={n: a[0] / a[1] for n, a in per_net.items()},
        overall=total[0] / total[1],
        source=src,
        architecture=str(cfg.get("arch", "")),
        iterations=int(metrics.get("iterations", 0)),
    )


def write_fractions(metrics: str | Path | dict[str, Any]) -> dict[str, float]:
    """Per-layer measured fractions (``{"G/tconv1": 0.31, ...}``) of a metrics.json."""
    return dict(load_write_stats(metrics).layers)
