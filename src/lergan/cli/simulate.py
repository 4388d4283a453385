"""`lergan simulate NAME --arch ARCH` and `lergan timeline NAME --arch ARCH --out FILE.png`.

``simulate`` runs :func:`lergan.system.simulate` and shows where the iteration's time goes
(along the critical path, per step, network, pass and layer, in microseconds) and where its
energy goes (per network, step, pass and layer, and per component, in microjoules); both
tables add up to the totals. Then the cells written per iteration (per network, pass, layer
and what is written) and the lifetime until the most-worn cells reach the preset's
endurance (:mod:`lergan.system.wear`). ``--compare budget|area`` runs the ablations of
:func:`lergan.system.ablation.compare` instead. ``--set KEY=VALUE`` sets a simulation option
(``mode``, ``replication``, ``crossbar_budget``, ...; see ``SimulationOptions``) or, for
any other key, overrides the hardware preset (``adc.bits=6``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from lergan.cli.app import GAN_HELP, app, console, print_json, user_errors, write_text
from lergan.report.format import count

if TYPE_CHECKING:
    from lergan.system import SimulationResult


def split_settings(items: list[str] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(simulation options, hardware overrides) from ``--set KEY=VALUE`` items."""
    from lergan.hardware import parse_set_options
    from lergan.system.options import SimulationOptions

    opts: dict[str, Any] = {}
    hw: dict[str, Any] = {}
    from lergan.errors import LerganError
    from lergan.system.options import MOVED_TO_PRESET

    for key, value in parse_set_options(items or []).items():
        if key in MOVED_TO_PRESET:
            raise LerganError(f"--set {key}: now a preset field, use --set "
                              f"{MOVED_TO_PRESET[key]}={value}")
        if key in SimulationOptions.model_fields:
            opts[key] = _option_value(value)
        else:
            hw[key] = value
    return opts, hw


