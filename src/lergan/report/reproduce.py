"""``lergan reproduce``: every suite GAN on LerGAN, its ablations and the baselines, written
as ``results.json``, CSV, figures and ``index.html`` in one folder.

:func:`reproduce` evaluates every (benchmark, architecture) pair with
:func:`lergan.baselines.records.evaluate`, runs the anchors of
:mod:`lergan.baselines.anchors`, draws the figures (:mod:`lergan.report.figures`, timelines
by :mod:`lergan.report.timeline`) and the page (:mod:`lergan.report.html`). Everything is
written to a temporary folder beside ``out`` and moved into place at the end, so that an
interrupted or failed run leaves no folder that looks complete. Architectures of the default
list that do not exist yet (the ablation ladder's names) are listed as missing; an unknown
architecture the user asked for is an error.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from lergan import __version__
from lergan.baselines.anchors import flexigan_check, pipelayer_anchor
from lergan.baselines.data import BaselineError
from lergan.baselines.records import Record, UnknownArchitecture, check_architecture, evaluate
from lergan.report.figures import plot_breakdown, plot_gains, plot_scale, precision_of
from lergan.report.scale import plot_scale as draw_capacity
from lergan.report.tables import comparison_rows, records_csv, to_csv
from lergan.report.timeline import plot_timeline
from lergan.system.scale import DEFAULT_FACTORS
from lergan.system.scale import scale as run_scale
from lergan.workload import suite
from lergan.workload.source import is_file_reference, resolve_gan

#: LerGAN, its rivals and its ablations (section 6 of the architecture note); the ladder
#: (neither idea, ZFDR only, 3D only, both = ``lergan``) names presets the model work defines
DEFAULT_ARCHITECTURES: tuple[str, ...] = (
    "lergan", "lrgan", "prime", "gpu", "fpga",
    "lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip",
    "lergan-neither", "lergan-zfdr-only", "lergan-3d-only",
)
BASELINES: tuple[str, ...] = ("gpu", "fpga", "prime")
ABLATIONS: tuple[str, ...] = ("lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip",
                              "lergan-neither", "lergan-zfdr-only", "lergan-3d-only")
LADDER: tuple[tuple[str, str], ...] = (
    ("neither idea", "lergan-neither"), ("ZFDR only", "lergan-zfdr-only"),
    ("3D only", "lergan-3d-only"), ("both (lergan)", "lergan"))
SCALE_BATCHES: tuple[int, ...] = (8, 16, 32, 64, 128)

Progress = Callable[[str, int], None]  # (description, steps done) -> None


@dataclass(frozen=True)
class ScaleFigure:
    """The scale figure's data: lines ``(label, xs, ys)`` with the axes' names. A scale
    study (more chips, larger memories, ...) passes a function returning one to
    :func:`reproduce` (``scale=``); the default is :func:`batch_scale`."""

    series: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]
    xlabel: str
    ylabel: str
    title: str
    points: tuple[dict[str, Any], ...] = ()  # the study's own records, kept in results.json
    draw: Callable[[Path], Any] | None = field(default=None, compare=False)  # its own figure

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel,
                "series": [{"label": s, "x": list(x), "y": list(y)}
                           for s, x, y in self.series],
                "points": list(self.points)}


def capacity_scale(records: Sequence[Record], focus: str,
                   progress: Progress) -> ScaleFigure | None:
    """LerGAN's iteration against the memory's capacity with each point's bottleneck
    (``lergan.system.scale`` and its figure ``lergan.report.scale``; ``None`` without a
    ``lergan`` record)."""
    if not any(r.architecture == "lergan" for r in records):
        return None
    batch = records[0].batch
    pts = run_scale(focus, "lergan", DEFAULT_FACTORS, batch,
                    progress=lambda: progress(f"scale: {focus} capacity", 1))
    xs = tuple(float(p.crossbars) for p in pts)
    title = (f"{focus} on lergan ({precision_of(records, 'lergan')} weight/input/ADC bits), "
             f"batch {batch}: scaling the memory up, each curve ends at its bottleneck")
    return ScaleFigure(
        (("time (ms)", xs, tuple(p.time_s * 1e3 for p in pts)),
         ("energy (mJ)", xs, tuple(p.energy_j * 1e3 for p in pts)),
         ("power (W)", xs, tuple(p.power_w for p in pts))),
        "compute crossbars", "time (ms), energy (mJ), power (W)", title,
        points=tuple(p.to_dict() for p in pts),
        draw=lambda path: draw_capacity(pts, path, title=title))


def default_scale(records: Sequence[Record], focus: str,
                  progress: Progress) -> ScaleFigure | None:
    """The capacity study (:func:`capacity_scale`), else LerGAN against the GPU as the
    batch grows (:func:`batch_scale`)."""
    return capacity_scale(records, focus, progress) or batch_scale(records, focus, progress)


def scale_steps() -> int:
    """Progress steps of :func:`default_scale`."""
    return len(DEFAULT_FACTORS)


def batch_scale(records: Sequence[Record], focus: str, progress: Progress) -> ScaleFigure | None:
    """LerGAN's speed-up and energy saving over the GPU as the batch grows (``focus``)."""
    archs = {r.architecture for r in records}
    if not {"lergan", "gpu"} <= archs:
        return None
    pts = []
    for bb in SCALE_BATCHES:
        progress(f"scale: {focus} at batch {bb}", 1)
        lg, gp = evaluate(focus, "lergan", bb), evaluate(focus, "gpu", bb)
        pts.append((float(bb), gp.time_s / lg.time_s, gp.energy_j / lg.energy_j))
    xs = tuple(p[0] for p in pts)
    return ScaleFigure(
        (("speed-up over gpu", xs, tuple(p[1] for p in pts)),
         ("energy saving over gpu", xs, tuple(p[2] for p in pts))),
        "batch (samples per step)", "lergan / gpu (x)",
        f"{focus}: lergan ({precision_of(records, 'lergan')}) against the gpu "
        f"({precision_of(records, 'gpu')}) as the batch grows")


