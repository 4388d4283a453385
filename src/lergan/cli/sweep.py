"""`lergan sweep SPEC.yaml --out results.db`: run a design-space sweep on Dask.

Expands the specification (:mod:`lergan.explore.spec`), skips the rows the results file
holds, runs the rest on a local cluster (``--workers N``) or an existing one
(``--scheduler ADDRESS``) with a progress bar, and writes each finished batch to SQLite
(:mod:`lergan.explore.store`). ``--export FILE.csv|.parquet`` writes every stored row
afterwards (without SPEC: export only).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from lergan.cli.app import app, console, err_console, user_errors


@app.command("sweep")
@user_errors
def sweep_cmd(
    spec: Path | None = typer.Argument(
        None, help="Sweep specification (YAML); omit it to export only."),
    out: Path = typer.Option(Path("results.db"), "--out", "-o",
                             help="Results file (SQLite); rerunning resumes it."),
    workers: int = typer.Option(1, "--workers", "-w",
                                help="Local worker processes (0: in this process)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of an existing Dask scheduler "
        "(tcp://host:8786) instead of a local cluster."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1,
                                  help="Seconds to wait for --scheduler to answer."),
    chunk: int | None = typer.Option(
        None, "--chunk", min=1, help="Points per Dask task (default: up to 32)."),
    retry_failed: bool = typer.Option(False, "--retry-failed",
                                      help="Run again the points stored as failed."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Check the spec, count the rows, run nothing."),
    export: Path | None = typer.Option(
        None, "--export", help="Write every stored row to FILE.csv or FILE.parquet."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run a design-space sweep (resumable) and store every point in SQLite.

    The specification (YAML; docs/explore.md) names the benchmarks, architectures, batch
    sizes and the parameters to vary: any hardware field `--set` accepts or a simulation
    option, as lists, ranges or seeded samples. Rerunning the same command skips the stored
    rows.

    Examples: `lergan sweep examples/sweep-adc-crossbar-mode.yaml --out results.db
    --workers 2`; `lergan sweep SPEC.yaml --dry-run`; `lergan sweep SPEC.yaml --scheduler
    tcp://HOST:8786`; `lergan sweep --out results.db --export results.parquet`.
    """
    from lergan.errors import LerganError
    from lergan.explore.spec import count_rows, load_spec
    from lergan.explore.store import ResultsStore
    from lergan.explore.store import export as export_rows
    from lergan.explore.sweep import pending

    if spec is None:
        if export is None:
            raise LerganError("give a sweep specification (SPEC.yaml) or --export FILE")
        with ResultsStore(out) as store:
            n = export_rows(store, export)
        console.print(f"exported {n} rows of {out} to {export}")
        return
    sw = load_spec(spec)
    if dry_run:
        store = ResultsStore(out) if out.exists() else None
        try:
            todo, skipped = pending(sw, store)
        finally:
            if store is not None:
                store.close()
        info = {"rows": count_rows(sw), "to_run": len(todo), "stored": skipped}
        if as_json:
            console.print_json(json.dumps(info))
            return
        per = len(sw.benchmarks) * len(sw.arch_names)
        console.print(f"{info['rows']} rows ({info['rows'] // per} design points x "
                      f"{len(sw.benchmarks)} benchmarks x {len(sw.arch_names)} "
                      f"architectures); {info['stored']} stored, {info['to_run']} to run")
        return
    summary = _run_with_progress(sw, out, workers, scheduler, chunk, retry_failed,
                                 " ".join(sys.argv), quiet=as_json, timeout=timeout)
    if export is not None:
        with ResultsStore(out) as store:
            n = export_rows(store, export)
        err_console.print(f"exported {n} rows to {export}")
    if as_json:
        console.print_json(json.dumps(summary.to_dict()))
        return
    t = Table(box=box.SIMPLE_HEAD, title=f"sweep -> {escape(str(out))}")
    for c in ("rows", "stored before", "ran now", "failed now"):
        t.add_column(c, justify="right")
    t.add_row(str(summary.total), str(summary.skipped), str(summary.ran), str(summary.failed))
    console.print(t)
    for e in summary.errors[:5]:
        console.print(f"[red]failed[/] {escape(e)}", highlight=False)
    if len(summary.errors) > 5:
        console.print(f"... and {len(summary.errors) - 5} more (status = 'error' in {out})")


def _run_with_progress(sw, out, workers, scheduler, chunk, retry_failed, command,
                       quiet=False, timeout=10.0):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from lergan.explore.sweep import run_sweep

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err_console, disable=quiet,
                  transient=False) as bar:
        where = scheduler or (f"{workers} local worker{'s' * (workers != 1)}"
                              if workers else "this process")
        task = None

        def on_start(todo: int, skipped: int) -> None:
            nonlocal task
            msg = f"sweep on {where}" + (f" ({skipped} stored, skipped)" if skipped else "")
            task = bar.add_task(msg, total=todo, rate="")

        def progress(n: int) -> None:
            bar.advance(task, n)
            t = bar.tasks[0]
            if t.elapsed:
                bar.update(task, rate=f"{t.completed / t.elapsed:.1f} pt/s")

        return run_sweep(sw, out, workers=workers, scheduler=scheduler, chunk=chunk,
                         retry_failed=retry_failed, command=command, on_start=on_start,
                         progress=progress, connect_timeout_s=timeout)
