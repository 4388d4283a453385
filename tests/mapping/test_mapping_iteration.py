"""Every crossbar operation of suite GANs' iterations maps, agreeing with the workload."""

from __future__ import annotations

import pytest

from lergan.hardware import load_preset
from lergan.mapping import MODES, cost, map_operation
from lergan.workload import suite
from lergan.workload.iteration import build_iteration


@pytest.mark.parametrize("name", ["dcgan", "magan", "3d-gan"])
def test_map_operation_agrees_with_the_workload(name):
    arch = load_preset("lergan")
    graph = build_iteration(suite.get(name), batch=2)
    ops = [op for op in graph.operations if op.kind in ("linear", "conv", "conv_transpose")]
    assert ops
    for op in ops:
        for mode in MODES if op.computation else ("zfdr-pattern",):
            m = map_operation(op, arch, mode)
            assert m.samples == op.samples and m.pass_ == op.pass_
            if op.pass_ != "update":
                assert m.computation == op.computation
                assert m.macs_real == op.macs.real
            assert cost(m, arch).latency_s > 0
