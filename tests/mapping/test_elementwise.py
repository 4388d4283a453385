"""MAC-free operations (batch norm, activations, losses) on the digital units, by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.errors import MappingError
from lergan.hardware import load_preset
from lergan.hardware.cost import actions
from lergan.mapping.elementwise import (
    OPS_PER_ELEMENT,
    cost_elementwise_operation,
    elementwise_cost,
    elementwise_ops,
)
from lergan.workload import suite
from lergan.workload.iteration import build_iteration


@pytest.fixture(scope="module")
def graph():
    return build_iteration(suite.get("dcgan"), batch=4)


def _op(graph, kind, pass_):
    return next(o for o in graph.operations if o.kind == kind and o.pass_ == pass_)


@pytest.mark.parametrize(("kind", "pass_"), [("batch_norm", "forward"), ("batch_norm", "error"),
                                             ("activation", "forward"), ("loss", "loss")])
def test_cost_by_hand(graph, kind, pass_):
    arch = load_preset("lergan")
    op = next(o for o in graph.operations if o.pass_ == "loss") if kind == "loss" else _op(
        graph, kind, pass_)
    c = cost_elementwise_operation(op, graph.tensors, arch)
    shape = op.input_shape if kind == "loss" else op.output_shape
    ops = OPS_PER_ELEMENT[(kind, pass_)] * math.prod(shape or (1,)) * op.samples
    rd = sum(graph.tensors[t].bytes for t in op.reads if graph.tensors[t].kind != "weights")
    wr = sum(graph.tensors[t].bytes for t in op.writes)
    act = actions(arch)
    assert c.ops == ops > 0
    assert c.energy_j["digital"] == pytest.approx(ops * arch.components["mac"].energy_j)
    buf_rd, buf_wr = act["buffer.bank_buffer.read"], act["buffer.bank_buffer.write"]
    assert c.energy_j["buffer"] == pytest.approx(rd * buf_rd.energy_j + wr * buf_wr.energy_j)
    units = arch.components.per_bank("mac")
    assert c.latency_s == pytest.approx(max(ops / (units * arch.technology.clock_hz),
                                            (rd + wr) / arch.buffers["bank_buffer"]
                                            .bandwidth_bytes_per_s))


@pytest.mark.parametrize("kind", ["feature_matching", "reconstruction"])
def test_loss_costed_by_the_elements_it_reads(kind):
    """A feature-matching loss (DiscoGAN) compares a layer's activations of two calls: two
    operations per compared element, counted from the tensors it reads (16-bit values of
    the graph), not from its scalar output."""
    gan = suite.get("discogan", image_size=32)
    g = build_iteration(gan, batch=3)
    names = {loss.name for loss in gan.losses if loss.kind == kind}
    ops = [o for o in g.operations if o.pass_ == "loss" and o.layer in names]
    assert ops
    arch = load_preset("lergan")
    for op in ops:
        reads = [g.tensors[t] for t in op.reads]
        per_sample = {t.bytes / t.samples / 2 for t in reads}  # 16-bit activations
        assert len(reads) == 2 and len(per_sample) == 1  # the pair compared, alike
        (elements,) = per_sample
        assert elements > 1
        c = cost_elementwise_operation(op, g.tensors, arch)
        assert c.ops == OPS_PER_ELEMENT[("loss", "loss")] * elements * op.samples
        assert c.energy_j["digital"] == pytest.approx(c.ops * arch.components["mac"].energy_j)


def test_override_replaces_one_figure(graph):
    arch = load_preset("lergan")
    op = _op(graph, "batch_norm", "forward")
    base = cost_elementwise_operation(op, graph.tensors, arch)
    more = cost_elementwise_operation(op, graph.tensors, arch,
                                      {("batch_norm", "forward"): 8.0})
    assert more.energy_j["digital"] == pytest.approx(2 * base.energy_j["digital"])
    assert more.energy_j["buffer"] == base.energy_j["buffer"]


def test_update_is_one_op_per_parameter():
    assert elementwise_ops("batch_norm", "update", 100, 64, params=256) == 256.0
    assert elementwise_ops("reshape", "forward", 100, 64) == 0.0


def test_missing_digital_unit_is_named():
    lergan = load_preset("lergan")
    # a preset without digital units (and without the MACs its mats would count)
    org = lergan.organisation.model_copy(update={"per_mat": {
        k: v for k, v in lergan.organisation.per_mat.items() if k != "mac"}})
    arch = lergan.model_copy(update={"digital": {}, "organisation": org})
    with pytest.raises(MappingError, match=r"bn1.*digital\.mac"):
        elementwise_cost("batch_norm", "forward", 10.0, 0.0, 0.0, arch, layer="bn1")
    # data movement alone needs no digital unit
    assert elementwise_cost("reshape", "forward", 0.0, 64.0, 64.0, arch).energy_j["buffer"] > 0


@settings(max_examples=30)
@given(ops=st.floats(0, 1e9), rd=st.floats(0, 1e7), wr=st.floats(0, 1e7))
def test_latency_is_the_slower_of_compute_and_buffer(ops, rd, wr):
    arch = load_preset("lergan")
    c = elementwise_cost("activation", "forward", ops, rd, wr, arch)
    assert c.latency_s == max(c.latency_parts_s.values())
    assert c.total_energy_j >= 0
    assert ("digital" in c.energy_j) == (ops > 0)