def _option_value(text: str) -> Any:
    """A JSON value (numbers, true/false, {"D/conv1": 2}) or else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def amount(v: float) -> str:
    """A table figure (:func:`lergan.report.format.number`: four significant digits, so
    that a small but non-zero share does not read 0.000)."""
    from lergan.report.format import number

    return number(v)


#: rows a breakdown table shows before it folds the rest into one "other" row (``--all``:
#: every row)
TOP_ROWS = 15


def fold_rows(rows: dict[str, float], limit: int | None) -> tuple[list[tuple[str, float]],
                                                                  tuple[int, float] | None]:
    """The ``limit`` largest rows (``None``: all) and, if any are left, (how many, their sum)."""
    items = sorted(rows.items(), key=lambda kv: -abs(kv[1]))
    if limit is None or len(items) <= limit + 1:  # folding one row would hide, not save
        return items, None
    rest = items[limit:]
    return items[:limit], (len(rest), sum(v for _, v in rest))


def _table(title: str, rows: dict[str, float], total: float, unit: str, scale: float,
           key_names: tuple[str, ...], limit: int | None = TOP_ROWS,
           noun: str = "rows", fmt: Callable[[float], str] = amount) -> Table:
    """A breakdown as a table: the largest rows, one "other (N ...)" row for the rest (so
    that the rows still add up to the total), and the total."""
    shown, other = fold_rows(rows, limit)
    if other:
        title += f" (top {len(shown)} of {len(rows)}; --all shows every row)"
    t = Table(title=title, title_justify="left", box=box.SIMPLE, pad_edge=False,
              padding=(0, 1))
    for k in key_names:  # labels wrap where the table is too wide; numbers never do
        t.add_column(k, overflow="fold")
    t.add_column(unit, justify="right", no_wrap=True, min_width=len(fmt(total * scale)))
    t.add_column("%", justify="right", no_wrap=True, min_width=5)

    def pct(v: float) -> str:
        return f"{100 * v / total:.1f}" if total else "-"

    for key, v in shown:
        parts = key.split("/")
        t.add_row(*map(escape, parts), fmt(v * scale), pct(v))
    if other:
        n, v = other
        t.add_row(*([""] * (len(key_names) - 1) + [f"other ({n} {noun})"]),
                  fmt(v * scale), pct(v), style="dim")
    t.add_row(*(["total"] + [""] * (len(key_names) - 1)), fmt(total * scale),
              "100.0", style="bold")
    return t


def render(result: SimulationResult, show_all: bool = False) -> None:
    """Print a result's totals and breakdowns as rich tables (the largest rows of each, or
    every row with ``show_all``)."""
    r = result
    limit = None if show_all else TOP_ROWS
    console.print(
        f"[bold]{r.benchmark}[/] on [bold]{r.architecture}[/] (mode {r.options['mode']}, "
        f"layout {r.options['layout']}, topology {r.options['topology']}), batch {r.batch}: "
        f"[bold]{r.time_s * 1e6:,.1f} us[/], [bold]{r.energy_j * 1e6:,.1f} uJ[/] "
        f"({r.dynamic_energy_j * 1e6:,.1f} dynamic + {r.static_energy_j * 1e6:,.1f} static), "
        f"[bold]{r.area_mm2:.3f} mm2[/], {r.power_w:.3g} W average"
        + (f" ({r.peak_power_w:.3g} W peak), " if r.peak_power_w is not None else ", ")
        + f"{count(r.cells_written)} cells written",
        highlight=False,
    )
    cv = r.converters
    if cv:
        per = ", ".join(f"{p} needs {v['required_bits']}"
                        + (f" (drops {v['dropped_bits']})" if v["dropped_bits"] else "")
                        for p, v in cv["passes"].items())
        console.print(f"converters: {cv['policy']}, {cv['adc_bits']}-bit ADCs, "
                      f"{cv['dac_bits']}-bit DACs, {cv['weight_bits']}-bit weights, "
                      f"{cv['input_bits']}-bit inputs; {per}", highlight=False)
    keys = ("step", "network", "pass", "layer")
    console.print(_table("Time along the critical path", r.breakdown(keys, "time"),
                         r.time_s, "us", 1e6, keys, limit, "operations"))
    console.print(_table("Energy by step, network, pass and layer",
                         r.breakdown(keys, "energy"), r.energy_j, "uJ", 1e6, keys, limit,
                         "operations"))
    console.print(_table("Energy by component", r.breakdown("component", "energy"),
                         r.energy_j, "uJ", 1e6, ("component",), limit, "components"))
    console.print(_table("Area", r.breakdown(("network", "component"), "area"),
                         r.area_mm2, "mm2", 1.0, ("network", "component"), limit,
                         "components"))
    u = Table(title="Busiest resources", title_justify="left",
              box=box.SIMPLE, pad_edge=False)
    u.add_column("resource", overflow="fold")
    u.add_column("busy us", justify="right", no_wrap=True)
    u.add_column("%", justify="right", no_wrap=True)
    busiest = sorted(r.utilisation.items(), key=lambda kv: -kv[1])
    for name, frac in busiest if show_all else busiest[:12]:
        u.add_row(escape(name), f"{frac * r.time_s * 1e6:,.1f}", f"{100 * frac:.1f}")
    console.print(u)
    g = Table(title="Placement", title_justify="left", box=box.SIMPLE, pad_edge=False)
    for col in ("group", "banks", "capacity", "crossbars", "swap region"):
        g.add_column(col, overflow="fold", justify="left" if col in ("group", "banks")
                     else "right")
    groups = list(r.placement["groups"].items())
    for name, grp in groups if show_all else groups[:TOP_ROWS]:
        g.add_row(name, ",".join(f"B{b}" for b in grp["banks"]), count(grp["capacity"]),
                  count(grp["crossbars"]), count(grp["swap_crossbars"]) if
                  grp["swap_crossbars"] else "-")
    console.print(g)
    if not show_all and len(groups) > TOP_ROWS:
        console.print(f"({len(groups) - TOP_ROWS} more groups: --all)", highlight=False)
    render_storage(r)
    render_wear(r, show_all)
    ic = r.interconnect
    console.print(
        f"interconnect {ic['topology']}: {ic['transfers']} transfers, "
        f"{ic['bytes_sent'] / 1e6:,.2f} MB between banks "
        f"({ic['bytes_between_networks'] / 1e6:,.2f} MB between networks), "
        f"{ic['reconfigurations']} link reconfigurations", highlight=False)
    for note in r.notes:
        console.print(f"note: {escape(note)}", highlight=False)


def render_storage(r: SimulationResult) -> None:
    """Each bank's store (state and kept tensors) and where it lands, with its buffer
    ports' need (:mod:`lergan.system.storage`, :mod:`lergan.system.ports`)."""
    banks = r.placement.get("storage", {}).get("banks", {})
    if not banks:
        return
    ports = r.placement.get("buffer_ports", {})
    t = Table(title="Bank stores (MB) and buffer ports", title_justify="left",
              box=box.SIMPLE, pad_edge=False)
    for col in ("bank", "state", "kept", "buffer", "memory mats", "off chip", "port need"):
        t.add_column(col, justify="left" if col == "bank" else "right", no_wrap=True)
    for name, b in banks.items():
        p = ports.get(name)
        t.add_row(name, *(f"{b[k] / 1e6:,.1f}" for k in (
            "state_bytes", "kept_bytes", "buffer_bytes", "memory_bytes", "offchip_bytes")),
            f"{p['need']:.1f} of {p['ports']:.1f}" if p else "-")
    console.print(t)


