"""`lergan zfdr`: the zero-free data reshaping (ZFDR) report (registered by :mod:`lergan.cli`).

With no layer arguments it analyses the suite DCGAN generator's transposed convolutions (or, for
the convolution computations, the DCGAN discriminator's strided convolutions) and the
LerGAN deck's kernel-5 example; with ``--input-size`` and ``--kernel`` it analyses one layer;
with ``--workload NAME`` every zero-inserting computation of that suite GAN's training
iteration (the operations of :func:`lergan.workload.iteration.build_iteration` with a
``computation``, one case per network, layer and computation), filtered by ``--network``,
``--pass`` and ``--computation``. For each layer: the pattern table, the MAC split (real,
on inserted zeros, on padding) and the per-mapping-mode figures of
:func:`lergan.zerofree.plan`.

Where the layers come from is :func:`layer_cases`.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich import box
from rich.table import Table

from lergan.cli.app import app, console, user_errors
from lergan.errors import LerganError
from lergan.vocabulary import ZERO_INSERTING_PASSES as VOCABULARY_ZI_PASSES

if TYPE_CHECKING:
    from lergan.workload.iteration import Operation
    from lergan.zerofree import ZeroFreePlan


@dataclass(frozen=True)
class LayerCase:
    """One layer to analyse: a name, where it comes from and :func:`plan` keyword arguments.

    Cases from a workload also name the network, layer and pass, the iteration's operations
    that run this computation (ids) and the samples they process in one iteration.
    """

    name: str
    source: str
    computation: str
    args: dict[str, Any] = field(hash=False)
    network: str | None = None
    layer: str | None = None
    pass_: str | None = None
    operations: tuple[str, ...] = ()
    samples: int = 0


#: Passes that have zero-inserting computations (``lergan.workload.counts.ZERO_INSERTING``).
ZERO_INSERTING_PASSES = VOCABULARY_ZI_PASSES
#: Short pass names in case names (``G.tconv2 fwd``, ``D.conv3 err``, ``D.conv3 wgrad``).
_PASS_TAG = {"forward": "fwd", "error": "err", "weight_gradient": "wgrad"}


def _split(option: str, values: list[str] | None) -> list[str] | None:
    """Values of a repeatable option that also accepts comma-separated lists."""
    if not values:
        return None
    out = [v.strip() for text in values for v in text.split(",") if v.strip()]
    if not out:
        raise LerganError(f"{option} is empty")
    return out


def workload_cases(
    name: str,
    *,
    batch: int = 64,
    networks: list[str] | None = None,
    passes: list[str] | None = None,
    computations: list[str] | None = None,
) -> list[LayerCase]:
    """One case per (network, layer, computation) of the zero-inserting operations of GAN
    ``name``'s iteration graph at ``batch`` (a suite name, a description file or
    file.py:builder: :func:`lergan.workload.source.resolve_gan`), in the graph's order."""
    from lergan.workload.counts import plan_kwargs
    from lergan.workload.iteration import build_iteration
    from lergan.workload.source import resolve_gan

    gan = resolve_gan(name)
    known = [n.name for n in gan.networks]
    for net in networks or ():
        if net not in known:
            raise LerganError(
                f"--network {net!r}: {gan.name} has no such network (networks: {', '.join(known)})"
            )
    for pass_ in passes or ():
        if pass_ not in ZERO_INSERTING_PASSES:
            raise LerganError(
                f"--pass {pass_!r} is not one of {', '.join(ZERO_INSERTING_PASSES)} (the passes "
                "with zero-inserting computations)"
            )
    graph = build_iteration(gan, batch)
    found: dict[tuple[str, str, str], list[Operation]] = {}
    for op in graph.operations:
        if op.computation is None:
            continue
        if networks and op.network not in networks:
            continue
        if passes and op.pass_ not in passes:
            continue
        if computations and op.computation not in computations:
            continue
        found.setdefault((op.network, op.layer, op.computation), []).append(op)
    if not found:
        given = [
            f"{flag} {','.join(values)}"
            for flag, values in (
                ("--network", networks),
                ("--pass", passes),
                ("--computation", computations),
            )
            if values
        ]
        raise LerganError(
            f"{gan.name}: no zero-inserting computation in its iteration matches "
            f"{' '.join(given) or 'the workload'} (a convolution's forward and a transposed "
            "convolution's error are plain convolutions)"
        )
    cases = []
    for (net, layer, computation), ops in found.items():
        first = ops[0]
        samples = sum(op.samples for op in ops)
        steps = sorted({f"{op.step}-step" for op in ops})
        cases.append(
            LayerCase(
                f"{net}.{layer} {_PASS_TAG[first.pass_]}",
                f"{gan.name} {first.pass_} pass, {len(ops)} operation"
                f"{'s' if len(ops) > 1 else ''} in the {' and '.join(steps)}, "
                f"{samples} samples per iteration",
                computation,
                plan_kwargs(first.layer_spec, first.input_shape),
                network=net,
                layer=layer,
                pass_=first.pass_,
                operations=tuple(op.id for op in ops),
                samples=samples,
            )
        )
    return cases


