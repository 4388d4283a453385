"""The classifier workload and the checks against PipeLayer and FlexiGAN."""

from __future__ import annotations

import pytest

from lergan.baselines.anchors import flexigan_check, pipelayer_anchor, published
from lergan.errors import WorkloadError
from lergan.workload.classifier import classifier, classifier_iteration, classifier_names


@pytest.mark.parametrize("name", ["mnist-cnn", "alexnet"])
def test_classifier_forward_macs_equal_flop_counter_mode(name):
    from lergan.workload.reference import count_forward_flops

    g = classifier_iteration(name, 2)
    assert 2 * g.total(pass_="forward").nominal == count_forward_flops(classifier(name), 2)


def test_classifier_step_is_one_network_training():
    g = classifier_iteration("mnist-cnn", 4)
    assert {op.network for op in g.operations} == {"C"}
    assert {op.pass_ for op in g.operations} == {"forward", "loss", "error",
                                                 "weight_gradient", "update"}
    assert not g.filter(layer="conv1", pass_="error")  # no error into the images
    trained = {op.layer for op in g.operations if op.params and op.pass_ == "forward"}
    assert trained == {op.layer for op in g.filter(pass_="update")}
    for t in g.tensors.values():  # self-contained: every producer and consumer is kept
        ids = {op.id for op in g.operations}
        assert t.producer is None or t.producer in ids
        assert set(t.consumers) <= ids
    assert set(classifier_names()) >= {"alexnet", "vgg-a", "mnist-cnn"}
    with pytest.raises(WorkloadError, match="classifier 'resnet'"):
        classifier("resnet")


def test_pipelayer_anchor_reports_the_distance_without_tuning():
    a = pipelayer_anchor(("mnist-cnn",), batch=8)
    row = a["rows"][0]
    assert row["speedup"] == pytest.approx(row["gpu_time_s"] / row["reram_time_s"])
    assert a["speedup"] == pytest.approx(row["speedup"])
    assert a["published_speedup"] == 42.45 and a["published_energy_saving"] == 7.17
    assert a["speedup_distance"] == pytest.approx(a["speedup"] / 42.45)
    assert a["energy_saving_distance"] == pytest.approx(a["energy_saving"] / 7.17)
    from lergan.baselines.anchors import pipelayer_causes

    causes = pipelayer_causes(a)
    assert causes[0].startswith("mnist-cnn: ") and row["reram_time_top"] in causes[0]
    assert ("below" if a["energy_saving"] < 7.17 else "above") in causes[-1]
    assert row["reram_time_top"].split()[0] in ("forward", "error", "weight_gradient",
                                                "update", "transfer", "reload", "loss")


def test_flexigan_check_compares_performance_per_watt():
    f = flexigan_check(batch=8, benchmarks=("dcgan", "cgan"))
    for r in f["rows"]:
        assert r["perf_per_watt"] == pytest.approx(r["gpu_energy_j"] / r["fpga_energy_j"])
    assert f["distance"] == pytest.approx(f["perf_per_watt"] / 2.8)
    assert published()["lergan.speedup_gpu"] == 21.42