def _duration(seconds: float) -> str:
    """Seconds in the largest fitting unit (s, h, days, years)."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.3g} s"


def render_wear(r: SimulationResult, show_all: bool = False) -> None:
    """Cells written per iteration (network, pass, layer, what) and the lifetime: iterations
    (and wall time at the simulated iteration time) until the most-worn group of cells
    reaches the preset's endurance, with the most-worn groups."""
    keys = ("network", "layer", "component")  # what is written names the pass
    console.print(_table("Cells written per iteration", r.breakdown(keys, "writes"),
                         r.cells_written, "cells", 1.0, ("network", "layer", "written"),
                         None if show_all else TOP_ROWS, "operations",
                         fmt=count))
    life = r.lifetime
    if life is None or life.limiting is None:
        console.print("lifetime: no cell is written", highlight=False)
        return
    g = life.limiting
    console.print(
        f"[bold]lifetime {life.iterations:,.3g} iterations[/]"
        + (f" ({_duration(life.seconds)} at {r.time_s * 1e6:,.1f} us per iteration)"
           if life.seconds is not None else "")
        + f": {escape(g.resource)} ({escape(', '.join(g.writes))}) writes its most-written "
        f"cells {g.writes_per_cell:,.4g} times per iteration, endurance "
        f"{life.endurance_writes:,.3g} writes", highlight=False)
    t = Table(title="Most-worn cells", title_justify="left", box=box.SIMPLE, pad_edge=False)
    for col in ("cells of", "written", "cells", "writes/iter", "iterations"):
        t.add_column(col, overflow="fold", justify="left" if col in (
            "cells of", "written") else "right", no_wrap=col not in ("cells of", "written"))
    groups = life.groups if show_all else life.groups[:8]
    for grp, iters in groups:
        t.add_row(escape(grp.resource), escape(", ".join(grp.writes)), count(grp.cells),
                  f"{grp.writes_per_cell:,.4g}", f"{iters:,.3g}")
    console.print(t)
    if not show_all and len(life.groups) > len(groups):
        console.print(f"({len(life.groups) - len(groups)} more groups: --all)",
                      highlight=False)


