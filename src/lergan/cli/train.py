"""`lergan train --dataset digits --arch PRESET --iters N --out DIR`: train a small DCGAN on
emulated ReRAM crossbars (:mod:`lergan.emulate`), or in floating point with ``--float``.

Progress bar with the losses; sample grids (PNG) and an atomic checkpoint in ``DIR`` along
the way; rerunning the same command resumes from the checkpoint; ``DIR/metrics.json`` at the
end (iterations, FID, cells written and skipped per layer, loss and FID curves).
``--set KEY=VALUE`` overrides a preset field (``adc.bits=6``,
``adc.precision_policy=lossless``) or sets a run setting (``programming_noise=0.5``,
``read_noise=1``, ``stuck_fraction=0.01``, ``batch=32``, ``lr=1e-4``, ...: the fields of
``lergan.emulate.training.TrainConfig``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from lergan.cli.app import app, console, user_errors


def _settings(items: list[str] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(run settings, preset overrides) from ``--set KEY=VALUE`` items."""
    from lergan.emulate.training import TrainConfig
    from lergan.hardware import parse_set_options

    run: dict[str, Any] = {}
    hw: dict[str, Any] = {}
    for key, value in parse_set_options(items or []).items():
        if key in TrainConfig.model_fields and key not in ("overrides", "arch", "emulated"):
            run[key] = value
        else:
            hw[key] = value
    return run, hw


@app.command("train")
@user_errors
def train_command(
    out: Path = typer.Option(..., "--out", help="Run folder: checkpoint, PNG grids, "
                             "metrics.json; an existing run there is resumed."),
    dataset: str = typer.Option("digits", "--dataset", help="Training data (digits: "
                                "scikit-learn's bundled 8x8 handwritten digits)."),
    arch: str = typer.Option("lergan", "--arch", help="Hardware preset name or YAML file."),
    iters: int = typer.Option(300, "--iters", min=1, help="Iterations (D-step + G-step)."),
    float_: bool = typer.Option(False, "--float", help="Train in floating point instead "
                                "(transposed convolutions through lergan.zerofree)."),
    settings: Optional[list[str]] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None, "--set", help="KEY=VALUE: a preset field or a run setting (repeatable)."),
    seed: int = typer.Option(0, "--seed", help="Seed of initialisation, data, noise."),
    as_json: bool = typer.Option(False, "--json", help="Print metrics.json to stdout."),
) -> None:
    """Train a DCGAN on emulated ReRAM crossbars and measure quality (FID) and writes."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from lergan.emulate.training import TrainConfig, train

    run, hw = _settings(settings)
    cfg = TrainConfig(dataset=dataset, arch=arch, iters=iters, emulated=not float_,
                      overrides=hw, seed=seed, **run)
    if cfg.emulated:  # refuse a bad configuration before the data loads
        from lergan.emulate.config import crossbar_config

        crossbar_config(cfg.arch, cfg.overrides, policy=cfg.policy)
    with Progress(TextColumn("[bold]train[/] {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                  TextColumn("{task.fields[losses]}"), console=console,
                  transient=as_json, disable=as_json) as bar:
        task = bar.add_task("emulated" if cfg.emulated else "float", total=cfg.iters,
                            losses="")

        def tick(i: int, losses: dict[str, float]) -> None:
            bar.update(task, completed=i, losses=f"D {losses['loss_D']:.3f} "
                       f"G {losses['loss_G']:.3f}")

        metrics = train(cfg, out, on_iteration=tick)
    if as_json:
        print(json.dumps(metrics, indent=1))
        return
    _report(metrics, out)


def _report(m: dict[str, Any], out: Path) -> None:
    def n(v: Any) -> str:
        return "-" if v is None else f"{v:,}"

    fid = "-" if m["fid"] is None else f"{m['fid']:.1f}"
    frac = "-" if m["fraction_written"] is None else f"{m['fraction_written']:.3f}"
    console.print(
        f"[bold]{m['iterations']}[/] iterations in {m['elapsed_s']:.0f} s; FID "
        f"[bold]{fid}[/]; cells written {n(m['cell_writes'])}, skipped "
        f"{n(m['cell_writes_skipped'])} (fraction written {frac}); weight-gradient "
        f"operand cells {n(m['gradient_operand_writes'])}", highlight=False)
    if m["layers"]:
        t = Table(title="Update writes per layer", title_justify="left", box=box.SIMPLE,
                  pad_edge=False)
        for col in ("layer", "updates", "written", "skipped", "fraction"):
            t.add_column(col, justify="left" if col == "layer" else "right", no_wrap=True)
        for name, lay in m["layers"].items():
            w, s = sum(lay["written"].values()), sum(lay["skipped"].values())
            f = lay["fraction_written"]
            t.add_row(escape(name), str(lay["updates"]), f"{w:,}", f"{s:,}",
                      "-" if f is None else f"{f:.3f}")
        console.print(t)
    console.print(f"metrics: {escape(str(out / 'metrics.json'))}", highlight=False)
