"""``lergan compare BENCH... --arch A --arch B``: architectures side by side.

Any ReRAM preset, ablation or preset file, ``gpu`` / ``gpu:NAME`` and ``fpga`` /
``fpga:NAME``, each optionally with its own settings in brackets (``lergan[adc.bits=8]``,
``gpu:v100[compute_efficiency=0.5]``), on one or more suite GANs: time, energy, power,
area, precision (weight / input / ADC bits), speed-up and energy saving against
``--reference`` (default: the first architecture). ``--measure`` also times the real PyTorch
training iteration on this machine's device and shows it beside the GPU model. Rows come
from :mod:`lergan.report.tables`, shared with ``lergan reproduce``'s page.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from lergan.cli.app import app, console, user_errors

DEFAULT_ARCHS = ("lergan", "prime", "gpu", "fpga")


@app.command("compare")
@user_errors
def compare_cmd(
    benchmarks: list[str] = typer.Argument(..., help="suite GANs (dcgan, 3d-gan, ...)"),
    archs: Optional[list[str]] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None, "--arch", help="architecture, repeatable: a preset, ablation or .yaml file, "
        "gpu[:NAME], fpga[:NAME]; settings in brackets: 'lergan[adc.bits=8]' "
        f"(default: {', '.join(DEFAULT_ARCHS)})"),
    reference: Optional[str] = typer.Option(  # noqa: UP045
        None, "--reference", help="architecture the speed-ups are relative to (default: "
        "the first)"),
    batch: int = typer.Option(64, "--batch", help="samples per step"),
    settings: Optional[list[str]] = typer.Option(  # noqa: UP045
        None, "--set", help="KEY=VALUE applied to every ReRAM architecture (a simulation "
        "option or a hardware override)"),
    as_json: bool = typer.Option(False, "--json", help="print the rows as JSON"),
    as_csv: bool = typer.Option(False, "--csv", help="print the rows as CSV"),
    measure: bool = typer.Option(False, "--measure", help="also time the real PyTorch "
                                 "training iteration on this machine's device"),
    measure_batch: Optional[int] = typer.Option(  # noqa: UP045
        None, "--measure-batch", help="batch of the measured iteration (default: --batch)"),
    repeats: int = typer.Option(3, "--repeats", help="timed iterations of --measure"),
    threads: Optional[int] = typer.Option(  # noqa: UP045
        None, "--threads", help="CPU threads of --measure (default: torch's)"),
) -> None:
    """Compare architectures (ReRAM presets, GPUs, FPGAs) on GANs of the suite.

    Examples: `lergan compare dcgan`; `lergan compare dcgan magan --arch lergan --arch gpu
    --arch gpu:v100 --arch fpga:zcu102 --reference gpu`; `lergan compare dcgan --arch lergan
    --arch 'lergan[adc.bits=8,mode=zfdr-phase]' --csv`; `lergan compare cgan --arch gpu
    --measure --measure-batch 16`.
    """
    from lergan.baselines.records import check_architecture, evaluate
    from lergan.errors import LerganError
    from lergan.hardware import parse_set_options
    from lergan.report.tables import comparison_rows, rich_table, to_csv

    if as_json and as_csv:
        raise LerganError("--json and --csv: choose one")
    names = list(archs or DEFAULT_ARCHS)
    for a in names:
        check_architecture(a)
    ref = reference or names[0]
    if ref not in names:
        raise LerganError(f"--reference {ref!r}: not among the --arch values ({', '.join(names)})")
    common = parse_set_options(settings or [])
    records = []
    for b in benchmarks:
        for a in names:
            own = common if _is_reram(a) else {}
            records.append(evaluate(b, a, batch, settings=own))
    rows = comparison_rows(records, ref)
    measured = []
    if measure:
        from lergan.baselines.measure import measure_iteration

        for b in benchmarks:
            m = measure_iteration(b, measure_batch or batch, repeats=repeats, threads=threads)
            models = [evaluate(b, a, m.batch) for a in names if not _is_reram(a)
                      and a.startswith("gpu")] or [evaluate(b, "gpu", m.batch)]
            measured.append((m, models))
    if as_json:
        out = {"reference": ref, "batch": batch, "rows": rows,
               "measured": [{**m.to_dict(), "models": [
                   {"architecture": g.architecture, "time_s": g.time_s} for g in gs]}
                   for m, gs in measured]}
        console.print_json(json.dumps(out))
        return
    if as_csv:
        typer.echo(to_csv(rows), nl=False)
        return
    console.print(rich_table(
        rows, title=f"batch {batch}: time, energy, power, area, precision",
        caption=f"speedup, saving: {ref} / row (above 1: better than {ref}); precision: "
        "weight/input/ADC bits"))
    for m, gs in measured:
        console.print(
            f"measured {m.benchmark} on {m.device} ({m.device_name}, {m.threads} threads), "
            f"batch {m.batch}: median {m.median_s * 1e3:,.1f} ms of {len(m.times_s)} "
            "iterations (Adam, the GAN's D/G schedule)", highlight=False)
        for g in gs:
            console.print(f"  model {g.architecture}: {g.time_s * 1e3:,.2f} ms "
                          f"(measured / model = {m.median_s / g.time_s:,.2f})", highlight=False)


def _is_reram(spec: str) -> bool:
    from lergan.baselines.records import parse_spec, platform_of

    return platform_of(parse_spec(spec)[0]) == "reram"