@app.command("simulate")
@user_errors
def simulate_cmd(
    name: str = typer.Argument(..., help=GAN_HELP),
    arch: str = typer.Option("lergan", "--arch", help="preset or ablation architecture"),
    batch: int = typer.Option(64, "--batch", help="samples per step"),
    settings: Optional[list[str]] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None, "--set", help="KEY=VALUE: a simulation option or a hardware override"),
    compare: Optional[str] = typer.Option(  # noqa: UP045
        None, "--compare", help="run the ablations at equal 'budget' or equal 'area' "
        "(reference: --arch, then lergan's ablations and --arch in each mapping mode)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON (with "
                                 "the lergan version, commit and hashes of its inputs)"),
    csv_file: Optional[str] = typer.Option(  # noqa: UP045
        None, "--csv", help="write the per-layer table (or --compare's rows) as CSV to this "
        "file ('-': standard output)"),
    per_layer: bool = typer.Option(False, "--per-layer", help="show the per-layer table: "
                                   "latency, critical-path time, energy, area, cells written "
                                   "per network, layer and pass"),
    show_all: bool = typer.Option(False, "--all", help="show every row of each table "
                                  "(default: the largest, the rest summed in one row)"),
    write_stats: Optional[str] = typer.Option(  # noqa: UP045
        None, "--write-stats", help="metrics.json of a run of lergan train: its measured "
        "share of cells written per update (per layer, else per network) replaces the "
        "preset's write.fraction_rewritten"),
) -> None:
    """Simulate one training iteration and show where its time and energy go.

    Examples: `lergan simulate dcgan --arch lergan`;
    `lergan simulate dcgan --arch prime --set mode=zfdr-phase --set adc.bits=6`;
    `lergan simulate dcgan --compare budget`; `lergan simulate gp-gan --batch 8 --all`;
    `lergan simulate DCGAN --batch 8 --per-layer --csv layers.csv`. A GAN of your own:
    NAME is a description file (my_gan.yaml) or a Python builder (examples/my_gan.py:build).
    """
    from lergan.system import simulate
    from lergan.system.ablation import compare as run_compare

    opts, hw = split_settings(settings)
    if write_stats is not None:
        from lergan.emulate.write_stats import load_write_stats

        ws = load_write_stats(write_stats)
        opts["write_fractions"] = {**ws.layers, **ws.networks, "*": ws.overall}
    if compare is not None:
        from lergan.system.ablation import ARCH_VARIANTS, Variant
        from lergan.system.options import MODES

        variants = None  # lergan, its ablations, lergan in each mode
        if arch != "lergan":  # --arch names the reference: it first, then the rest
            variants = [Variant(arch), *(Variant(a) for a in ARCH_VARIANTS if a != arch),
                        *(Variant(arch, m) for m in MODES)]
        rows = run_compare(name, batch, basis=compare, variants=variants,
                           overrides=hw or None, options=opts or None)
        out = [{k: v for k, v in row.items() if k != "result"} for row in rows]
        if csv_file is not None:
            write_text("--csv", csv_file, _rows_csv(out))
        if as_json:
            from lergan.provenance import record

            print_json(json.dumps({"benchmark": name, "basis": compare,
                                           "rows": out, "provenance": record()}))
            return
        t = Table(title=f"{name}: ablations at equal {compare}", title_justify="left",
                  box=box.SIMPLE, pad_edge=False,
                  caption=f"speed-up and energy saving: {rows[0]['variant']} / variant "
                  "(above 1: the variant is better)", caption_justify="left")
        for col in ("variant", "xbars", "time ms", "mJ", "mm2", "speedup", "saving"):
            t.add_column(col, justify="left" if col == "variant" else "right",
                         no_wrap=col == "variant")
        for row in rows:
            t.add_row(escape(row["variant"]), f"{row['crossbar_budget']:,}",
                      f"{row['time_s'] * 1e3:,.2f}", f"{row['energy_j'] * 1e3:,.2f}",
                      f"{row['area_mm2']:.2f}", f"{row['speedup']:.2f}",
                      f"{row['energy_saving']:.2f}")
        console.print(t)
        return
    result = simulate(name, arch, batch, hw or None, opts or None)
    if csv_file is not None:
        from lergan.report.per_layer import per_layer_rows, to_csv

        write_text("--csv", csv_file, to_csv(per_layer_rows(result)))
        if csv_file == "-":
            return
    if as_json:
        data = result.to_dict()
        if per_layer:
            from lergan.report.per_layer import per_layer_rows

            data["per_layer"] = per_layer_rows(result)
        print_json(json.dumps(data))
        return
    if per_layer:
        render_per_layer(result)
        return
    render(result, show_all)


