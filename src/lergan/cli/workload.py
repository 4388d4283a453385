"""`lergan workload`: a GAN's layers and the MACs of one training iteration (registered by
:mod:`lergan.cli`).

``lergan workload NAME`` prints one row per layer: shapes, parameters, and for each pass
(forward, error, weight gradient) the MACs of one iteration at ``--batch`` counted three
ways (real, zero-inserted, nominal; docs/model.md section 2) with the share of the
zero-inserted MACs that multiply a zero. ``--json`` prints the same as data, ``--csv FILE``
writes it, ``--graph FILE`` writes the whole iteration graph (``.json`` or ``.csv``).
``lergan workload --list`` lists the benchmark suite with sources. NAME is a suite name or a
``.json`` / ``.yaml`` description file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.table import Table

from lergan.cli.app import app, console, print_json, user_errors
from lergan.errors import LerganError

if TYPE_CHECKING:
    from lergan.workload import GAN, Layer
    from lergan.workload.iteration import IterationGraph

_PASSES = {"forward": "fwd", "error": "err", "weight_gradient": "wgrad"}
_COUNTS = {"real": "real", "zero_inserted": "zero-ins", "nominal": "nominal"}
_G_STEP_LATENT = ("fresh", "reuse")
#: layers the terminal table shows without --all (rich lays a table out in seconds per
#: thousand rows); --csv and --json always hold every row
MAX_TABLE_ROWS = 300


def _si(n: float) -> str:
    """Compact engineering notation: 1.23G, 45.6M, 789k, 12."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.3g}{suffix}"
    return f"{n:.3g}" if n else "0"


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(v) for v in shape)


def _parse_set(values: list[str]) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise LerganError(f"--set {item!r} must be KEY=VALUE (see lergan workload --list)")
        key, value = item.split("=", 1)
        if not key.strip():
            raise LerganError(f"--set {item!r}: empty key")
        try:
            out[key.strip().replace("-", "_")] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or "not a valid value"
            raise LerganError(f"--set {key.strip()}: cannot read {value!r}: {problem}"
                              ) from None
    return out


def load_gan(name: str, options: dict[str, Any]) -> Any:
    """The GAN ``name`` names (:func:`lergan.workload.source.resolve_gan`: a suite name or
    alias with its ``--set`` options, a .json / .yaml description file, file.py:builder)."""
    from lergan.workload.source import resolve_gan

    return resolve_gan(name, options)


def _choice(option: str, text: str, allowed: dict[str, str]) -> list[str]:
    items = [t.strip().replace("-", "_") for t in text.split(",") if t.strip()]
    aliases = {
        "zero_ins": "zero_inserted",
        "fwd": "forward",
        "err": "error",
        "wgrad": "weight_gradient",
    }
    items = [aliases.get(t, t) for t in items]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise LerganError(f"{option} {text!r}: choose from {', '.join(allowed)}")
    return items