@dataclass
class Reproduction:
    """What one run produced (paths are inside ``out`` once moved)."""

    out: Path
    records: list[Record]
    missing: dict[str, str]
    figures: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def git_commit() -> str | None:
    """The commit of the source tree lergan runs from, where it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """lergan version, git commit, Python, torch and platform of this run."""
    return {"lergan_version": __version__, "git_commit": git_commit(),
            "python": platform.python_version(), "torch": _version("torch"),
            "numpy": _version("numpy"), "matplotlib": _version("matplotlib"),
            "platform": platform.platform(),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def check_out_dir(out: Path) -> Path:
    """The folder the run is assembled in (beside ``out``); ``BaselineError`` when ``out``
    cannot be written (its parent missing or read-only, or ``out`` a file)."""
    out = Path(out)
    parent = out.resolve().parent
    if out.exists() and not out.is_dir():
        raise BaselineError(f"--out {out}: exists and is not a folder")
    if not parent.is_dir():
        raise BaselineError(f"--out {out}: its parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise BaselineError(f"--out {out}: not writable")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    except OSError as exc:
        raise BaselineError(f"--out {out}: cannot write there ({exc.strerror})") from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
    return tmp


def _move_into_place(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def plan(benchmarks: Sequence[str] | None, architectures: Sequence[str] | None
         ) -> tuple[list[str], list[str], dict[str, str]]:
    """(benchmarks, architectures that exist, missing default architectures with reasons).
    An unknown benchmark, or an unknown architecture asked for explicitly, raises."""
    benches = list(benchmarks or suite.names())
    for b in benches:  # a suite name or alias, a GAN file, file.py:builder: named if wrong
        if is_file_reference(b):
            resolve_gan(b)
        else:
            suite.info(b)
    archs, missing = [], {}
    for a in architectures or DEFAULT_ARCHITECTURES:
        try:
            check_architecture(a)
            archs.append(a)
        except UnknownArchitecture:
            if architectures:
                raise
            missing[a] = "not defined yet (no such preset, ablation or baseline)"
    if not archs:
        raise BaselineError("no architecture to run")
    return benches, archs, missing


def read_sensitivity(path: str | Path | None) -> dict[str, Any] | None:
    """A ``lergan sensitivity`` result (JSON), or ``None`` when no file is given."""
    if path is None:
        return None
    p = Path(path)
    try:
        return {"path": str(p), "data": json.loads(p.read_text(encoding="utf-8"))}
    except OSError as exc:
        raise BaselineError(f"--sensitivity {p}: cannot read it ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"--sensitivity {p}: not JSON ({exc.msg}, line {exc.lineno})"
                            ) from None


def step_count(benches: Sequence[str], archs: Sequence[str], *, figures: bool,
               anchors: bool, scale: bool) -> int:
    """How many progress steps :func:`reproduce` reports."""
    n = len(benches) * len(archs)
    n += 2 if anchors else 0
    n += scale_steps() if scale else 0
    n += 1 if figures else 0
    return n + 1  # the page and files


def reproduce(out: str | Path, *, benchmarks: Sequence[str] | None = None,
              architectures: Sequence[str] | None = None, batch: int = 64,
              sensitivity: str | Path | None = None, figures: bool = True,
              anchors: bool = True, scale: bool | Callable[..., ScaleFigure | None] = True,
              focus: str | None = None,
              progress: Progress | None = None, command: str = "") -> Reproduction:
    """Run the reproduction into ``out`` (see the module docstring). ``scale``: draw the
    default scale figure (:func:`default_scale`), none (``False``), or the one a function
    ``(records, focus, progress) -> ScaleFigure`` returns."""
    out = Path(out)
    benches, archs, missing = plan(benchmarks, architectures)
    sens = read_sensitivity(sensitivity)
    focus = focus or ("dcgan" if "dcgan" in benches else benches[0])
    if focus not in benches:
        raise BaselineError(f"--focus {focus!r}: not among the benchmarks run")
    tmp = check_out_dir(out)
    tick = progress or (lambda desc, n: None)
    started = time.perf_counter()
    try:
        records: list[Record] = []
        for b in benches:
            for a in archs:
                tick(f"{b} on {a}", 1)
                records.append(evaluate(b, a, batch))
        rep = Reproduction(out=out, records=records, missing=missing)
        if anchors:
            tick("anchor: PipeLayer on classifiers", 1)
            rep.anchors["pipelayer"] = pipelayer_anchor()
            tick("anchor: FlexiGAN generators", 1)
            rep.anchors["flexigan"] = flexigan_check(batch=batch)
        scale_fig = None
        if scale:
            hook = default_scale if scale is True else scale
            scale_fig = hook(records, focus, tick)
        if figures:
            tick("figures", 1)
            rep.figures = draw_figures(tmp, records, archs, focus, scale_fig)
        tick("results.json, CSV, index.html", 1)
        rep.meta = {
            **environment(), "command": command, "batch": batch, "benchmarks": benches,
            "architectures": archs, "missing_architectures": missing, "focus": focus,
            "hardware": {r.architecture: r.hardware_hash for r in records},
            "sensitivity": sens["path"] if sens else "absent",
            "scale": scale_fig.to_dict() if scale_fig else None,
            "elapsed_s": None,
        }
        rep.meta["elapsed_s"] = round(time.perf_counter() - started, 2)
        write_files(tmp, rep, sens)
        _move_into_place(tmp, out)
        rep.out = out
        return rep
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def draw_figures(folder: Path, records: Sequence[Record], archs: Sequence[str], focus: str,
                 scale_fig: ScaleFigure | None) -> dict[str, str]:
    """Every figure of the page, into ``folder/figures``; {name: relative path}."""
    fig = folder / "figures"
    out: dict[str, str] = {}

    def rel(p: Path) -> str:
        return p.relative_to(folder).as_posix()

    subject = "lergan" if "lergan" in archs else archs[0]
    rivals = [a for a in archs if a in BASELINES or a == "lrgan"]
    if rivals and subject == "lergan":
        out["speedup"] = rel(plot_gains(records, subject, rivals, fig / "speedup.png", "time"))
        out["energy_saving"] = rel(plot_gains(records, subject, rivals,
                                              fig / "energy-saving.png", "energy"))
    abl = [a for a in archs if a in ABLATIONS]
    if abl and subject == "lergan":
        out["ablation_speedup"] = rel(plot_gains(
            records, subject, abl, fig / "ablation-speedup.png", "time",
            title="which idea buys how much: lergan's speed-up over each ablation"))
        out["ablation_energy"] = rel(plot_gains(
            records, subject, abl, fig / "ablation-energy.png", "energy",
            title="which idea buys how much: lergan's energy saving over each ablation"))
    for key, quantity, by, name in (
            ("breakdown_time", "time", "pass", "breakdown-time.png"),
            ("breakdown_energy", "energy", "pass", "breakdown-energy.png"),
            ("breakdown_energy_component", "energy", "component",
             "breakdown-energy-component.png"),
            ("breakdown_area", "area", "component", "breakdown-area.png")):
        if any(r.benchmark == focus and by in r.breakdowns.get(quantity, {}) for r in records):
            out[key] = rel(plot_breakdown(records, focus, quantity, by, fig / name))
    for r in records:
        if r.benchmark == focus and r.platform == "reram" and r.result is not None:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in r.architecture)
            res = r.result
            out[f"timeline:{r.architecture}"] = rel(plot_timeline(
                res, fig / f"timeline-{safe}.png", max_rows=40, title=(
                    f"{focus} on {r.architecture} ({precision_of(records, r.architecture)} "
                    f"weight/input/ADC bits), batch {res.batch}: {res.time_s * 1e3:.4g} ms, "
                    f"{res.energy_j * 1e3:.4g} mJ (critical path outlined)")))
    if scale_fig is not None:
        if scale_fig.draw is not None:
            scale_fig.draw(fig / "scale.png")
            out["scale"] = rel(fig / "scale.png")
        else:
            out["scale"] = rel(plot_scale(scale_fig.series, fig / "scale.png",
                                          xlabel=scale_fig.xlabel, ylabel=scale_fig.ylabel,
                                          title=scale_fig.title))
    return out


def write_files(folder: Path, rep: Reproduction, sens: dict[str, Any] | None) -> None:
    """``results.json``, ``results.csv``, ``table.csv`` and ``index.html`` into ``folder``."""
    from lergan.report.html import render_index  # html reads this module's lists: a circle

    data = {"meta": rep.meta, "records": [r.to_dict() for r in rep.records],
            "anchors": rep.anchors}
    (folder / "results.json").write_text(json.dumps(data, indent=1, default=str),
                                         encoding="utf-8")
    (folder / "results.csv").write_text(records_csv(rep.records), encoding="utf-8")
    ref = "lergan" if any(r.architecture == "lergan" for r in rep.records) else None
    rows = comparison_rows(rep.records, ref)
    (folder / "table.csv").write_text(to_csv(rows), encoding="utf-8")
    (folder / "index.html").write_text(render_index(rep, rows, sens), encoding="utf-8")


