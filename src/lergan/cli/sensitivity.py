"""`lergan sensitivity --arch lergan`: how far each headline result moves with the
assumptions of the preset (:mod:`lergan.explore.sensitivity`), with a tornado plot.

The result is also written as JSON to ``$LERGAN_STATE_DIR/sensitivity.json`` (default
``~/.local/state/lergan/sensitivity.json``), where ``lergan reproduce`` finds it.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from lergan.cli.app import app, console, err_console, user_errors


@app.command("sensitivity")
@user_errors
def sensitivity_cmd(
    arch: str = typer.Option("lergan", "--arch", "-a", help="Architecture studied."),
    baseline: list[str] | None = typer.Option(
        None, "--baseline", help="Reference architecture (repeatable; default: prime, "
        "lergan-no-zfdr)."),
    benchmark: list[str] | None = typer.Option(
        None, "--benchmark", "-b", help="Benchmark (repeatable; default: the suite)."),
    batch: int = typer.Option(64, "--batch", min=1, help="Batch size."),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="Only this assumption (repeatable; default: all)."),
    workers: int = typer.Option(1, "--workers", "-w",
                                help="Local worker processes (0: in this process)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of an existing Dask scheduler."),
    plot: Path = typer.Option(Path("sensitivity-tornado.png"), "--plot",
                              help="Tornado plot (geometric mean over benchmarks)."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write the JSON result here."),
    show_assumptions: bool = typer.Option(False, "--assumptions",
                                          help="List the assumptions and ranges only."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Range of each headline result (speedup, energy saving) over the assumptions.

    Every numeric preset field labelled `assumption: true` is set to each end of its range
    (the preset's `range: [low, high]`, else x0.5 to x2 clipped to the field's bounds), one
    at a time; the speedup and energy saving against each reference, per benchmark and as
    the geometric mean, are reported with their ranges and a tornado plot. The result is
    kept as JSON for `lergan reproduce` (docs/explore.md).

    Examples: `lergan sensitivity --arch lergan`; `lergan sensitivity -b dcgan --baseline
    prime -p crossbar.read_cycle_s`; `lergan sensitivity --assumptions`.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from lergan.explore.sensitivity import (
        DEFAULT_BASELINES,
        assumptions,
        plot_tornado,
        run_sensitivity,
        write_last,
    )

    refs = tuple(baseline or DEFAULT_BASELINES)
    if show_assumptions:
        _assumption_table(assumptions(arch, baselines=refs), arch)
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, disable=as_json) as bar:
        task = bar.add_task("sensitivity", total=None)
        result = run_sensitivity(
            arch, baselines=refs, benchmarks=benchmark, batch=batch, params=param,
            workers=workers, scheduler=scheduler,
            on_start=lambda n: bar.update(task, total=n,
                                          description=f"sensitivity: {n} simulations"),
            progress=lambda n: bar.advance(task, n))
    path = write_last(result)
    if out is not None:
        write_last(result, out)
    plot_tornado(result, plot)
    if as_json:
        console.print_json(json.dumps(result, default=str))
        return
    t = Table(box=box.SIMPLE_HEAD, title=f"{arch}: headline results over "
              f"{sum(a['varied'] for a in result['assumptions'])} assumptions (x)")
    for c in ("result", "vs", "benchmark", "nominal", "low", "high"):
        t.add_column(c, justify="right" if c in ("nominal", "low", "high") else "left")
    for h in result["headlines"]:
        if h["benchmark"] != "geomean" and len(result["benchmarks"]) > 4:
            continue
        t.add_row(h["metric"].replace("_", " "), h["baseline"], h["benchmark"],
                  _x(h["nominal"]), _x(h["low"]), _x(h["high"]))
    console.print(t)
    console.print(_drivers(result))
    if len(result["benchmarks"]) > 4:
        console.print("per benchmark: --json or the JSON file", style="dim")
    if result["failures"]:
        console.print(f"[red]{len(result['failures'])} runs failed[/] (see 'failures' in "
                      f"{path})")
    err_console.print(f"tornado plot: {plot}; result: {path}")


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.3g}"


def _drivers(result: dict, top: int = 3) -> Table:
    """The assumptions that move each geometric-mean headline most."""
    t = Table(box=box.SIMPLE_HEAD, title=f"largest effects (geometric mean, top {top})")
    t.add_column("result", no_wrap=True)
    t.add_column("assumption", overflow="fold")
    t.add_column("at low", justify="right", no_wrap=True)
    t.add_column("at high", justify="right", no_wrap=True)
    for h in result["headlines"]:
        if h["benchmark"] != "geomean" or h["nominal"] is None:
            continue
        ends: dict[str, dict[str, float | None]] = {}
        for e in result["effects"]:
            if (e["metric"], e["baseline"], e["benchmark"]) == (h["metric"], h["baseline"],
                                                               "geomean"):
                ends.setdefault(e["key"], {})[e["end"]] = e["result"]
        swing = {k: max((abs(v - h["nominal"]) for v in d.values() if v is not None),
                        default=0.0) for k, d in ends.items()}
        if t.row_count:
            t.add_section()
        for i, k in enumerate(sorted(swing, key=lambda k: -swing[k])[:top]):
            label = {0: h["metric"].replace("_", " "), 1: f"vs {h['baseline']}"}.get(i, "")
            t.add_row(label, escape(k), _x(ends[k].get("low")), _x(ends[k].get("high")))
    return t


def _assumption_table(table: list, arch: str) -> None:
    short = {"nominal 0": "zero", "not a number": "choice", "its range": "fixed"}
    t = Table(box=box.SIMPLE_HEAD, title=f"assumptions of {arch}", pad_edge=False)
    t.add_column("key", overflow="fold", min_width=31)
    t.add_column("nominal", justify="right", overflow="fold", max_width=13)
    for c in ("low", "high", "range"):
        t.add_column(c, justify="left" if c == "range" else "right", no_wrap=True)
    for a in table:
        why = next((v for k, v in short.items() if (a.reason or "").startswith(k)), "no")
        nominal = f"{a.nominal:.3g}" if isinstance(a.nominal, (int, float)) and not \
            isinstance(a.nominal, bool) else str(a.nominal)
        t.add_row(escape(a.key), escape(f"{nominal} {a.unit}".strip()),
                  "-" if a.low is None else f"{a.low:.3g}",
                  "-" if a.high is None else f"{a.high:.3g}",
                  a.range_source if a.varied else why)
    console.print(t)
    console.print("range: preset = recorded next to the assumption; default = x0.5 to x2 "
                  "clipped to the field's bounds. Not varied: zero = nominal zero without a "
                  "recorded range; choice = not a number; fixed = its range is its value",
                  style="dim")