_SHORT_KINDS = {"conv_transpose": "tconv", "batch_norm": "bn", "instance_norm": "in"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _kind(layer: Layer) -> str:
    """A short label: the activation's function (with its slope), else the layer kind."""
    if layer.kind == "activation":
        if layer.function == "leaky_relu":
            return f"lrelu({layer.negative_slope:g})"
        return layer.function
    if layer.kind in ("conv", "conv_transpose"):
        k = "x".join(str(v) for v in layer.kernel_size)
        s = "x".join(str(v) for v in layer.stride)
        return f"{_SHORT_KINDS.get(layer.kind, layer.kind)} k{k} s{s}"
    return _SHORT_KINDS.get(layer.kind, layer.kind)


def print_uncropped(table: Table) -> None:
    """Print ``table`` at its natural width, wider than the console if need be.

    Rich fits a table to the console (80 columns when output is redirected) by cutting
    cells to "1…", which turns numbers into wrong ones; a wide table is printed whole
    instead (a terminal wraps it; narrow it with --passes / --counts, or use --csv).
    """
    from rich.console import Console
    from rich.measure import Measurement

    needed = Measurement.get(console, console.options.update(max_width=10**5), table).maximum
    if needed <= console.width:
        console.print(table)
        return
    wide = Console(
        width=needed,
        color_system=console.color_system,  # type: ignore[arg-type]
        force_terminal=console.is_terminal,
        highlight=False,
    )
    wide.print(table)
    if console.is_terminal:
        console.print(
            f"(table is {needed} columns wide, the terminal {console.width}: narrow it with "
            "--passes / --counts, or write it with --csv)",
            style="dim",
        )


def layer_rows(gan: GAN, graph: IterationGraph) -> list[dict[str, Any]]:
    """Per layer: identity, shapes, parameters, and per pass the three MAC counts."""
    from lergan.workload.iteration import per_layer

    rows = []
    for row in per_layer(graph, gan):
        out = {k: row[k] for k in ("network", "role", "layer", "kind", "params")}
        out["label"] = _kind(gan.network(row["network"]).layer(row["layer"]))
        out["input_shape"] = list(row["input_shape"])
        out["output_shape"] = list(row["output_shape"])
        for p in _PASSES:
            out[p] = {**row[p].to_dict(), "zero_share": row[p].zero_share}
        rows.append(out)
    return rows


def _totals(graph: IterationGraph, **criteria: Any) -> dict[str, Any]:
    out = {}
    for p in _PASSES:
        macs = graph.total(pass_=p, **criteria)
        out[p] = {**macs.to_dict(), "zero_share": macs.zero_share}
    return out


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["network", "role", "layer", "kind", "input_shape", "output_shape", "params"]
    for p in _PASSES:
        header += [f"{p}_{c}" for c in _COUNTS] + [f"{p}_zero_share"]
    writer.writerow(header)
    for r in rows:
        line = [
            r["network"],
            r["role"],
            r["layer"],
            r["kind"],
            _shape(r["input_shape"]),
            _shape(r["output_shape"]),
            r["params"],
        ]
        for p in _PASSES:
            line += [r[p][c] for c in _COUNTS] + [f"{r[p]['zero_share']:.4f}"]
        writer.writerow(line)
    return buf.getvalue()


def _write(option: str, path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as exc:
        raise LerganError(f"{option} {str(path)!r}: cannot write: {exc.strerror}") from None


def _provenance(gan: Any) -> dict[str, Any]:
    from lergan.provenance import digest, record

    return record(workload_sha256=digest(gan.to_dict()))


def _list(as_json: bool) -> None:
    from lergan.workload import suite

    entries = []
    for name in suite.names():
        info = suite.info(name)
        gan = suite.get(name)
        entries.append(
            {
                **info.to_dict(),
                "networks": {n.name: n.role for n in gan.networks},
                "params": gan.param_count,
            }
        )
    if as_json:
        print_json(json.dumps({"benchmarks": entries}))
        return
    table = Table(
        title="Benchmark GANs (lergan workload NAME; full sources and options: --list --json)",
        box=box.SIMPLE_HEAVY,
    )
    for col in ("Name", "Networks", "Params", "Paper", "What it is"):
        table.add_column(col, overflow="fold", justify="right" if col == "Params" else "left")
    for e in entries:
        nets = ", ".join(f"{n} ({r[0].upper()})" for n, r in e["networks"].items())
        table.add_row(e["name"], nets, _si(e["params"]), e["citation"], e["description"])
    console.print(table)


@app.command("workload")
@user_errors
def workload(
    name: str | None = typer.Argument(
        None, help="Benchmark name (see --list; any case, aliases too), a .json/.yaml GAN "
        "description file, or path/to/file.py:builder."
    ),
    batch: int = typer.Option(64, "--batch", "-b", min=1, help="Samples per batch."),
    list_: bool = typer.Option(False, "--list", help="List the benchmark suite and exit."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
    csv_file: Path | None = typer.Option(
        None, "--csv", help="Also write the per-layer table (exact integers) to this CSV file."
    ),
    graph_file: Path | None = typer.Option(
        None, "--graph", help="Write the whole iteration graph to this .json or .csv file."
    ),
    g_step_latent: str = typer.Option(
        "fresh", "--g-step-latent", help="G-step input: 'fresh' latent vectors or 'reuse' fakes."
    ),
    stale_d_weights: bool = typer.Option(
        False, "--stale-d-weights", help="G-step's D forward uses pre-update weights."
    ),
    d_steps: int | None = typer.Option(
        None, "--d-steps", min=1, help="D-steps per iteration (default: the GAN's own schedule)."
    ),
    g_steps: int | None = typer.Option(
        None, "--g-steps", min=1, help="G-steps per iteration (default: the GAN's own schedule)."
    ),
    bits: int = typer.Option(16, "--bits", min=1, help="Bits per value for tensor sizes."),
    counts: str = typer.Option(
        "real,zero_inserted,nominal",
        "--counts",
        help="Counts shown, comma-separated: real, zero_inserted (zero-ins), nominal.",
    ),
    passes: str = typer.Option(
        "forward,error,weight_gradient",
        "--passes",
        help="Passes shown, comma-separated: forward (fwd), error (err), weight_gradient "
        "(wgrad).",
    ),
    show_all: bool = typer.Option(
        False, "--all", help=f"Print the table even beyond {MAX_TABLE_ROWS} layers (slow)."),
    set_: list[str] = typer.Option(
        [], "--set", help="Benchmark option KEY=VALUE (repeatable), e.g. --set image_size=128."
    ),
) -> None:
    """Per-layer table of one GAN training iteration: shapes, parameters, MACs per pass.

    Each pass (forward, error, weight gradient) is counted three ways: real (both operands
    real data), zero-ins (a dense convolution of the zero-inserted, padded operand) and
    nominal (torch FlopCounterMode / 2), with the share of zero-ins MACs that multiply a
    zero. Exact integers: --json or --csv.

    Examples: `lergan workload --list`; `lergan workload dcgan`;
    `lergan workload 3d-gan --json`; `lergan workload dcgan --passes fwd,err --counts
    real,nominal --csv dcgan.csv`; `lergan workload dcgan --set image_size=128`;
    `lergan workload my_gan.yaml` (a GAN description, e.g. from `GAN.to_yaml()`).
    """
    if list_:
        _list(as_json)
        return
    if name is None:
        raise LerganError("give a benchmark NAME (see lergan workload --list)")
    from lergan.workload.iteration import IterationOptions, build_iteration

    if g_step_latent not in _G_STEP_LATENT:
        raise LerganError(
            f"--g-step-latent {g_step_latent!r}: choose from {', '.join(_G_STEP_LATENT)}"
        )
    if graph_file is not None and graph_file.suffix not in (".json", ".csv"):
        raise LerganError(f"--graph {str(graph_file)!r}: the file name must end in .json or .csv")
    shown_counts = _choice("--counts", counts, _COUNTS)
    shown_passes = _choice("--passes", passes, _PASSES)
    gan = load_gan(name, _parse_set(set_))
    options = IterationOptions(
        g_step_latent=g_step_latent,  # type: ignore[arg-type]
        stale_d_weights=stale_d_weights,
        d_steps=d_steps,
        g_steps=g_steps,
        activation_bits=bits,
        weight_bits=bits,
    )
    graph = build_iteration(gan, batch, options)
    rows = layer_rows(gan, graph)
    if csv_file is not None:
        _write("--csv", csv_file, _csv(rows))
    if graph_file is not None:
        text = graph.to_csv() if graph_file.suffix == ".csv" else graph.to_json()
        _write("--graph", graph_file, text)
    networks = {n.name: _totals(graph, network=n.name) for n in gan.networks}
    if as_json:
        print_json(
            json.dumps(
                {
                    "gan": gan.name,
                    "source": gan.source,
                    "batch": batch,
                    "d_steps": graph.d_steps,
                    "g_steps": graph.g_steps,
                    "options": options.model_dump(mode="json"),
                    "params": gan.param_count,
                    "layers": rows,
                    "networks": networks,
                    "totals": _totals(graph),
                    "provenance": _provenance(gan),
                }
            )
        )
        return
    steps = f"{_plural(graph.d_steps, 'D-step')} and {_plural(graph.g_steps, 'G-step')}"
    title = (
        f"{gan.name}: MACs of one training iteration ({steps}), batch {batch} "
        f"(G-step latent {options.g_step_latent}{', stale D weights' if stale_d_weights else ''})"
    )
    totals = _totals(graph)

    def build(passes: list[str], layer_cols: bool, heading: str, caption: str | None) -> Table:
        """The table of ``passes`` (with the shape and parameter columns if
        ``layer_cols``)."""
        t = Table(title=heading, box=box.SIMPLE_HEAVY, caption=caption,
                  caption_justify="left", title_justify="left")
        t.add_column("Net", no_wrap=True)
        t.add_column("Layer", overflow="fold")
        if layer_cols:
            for col in ("Kind", "Input", "Output"):
                t.add_column(col, overflow="fold")
            t.add_column("Params", justify="right", no_wrap=True)
        for p in passes:
            for c in shown_counts:
                t.add_column(f"{_PASSES[p]}\n{_COUNTS[c]}", justify="right", no_wrap=True)
            t.add_column(f"{_PASSES[p]}\nzeros", justify="right", no_wrap=True)

        def cells(macs: dict[str, Any]) -> list[str]:
            out = []
            for p in passes:
                out += [_si(macs[p][c]) for c in shown_counts]
                out.append(f"{100 * macs[p]['zero_share']:.0f}%" if macs[p]["zero_inserted"]
                           else "")
            return out

        def lead(*items: str) -> list[str]:
            return list(items) if layer_cols else list(items[:2])

        for i, r in enumerate(rows):
            last = i + 1 == len(rows) or rows[i + 1]["network"] != r["network"]
            t.add_row(*lead(r["network"], r["layer"], r["label"], _shape(r["input_shape"]),
                            _shape(r["output_shape"]), _si(r["params"]) if r["params"]
                            else ""), *cells(r), end_section=False)
            if last:
                net = gan.network(r["network"])
                t.add_row(*lead("", f"[bold]{r['network']} total[/]", "", "", "",
                                _si(net.param_count)), *cells(networks[r["network"]]),
                          end_section=True)
        t.add_row(*lead("", "[bold]iteration[/]", "", "", "", _si(gan.param_count)),
                  *cells(totals))
        return t

    if len(rows) > MAX_TABLE_ROWS and not show_all:
        # a terminal table of thousands of rows takes rich minutes to lay out and nobody
        # reads it: the per-network totals, and where the rows are
        console.print(f"{gan.name}: {len(rows):,} layers, more than the {MAX_TABLE_ROWS} a "
                      "table shows; totals only here; every row: --csv FILE or --json (or --all "
                      "for the table)", style="dim")
        rows = []
    table = build(shown_passes, True, title, gan.source)
    from rich.measure import Measurement

    needed = Measurement.get(console, console.options.update(max_width=10**5), table).maximum
    if needed <= console.width:
        console.print(table)
    else:  # too wide: the layers, then one table per pass (each fits 80 columns)
        console.print(build([], True, title, gan.source))
        for p in shown_passes:
            print_uncropped(build([p], False, f"{p.replace('_', ' ')} pass: MACs", None))
    console.print(
        f"MACs per iteration ({steps}, all samples; k, M, G, T = 10^3, 10^6, 10^9, "
        "10^12). real: both operands real data; zero-ins: dense convolution of the "
        "zero-inserted, padded operand; nominal: torch FlopCounterMode / 2; zeros: share of "
        "zero-ins MACs that multiply a zero.",
        style="dim",
    )
