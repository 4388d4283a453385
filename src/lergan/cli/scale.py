"""`lergan scale NAME [NAME ...] --arch ARCH --out scale.png`: an iteration against capacity."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich import box
from rich.table import Table

from lergan.cli.app import app, console, user_errors
from lergan.cli.simulate import split_settings


@app.command("scale")
@user_errors
def scale_cmd(
    names: list[str] = typer.Argument(..., help="Suite benchmark names (e.g. dcgan cgan)."),
    arch: str = typer.Option("lergan", "--arch", help="Preset, ablation or preset file."),
    factors: str = typer.Option("0.25,0.5,1,2,4,8,16", "--factors",
                                help="Capacity multiples of the preset's memory."),
    batch: int = typer.Option(64, "--batch", help="Samples per batch."),
    set_: Optional[list[str]] = typer.Option(  # noqa: UP045
        None, "--set", help="Hardware override or simulation option, KEY=VALUE."),
    out: Optional[str] = typer.Option(  # noqa: UP045
        None, "--out", help="Write the figure (.png, .svg or .pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print the points as JSON."),
) -> None:
    """Time, energy and power of one iteration as the memory grows, with the bottleneck
    each point runs into (the largest share of its critical path).

    The preset's `organisation.capacity_bytes` (or, for a preset sized by mats,
    `mats_per_bank`) is multiplied by each factor; everything else stays.
    Example: `lergan scale dcgan cgan --out scale.png`.
    """
    from rich.progress import Progress

    from lergan.errors import LerganError
    from lergan.system.scale import scale

    try:
        fs = tuple(float(x) for x in factors.split(",") if x.strip())
    except ValueError:
        raise LerganError(f"--factors {factors!r}: expected numbers separated by commas") from None
    if out is not None and not out.lower().endswith((".png", ".svg", ".pdf")):
        raise LerganError(f"--out {out!r}: expected a .png, .svg or .pdf file")
    opts, hw = split_settings(set_)
    points = []
    with Progress(transient=True, console=console) as bar:
        task = bar.add_task("simulating", total=len(names) * len(set(fs)))
        for name in names:
            points += scale(name, arch, fs, batch, hw or None, opts or None,
                            progress=lambda: bar.advance(task))
    if json_out:
        console.print_json(json.dumps([p.to_dict() for p in points]))
    else:
        t = Table(title=f"Scaling {arch} (batch {batch})", box=box.SIMPLE, pad_edge=False)
        for col in ("GAN", "xbars", "ms", "mJ", "W", "peak W", "bottleneck"):
            t.add_column(col, justify="left" if col in ("GAN", "bottleneck") else "right")
        for p in points:
            t.add_row(p.benchmark, f"{p.crossbars:,}", f"{p.time_s * 1e3:.3g}",
                      f"{p.energy_j * 1e3:.3g}", f"{p.power_w:.3g}", f"{p.peak_power_w:.3g}",
                      f"{p.bottleneck} {p.bottleneck_share:.0%}")
        console.print(t)
    if out is not None:
        from lergan.report.scale import plot_scale

        try:
            path = plot_scale(points, out)
        except OSError as exc:
            raise LerganError(f"--out {out!r}: cannot write it ({exc.strerror})") from None
        console.print(f"wrote {path}")
