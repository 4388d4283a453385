"""The training-iteration dataflow graph: structure (architecture note, section 1), counts
against FlopCounterMode on the reference training loop, the query API and exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from tiny_gans import tiny_conditional, tiny_dcgan

from lergan.errors import WorkloadError
from lergan.workload import suite
from lergan.workload.counts import layer_pass_macs
from lergan.workload.iteration import PASSES, IterationOptions, build_iteration
from lergan.workload.reference import count_forward_flops, count_iteration_flops

OPTIONS = [
    IterationOptions(),
    IterationOptions(g_step_latent="reuse"),
    IterationOptions(stale_d_weights=True),
]
TINY = [tiny_dcgan(), tiny_dcgan(batch_norm=False), tiny_conditional()]


def _all_gans():
    return [*TINY, *(suite.get(n) for n in suite.names())]


@pytest.mark.parametrize("name", suite.names())
def test_suite_forward_nominal_equals_flop_counter(name):
    gan = suite.get(name)
    for net in gan.networks:
        nominal = sum(
            layer_pass_macs(ls.layer, "forward", ls.input_shape, ls.output_shape)[0].nominal
            for ls in net.shapes()
        )
        assert count_forward_flops(net, 2) == 2 * 2 * nominal, net.name


@pytest.mark.parametrize("name", suite.names())
def test_suite_iteration_nominal_equals_flop_counter(name):
    gan = suite.get(name)
    graph = build_iteration(gan, 2)
    assert count_iteration_flops(gan, 2) == 2 * graph.total().nominal


@pytest.mark.parametrize("options", OPTIONS[1:], ids=["reuse", "stale"])
@pytest.mark.parametrize(
    "name", [n for n in ("dcgan", "discogan", "magan", "artgan") if n in suite.names()]
)
def test_suite_iteration_options_against_flop_counter(name, options):
    gan = suite.get(name)
    graph = build_iteration(gan, 2, options)
    assert count_iteration_flops(gan, 2, options=options) == 2 * graph.total().nominal


@pytest.mark.parametrize("options", OPTIONS, ids=["fresh", "reuse", "stale"])
@pytest.mark.parametrize("gan", TINY, ids=lambda g: g.name)
def test_tiny_iteration_against_flop_counter(gan, options):
    graph = build_iteration(gan, 3, options)
    assert count_iteration_flops(gan, 3, options=options) == 2 * graph.total().nominal


def _check_structure(gan, graph, options):
    roles = {n.name: n.role for n in gan.networks}
    ids = [op.id for op in graph.operations]
    assert len(ids) == len(set(ids))
    position = {op_id: i for i, op_id in enumerate(ids)}
    data = {t.name for t in graph.tensors.values() if t.kind == "data"}
    for op in graph.operations:
        # a valid execution order, dependencies from the tensors read
        assert all(position[d] < position[op.id] for d in op.depends_on)
        producers = {graph.tensors[t].producer for t in op.reads} - {None}
        assert set(op.depends_on) == producers
        assert op.pass_ in (*PASSES, "loss")
        # no error pass into a data input
        if op.pass_ == "error":
            for t in op.writes:
                assert not any(t.startswith(f"{d}.error") for d in data)
        # the D-step trains discriminators only; the G-step generators only
        if op.pass_ in ("weight_gradient", "update"):
            assert roles[op.network] == ("discriminator" if op.step == "D" else "generator")
        # the D-step's generators run forward only
        if op.step == "D" and roles[op.network] == "generator":
            assert op.pass_ == "forward"
        reusing = options.g_step_latent == "reuse" and op.step_index == 1
        if op.step == "G" and reusing and op.pass_ == "forward":
            assert (
                roles[op.network] == "discriminator"
                or op.network not in {o.network for o in graph.filter(step="D", pass_="forward")}
                or any(
                    c not in {x for o in graph.filter(step="D") for x in o.calls} for c in op.calls
                )
            )
    for t in graph.tensors.values():
        if t.kind in ("activation", "error", "weight_gradient"):
            assert t.producer is not None, t.name
        if t.kind == "data":
            assert t.producer is None
        assert t.bytes == -(
            -t.elements
            * (
                options.weight_bits
                if t.kind in ("weights", "weight_gradient")
                else options.activation_bits
            )
            // 8
        )
        last_g = "G" if graph.g_steps == 1 else f"G{graph.g_steps}"
        # a call only feature matching reads runs forward whole, as the module does
        only_inner = t.kind == "activation" and any(
            t.name.endswith(f"/{loss.reference}/{gan.network(t.network).layers[-1].name}")
            for loss in gan.losses
            if loss.kind == "feature_matching"
        )
        assert (
            t.consumers or only_inner or t.kind == "weights" or t.name.endswith(f"@{last_g}-step")
        ), t.name
    # the G-step's discriminator forward waits for the last D-step's update unless stale
    for op in graph.filter(step="G", pass_="forward"):
        if roles[op.network] == "discriminator" and op.params:
            waits = any(
                graph.operation(d).pass_ == "update"
                and graph.operation(d).step == "D"
                and graph.operation(d).step_index == graph.d_steps
                for d in op.depends_on
            )
            assert waits != options.stale_d_weights
    # steps come in order: every D-step, then every G-step, indices from 1
    order = [(op.step, op.step_index) for op in graph.operations]
    assert order == sorted(order)
    assert {i for s, i in order if s == "D"} == set(range(1, graph.d_steps + 1))
    assert {i for s, i in order if s == "G"} == set(range(1, graph.g_steps + 1))


@pytest.mark.parametrize("options", OPTIONS, ids=["fresh", "reuse", "stale"])
@pytest.mark.parametrize("gan", _all_gans(), ids=lambda g: g.name)
def test_structure(gan, options):
    _check_structure(gan, build_iteration(gan, 4, options), options)


@pytest.mark.parametrize("gan", _all_gans(), ids=lambda g: g.name)
def test_discriminator_error_stops_above_first_layer_in_d_step(gan):
    graph = build_iteration(gan, 2)
    for net in gan.discriminators():
        inputs = {i.name for i in net.inputs}
        first = [
            ls.layer.name
            for ls in net.shapes()
            if ls.input_name in inputs and not any(s not in inputs for s in ls.layer.sources)
        ]
        d_errors = {op.layer for op in graph.filter(step="D", network=net.name, pass_="error")}
        used = graph.filter(step="D", network=net.name, pass_="forward")
        roles = {n.name: n.role for n in gan.networks}
        fed_by_data_or_fakes = all(
            v in {i.name for i in gan.inputs} or roles[gan.call(v).network] == "generator"
            for c in gan.calls
            if c.network == net.name
            for v in c.inputs.values()
        )
        if not used or not fed_by_data_or_fakes:
            continue  # e.g. ArtGAN's classifier head, fed by the trained encoder
        assert not d_errors & set(first)
        # in the G-step the error reaches the discriminator's input when it reads a fake
        g_errors = {op.layer for op in graph.filter(step="G", network=net.name, pass_="error")}
        fake_fed = any(
            c.network == net.name
            and any(v in {x.name for x in gan.calls} for v in c.inputs.values())
            for c in gan.calls
        )
        if fake_fed and graph.filter(step="G", network=net.name):
            assert g_errors & set(first) or any(
                op.kind in ("concat", "add") for op in graph.filter(step="G", pass_="error")
            )


def test_dcgan_like_counts_and_samples():
    gan = tiny_dcgan()
    graph = build_iteration(gan, 8)
    d_fwd = graph.filter(step="D", network="D", pass_="forward")
    assert {op.samples for op in d_fwd} == {16}  # real and fake together
    assert {op.calls for op in d_fwd} == {("d_real", "d_fake")}
    assert {op.samples for op in graph.filter(step="G", network="D")} == {8}
    assert not graph.filter(step="G", network="D", pass_="weight_gradient")
    assert not graph.filter(step="G", network="D", pass_="update")
    assert {op.layer for op in graph.filter(step="D", pass_="update")} == {
        "conv1",
        "conv2",
        "bn2",
        "fc",
    }
    # the fakes cross from G to D, the error at D's input from D to G
    fake = "D/fake/tanh"
    assert graph.tensors[fake].crosses_networks
    assert graph.tensors["G/fake/tanh.error"].crosses_networks
    assert graph.tensors["G/fake/tanh.error"].producer == "G:d_fake:conv1:error"
    # forward activations read by backward passes are kept
    assert graph.tensors["G/fake/relu1"].kept_for_backward
    assert not graph.tensors["D/fake/relu1"].kept_for_backward  # D-step G: forward only
    # per layer, the three passes multiply the same real triples
    for layer in ("conv1", "conv2", "fc"):
        reals = {
            op.macs.real // op.samples
            for op in graph.filter(network="D", layer=layer)
            if op.pass_ != "update"
        }
        assert len(reals) == 1
    # error MACs of conv1 only in the G-step (D-step stops above it)
    assert [op.step for op in graph.filter(layer="conv1", pass_="error")] == ["G"]


def test_reuse_runs_the_generator_once():
    gan = tiny_dcgan()
    fresh = build_iteration(gan, 4)
    reuse = build_iteration(gan, 4, IterationOptions(g_step_latent="reuse"))
    assert fresh.filter(step="G", network="G", pass_="forward")
    assert not reuse.filter(step="G", network="G", pass_="forward")
    g_fwd = fresh.total(step="G", network="G", pass_="forward")
    assert reuse.total() + g_fwd == fresh.total()
    # the reused activations are read by the G-step's backward passes
    assert any(reuse.operation(c).step == "G" for c in reuse.tensors["D/fake/relu1"].consumers)


def test_filter_total_and_exports():
    graph = build_iteration(tiny_conditional(), 2, IterationOptions(activation_bits=8))
    assert graph.total() == sum(
        (graph.total(pass_=p) for p in PASSES), start=graph.total(pass_="loss")
    )
    assert graph.filter(kind="conv_transpose", pass_="forward")
    assert all(
        op.computation == "conv_transpose"
        for op in graph.filter(kind="conv_transpose", pass_="forward")
    )
    assert graph.filter(step=["D", "G"], network=("G", "F")) == graph.filter(network=["G", "F"])
    with pytest.raises(WorkloadError, match="pass_"):
        graph.filter(pass_="backward")
    data = json.loads(graph.to_json())
    assert len(data["operations"]) == len(graph.operations)
    assert data["options"]["activation_bits"] == 8
    rows = list(csv.DictReader(io.StringIO(graph.to_csv())))
    assert len(rows) == len(graph.operations)
    assert sum(int(r["macs_real"]) for r in rows) == graph.total().real
    assert graph.bytes(kind="data") > 0
    assert graph.bytes(kind="activation", crosses_networks=True) > 0
    with pytest.raises(WorkloadError):
        build_iteration(tiny_dcgan(), 0)


def test_multiple_error_contributions_are_summed():
    """MAGAN-style: the G-step loss reads the fake directly and through D; DiscoGAN-style:
    the fake feeds a discriminator and a second generator."""
    graph = build_iteration(tiny_conditional(), 2)
    parts = [n for n in graph.tensors if n.startswith("G/fake/tanh.error[")]
    assert len(parts) >= 3  # loss g_ae, D's first layer, C's flatten, F's pool
    consumer = graph.operation("G:fake:tanh:error")
    assert set(parts) <= set(consumer.reads)
