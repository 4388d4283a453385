"""``simulate``: one training iteration of a GAN on an architecture, as a plain result.

A pure function of (workload, preset with overrides, options): the iteration graph and the
per-operation costs are memoised per immutable input (the graph per benchmark name, batch
and iteration options; costs per preset object), which changes no result.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from lergan.errors import LerganError
from lergan.hardware import Architecture, load_preset
from lergan.hardware.converters import converter_precision
from lergan.hardware.peak import breakdown
from lergan.mapping.elementwise import bank_buffer
from lergan.provenance import digest
from lergan.system.build import mode_choices, op_specs
from lergan.system.engine import run_engine
from lergan.system.interconnect import LinkSpec, Topology
from lergan.system.options import SimulationOptions, as_options, resolve_architecture
from lergan.system.placement import ChipSpec, Placement
from lergan.system.result import SimulationResult
from lergan.system.storage import StorageSpec
from lergan.system.wear import iteration_lifetime
from lergan.workload import GAN, suite
from lergan.workload.iteration import (
    IterationGraph,
    IterationOptions,
    build_iteration,
    check_batch,
)
from lergan.workload.source import resolve_gan

LINK_COMPONENTS = ("bank_link", "internal_bus", "offchip")


@lru_cache(maxsize=64)
def _graph_by_name(name: str, batch: int, g_step_latent: str, stale: bool) -> IterationGraph:
    return build_iteration(suite.get(name), batch=batch, options=IterationOptions(
        g_step_latent=g_step_latent, stale_d_weights=stale))


def iteration_graph(name_or_gan: str | GAN | IterationGraph, batch: int,
                    opts: SimulationOptions) -> tuple[str, IterationGraph]:
    """The benchmark's name and its iteration graph (``name_or_gan``: anything
    :func:`lergan.workload.source.resolve_gan` takes: a suite name or alias, a GAN, a
    description file, ``file.py:builder``; or an iteration graph already built).

    A suite benchmark's graph is built once per (name, batch, iteration options); the
    caller gets its own copy, so that changing it changes no later result.
    """
    name, graph = _iteration_graph(name_or_gan, batch, opts)
    return name, copy.deepcopy(graph) if isinstance(name_or_gan, str) else graph


def _iteration_graph(name_or_gan: str | GAN | IterationGraph, batch: int,
                     opts: SimulationOptions) -> tuple[str, IterationGraph]:
    """:func:`iteration_graph` without the copy: the memoised graph itself, shared by every
    call, which only reads it (:func:`simulate`)."""
    check_batch(batch)
    if isinstance(name_or_gan, IterationGraph):  # built by the caller (e.g. a classifier's)
        if name_or_gan.batch != batch:
            raise LerganError(f"batch {batch}: the iteration graph given was built for batch "
                              f"{name_or_gan.batch}")
        return name_or_gan.gan, name_or_gan
    if isinstance(name_or_gan, str) and not name_or_gan.strip().endswith(
            (".py", ".yaml", ".yml", ".json")) and ":" not in name_or_gan:
        name = suite.info(name_or_gan).name  # canonical name of a name or an alias
        return name, _graph_by_name(name, batch, opts.g_step_latent, opts.stale_d_weights)
    gan = resolve_gan(name_or_gan)
    it_opts = IterationOptions(g_step_latent=opts.g_step_latent,
                               stale_d_weights=opts.stale_d_weights)
    return gan.name, build_iteration(gan, batch=batch, options=it_opts)


def load_architecture(arch: str | Architecture,
                      overrides: dict[str, Any] | None) -> tuple[Architecture, str, str, str]:
    """(Architecture, default mode, default layout, name) of an architecture name, a preset
    file or an ``Architecture`` object, with ``overrides``; the defaults are the preset's
    ``training.mapping_mode`` and ``organisation.layout``."""
    if overrides is not None and not isinstance(overrides, Mapping):
        raise LerganError(f"overrides {overrides!r}: expected a mapping of dotted keys to "
                          "values, e.g. {'adc.bits': 6}")
    if isinstance(arch, Architecture):
        if overrides:
            raise LerganError("overrides: give a preset name, not an Architecture object")
        a, name = arch, arch.name
    else:
        name = str(arch)
        preset, base_over = resolve_architecture(name)
        merged = {**base_over, **(overrides or {})}
        a = load_preset(preset, overrides=merged or None)
    return a, a.training.mapping_mode, a.organisation.layout, name


def topology_of(arch: Architecture, opts: SimulationOptions) -> Topology:
    """The interconnect of ``arch`` (topology possibly overridden by the options)."""
    ic = arch.interconnect
    kind = opts.topology or ic.topology
    if kind == "noc":
        raise LerganError(
            f"preset {arch.name!r}: interconnect.topology 'noc' is not modelled by lergan.system "
            "(use --set topology=3d, 2d-bus or 2d-offchip)")
    model = arch.components
    links = {n: LinkSpec(n, ln.bandwidth_bytes_per_s, ln.latency_s, model[n].energy_j,
                         ln.area_m2, model[n].static_power_w) for n, ln in ic.links.items()}
    return Topology(kind, arch.organisation.banks, ic.ports_per_bank, links,
                    reconfiguration_latency_s=ic.reconfiguration_latency_s,
                    reconfiguration_energy_j=ic.reconfiguration_energy_j)


#: the most banks simulated: placement, the topology and the area account visit every bank
#: (the presets have 6 to 168; a bank per MB of a 64 GB chip is 65,536)
MAX_BANKS = 1 << 16


def chip_of(arch: Architecture) -> ChipSpec:
    """What placement needs of the preset's organisation (``LerganError`` naming the field
    when the banks exceed :data:`MAX_BANKS` or a network is given no bank)."""
    org = arch.organisation
    if org.banks > MAX_BANKS:
        raise LerganError(f"organisation.banks {org.banks:,}: over the bound of "
                          f"{MAX_BANKS:,} banks")
    for net, banks in dict(org.network_banks).items():
        if not banks:
            raise LerganError(f"organisation.network_banks.{net}: empty; give the banks "
                              f"network {net} is placed on (1..{org.banks})")
    return ChipSpec(
        banks=org.banks,
        crossbars_per_bank=org.mats_per_bank * org.crossbars_per_mat,
        network_banks=dict(org.network_banks),
        error_copy=arch.training.error_propagation == "transposed-copy",
    )


def storage_of(arch: Architecture, topology: Topology) -> StorageSpec:
    """What :mod:`lergan.system.storage` needs of ``arch``, per bank: its buffers (those
    that are not registers), its memory mats (``organisation.capacity_bytes`` over the banks
    less the compute mats; none without a capacity), the bank buffer's bandwidth as the
    port to the mats, a mat's write rate (``rows_in_parallel`` rows of ``cols`` cells per
    row write time) and read rate (a row of ``cols`` cells per array sense time), the
    write model's and the read's (cell read and its conversion) energy per byte, and the
    memory channel."""
    org, xb, model = arch.organisation, arch.crossbar, arch.components
    buffer_bytes = sum(model.per_bank(n) * b.capacity_bytes for n, b in arch.buffers.items()
                       if b.technology != "register")
    port = bank_buffer(arch)
    row_bytes = org.crossbars_per_mat * xb.cols * xb.cell_bits / 8
    per_byte = 8 / xb.cell_bits  # cells per byte
    return StorageSpec(
        buffer_bytes=buffer_bytes,
        memory_bytes=model.memory_bytes_per_bank,
        mat_bytes=model.mat_bytes,
        port_bytes_per_s=arch.buffers[port].bandwidth_bytes_per_s * max(1.0, model.per_bank(
            port)),
        mat_write_bytes_per_s=row_bytes * arch.write.rows_in_parallel
        / model.write_latency_per_row_s,
        mat_read_bytes_per_s=row_bytes / model.sense_time_s,
        write_j_per_byte=per_byte * model.write_energy_per_cell_j,
        read_j_per_byte=per_byte * (xb.read_energy_per_cell_j + model["adc"].energy_j),
        buffer_read_j_per_byte=model[port].energy_j,
        offchip=topology.links["offchip"],
        cell_bits=xb.cell_bits,
    )


def provisioned(arch: Architecture, pl: Placement, budget: int) -> tuple[list, list]:
    """Area (m2) and static power (W) per (network, component) of what the design provisions.

    Mat-level components scale with the crossbars provisioned (``budget`` of the chip's),
    shared by the networks in proportion to their groups' capacity; their static power
    counts the mats that hold weights only (the others are power-gated); bank-level ones go to
    the networks whose groups use the bank; chip-level ones to ``chip``. Links are the
    topology's (see :mod:`lergan.system.interconnect`), not counted here.
    """
    org = arch.organisation
    model = arch.components
    frac = budget / org.crossbars
    # mats that hold no weights in this mapping are power-gated: no leakage
    powered = min(budget, pl.crossbars_used) / budget if budget else 0.0
    cap: dict[str, float] = defaultdict(float)
    bank_nets: dict[int, set[str]] = defaultdict(set)
    for g in pl.groups.values():
        cap[g.network] += g.capacity
        for b in g.banks:
            bank_nets[b].add(g.network)
    cap_total = sum(cap.values()) or 1.0
    area: list[tuple[str, str, float]] = []
    static: list[tuple[str, str, float]] = []

    for row in breakdown(arch):
        if row.component in LINK_COMPONENTS:
            continue
        per = row.area_m2 / row.instances if row.instances else 0.0
        if row.level == "mat":
            n = row.instances * frac
            for net, c in cap.items():
                share = c / cap_total
                area.append((net, row.component, n * share * per))
                static.append((net, row.component,
                               n * share * powered * model[row.component].static_power_w))
        elif row.level == "bank":
            per_bank = row.instances / org.banks
            for b in range(1, org.banks + 1):
                nets = sorted(bank_nets.get(b, ())) or ["unused"]
                for net in nets:
                    k = per_bank / len(nets)
                    area.append((net, row.component, k * per))
                    static.append((net, row.component,
                                   k * model[row.component].static_power_w))
        else:
            area.append(("chip", row.component, row.area_m2))
            static.append(("chip", row.component,
                           row.instances * model[row.component].static_power_w))
    return area, static


def peak_power_w(arch: Architecture, budget: int) -> float:
    """Peak power (W) of what the design provisions: every component at its peak action
    rate plus its static power (:func:`lergan.hardware.peak.breakdown`), mat-level ones for
    the ``budget`` crossbars of the chip's (as :func:`provisioned` counts their area)."""
    frac = budget / arch.organisation.crossbars
    return sum(row.power_w * (frac if row.level == "mat" else 1.0) for row in breakdown(arch))


def ops_per_element(opts: SimulationOptions) -> dict[tuple[str, str], float]:
    """``SimulationOptions.ops_per_element`` as the mapping's ``{(kind, pass): ops}``."""
    out: dict[tuple[str, str], float] = {}
    for key, v in opts.ops_per_element.items():
        kind, sep, pass_ = key.partition("/")
        if not sep or not kind or not pass_ or not v >= 0:
            raise LerganError(
                f"ops_per_element {key!r}: {v!r}: expected 'KIND/PASS' (e.g. "
                "'batch_norm/forward') and a non-negative number")
        out[(kind, pass_)] = float(v)
    return out


def simulate(
    name_or_gan: str | GAN | IterationGraph,
    arch: str | Architecture = "lergan",
    batch: int = 64,
    overrides: dict[str, Any] | None = None,
    options: SimulationOptions | dict | None = None,
) -> SimulationResult:
    """Simulate one training iteration (a D-step and a G-step on ``batch`` samples).

    ``name_or_gan``: a suite benchmark name (any case, aliases too), a
    :class:`lergan.workload.GAN` (``lergan.trace(G, D, latent=..., image=...)`` makes one
    from PyTorch modules), a ``.yaml``/``.json`` description file, ``file.py:builder``
    (:func:`lergan.workload.source.resolve_gan`) or an iteration graph already built
    (:class:`lergan.workload.iteration.IterationGraph`); ``arch``: a
    preset name, an ablation name (``lergan-no-zfdr``, ``lergan-2d-bus``,
    ``lergan-2d-offchip``), a preset file or an ``Architecture``; ``overrides``: hardware
    overrides (``{"crossbar.rows": 256}``); ``options``: :class:`SimulationOptions`.
    """
    opts = as_options(options)
    a, default_mode, default_layout, arch_name = load_architecture(arch, overrides)
    mode = opts.mode or default_mode
    layout = opts.layout or default_layout
    bench, graph = _iteration_graph(name_or_gan, batch, opts)
    mode_key = f"auto:{opts.mode_objective}" if mode == "auto" else mode
    for key, f in opts.write_fractions.items():
        if not 0.0 <= f <= 1.0:
            raise LerganError(f"write_fractions {key!r}: {f!r} is not a share in [0, 1]")
    ope = ops_per_element(opts)
    specs, mappings = op_specs(graph, a, mode_key, ope, opts.write_fractions)
    chip = chip_of(a)
    total = chip.banks * chip.crossbars_per_bank
    budget = opts.crossbar_budget or total
    topo = topology_of(a, opts)
    record = {
        **opts.model_dump(mode="json"),
        "mode": mode, "layout": layout, "topology": topo.kind, "crossbar_budget": budget,
        "preset": a.name, "overrides": {k: str(v) for k, v in (overrides or {}).items()},
        "hardware_sha256": digest(a.model_dump(mode="json")),
    }
    macs = {
        "executed": sum(m.macs_executed for m in mappings.values()),
        "real": sum(m.macs_real for m in mappings.values()),
        "dense": sum(m.macs_dense for m in mappings.values()),
    }
    r = run_engine(
        specs, chip, topo, layout=layout, crossbar_budget=budget,
        replication=opts.replication, transfer_chunks=opts.transfer_chunks,
        provision=lambda pl: provisioned(a, pl, budget), storage=storage_of(a, topo),
        ports=a.components.per_bank(bank_buffer(a)), benchmark=bench,
        architecture=arch_name, batch=batch, options=record,
        extra_placement={"macs": macs, "modes": mode_choices(
            graph, a, mode_key, ope) if mode == "auto" else {}},
    )
    check_replication_names(opts, r.placement.get("units", {}))
    conv = converter_precision(a).to_dict()
    notes = list(r.notes)
    dropped = {p: v["dropped_bits"] for p, v in conv["passes"].items() if v["dropped_bits"]}
    if dropped:
        notes.append(
            f"converters truncate: {a.adc.bits}-bit ADCs drop "
            + ", ".join(f"{b} of {conv['passes'][p]['required_bits']} bits in {p}"
                        for p, b in dropped.items())
            + " (adc.precision_policy 'truncate')")
    return replace(r, lifetime=iteration_lifetime(a, r.wear, r.time_s), converters=conv,
                   notes=notes, peak_power_w=peak_power_w(a, budget))


def check_replication_names(opts: SimulationOptions, units: dict[str, Any]) -> None:
    """``LerganError`` for a ``replication`` key that names no unit (``D/forward/conv1``) and
    no layer (``D/conv1``) of the simulated GAN (a typo would otherwise be ignored)."""
    if not isinstance(opts.replication, dict):
        return
    layers = {f"{u['network']}/{u['layer']}" for u in units.values()}
    unknown = [k for k in opts.replication
               if k != "*" and k not in units and k not in layers]
    if unknown:
        known = sorted(k for k in layers if not k.endswith(":digital"))
        raise LerganError(
            f"replication {unknown[0]!r}: no such unit (NET/TIER/LAYER) or layer (NET/LAYER) "
            f"in this GAN (layers: {', '.join(known[:20])}{', ...' if len(known) > 20 else ''})")
