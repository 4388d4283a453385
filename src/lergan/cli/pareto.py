"""`lergan pareto results.db`: the Pareto-optimal design points of a sweep, and plots.

Fronts are per benchmark and architecture over two or three of time, energy, power and area
(:mod:`lergan.explore.pareto`); the table shows each front point's swept values and
objectives; ``--plots DIR`` (default ``RESULTS-pareto/``) receives the scatter and the
per-parameter figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from lergan.cli.app import app, console, err_console, user_errors


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


@app.command("pareto")
@user_errors
def pareto_cmd(
    results: Path = typer.Argument(..., help="Results file of `lergan sweep` (SQLite)."),
    objective: list[str] = typer.Option(
        ["time", "energy"], "--objective", "-m",
        help="Objective to minimise (time, energy, power, area); give two or three."),
    benchmark: list[str] | None = typer.Option(
        None, "--benchmark", "-b", help="Only this benchmark (repeatable)."),
    arch: list[str] | None = typer.Option(
        None, "--arch", "-a", help="Only this architecture (repeatable)."),
    plots: Path | None = typer.Option(
        None, "--plots", help="Folder for the figures (default: RESULTS-pareto/)."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Write no figure."),
    as_json: bool = typer.Option(False, "--json", help="Print the fronts as JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the front points as CSV."),
) -> None:
    """Pareto-optimal design points of a sweep, per benchmark and architecture.

    A point is on the front when no other point of the same benchmark and architecture is
    at least as good in every objective and better in one (all minimised). Figures: a
    scatter per pair of objectives with the front in red, and each objective against each
    swept parameter.

    Examples: `lergan pareto results.db`; `lergan pareto results.db -m time -m energy -m
    area --plots figs/`; `lergan pareto results.db -m energy -m area -b dcgan --csv`.
    """
    from lergan.explore.pareto import check_objectives, fronts, plot_fronts
    from lergan.explore.store import ResultsStore

    objs = check_objectives(objective)
    with ResultsStore(results) as store:
        rows = store.rows()
        params = store.swept_parameters()
    if benchmark:
        rows = [r for r in rows if r["benchmark"] in benchmark]
    if arch:
        rows = [r for r in rows if r["architecture"] in arch]
    groups = fronts(rows, objs)
    if not groups:
        err_console.print(f"{results}: no successful rows to compare"
                          + (" (after --benchmark / --arch)" if benchmark or arch else ""))
    records = []
    for g in groups:
        for i in g["front"]:
            r = g["rows"][i]
            records.append({"benchmark": g["benchmark"], "architecture": g["architecture"],
                            "batch": r["batch"], "params": r["params"],
                            **{o: r[o] for o in objs}, "key": r["key"]})
    if as_json:
        console.print_json(json.dumps({"objectives": list(objs), "front": records,
                                       "rows": {f"{g['benchmark']}/{g['architecture']}":
                                                len(g["rows"]) for g in groups}}))
    elif as_csv:
        import csv
        import sys

        cols = ["benchmark", "architecture", "batch", *[p for p in params if p != "batch"],
                *objs]
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        for r in records:
            w.writerow([r["params"].get(c, r.get(c)) for c in cols])
    else:
        shown = [p for p in params if p != "batch"]
        for g in groups:
            t = Table(box=box.SIMPLE_HEAD, title=f"{g['benchmark']} on {g['architecture']}: "
                      f"{len(g['front'])} Pareto-optimal of {len(g['rows'])}")
            if "batch" in params:
                t.add_column("batch", justify="right")
            for p in shown:
                t.add_column(escape(p), overflow="fold")
            for o in objs:
                t.add_column(o, justify="right")
            for i in sorted(g["front"], key=lambda i: g["rows"][i][objs[0]]):
                r = g["rows"][i]
                t.add_row(*([str(r["batch"])] if "batch" in params else []),
                          *(escape(_fmt(r["params"].get(p, ""))) for p in shown),
                          *(_fmt(r[o]) for o in objs))
            console.print(t)
    if not no_plots and groups:
        out = plots or results.with_name(results.stem + "-pareto")
        files = plot_fronts(groups, objs, params, out)
        err_console.print(f"wrote {len(files)} figures to {out}/")
