"""`lergan map WORKLOAD LAYER --arch PRESET`: how one layer maps, per pass and mode.

For one linear, convolution or transposed-convolution layer of a suite GAN
(:func:`lergan.workload.suite.get`) or a GAN description file, every pass (forward, error,
weight gradient, update) in every mapping mode (or the one ``--mode`` names) is mapped with
:func:`lergan.mapping.map_pass` and costed with :func:`lergan.mapping.cost` on the preset:
crossbars, MVM steps, read cycles, ADC conversions, cells written, latency and energy.
``LAYER`` is ``NETWORK.LAYER`` or a layer name found in one network only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich import box
from rich.table import Table

from lergan.cli.app import GAN_HELP, app, console, print_json, user_errors, write_text
from lergan.cli.hardware import si
from lergan.cli.workload import print_uncropped
from lergan.errors import MappingError

if TYPE_CHECKING:
    from lergan.hardware import Architecture
    from lergan.workload import GAN, Layer


def find_layer(gan: GAN, ref: str) -> tuple[str, Layer, tuple[int, ...]]:
    """(network name, layer description, per-sample input shape) of ``ref`` in ``gan``."""
    net_name, _, layer_name = ref.rpartition(".")
    found = []
    for net in gan.networks:
        if net_name and net.name != net_name:
            continue
        for ls in net.shapes():
            if ls.layer.name == layer_name:
                found.append((net.name, ls.layer, tuple(ls.input_shape)))
    if len(found) == 1:
        return found[0]
    mappable = [
        f"{net.name}.{ls.layer.name}"
        for net in gan.networks
        for ls in net.shapes()
        if ls.layer.kind in ("linear", "conv", "conv_transpose")
    ]
    if not found:
        raise MappingError(
            f"layer {ref!r}: no such layer in {gan.name!r} (mappable layers: "
            f"{', '.join(mappable)})"
        )
    raise MappingError(
        f"layer {ref!r} is in several networks of {gan.name!r}: write one of "
        f"{', '.join(f'{n}.{layer_name}' for n, _, _ in found)}"
    )


def map_layer(
    gan: GAN,
    layer_ref: str,
    arch: Architecture,
    *,
    batch: int = 64,
    modes: tuple[str, ...] | None = None,
    passes: tuple[str, ...] | None = None,
    replication: int = 1,
    gate_zero_row_tiles: bool = False,
) -> dict[str, Any]:
    """Map and cost every (pass, mode) of one layer: a JSON-serialisable report."""
    from lergan.mapping import MODES, PASSES, cost, map_pass

    net, layer, shape = find_layer(gan, layer_ref)
    rows = []
    for pass_ in passes or PASSES:
        for mode in modes or MODES:
            m = map_pass(layer, pass_, shape, batch, arch, mode, replication,
                         gate_zero_row_tiles=gate_zero_row_tiles)
            c = cost(m, arch)
            rows.append({
                "pass": pass_, "mode": mode, "mode_applied": m.mode_applied, "form": m.form,
                "crossbars": m.crossbars, "mvm_steps": m.mvm_steps,
                "read_cycles": m.read_cycles, "adc_conversions": m.adc_conversions,
                "cells_written": m.cells_written, "latency_s": c.latency_s,
                "energy_j": c.total_energy_j, "mapping": m.to_dict(), "cost": c.to_dict(),
            })
    return {
        "workload": gan.name, "network": net, "layer": layer.name, "kind": layer.kind,
        "input_shape": list(shape), "arch": arch.name, "batch": batch,
        "replication": replication, "gate_zero_row_tiles": gate_zero_row_tiles,
        "error_propagation": arch.training.error_propagation,
        "weight_gradients": arch.training.weight_gradients, "rows": rows,
    }


def _num(x: float) -> str:
    """Compact count: 4,096 / 24.6k / 1.61M / 6.44G."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}" if suffix != "k" else f"{x / 1e3:.1f}k"
    return f"{x:,.0f}" if abs(x) >= 10 or x == int(x) else f"{x:.3g}"


CSV_COLUMNS = ("pass", "mode", "mode_applied", "form", "crossbars", "mvm_steps",
               "read_cycles", "adc_conversions", "cells_written", "latency_s", "energy_j")