def _dcgan_cases(computation: str) -> list[LayerCase]:
    """The suite DCGAN's strided layers of ``computation``'s kind (the generator's
    transposed convolutions 4x4 -> 64x64, or the discriminator's convolutions 64x64 ->
    4x4), plus, for transposed convolutions, the LerGAN deck's kernel-5 example."""
    from lergan.workload import suite
    from lergan.workload.counts import plan_kwargs

    transposed = computation in ("conv_transpose", "conv_transpose_weight_grad")
    kind = "conv_transpose" if transposed else "conv"
    role = {"G": "generator", "D": "discriminator"}
    cases = [
        LayerCase(
            f"{net.name}.{ls.layer.name}",
            f"DCGAN {role.get(net.name, net.name)}, {_size(ls.input_shape[1:])} -> "
            f"{_size(ls.output_shape[1:])}",
            computation,
            plan_kwargs(ls.layer, ls.input_shape),
        )
        for net in suite.get("dcgan").networks
        for ls in net.shapes()
        if ls.layer.kind == kind and max(ls.layer.stride) > 1
    ]
    if transposed:
        cases.append(
            LayerCase(
                "deck-k5",
                "LerGAN deck example, 4x4 -> 8x8, k5 s2 p2 op1",
                computation,
                {
                    "input_size": (4, 4),
                    "kernel_size": 5,
                    "stride": 2,
                    "padding": 2,
                    "output_padding": 1,
                    "in_channels": 512,
                    "out_channels": 256,
                },
            )
        )
    return cases


def _ints(option: str, text: str | None) -> int | tuple[int, ...] | None:
    """Parse ``4``, ``4,4`` or ``4x4`` (the error names the option)."""
    if text is None:
        return None
    cleaned = text.replace(" ", "")
    if not re.fullmatch(r"\d+([,x]\d+)*", cleaned):
        raise LerganError(f"{option} {text!r} must be an integer or integers separated by commas")
    values = tuple(int(v) for v in re.split(r"[,x]", cleaned))
    return values[0] if len(values) == 1 else values


