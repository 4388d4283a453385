"""Sensitivity of the headline results to the preset's assumptions, with tornado plots.

Every numeric leaf of the architecture's preset labelled ``assumption: true`` is varied
one at a time to the low and to the high end of its range, all else nominal:

- the range recorded next to the assumption (``range: [low, high]`` in the leaf's unit,
  :attr:`lergan.hardware.Provenance.range`), or else
- the documented default, :data:`DEFAULT_FACTORS` (x0.5 to x2 of the nominal value), clipped
  to the field's valid bounds (``Bits`` 1..64, a fraction 0..1, ...) and rounded for whole
  number fields.

Not varied (listed with the reason): text and true/false assumptions (choices, not
numbers), and a nominal zero without a recorded range (a factor leaves it zero).

Headline results, per benchmark and as the geometric mean over benchmarks: the
architecture's **speedup** (reference time / its time) and **energy saving** (reference
energy / its energy) against each reference architecture (``baselines``). A reference
shares an assumption when its own preset labels the same key an assumption with the same
nominal value (``lergan-no-zfdr`` is ``lergan`` with another mapping mode, so it shares
all); a shared assumption is varied in the reference too, otherwise the reference stays
nominal. Each headline's range is the smallest and largest value over all these runs
(nominal included), with the assumption and end that reach it.

The last result is written as JSON to :func:`last_result_path` (format
``lergan-sensitivity/1``, see docs/explore.md); :func:`read_last` reads it back.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from lergan import __version__
from lergan.errors import LerganError
from lergan.explore.execute import run_points
from lergan.explore.spec import point_key
from lergan.hardware import load_preset
from lergan.hardware.loader import _schema_at
from lergan.hardware.schema import Architecture
from lergan.system.options import resolve_architecture
from lergan.workload import suite

#: default range of an assumption without a recorded one: (low, high) factors of nominal
DEFAULT_FACTORS = (0.5, 2.0)
DEFAULT_BASELINES = ("prime", "lergan-no-zfdr")
FORMAT = "lergan-sensitivity/1"
HEADLINES = ("speedup", "energy_saving")


@dataclass(frozen=True)
class Assumption:
    """One assumption and the span it is varied over (SI)."""

    key: str
    unit: str
    nominal: Any
    low: float | None
    high: float | None
    range_source: str  # "preset" | "default" | "-"
    integer: bool
    varied: bool
    reason: str | None  # why it is not varied
    shared_with: tuple[str, ...] = ()


# ---- the assumptions of a preset and their ranges ----------------------------------------


def _constraints(obj: Any, out: dict[str, float]) -> None:
    for name in ("ge", "gt", "le", "lt"):
        v = getattr(obj, name, None)
        if isinstance(v, (int, float)):
            out[name] = float(v)
    for m in getattr(obj, "metadata", None) or ():
        _constraints(m, out)


def field_bounds(key: str) -> dict[str, float]:
    """Constraints (``ge``, ``gt``, ``le``, ``lt``) of the schema field at dotted ``key``."""
    ann: Any = Architecture
    out: dict[str, float] = {}
    for part in key.split("."):
        out = {}
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            f = ann.model_fields.get(part)
            if f is None:
                return {}
            _constraints(f, out)
            ann = f.annotation
        elif get_origin(ann) is dict:
            ann = get_args(ann)[1]
        else:
            return {}
        if get_origin(ann) is typing.Annotated:
            for m in get_args(ann)[1:]:
                _constraints(m, out)
            ann = get_args(ann)[0]
        if get_origin(ann) in (Union, types.UnionType):
            args = [a for a in get_args(ann) if a is not type(None)]
            ann = args[0] if len(args) == 1 else ann
    return out


def _clip(v: float, b: dict[str, float], integer: bool) -> float:
    if "ge" in b:
        v = max(v, b["ge"])
    if "le" in b:
        v = min(v, b["le"])
    if "gt" in b and v <= b["gt"]:
        v = b["gt"] + 1 if integer else b["gt"] + abs(b["gt"]) * 1e-9 + 1e-30
    if "lt" in b and v >= b["lt"]:
        v = b["lt"] - 1 if integer else b["lt"] - abs(b["lt"]) * 1e-9
    return v


def assumptions(arch: str = "lergan", factors: tuple[float, float] = DEFAULT_FACTORS,
                baselines: Sequence[str] = ()) -> list[Assumption]:
    """The assumptions of ``arch``'s preset (in file order) with their ranges."""
    preset, base_over = resolve_architecture(arch)
    hw = load_preset(preset, base_over or None)
    refs = {}
    for b in baselines:
        rp, rover = resolve_architecture(b)
        refs[b] = load_preset(rp, rover or None).provenance_table()
    out = []
    for key, p in hw.provenance_table().items():
        if not p.assumption:
            continue
        shared = tuple(b for b, t in refs.items()
                       if key in t and t[key].assumption and t[key].value == p.value)
        v = p.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            out.append(Assumption(key, p.unit, v, None, None, "-", False, False,
                                  "not a number (a choice): not varied", shared))
            continue
        integer = _schema_at(key)[0] is int  # the field's type, not how it was written
        if p.range is not None:
            low, high, src = float(p.range[0]), float(p.range[1]), "preset"
        elif v == 0:
            out.append(Assumption(key, p.unit, v, None, None, "-", False, False,
                                  "nominal 0: a factor leaves it 0; record a range in the "
                                  "preset", shared))
            continue
        else:
            b = field_bounds(key)
            low, high = (_clip(v * f, b, integer) for f in factors)
            low, high, src = min(low, high), max(low, high), "default"
        if integer:
            low, high = float(math.ceil(low)), float(math.floor(high))
        varied = low != v or high != v
        out.append(Assumption(key, p.unit, v, int(low) if integer else low,
                              int(high) if integer else high, src, integer, varied,
                              None if varied else "its range is its nominal value", shared))
    return out