def _csv(report: dict[str, Any]) -> str:
    """One row per (pass, mode): the layer, then :data:`CSV_COLUMNS`."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["workload", "network", "layer", "arch", "batch", *CSV_COLUMNS])
    for r in report["rows"]:
        w.writerow([report["workload"], report["network"], report["layer"], report["arch"],
                    report["batch"], *(repr(r[c]) if isinstance(r[c], float) else r[c]
                                       for c in CSV_COLUMNS)])
    return buf.getvalue()


def _tables(report: dict[str, Any]) -> list[Table]:
    """One table per pass (modes as rows), narrow enough for an 80-column terminal."""
    tables = []
    for pass_ in dict.fromkeys(r["pass"] for r in report["rows"]):
        t = Table(title=pass_, title_justify="left", box=box.SIMPLE, pad_edge=False,
                  padding=(0, 0, 0, 1))
        t.add_column("mode", no_wrap=True, min_width=14)
        for col in ("cross-\nbars", "MVM\nsteps", "read\ncycles", "ADC\nconv.",
                    "cells\nwritten", "latency", "energy"):
            t.add_column(col, justify="right", no_wrap=True)
        for r in (r for r in report["rows"] if r["pass"] == pass_):
            mode = r["mode"] if r["mode_applied"] == r["mode"] else f"{r['mode']} *"
            t.add_row(
                mode, _num(r["crossbars"]), _num(r["mvm_steps"]), _num(r["read_cycles"]),
                _num(r["adc_conversions"]), _num(r["cells_written"]),
                si(r["latency_s"], "s"), si(r["energy_j"], "J"),
            )
        tables.append(t)
    return tables


@app.command("map")
@user_errors
def map_command(
    workload: str = typer.Argument(..., help=GAN_HELP),
    layer: str = typer.Argument(..., help="NETWORK.LAYER, or LAYER if only one network has it."),
    arch: str = typer.Option("lergan", "--arch", help="Hardware preset name or YAML path."),
    batch: int = typer.Option(64, "--batch", min=1, help="Samples the operation processes."),
    mode: Optional[str] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None, "--mode", help="One mapping mode: zero-inserting, scatter, zfdr-phase or "
        "zfdr-pattern (default: all four)."),
    pass_: Optional[str] = typer.Option(  # noqa: UP045
        None, "--pass", help="One pass: forward, error, weight_gradient or update (default: "
        "all four)."),
    replication: int = typer.Option(1, "--replication", min=1, help="Copies of the crossbars."),
    gate: bool = typer.Option(False, "--gate-zero-row-tiles",
                              help="zero-inserting: skip row tiles whose inputs are all zero."),
    set_: Optional[list[str]] = typer.Option(  # noqa: UP045
        None, "--set", help="Override a preset field: KEY=VALUE (repeatable)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    csv_file: Optional[str] = typer.Option(  # noqa: UP045
        None, "--csv", help="Write one row per pass and mode as CSV (SI values) to this file "
        "('-': standard output)."),
) -> None:
    """How one layer of a GAN maps onto crossbars, per pass and mode, and its cost.

    A * marks a pass that the mode does not change (it maps the ordinary way). Every count
    traces to `lergan hardware actions PRESET` and `lergan hardware show PRESET`; --json
    gives the whole mapping and the energy per component.

    Examples: `lergan map dcgan G.tconv2 --arch lergan`;
    `lergan map dcgan D.conv2 --mode zfdr-phase --pass error --set adc.bits=6 --json`.
    """
    from lergan.cli.workload import load_gan
    from lergan.hardware import load_preset, parse_set_options
    from lergan.mapping import MODES, PASSES

    if mode is not None and mode not in MODES:
        raise MappingError(f"--mode must be one of {', '.join(MODES)}; got {mode!r}")
    if pass_ is not None and pass_ not in PASSES:
        raise MappingError(f"--pass must be one of {', '.join(PASSES)}; got {pass_!r}")
    hw = load_preset(arch, overrides=parse_set_options(set_))
    report = map_layer(
        load_gan(workload, {}), layer, hw, batch=batch,
        modes=(mode,) if mode else None, passes=(pass_,) if pass_ else None,
        replication=replication, gate_zero_row_tiles=gate,
    )
    if csv_file is not None:
        write_text("--csv", csv_file, _csv(report))
        if csv_file == "-":
            return
    if json_out:
        from lergan.provenance import digest, record

        print_json(json.dumps({**report, "provenance": record(
            hardware_sha256=digest(hw.model_dump(mode="json")))}))
        return
    console.print(
        f"[bold]{report['workload']} {report['network']}.{report['layer']}[/] "
        f"({report['kind']}, input {tuple(report['input_shape'])}) on {report['arch']}, "
        f"batch {report['batch']}, replication {report['replication']}"
    )
    for table in _tables(report):
        print_uncropped(table)
    console.print(
        f"error propagation: {report['error_propagation']}; weight gradients: "
        f"{report['weight_gradients']}. * the pass maps another way (ordinary: not "
        "zero-inserting; see mode_applied and form in --json).",
        highlight=False,
    )