def layer_cases(
    computation: str | None,
    *,
    workload: str | None = None,
    network: list[str] | None = None,
    pass_: list[str] | None = None,
    batch: int = 64,
    input_size: str | None = None,
    kernel: str | None = None,
    stride: str | None = None,
    padding: str | None = None,
    output_padding: str | None = None,
    dilation: str | None = None,
    in_channels: int | None = None,
    out_channels: int | None = None,
    groups: int | None = None,
) -> list[LayerCase]:
    """The layers to analyse: the zero-inserting computations of a suite GAN's iteration
    (``workload``, filtered by ``network``, ``pass_`` and ``computation``), one layer from
    the command-line arguments, else the DCGAN set. ``computation`` defaults to all of them
    for a workload and to ``conv_transpose`` otherwise."""
    from lergan.zerofree import COMPUTATIONS

    computations = _split("--computation", [computation] if computation else None)
    for comp in computations or ():
        if comp not in COMPUTATIONS:
            raise LerganError(f"--computation {comp!r} is not one of {', '.join(COMPUTATIONS)}")
    layer = {
        "--stride": stride,
        "--padding": padding,
        "--output-padding": output_padding,
        "--dilation": dilation,
        "--in-channels": in_channels,
        "--out-channels": out_channels,
        "--groups": groups,
    }
    networks, passes = _split("--network", network), _split("--pass", pass_)
    if workload is not None:
        given = [name for name, value in layer.items() if value is not None]
        given += [n for n, v in (("--input-size", input_size), ("--kernel", kernel)) if v]
        if given:
            raise LerganError(f"--workload analyses the GAN's own layers: drop {', '.join(given)}")
        return workload_cases(
            workload, batch=batch, networks=networks, passes=passes, computations=computations
        )
    for flag, values in (("--network", networks), ("--pass", passes)):
        if values:
            raise LerganError(f"{flag} selects layers of a --workload: give --workload NAME too")
    if computations is None:
        computation = "conv_transpose"
    elif len(computations) > 1:
        raise LerganError("several --computation values need --workload")
    else:
        computation = computations[0]
    if input_size is None and kernel is None:
        given = [name for name, value in layer.items() if value is not None]
        if given:
            verb = "describes" if len(given) == 1 else "describe"
            raise LerganError(
                f"{', '.join(given)} {verb} a layer: give --input-size and --kernel too"
            )
        return _dcgan_cases(computation)
    if input_size is None or kernel is None:
        missing = "--input-size" if input_size is None else "--kernel"
        raise LerganError(f"{missing} is missing: a layer needs both --input-size and --kernel")
    args: dict[str, Any] = {
        "input_size": _ints("--input-size", input_size),
        "kernel_size": _ints("--kernel", kernel),
    }
    for option, name, value in (
        ("--stride", "stride", stride),
        ("--padding", "padding", padding),
        ("--output-padding", "output_padding", output_padding),
        ("--dilation", "dilation", dilation),
    ):
        if value is not None:
            args[name] = _ints(option, value)
    for name, count in (
        ("in_channels", in_channels),
        ("out_channels", out_channels),
        ("groups", groups),
    ):
        if count is not None:
            args[name] = count
    return [LayerCase("layer", "command line", computation, args)]


def _size(t: tuple[int, ...]) -> str:
    return "x".join(map(str, t))


def _taps(taps: tuple[int, ...]) -> str:
    """A tap set; arithmetic progressions of 4 or more as ``{0,2..30}`` or ``{1..31}``."""
    steps = {b - a for a, b in itertools.pairwise(taps)}
    if len(taps) >= 4 and len(steps) == 1:
        (step,) = steps
        head = f"{taps[0]}" if step == 1 else f"{taps[0]},{taps[1]}"
        return "{" + f"{head}..{taps[-1]}" + "}"
    return "{" + ",".join(map(str, taps)) + "}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _num(x: int) -> str:
    """Compact count: 12,345 or 209.7M or 13.4G."""
    for scale, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if x >= scale:
            return f"{x / scale:.1f}{unit}"
    return f"{x:,}"