# ---- the runs ------------------------------------------------------------------------------


def _geomean(xs: Sequence[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def run_sensitivity(arch: str = "lergan", *, baselines: Sequence[str] = DEFAULT_BASELINES,
                    benchmarks: Sequence[str] | None = None, batch: int = 64,
                    params: Sequence[str] | None = None,
                    factors: tuple[float, float] = DEFAULT_FACTORS, workers: int = 1,
                    scheduler: str | None = None,
                    on_start: Callable[[int], None] | None = None,
                    progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Vary each assumption of ``arch`` to each end of its range and return the ranges of
    the headline results (the JSON document of :func:`write_last`; see module docstring)."""
    if not baselines:
        raise LerganError("--baseline: give at least one reference architecture")
    if arch in baselines:
        raise LerganError(f"--baseline {arch}: the architecture itself is no reference")
    benchmarks = list(benchmarks or suite.names())
    for b in benchmarks:
        if b not in suite.names():
            raise LerganError(f"benchmark {b!r}: not in the suite (known: "
                              f"{', '.join(suite.names())})")
    lo_f, hi_f = factors
    if not 0 < lo_f <= 1 <= hi_f:
        raise LerganError(f"factors {factors}: expected 0 < low <= 1 <= high")
    table = assumptions(arch, factors, baselines)
    if params:
        known = {a.key for a in table}
        for p in params:
            if p not in known:
                raise LerganError(f"--param {p!r}: not an assumption of {arch} (assumptions: "
                                  f"{', '.join(sorted(known))})")
        table = [a for a in table if a.key in params]
    varied = [a for a in table if a.varied]

    # every (benchmark, architecture, overrides) to run, deduplicated by point key
    runs: dict[str, tuple] = {}

    def need(bench: str, a: str, over: dict[str, Any]) -> str:
        k = point_key(bench, a, batch, over, {})
        runs.setdefault(k, (k, bench, a, batch, over, {}))
        return k

    plan: dict[tuple, str] = {}  # (bench, arch, key|None, end|None) -> point key
    for bench in benchmarks:
        for a in (arch, *baselines):
            plan[(bench, a, None, None)] = need(bench, a, {})
        for asm in varied:
            for end, v in (("low", asm.low), ("high", asm.high)):
                plan[(bench, arch, asm.key, end)] = need(bench, arch, {asm.key: v})
                for ref in baselines:
                    over = {asm.key: v} if ref in asm.shared_with else {}
                    plan[(bench, ref, asm.key, end)] = need(bench, ref, over)
    if on_start:
        on_start(len(runs))
    outcome: dict[str, dict[str, Any]] = {}

    def on_chunk(outs: list[dict[str, Any]]) -> None:
        for o in outs:
            outcome[o["key"]] = o

    run_points(list(runs.values()), on_chunk, workers=workers, scheduler=scheduler,
               progress=progress)

    failures = []
    for (bench, a, key, end), k in plan.items():
        o = outcome.get(k)
        if o is None or o["status"] != "ok":
            failures.append({"benchmark": bench, "architecture": a, "key": key, "end": end,
                             "error": o["error"] if o else "not run"})

    def headline(metric: str, ref: str, bench: str, key: str | None,
                 end: str | None) -> float | None:
        col = "time_s" if metric == "speedup" else "energy_j"
        mine = outcome.get(plan[(bench, arch, key, end)], {})
        theirs = outcome.get(plan[(bench, ref, key, end)], {})
        if mine.get("status") != "ok" or theirs.get("status") != "ok":
            return None
        x, y = mine["metrics"][col], theirs["metrics"][col]
        return y / x if x > 0 and y > 0 else None

    def value(metric: str, ref: str, bench: str, key: str | None,
              end: str | None) -> float | None:
        if bench != "geomean":
            return headline(metric, ref, bench, key, end)
        xs = [headline(metric, ref, b, key, end) for b in benchmarks]
        return None if any(x is None for x in xs) else _geomean(xs)  # type: ignore[arg-type]

    headlines, effects = [], []
    for metric in HEADLINES:
        for ref in baselines:
            for bench in [*benchmarks, "geomean"]:
                nominal = value(metric, ref, bench, None, None)
                lo = hi = nominal
                lo_by = hi_by = None
                for asm in varied:
                    for end in ("low", "high"):
                        v = value(metric, ref, bench, asm.key, end)
                        effects.append({"metric": metric, "baseline": ref,
                                        "benchmark": bench, "key": asm.key, "end": end,
                                        "value": asm.low if end == "low" else asm.high,
                                        "result": v})
                        if v is None:
                            continue
                        if lo is None or v < lo:
                            lo, lo_by = v, {"key": asm.key, "end": end}
                        if hi is None or v > hi:
                            hi, hi_by = v, {"key": asm.key, "end": end}
                headlines.append({"metric": metric, "baseline": ref, "benchmark": bench,
                                  "nominal": nominal, "low": lo, "high": hi,
                                  "low_by": lo_by, "high_by": hi_by})
    return {
        "format": FORMAT,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "lergan_version": __version__,
        "architecture": arch,
        "baselines": list(baselines),
        "benchmarks": benchmarks,
        "batch": batch,
        "default_factors": list(factors),
        "runs": len(runs),
        "assumptions": [{**asdict(a), "shared_with": list(a.shared_with)} for a in table],
        "headlines": headlines,
        "effects": effects,
        "failures": failures,
    }


# ---- the last result on disk ----------------------------------------------------------------


def last_result_path() -> Path:
    """Where the last sensitivity result is kept: ``$LERGAN_STATE_DIR/sensitivity.json``,
    by default ``$XDG_STATE_HOME/lergan`` or ``~/.local/state/lergan``."""
    base = os.environ.get("LERGAN_STATE_DIR")
    if base:
        return Path(base) / "sensitivity.json"
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "lergan" / "sensitivity.json"


def write_last(result: dict[str, Any], path: str | Path | None = None) -> Path:
    """Write ``result`` atomically (a temporary file renamed over the old one)."""
    path = Path(path) if path is not None else last_result_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str))
    os.replace(tmp, path)
    return path


def read_last(path: str | Path | None = None) -> dict[str, Any] | None:
    """The last sensitivity result, or ``None`` when there is none (``LerganError`` when
    the file is not one)."""
    path = Path(path) if path is not None else last_result_path()
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LerganError(f"sensitivity result {str(path)!r}: cannot be read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LerganError(f"sensitivity result {str(path)!r}: not a {FORMAT} document")
    return data


# ---- tornado plot --------------------------------------------------------------------------


def _label(key: str, a: dict[str, Any] | None, width: int = 30) -> str:
    """A tornado row label: the key wrapped at dots, then the range varied over."""
    lines, line = [], ""
    for part in key.split("."):
        piece = part if not line else f".{part}"
        if line and len(line) + len(piece) > width:
            lines.append(line)
            piece = f".{part}"
            line = ""
        line += piece
    lines.append(line)
    if a is not None and a.get("low") is not None:
        unit = "" if a["unit"] in ("1", "count") else f" {a['unit']}"
        lines.append(f"{a['low']:.3g} .. {a['high']:.3g}{unit}")
    return "\n".join(lines)


def plot_tornado(result: dict[str, Any], out: str | Path, benchmark: str = "geomean",
                 top: int = 12) -> Path:
    """A tornado plot per headline and reference: for the ``top`` assumptions with the
    largest swing, a bar from the nominal result to the result at each end of the range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = [(m, r) for m in HEADLINES for r in result["baselines"]]
    rows = min(top, len({e["key"] for e in result["effects"]}))
    fig, axes = plt.subplots(len(HEADLINES), len(result["baselines"]),
                             figsize=(6.0 * len(result["baselines"]),
                                      (1.2 + 0.45 * max(rows, 3)) * len(HEADLINES)),
                             squeeze=False)
    for ax, (metric, ref) in zip(axes.flat, panels, strict=False):
        nominal = next((h["nominal"] for h in result["headlines"] if h["metric"] == metric
                        and h["baseline"] == ref and h["benchmark"] == benchmark), None)
        ends: dict[str, dict[str, float | None]] = {}
        for e in result["effects"]:
            if (e["metric"], e["baseline"], e["benchmark"]) == (metric, ref, benchmark):
                ends.setdefault(e["key"], {})[e["end"]] = e["result"]
        if nominal is None or not ends:
            ax.text(0.5, 0.5, "no result", ha="center", transform=ax.transAxes)
            ax.set_title(f"{metric.replace('_', ' ')} vs {ref}", fontsize=9)
            continue

        def swing(k: str, nominal: float = nominal, ends: dict = ends) -> float:
            vs = [v for v in ends[k].values() if v is not None]
            return max((abs(v - nominal) for v in vs), default=0.0)

        keys = sorted(ends, key=swing, reverse=True)[:top][::-1]
        spans = {a["key"]: a for a in result["assumptions"]}
        for y, k in enumerate(keys):
            for end, colour in (("low", "tab:blue"), ("high", "tab:orange")):
                v = ends[k].get(end)
                if v is not None:
                    ax.barh(y, v - nominal, left=nominal, color=colour, height=0.6,
                            label=f"{end} end of range" if y == 0 else None)
        ax.axvline(nominal, color="k", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.margins(x=0.08)
        ax.set_yticks(range(len(keys)), [_label(k, spans.get(k)) for k in keys], fontsize=6.5)
        ax.set_xlabel(f"{metric.replace('_', ' ')} (x) vs {ref}, {benchmark}", fontsize=8)
        ax.set_title(f"{metric.replace('_', ' ')} vs {ref}: nominal {nominal:.3g}",
                     fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{result['architecture']}: sensitivity of the headline results to each "
                 "assumption (one at a time)", fontsize=10)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
