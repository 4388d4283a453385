"""From a workload's iteration graph and a preset to the engine's records.

Every operation of :func:`lergan.workload.iteration.build_iteration`'s graph becomes an
:class:`~lergan.system.tasks.OpSpec`:

- forward and error passes of ``linear`` / ``conv`` / ``conv_transpose`` layers run on
  crossbars; weight gradients on crossbars or digital units as the mapping decides (the
  preset's ``training.weight_gradients``); their cost is :func:`lergan.mapping.cost` of
  :func:`lergan.mapping.map_operation` at replication 1, and the latency per sample is the
  operation's latency over its samples;
- an update is split in two (a layer without an error pass, such as G's first, keeps no
  transposed copy, so its update is mapped without one): the optimiser step (digital
  units and bank-buffer traffic of master weights and optimiser state: the mapping's
  energy except ``cell_write``, latency
  ``max(read, digital, buffer)``) and the programming of the stored copies (``cell_write``
  energy, latency ``write``, cells written), which placement spreads over the units that
  hold a copy;
- other layers (batch norm, activations, reshapes, concatenations) and losses run on the
  bank's digital units, costed by :func:`lergan.mapping.elementwise.cost_elementwise_operation`
  (its operations per element are labelled assumptions, overridable with
  ``SimulationOptions.ops_per_element``);
- data tensors without a producer (real samples, latent vectors, conditions) come from
  off-chip memory (a ``source`` operation in bank 0);
- batch norm (forward and error) is a barrier over the batch; weight gradients and updates
  accumulate (their output exists when they finish).

Dependencies are the tensors an operation reads (bytes from the graph); a read of weights
written by an update is an ordering dependency (the update programmed them in place).
When a consumer processes more samples than a producer supplies (D on real then fake
samples), producers feed its samples in the order it reads them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lergan.errors import LerganError
from lergan.mapping import MODES, cost, from_architecture, map_layer_pass
from lergan.mapping.elementwise import elementwise_cost, elementwise_work
from lergan.mapping.geometry import LayerGeometry, layer_geometry
from lergan.mapping.memo import per_object
from lergan.system.tasks import Dep, OpCost, OpSpec
from lergan.vocabulary import ZERO_INSERTING

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture
    from lergan.mapping.costing import OperationCost
    from lergan.mapping.mapper import LayerPassMapping
    from lergan.workload.iteration import IterationGraph, Operation, Tensor
    from lergan.workload.layers import Layer

MAPPED_KINDS = ("linear", "conv", "conv_transpose")


def _mapped(op: Operation, arch: Architecture, mode: str, **overrides: Any
            ) -> tuple[LayerPassMapping, OperationCost]:
    """(LayerPassMapping, OperationCost) of a mapped layer's pass, memoised per preset
    object (the mapping itself is also memoised across presets with the same
    :class:`~lergan.mapping.MappingParams`, by :func:`lergan.mapping.map_layer_pass`)."""
    memo = per_object(arch)
    over = tuple(sorted(overrides.items()))
    shape = tuple(op.input_shape)
    key = ("mapped", mode, op.layer_spec, op.pass_, shape, op.samples, over)
    hit = memo.get(key)
    if hit is None:
        params = memo.get(("mapping params", over))
        if params is None:
            params = memo["mapping params", over] = from_architecture(arch, **overrides)
        m = map_layer_pass(_geometry(op.layer_spec, shape), op.pass_, mode, op.samples, params)
        hit = memo[key] = (m, cost(m, arch))
    return hit


@functools.lru_cache(maxsize=4096)
def _geometry(layer: Layer, input_shape: tuple[int, ...]) -> LayerGeometry:
    """:func:`lergan.mapping.geometry.layer_geometry`, memoised (a workload layer is frozen)."""
    return layer_geometry(layer, input_shape)


#: what ``mode="auto"`` minimises per layer pass (:func:`choose_mode`)
OBJECTIVES = ("time", "energy", "edp")


def mode_score(c: OperationCost, crossbars: int, objective: str) -> float:
    """The figure ``auto`` compares: ``time`` is crossbar-seconds (the operation's time
    times the crossbars it occupies, i.e. its time on an equal share of a fixed budget,
    where a mode that stores more weights gets fewer copies), ``energy`` its energy,
    ``edp`` their product."""
    t = c.latency_s * max(crossbars, 1)
    if objective == "time":
        return t
    if objective == "energy":
        return c.total_energy_j
    return t * c.total_energy_j


def choose_mode(op: Operation, arch: Architecture, objective: str = "time", **overrides: Any
                ) -> tuple[str, dict[str, float]]:
    """The mapping mode of one layer pass that minimises ``objective`` (ties: the earlier
    of :data:`lergan.mapping.MODES`), and every mode's score. A pass without inserted zeros
    (not in :data:`lergan.vocabulary.ZERO_INSERTING`) maps alike in every mode: the first
    is taken without trying the others."""
    if objective not in OBJECTIVES:
        raise LerganError(f"mode objective {objective!r}: expected one of {OBJECTIVES}")
    scores: dict[str, float] = {}
    if (op.kind, op.pass_) not in ZERO_INSERTING:  # no inserted zero: every mode maps alike
        m, c = _mapped(op, arch, MODES[0], **overrides)
        return MODES[0], {MODES[0]: mode_score(c, m.crossbars, objective)}
    for md in MODES:
        m, c = _mapped(op, arch, md, **overrides)
        scores[md] = mode_score(c, m.crossbars, objective)
    best = min(MODES, key=lambda md: scores[md])
    return best, scores


def op_specs(graph: IterationGraph, arch: Architecture, mode: str,
             ops_per_element: Mapping[tuple[str, str], float] | None = None,
             write_fractions: Mapping[str, float] | None = None,
             ) -> tuple[list[OpSpec], dict[str, Any]]:
    """The engine's records for every operation of ``graph`` on ``arch`` in ``mode``.

    Returns the records (sources first, then the graph's order) and the mappings of the
    mapped operations (by operation id) for reports. Memoised per preset object, graph
    object, mode, ``ops_per_element`` overrides and measured ``write_fractions`` (the graph
    is kept alive by the memo), and what they need of the graph alone per graph object for
    every preset (:func:`_graph_ops`): a graph must not change once simulated (build a new
    one). ``write_fractions`` (``"NET/LAYER"``, ``"NET"`` or ``"*"``
    -> share of cells whose level changes per update, measured by ``lergan train``) replace
    ``write.fraction_rewritten`` for the updates they cover, with compare-before-write.
    """
    cache = per_object(arch)
    ope = tuple(sorted((ops_per_element or {}).items()))
    wf = tuple(sorted((write_fractions or {}).items()))
    key = ("specs", id(graph), mode, ope) if not wf else ("specs", id(graph), mode, ope, wf)
    hit = cache.get(key)
    if hit is None or hit[0] is not graph:
        hit = cache[key] = (graph, *_op_specs(graph, arch, mode, ope, wf))
    return list(hit[1]), dict(hit[2])


def mode_choices(graph: IterationGraph, arch: Architecture, mode: str,
                 ops_per_element: Mapping[tuple[str, str], float] | None = None,
                 ) -> dict[str, dict[str, Any]]:
    """For ``mode="auto"`` (``"auto:energy"``, ``"auto:edp"``): the mode chosen for each
    mapped operation, the objective and every mode's score (empty for a fixed mode)."""
    op_specs(graph, arch, mode, ops_per_element)
    ope = tuple(sorted((ops_per_element or {}).items()))
    return dict(per_object(arch)[("specs", id(graph), mode, ope)][3])


@dataclass(frozen=True)
class _GraphOp:
    """What the record of one operation needs of the graph alone, whatever the preset.

    ``pass_key``: operations with the same key (layer, pass, input shape, samples) map and
    cost alike, so each key is mapped (and its mode chosen) once per call of
    :func:`_op_specs`; ``keeps_copy``: the layer's error pass runs on crossbars, so it keeps
    a transposed copy to update; ``work``: a MAC-free operation's
    :func:`~lergan.mapping.elementwise.elementwise_work`.
    """

    op: Operation
    deps: tuple[Dep, ...]
    step: str
    barrier: bool
    accumulates: bool
    pass_key: int = -1
    keeps_copy: bool = False
    weights_bytes: float = 0.0
    work: tuple[str, str, float, float, float] | None = None


def _graph_ops(graph: IterationGraph, ope: tuple = ()
               ) -> tuple[tuple[OpSpec, ...], tuple[_GraphOp, ...]]:
    """The records of the sources and what every operation's record needs of the graph
    (dependencies, steps, the digital work with ``ope``'s operations per element),
    memoised per graph object: a preset changes none of it."""
    memo = per_object(graph)
    hit = memo.get(("graph ops", ope))
    if hit is not None:
        return hit
    tensors = graph.tensors
    sources: dict[str, str] = {}
    source_specs: list[OpSpec] = []
    for name, t in tensors.items():
        if t.producer is None and t.kind == "data" and t.consumers:
            sid = f"source:{name}"
            sources[name] = sid
            source_specs.append(OpSpec(sid, "offchip", _step_of(graph, t), "source", name,
                                       max(t.samples, 1), "source", 0, OpCost(0.0, {})))
    producers = {o.id: o for o in graph.operations}
    # layers whose error pass runs on crossbars: only they hold a transposed copy to update
    with_error = {(o.network, o.layer) for o in graph.operations
                  if o.pass_ == "error" and o.kind in MAPPED_KINDS}
    pass_keys: dict[tuple, int] = {}
    out: list[_GraphOp] = []
    for op in graph.operations:
        deps: list[Dep] = []
        offset = 0
        seen_src: dict[str, int] = {}
        for name in op.reads:
            t = tensors[name]
            src = t.producer or sources.get(name)
            if src is None:
                continue  # initial weights: resident before the iteration
            if t.kind == "weights":
                deps.append(Dep(src, None, 0.0, True))
                continue
            n_src = producers[src].samples if src in producers else max(t.samples, 1)
            first: int | None = None
            if n_src < op.samples:
                if src not in seen_src:
                    seen_src[src] = offset
                    offset += n_src
                first = seen_src[src]
            deps.append(Dep(src, name, float(t.bytes), False, first))
        named = {d.src for d in deps}
        deps += [Dep(d, None, 0.0, True) for d in op.depends_on if d not in named]
        common = dict(
            op=op, deps=tuple(deps), step=step_label(op),
            barrier=op.kind == "batch_norm" and op.pass_ in ("forward", "error"),
            accumulates=op.pass_ in ("weight_gradient", "update"))
        if op.kind in MAPPED_KINDS:
            key = (op.layer_spec, op.pass_, tuple(op.input_shape), op.samples)
            out.append(_GraphOp(
                **common, pass_key=pass_keys.setdefault(key, len(pass_keys)),
                keeps_copy=(op.network, op.layer) in with_error,
                weights_bytes=float(sum(tensors[w].bytes for w in op.writes))))
        else:
            out.append(_GraphOp(**common, work=elementwise_work(op, tensors, dict(ope))))
    hit = memo["graph ops", ope] = (tuple(source_specs), tuple(out))
    return hit


def _op_specs(graph: IterationGraph, arch: Architecture, mode: str, ope: tuple = (), wf: tuple = ()
              ) -> tuple[list[OpSpec], dict[str, Any], dict[str, dict[str, Any]]]:
    sources, graph_ops = _graph_ops(graph, ope)
    specs: list[OpSpec] = list(sources)
    mappings: dict[str, Any] = {}
    mode, _, objective = mode.partition(":")
    objective = objective or "time"
    chosen: dict[tuple[str, str], str] = {}
    choices: dict[str, dict[str, Any]] = {}
    measured = dict(wf)  # write fractions measured by emulation, by NET/LAYER, NET or *
    no_copy = arch.training.error_propagation == "transposed-copy"
    # operations of the same layer pass (and mapping overrides) map, choose and cost alike:
    # each is mapped once, and the records' costs (OpCost, read-only like every record)
    # are built once per (pass, overrides, mode) and per MAC-free work and samples
    decided: dict[tuple, tuple[str, dict[str, float]]] = {}
    mapped: dict[tuple, tuple[Any, tuple]] = {}
    costed: dict[tuple, OpCost] = {}
    for g in graph_ops:
        op = g.op
        net, layer, pass_ = op.network, op.layer, op.pass_
        if g.work is None:  # a mapped layer's pass
            over = {}
            if pass_ == "update" and not g.keeps_copy and no_copy:
                over = {"error_propagation": "transposed-read"}  # no error pass: no copy
            if pass_ == "update" and measured:
                f = measured.get(f"{net}/{layer}", measured.get(net, measured.get("*")))
                if f is not None:  # measured by emulation: the controller compared
                    over = {**over, "fraction_rewritten": f, "compare_before_write": True}
            key = (g.pass_key, tuple(sorted(over.items())) if over else ())
            md = mode
            if mode == "auto":
                md = chosen.get((net, layer)) if pass_ == "update" else None
                if md is None:
                    if key not in decided:
                        decided[key] = choose_mode(op, arch, objective, **over)
                    md, scores = decided[key]
                    choices[op.id] = {"mode": md, "objective": objective,
                                      "scores": dict(scores)}
                    if pass_ == "forward":
                        chosen.setdefault((net, layer), md)  # the update writes its copy
                else:
                    choices[op.id] = {"mode": md, "objective": "the forward pass's copy"}
            hit = mapped.get((key, md))
            if hit is None:
                m, c = _mapped(op, arch, md, **over)
                hit = mapped[key, md] = (m, _costs(m, c, pass_, op.samples))
            m, rec = hit
            mappings[op.id] = m
            if pass_ == "update":
                crossbars, opt, state_bytes, write = rec
                specs.append(OpSpec(  # positional (faster), in OpSpec's field order
                    op.id, net, g.step, pass_, layer, 1, "write", crossbars, opt, g.deps,
                    False, True, g.weights_bytes, write, 1, state_bytes))
                continue
            executor, crossbars, oc, positions = rec
            specs.append(OpSpec(
                op.id, net, g.step, pass_, layer, op.samples, executor, crossbars, oc,
                g.deps, g.barrier, g.accumulates, 0.0, None, positions))
            continue
        samples = 1 if pass_ == "update" else op.samples
        oc = costed.get((g.work, samples))
        if oc is None:
            c = elementwise_cost(*g.work, arch, layer=layer)
            oc = costed[g.work, samples] = OpCost(
                c.latency_s / samples, dict(c.energy_j),
                buffer_s=c.latency_parts_s["buffer"] / samples,
                stream_s=c.latency_s / samples)
        specs.append(OpSpec(op.id, net, g.step, pass_, layer, samples, "digital", 0, oc, g.deps,
                            g.barrier, g.accumulates))
    return specs, mappings, choices


def _costs(m: LayerPassMapping, c: OperationCost, pass_: str, samples: int) -> tuple:
    """What the record of a mapped operation takes from its mapping ``m`` and cost ``c``:
    an update's ``(crossbars, optimiser step, state bytes, programming)``, another pass's
    ``(executor, crossbars, cost per sample, positions)``."""
    lp = c.latency_parts_s
    if pass_ == "update":
        opt = {k: v for k, v in c.energy_j.items() if k != "cell_write"}
        return (m.crossbars,
                OpCost(max(lp["read"], lp["digital"], lp["buffer"]), opt,
                       buffer_s=lp["buffer"],
                       stream_s=max(lp["read"], lp["digital"], lp["buffer"])),
                # the update writes back exactly its master weights and optimiser state
                # (lergan.mapping.passes.update_spec)
                float(m.buffer_write_bytes),
                OpCost(lp["write"], {"cell_write": c.energy_j["cell_write"]},
                       float(c.cells_written), float(m.cells_per_copy * m.replication)))
    executor = "digital" if m.form == "digital" else "crossbar"
    n = max(samples, 1)
    # a streaming pass may split one sample's MVM steps over copies; a pass that programs
    # an operand per sample (crossbar weight gradients) may not
    positions = (max(1, m.mvm_steps // n)
                 if executor == "crossbar" and not m.write_rounds else 1)
    return (executor, m.crossbars if executor == "crossbar" else 0,
            OpCost(c.latency_s / n, dict(c.energy_j), float(c.cells_written),
                   float(m.cells_per_copy), max(m.write_rounds, 1), lp["buffer"] / n,
                   max(lp["read"], lp["digital"], lp["buffer"]) / n),
            positions)


def step_label(op: Operation) -> str:
    """``D`` / ``G`` for the first D-step / G-step of the iteration, ``D2``, ``G2``, ... for
    later ones (the graph's own tags, ``GAN.d_steps`` / ``g_steps``)."""
    k = getattr(op, "step_index", 1)
    return op.step if k == 1 else f"{op.step}{k}"


def _step_of(graph: IterationGraph, tensor: Tensor) -> str:
    for c in tensor.consumers:
        return step_label(graph.operation(c))
    return "D"
