"""`lergan hardware ...` and `lergan peak` (registered on import by :mod:`lergan.cli`).

- ``lergan hardware --list``: the shipped presets with their titles;
- ``lergan hardware show PRESET [--set k=v ...]``: every field with value, unit and source;
- ``lergan hardware actions PRESET [--set k=v ...] [--json]``: every action's energy and
  latency;
- ``lergan peak PRESET [--set k=v ...] [--json]``: peak GOPS, area, power, efficiencies.

PRESET is a preset name or a path to a YAML file (which may start with ``base: NAME``).
"""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from lergan.cli.app import app, console, print_json, user_errors, write_text

CSV_HELP = "Write the table as CSV (SI values) to this file ('-': standard output)."


def _csv(header: list[str], rows: list[list[object]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _with_provenance(data: dict, arch: object) -> dict:
    """``data`` with the provenance block: lergan version, commit, hash of the hardware."""
    from lergan.provenance import digest, record

    return {**data, "provenance": record(
        preset=arch.name, hardware_sha256=digest(arch.model_dump(mode="json")))}  # type: ignore[attr-defined]

hardware_app = typer.Typer(
    name="hardware",
    help="Hardware presets: list them, show every field with its source, list action costs.",
    no_args_is_help=False,
    invoke_without_command=True,
)
app.add_typer(hardware_app, name="hardware")

SET_HELP = "Override a field, KEY=VALUE (e.g. adc.bits=6, adc.energy_j='2 pJ'); repeatable."


def _load(preset: str, sets: Optional[list[str]]):  # noqa: UP045 (typer needs Optional)
    from lergan.hardware import load_preset, parse_set_options

    return load_preset(preset, overrides=parse_set_options(sets))


from lergan.report.format import si  # noqa: E402  (re-exported: map and tests use it)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@hardware_app.callback()
@user_errors
def hardware(
    ctx: typer.Context,
    list_: bool = typer.Option(False, "--list", help="List the shipped presets."),
) -> None:
    """Hardware presets: `--list`, `show PRESET`, `actions PRESET`."""
    if ctx.invoked_subcommand is not None:
        return
    if not list_:
        console.print(ctx.get_help())
        raise typer.Exit()
    from lergan.hardware import list_presets, load_preset

    table = Table(title="hardware presets")
    table.add_column("preset")
    table.add_column("base")
    table.add_column("title")
    for name in list_presets():
        arch = load_preset(name)
        table.add_row(name, arch.base or "", arch.title)
    console.print(table)


@hardware_app.command("show")
@user_errors
def show(
    preset: str = typer.Argument(..., help="Preset name or path to a YAML file."),
    section: Optional[str] = typer.Argument(  # noqa: UP045
        None, help="Only the fields under this key (adc, interconnect.links, crossbar.rows)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),  # noqa: UP045
    assumptions: bool = typer.Option(False, "--assumptions",
                                     help="Only the fields that are assumptions."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    csv_file: Optional[str] = typer.Option(None, "--csv", help=CSV_HELP),  # noqa: UP045
) -> None:
    """Every field of PRESET (or of one SECTION) with its SI value, the value as written,
    and its source.

    The file column says which data file sets the field (a preset may build on a `base`
    preset), `override` for --set, or `derived` for a quantity the model computes from
    other fields (crossbar area and read energy, read cycle, per-mat DAC/ADC counts,
    node-scaled energies, static power), listed with its formula and inputs.

    Examples: `lergan hardware show lergan adc`; `lergan hardware show lergan
    --assumptions`; `lergan hardware show isaac --json`;
    `lergan hardware show lergan --set adc.bits=6 --set "adc.energy_j=2 pJ"`;
    `lergan hardware show mine.yaml` (a file of one's own that starts with `base: lergan`).
    """
    from lergan.hardware.components import derived_values

    arch = _load(preset, set_)
    prov = arch.provenance_table()
    if section is not None:
        sec = section.strip().strip(".")
        prov = {k: p for k, p in prov.items() if k == sec or k.startswith(sec + ".")}
        if not prov:
            from lergan.errors import HardwareError

            tops = sorted({k.split(".")[0] for k in arch.provenance_table()})
            raise HardwareError(f"section {section!r}: no field of {arch.name} is under it "
                                f"(sections: {', '.join(tops)})")
    if assumptions:
        prov = {k: p for k, p in prov.items() if p.assumption}
    derived = [] if assumptions else [
        d for d in derived_values(arch)
        if section is None or d.key == sec or d.key.startswith(sec + ".")]
    if csv_file is not None:
        write_text("--csv", csv_file, _csv(
            ["key", "value", "unit", "written_value", "written_unit", "file", "assumption",
             "source", "reason"],
            [[k, _fmt(p.value), p.unit, _fmt(p.written_value), p.written_unit,
              p.defined_in or "", p.assumption, p.source or "", p.reason or ""]
             for k, p in prov.items()]
            + [[d.key, _fmt(d.value), d.unit, "", "", "derived", False,
                f"derived: {d.formula} (from {', '.join(d.inputs)})", ""] for d in derived]))
        if csv_file == "-":
            return
    if json_out:
        data = {
            "name": arch.name,
            "title": arch.title,
            "paper": arch.paper,
            "base": arch.base,
            "deviations": list(arch.deviations),
            "fields": {k: p.model_dump(mode="json") for k, p in prov.items()},
            "derived": {d.key: d.to_dict() for d in derived},
        }
        print_json(json.dumps(_with_provenance(data, arch)))
        return
    from rich.markup import escape

    base = f", base {arch.base}" if arch.base else ""
    console.print(f"[bold]{escape(arch.title)}[/]  ({escape(arch.name + base)})")
    console.print(f"paper: {escape(arch.paper)}", highlight=False)
    for d in arch.deviations:
        console.print(f"  deviation: {escape(d)}", highlight=False)
    table = Table(show_lines=False)
    table.add_column("key", overflow="fold")
    table.add_column("file", no_wrap=True, style="dim")
    for col in ("value (SI)", "unit", "as written", "source / assumption"):
        table.add_column(col, overflow="fold")
    for key, p in prov.items():
        written = f"{_fmt(p.written_value)} {p.written_unit}".strip()
        if p.assumption:
            src = f"[yellow]assumption[/]: {escape(str(p.reason))}"
        else:
            src = escape(str(p.source))
            if p.derivation:
                src += f" [dim]({escape(p.derivation)})[/]"
        if p.overridden:
            src = f"[magenta]override[/]: {src}"
        table.add_row(escape(key), escape(p.defined_in or ""), escape(_fmt(p.value)),
                      escape(p.unit), escape(written), src)
    for d in derived:
        table.add_row(escape(d.key), "derived", escape(_fmt(d.value)), escape(d.unit), "",
                      f"[cyan]derived[/]: {escape(d.formula)} [dim](from "
                      f"{escape(', '.join(d.inputs))})[/]")
    console.print(table)


@hardware_app.command("actions")
@user_errors
def actions_cmd(
    preset: str = typer.Argument(..., help="Preset name or path to a YAML file."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),  # noqa: UP045
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    csv_file: Optional[str] = typer.Option(None, "--csv", help=CSV_HELP),  # noqa: UP045
) -> None:
    """Every action of PRESET with its energy and latency, and the formula behind them.

    Examples: `lergan hardware actions isaac`; `lergan hardware actions lergan --set
    adc.bits=6 --json` (SI values: J and s).
    """
    from rich.markup import escape

    from lergan.hardware.cost import actions

    arch = _load(preset, set_)
    acts = actions(arch)
    if csv_file is not None:
        write_text("--csv", csv_file, _csv(
            ["action", "energy_j", "latency_s", "per", "formula"],
            [[a.name, repr(a.energy_j), repr(a.latency_s), a.per, a.formula]
             for a in acts.values()]))
        if csv_file == "-":
            return
    if json_out:
        print_json(json.dumps(_with_provenance(
            {k: a.to_dict() for k, a in acts.items()}, arch)))
        return
    table = Table(title=f"actions of {preset}")
    table.add_column("action", overflow="fold")
    table.add_column("energy", justify="right", no_wrap=True)
    table.add_column("latency", justify="right", no_wrap=True)
    table.add_column("per", overflow="fold")
    table.add_column("formula", overflow="fold")
    for a in acts.values():
        table.add_row(escape(a.name), si(a.energy_j, "J", 4), si(a.latency_s, "s", 4),
                      escape(a.per), escape(a.formula))
    console.print(table)


#: (--json key, label, unit, format) of the peak table's rows
_PEAK_ROWS = (
    ("gops", "peak throughput (2 ops per MAC)", "GOPS", ",.1f"),
    ("area_mm2", "area", "mm2", ",.2f"),
    ("power_w", "peak power", "W", ",.2f"),
    ("gops_per_mm2", "computational efficiency", "GOPS/mm2", ",.1f"),
    ("gops_per_w", "power efficiency", "GOPS/W", ",.1f"),
    ("crossbars", "crossbars", "", ","),
    ("macs_per_mvm", "MACs per crossbar MVM", "", ","),
    ("mvm_latency_s", "MVM latency", "us", ".4g"),
)


@app.command("peak")
@user_errors
def peak_cmd(
    preset: str = typer.Argument(..., help="Preset name or path to a YAML file."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),  # noqa: UP045
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    breakdown_: bool = typer.Option(
        False, "--breakdown", help="Also list area and power per component."
    ),
    csv_file: Optional[str] = typer.Option(None, "--csv", help=CSV_HELP),  # noqa: UP045
) -> None:
    """Peak throughput, area and power of PRESET, summed from its component tables.

    Examples: `lergan peak isaac` (ISAAC's Table I: 65.8 W, 85.4 mm2);
    `lergan peak lergan --breakdown`; `lergan peak prime --set crossbar.rows=128 --json`.
    """
    from lergan.hardware.peak import breakdown, peak

    arch = _load(preset, set_)
    p = peak(arch)
    data = p.to_dict()
    if breakdown_:
        data["breakdown"] = [
            {**b.to_dict(), "area_mm2": b.area_m2 * 1e6} for b in breakdown(arch)
        ]
    if csv_file is not None:
        rows: list[list[object]] = [[key, repr(data[key])] for key, *_ in _PEAK_ROWS]
        if breakdown_:
            rows += [[f"{b['level']}.{b['component']}.{q}", repr(b[q])]
                     for b in data["breakdown"] for q in ("instances", "area_mm2", "power_w")]
        write_text("--csv", csv_file, _csv(["key", "value"], rows))
        if csv_file == "-":
            return
    if json_out:
        print_json(json.dumps(_with_provenance(data, arch)))
        return
    table = Table(title=f"peak figures of {arch.name}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_column("--json key", style="dim")
    for key, label, unit, fmt in _PEAK_ROWS:
        value = data[key] * 1e6 if key == "mvm_latency_s" else data[key]
        table.add_row(label, format(value, fmt), unit, key)
    console.print(table)
    if breakdown_:
        bt = Table(title="breakdown")
        for col in ("level", "component", "instances", "area (mm2)", "power (W)"):
            bt.add_column(col)
        for b in breakdown(arch):
            bt.add_row(b.level, b.component, _fmt(b.instances), f"{b.area_m2 * 1e6:.4g}",
                       f"{b.power_w:.4g}")
        console.print(bt)