def _layer_tables(case: LayerCase, p: ZeroFreePlan, batch: int, max_patterns: int) -> None:
    from lergan.zerofree import MODES

    lay = p.layer
    console.rule()  # the heading wraps below the rule (a rule's title would be cut)
    console.print(f"[bold]{case.name}[/]  ({case.source})", highlight=False)
    op = f", output padding {_size(lay.output_padding)}" if lay.transposed else ""
    console.print(
        f"{p.computation}: input {_size(lay.input_size)}, kernel {_size(lay.kernel_size)}, "
        f"stride {_size(lay.stride)}, padding {_size(lay.padding)}{op}, dilation "
        f"{_size(lay.dilation)}, channels {lay.in_channels}->{lay.out_channels}, groups "
        f"{lay.groups}; produces {_size(p.output_size)} positions, dense kernel "
        f"{_size(p.kernel_extent)}",
        highlight=False,
    )
    if p.vectors_per_position > 1:
        console.print(
            "weight gradient: positions are weight taps, taps are output-error positions "
            f"(the error is the stored kernel); {p.vectors_per_position} MVMs per position "
            "(one per input channel of a group)",
            highlight=False,
        )

    pats = Table(
        box=box.SIMPLE_HEAD, title=f"{len(p.patterns)} patterns (sub-kernels of real taps)"
    )
    for col in ("#", "taps per axis", "taps", "positions", "sub-kernel rows x cols"):
        pats.add_column(col, justify="right" if col != "taps per axis" else "left")
    for i, pat in enumerate(p.patterns[:max_patterns], start=1):
        taps = " x ".join(_taps(t) for t in pat.taps)
        pats.add_row(str(i), taps, str(pat.n_taps), str(pat.positions), f"{pat.rows} x {pat.cols}")
    if len(p.patterns) > max_patterns:
        pats.add_row("...", f"{len(p.patterns) - max_patterns} more (--max-patterns)", "", "", "")
    if p.idle_positions:
        pats.add_row("-", "no real tap (bias only)", "0", str(p.idle_positions), "-")
    console.print(pats)

    macs = Table(
        box=box.SIMPLE_HEAD, title="multiply-accumulates of the dense (zero-inserted) form"
    )
    for col in ("", "per sample", f"batch {batch}", "share"):
        macs.add_column(col, justify="right")
    m = p.macs
    for label, value in (
        ("real", m.real),
        ("on inserted zeros", m.inserted_zero),
        ("on padding", m.padding),
        ("total", m.total),
    ):
        share = value / m.total if m.total else 0.0
        macs.add_row(label, f"{value:,}", _num(value * batch), _pct(share))
    console.print(macs)

    modes = Table(
        box=box.SIMPLE_HEAD, title="mapping modes, per sample (one output pixel per MVM per group)",
        padding=(0, 0, 0, 1), pad_edge=False,  # numbers never cut at 80 columns
    )
    for col in ("mode", "groups", "rows/grp", "taps", "cells", "steps", "MACs", "/real"):
        modes.add_column(col, justify="left" if col == "mode" else "right", no_wrap=True)
    for mode in MODES:
        f = p.modes[mode]
        ratio = f"{f.macs_executed / m.real:.2f}x" if m.real else "-"
        modes.add_row(
            mode,
            str(f.groups),
            str(f.rows_per_group),
            str(f.taps_stored),
            _num(f.cells),
            str(f.mvm_steps),
            _num(f.macs_executed),
            ratio,
        )
    console.print(modes)


def _summary(rows: list[tuple[LayerCase, ZeroFreePlan]]) -> Table:
    from lergan.zerofree import MODES

    table = Table(box=box.SIMPLE_HEAD, title="summary; per mode: " + " / ".join(MODES),
                  padding=(0, 0, 0, 1), pad_edge=False)  # labels wrap, numbers never cut
    table.add_column("layer", overflow="fold")
    for col in ("pat-\nterns", "in-\nserted", "pad-\nding", "MVM steps", "taps stored"):
        table.add_column(col, justify="right", no_wrap=True)
    for case, p in rows:
        table.add_row(
            case.name,
            str(len(p.patterns)),
            _pct(p.macs.inserted_share),
            _pct(p.macs.padding_share),
            "/".join(str(p.modes[mode].mvm_steps) for mode in MODES),
            "/".join(str(p.modes[mode].taps_stored) for mode in MODES),
        )
    return table


def _case_json(case: LayerCase, p: ZeroFreePlan, batch: int) -> dict[str, Any]:
    macs = {k: v for k, v in p.macs.to_dict().items() if isinstance(v, int)}
    out: dict[str, Any] = {
        "name": case.name,
        "source": case.source,
        "macs_per_batch": {k: v * batch for k, v in macs.items()},
    }
    if case.network is not None:
        out.update(
            network=case.network,
            layer=case.layer,
            pass_=case.pass_,
            operations=list(case.operations),
            samples_per_iteration=case.samples,
            macs_per_iteration={k: v * case.samples for k, v in macs.items()},
        )
    out["plan"] = p.to_dict()
    return out