def _rows_csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def render_per_layer(result: SimulationResult) -> None:
    """The per-layer table (:mod:`lergan.report.per_layer`) in the tool's units."""
    from lergan.report.format import number
    from lergan.report.per_layer import per_layer_rows

    rows = per_layer_rows(result)
    t = Table(title=f"{result.benchmark} on {result.architecture}, batch {result.batch}: "
              "per network, layer and pass", title_justify="left", box=box.SIMPLE,
              pad_edge=False, padding=(0, 0),
              caption="latency: first start to last finish on its own units, per step; "
              "path: time on the critical path; area: its crossbars' share of the "
              "network's area; CSV: --csv FILE", caption_justify="left")
    for col, key, cap in (("net", "network", 4), ("layer", "layer", 8)):
        t.add_column(col, overflow="fold",
                     min_width=min(max((len(r[key]) for r in rows), default=3), cap))
    t.add_column("pass", no_wrap=True)
    for col in ("lat us", "path us", "uJ", "mm2", "cells"):
        t.add_column(col, justify="right", no_wrap=True)
    short = {"weight_gradient": "wgrad", "forward": "fwd", "error": "err", "update": "upd",
             "transfer": "xfer", "reconfigure": "reconf"}
    for r in rows:
        t.add_row(escape(r["network"]), escape(r["layer"]),
                  short.get(r["pass"], r["pass"]), number(r["latency_s"] * 1e6),
                  number(r["critical_path_s"] * 1e6), number(r["energy_j"] * 1e6),
                  number(r["area_mm2"]), count(r["cells_written"]))
    t.add_row("total", "", "", "", number(result.time_s * 1e6),
              number(result.energy_j * 1e6), number(result.area_mm2),
              count(result.cells_written), style="bold")
    console.print(t)


@app.command("timeline")
@user_errors
def timeline_cmd(
    name: str = typer.Argument(..., help=GAN_HELP),
    arch: str = typer.Option("lergan", "--arch", help="preset or ablation architecture"),
    out: str = typer.Option(..., "--out", help="image file to write; the format comes from "
                            "the suffix (.png, .svg, .pdf, ...)"),
    width: float = typer.Option(14.0, "--width", help="figure width in inches"),
    height: Optional[float] = typer.Option(  # noqa: UP045
        None, "--height", help="figure height in inches (default: grows with the lanes)"),
    font_size: float = typer.Option(8.0, "--font-size", help="font size of lane labels in "
                                    "points (titles are larger)"),
    batch: int = typer.Option(64, "--batch", help="samples per step"),
    settings: Optional[list[str]] = typer.Option(  # noqa: UP045
        None, "--set", help="KEY=VALUE: a simulation option or a hardware override"),
) -> None:
    """Draw the iteration's timeline (a Gantt chart per unit and link) to an image.

    Examples: `lergan timeline dcgan --arch lergan --out timeline.png`;
    `lergan timeline cgan --arch lergan-2d-bus --batch 16 --out cgan.png`;
    `lergan timeline dcgan --out t.svg --width 20 --font-size 10`.
    """
    from lergan.report.timeline import output_format, plot_timeline
    from lergan.system import simulate

    output_format(out)  # a bad --out is refused before the simulation runs
    opts, hw = split_settings(settings)
    result = simulate(name, arch, batch, hw or None, opts or None)
    path = plot_timeline(result, out, width=width, height=height, font_size=font_size)
    console.print(f"wrote {path} ({len(result.timeline)} bars, makespan "
                  f"{result.time_s * 1e6:,.1f} us)", highlight=False)
