"""``lergan reproduce --out DIR``: the whole comparison in one command.

Every suite GAN on ``lergan``, ``lrgan``, ``prime``, ``gpu``, ``fpga`` and the ablations,
the anchors, the figures and ``index.html`` (:func:`lergan.report.reproduce.reproduce`),
written through a temporary folder and moved into ``DIR`` when complete.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from lergan.cli.app import app, console, user_errors


@app.command("reproduce")
@user_errors
def reproduce_cmd(
    out: str = typer.Option(..., "--out", help="folder to write (replaced when complete)"),
    benchmarks: Optional[list[str]] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None, "--benchmark", "--gan", help="suite GAN, GAN file or file.py:builder, "
        "repeatable (default: every suite GAN)"),
    archs: Optional[list[str]] = typer.Option(  # noqa: UP045
        None, "--arch", help="architecture, repeatable (default: lergan, lrgan, prime, gpu, "
        "fpga and the ablations)"),
    batch: int = typer.Option(64, "--batch", help="samples per step"),
    sensitivity: Optional[str] = typer.Option(  # noqa: UP045
        None, "--sensitivity", help="JSON written by `lergan sensitivity`, shown on the page"),
    focus: Optional[str] = typer.Option(  # noqa: UP045
        None, "--focus", help="benchmark of the breakdown, timeline and scale figures "
        "(default: dcgan)"),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="draw the figures"),
    anchors: bool = typer.Option(True, "--anchors/--no-anchors",
                                 help="run the PipeLayer and FlexiGAN checks"),
) -> None:
    """Reproduce the LerGAN comparison: results.json, CSV, figures and index.html in --out.

    Examples: `lergan reproduce --out repro`; `lergan reproduce --out quick --benchmark
    dcgan --benchmark cgan --arch lergan --arch gpu --no-anchors`.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from lergan.report.reproduce import plan, reproduce, step_count

    benches, names, _ = plan(benchmarks, archs)
    total = step_count(benches, names, figures=figures, anchors=anchors,
                       scale="lergan" in names)
    command = " ".join(["lergan", *sys.argv[1:]]) if sys.argv else "lergan reproduce"
    with Progress(TextColumn("{task.description:<40}"), BarColumn(), TextColumn(
            "{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
            transient=True) as bar:
        task = bar.add_task("reproduce", total=total)

        def tick(desc: str, n: int) -> None:
            bar.update(task, advance=n, description=desc[:40])

        rep = reproduce(out, benchmarks=benches, architectures=archs or None, batch=batch,
                        sensitivity=sensitivity, figures=figures, anchors=anchors,
                        focus=focus, progress=tick, command=command)
    console.print(f"wrote {rep.out}/index.html, results.json, results.csv, table.csv and "
                  f"{len(rep.figures)} figures ({len(rep.records)} records in "
                  f"{rep.meta['elapsed_s']} s)", highlight=False)
    for name, why in rep.missing.items():
        console.print(f"not run: {name}: {why}", highlight=False)