@app.command()
@user_errors
def zfdr(
    computation: Optional[str] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None,
        "--computation",
        "-c",
        help=(
            "conv_transpose (T-CONV forward), conv_input_grad (error through a strided conv), "
            "conv_weight_grad (W-CONV of a conv), conv_transpose_weight_grad (W-CONV of a "
            "transposed conv). Layer arguments describe the layer, as in torch. Default: "
            "conv_transpose, or every computation with --workload (which also takes a "
            "comma-separated list)."
        ),
    ),
    workload: Optional[str] = typer.Option(  # noqa: UP045
        None,
        "--workload",
        "-w",
        help="A GAN (a suite name, see `lergan workload --list`; a .yaml/.json description; "
        "or file.py:builder): analyse every zero-inserting computation of its training "
        "iteration.",
    ),
    network: Optional[list[str]] = typer.Option(  # noqa: UP045
        None, "--network", help="With --workload: only these networks (repeat or comma-list)."
    ),
    pass_: Optional[list[str]] = typer.Option(  # noqa: UP045
        None,
        "--pass",
        help="With --workload: only these passes: forward, error, weight_gradient.",
    ),
    input_size: Optional[str] = typer.Option(  # noqa: UP045 (typer needs Optional)
        None, "--input-size", help="Spatial size of the layer's input, e.g. 4,4 (sets the rank)."
    ),
    kernel: Optional[str] = typer.Option(  # noqa: UP045
        None, "--kernel", "--kernel-size", help="Kernel size, e.g. 5 or 5,5."
    ),
    stride: Optional[str] = typer.Option(None, "--stride", help="Stride [1]."),  # noqa: UP045
    padding: Optional[str] = typer.Option(None, "--padding", help="Padding [0]."),  # noqa: UP045
    output_padding: Optional[str] = typer.Option(  # noqa: UP045
        None, "--output-padding", help="Output padding of a transposed convolution [0]."
    ),
    dilation: Optional[str] = typer.Option(None, "--dilation", help="Dilation [1]."),  # noqa: UP045
    in_channels: Optional[int] = typer.Option(  # noqa: UP045
        None, "--in-channels", help="Layer input channels [1]."
    ),
    out_channels: Optional[int] = typer.Option(  # noqa: UP045
        None, "--out-channels", help="Layer output channels [1]."
    ),
    groups: Optional[int] = typer.Option(None, "--groups", help="Convolution groups [1]."),  # noqa: UP045
    batch: int = typer.Option(64, "--batch", min=1, help="Samples per batch, for MAC totals."),
    max_patterns: int = typer.Option(
        30, "--max-patterns", min=0, help="Pattern rows shown per layer."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Zero-free data reshaping: patterns, zero shares and per-mode crossbar figures.

    With no layer arguments: the DCGAN generator's transposed convolutions (4x4 -> 64x64,
    kernel 4, stride 2, padding 1, 512->256->128->64->3) and the deck's kernel-5 example; for
    conv_input_grad and conv_weight_grad, the DCGAN discriminator's strided convolutions.
    With --input-size and --kernel: that one layer. With --workload NAME: every
    zero-inserting computation of that suite GAN's training iteration (one per network,
    layer and computation), filtered by --network, --pass and --computation.
    """
    from lergan.zerofree import plan

    cases = layer_cases(
        computation,
        workload=workload,
        network=network,
        pass_=pass_,
        batch=batch,
        input_size=input_size,
        kernel=kernel,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        in_channels=in_channels,
        out_channels=out_channels,
        groups=groups,
    )
    rows = [(case, plan(case.computation, **case.args)) for case in cases]
    if json_out:
        doc: dict[str, Any] = {"batch": batch}
        if workload is not None:
            doc["workload"] = workload
        doc["layers"] = [_case_json(case, p, batch) for case, p in rows]
        typer.echo(json.dumps(doc, indent=2))
        return
    for case, p in rows:
        _layer_tables(case, p, batch, max_patterns)
    if len(rows) > 1:
        console.print(_summary(rows))
