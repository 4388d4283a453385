"""Any GAN reaches every command and the API (issue 13, part 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from everyday_gans import Discriminator, Generator
from typer.testing import CliRunner

import lergan
from lergan.cli import app
from lergan.errors import LerganError, WorkloadError
from lergan.workload import GAN, suite
from lergan.workload.source import resolve_gan

runner = CliRunner()
HERE = Path(__file__).resolve().parent
BUILDER = f"{HERE / 'everyday_gans.py'}:build"
TWINS = f"{HERE / 'everyday_gans.py'}:build_twins"


@pytest.fixture(scope="module")
def tiny() -> GAN:
    return lergan.trace(Generator(), Discriminator(), latent=8, image=(3, 8, 8),
                        criterion="bce_logits", name="tiny")


@pytest.fixture(scope="module")
def tiny_file(tiny, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gan") / "tiny.yaml"
    path.write_text(tiny.to_yaml())
    return path


def test_trace_builds_a_standard_gan(tiny):
    assert [n.name for n in tiny.networks] == ["G", "D"]
    assert {i.name: i.kind for i in tiny.inputs} == {"z": "latent", "x": "image"}
    assert [c.name for c in tiny.calls] == ["fake", "d_real", "d_fake"]
    assert {(loss.step, loss.call, loss.target) for loss in tiny.losses} == {
        ("D", "d_real", "real"), ("D", "d_fake", "fake"), ("G", "d_fake", "real")}
    assert tiny.network("G").output_shape == (3, 8, 8)


def test_trace_conditional_gan_feeds_the_condition_to_both_networks():
    gan = lergan.trace(Generator(condition=4), Discriminator(condition=4), latent=8,
                       image=(3, 8, 8), condition=4)
    assert {i.name: i.kind for i in gan.inputs}["y"] == "condition"
    assert all("y" in c.inputs.values() for c in gan.calls)
    r = lergan.simulate(gan, batch=2)
    assert r.time_s > 0 and r.energy_j > 0


def test_simulate_takes_a_traced_gan_and_its_file_alike(tiny, tiny_file):
    a = lergan.simulate(tiny, batch=4)
    b = lergan.simulate(str(tiny_file), batch=4)
    c = lergan.simulate(BUILDER, batch=4)
    assert a.time_s == b.time_s == c.time_s and a.energy_j == b.energy_j == c.energy_j


@pytest.mark.parametrize("name", ["DCGAN", "dcgan", " Dcgan ", "3dgan", "3D-GAN", "gp_gan"])
def test_suite_names_resolve_the_same_everywhere(name):
    canonical = suite.info(name).name
    assert resolve_gan(name).name == suite.get(canonical).name
    assert lergan.simulate(name, batch=2).benchmark == canonical


@pytest.mark.parametrize("command", [
    ["simulate", "{gan}", "--batch", "2"],
    ["workload", "{gan}", "--batch", "2"],
    ["map", "{gan}", "G.fc", "--pass", "forward"],
])
@pytest.mark.parametrize("which", ["suite", "file", "builder"])
def test_every_command_takes_every_kind_of_gan(command, which, tiny_file):
    gan = {"suite": "DCGAN", "file": str(tiny_file), "builder": BUILDER}[which]
    args = [a.format(gan=gan) for a in command]
    if which == "suite" and command[0] == "map":
        args[2] = "G.tconv2"
    res = runner.invoke(app, args, env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output


def test_timeline_takes_a_builder(tmp_path):
    out = tmp_path / "t.svg"
    res = runner.invoke(app, ["timeline", BUILDER, "--batch", "2", "--out", str(out),
                              "--width", "8", "--font-size", "6"])
    assert res.exit_code == 0, res.output
    assert out.read_text().lstrip().startswith(("<?xml", "<svg"))


@pytest.mark.parametrize("bad", [None, 42, 1.5, ["dcgan"], {"G": 1}, b"dcgan"])
def test_simulate_refuses_what_is_not_a_gan(bad):
    with pytest.raises(WorkloadError, match="expected a GAN"):
        lergan.simulate(bad, batch=2)


def test_bare_modules_are_refused_with_the_way_to_trace_them():
    with pytest.raises(WorkloadError, match=r"lergan\.trace"):
        lergan.simulate({"G": Generator(), "D": Discriminator()}, batch=2)


@pytest.mark.parametrize("ref, needle", [
    (f"{HERE / 'everyday_gans.py'}:broken", "RuntimeError: the builder's own bug"),
    (f"{HERE / 'everyday_gans.py'}:not_a_gan", "returned int"),
    (f"{HERE / 'everyday_gans.py'}:no_such", "defines no function 'no_such'"),
    ("missing.py:build", "does not exist"),
])
def test_builder_errors_name_the_reference(ref, needle):
    with pytest.raises(WorkloadError, match=needle.replace("(", r"\(")):
        resolve_gan(ref)
    res = runner.invoke(app, ["simulate", ref, "--batch", "2"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert ref.rpartition(":")[2] in res.output


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "not-yaml", "empty"])
def test_gan_files_that_cannot_be_read_are_user_errors(kind, tmp_path):
    path = tmp_path / "g.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00\x81" * 10)
    elif kind == "not-yaml":
        path.write_text("networks: [unclosed")
    elif kind == "empty":
        path.write_text("")
    with pytest.raises(WorkloadError, match=r"g\.yaml"):
        resolve_gan(str(path))
    for command in (["simulate", str(path)], ["workload", str(path)],
                    ["map", str(path), "G.fc"]):
        res = runner.invoke(app, command)
        assert res.exit_code == 2, res.output
        assert "g.yaml" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("make, needle", [
    (lambda: lergan.trace("G", Discriminator(), latent=8, image=(3, 8, 8)), "nn.Module"),
    (lambda: lergan.trace(Generator(), Discriminator(), latent=-3, image=(3, 8, 8)),
     "positive"),
    (lambda: lergan.trace(Generator(), Discriminator(), latent=8, image=(5, 8, 8)),
     "fails on example inputs"),
    (lambda: lergan.trace(Generator(), Discriminator(), latent=9, image=(3, 8, 8)),
     "fails on example inputs"),
    (lambda: lergan.trace(Generator(), Discriminator(), latent=8, image=(3, 8, 8),
                          criterion="bce_nrom"), "criterion"),
    (lambda: lergan.trace(Generator(), Discriminator(), latent=(1 << 14, 1 << 14),
                          image=(3, 8, 8)), "bound"),
])
def test_tracing_errors_are_workload_errors(make, needle):
    with pytest.raises(WorkloadError, match=needle):
        make()


def test_a_kernel_larger_than_its_input_is_a_workload_error():
    from torch import nn

    from lergan.workload import trace_network

    with pytest.raises(WorkloadError, match="fails on example inputs"):
        trace_network(nn.Conv2d(3, 4, 9), [(3, 4, 4)])
    with pytest.raises(WorkloadError, match="positive integers"):
        trace_network(nn.Conv2d(3, 4, 3), [(3, -4, 4)])
    with pytest.raises(WorkloadError, match=r"torch\.nn\.Module"):
        trace_network(lambda x: x, [(3, 4, 4)])  # type: ignore[arg-type]


def test_suite_get_none_is_a_workload_error():
    with pytest.raises(WorkloadError, match="expected a suite name"):
        suite.get(None)  # type: ignore[arg-type]


def test_layer_breakdown_keeps_networks_apart():
    """breakdown("layer") used to merge G.net_2 with D.net_2 (issue 13)."""
    r = lergan.simulate(TWINS, batch=2)
    layers = r.breakdown("layer", "energy")
    assert {"G.net_2", "D.net_2", "G.net_0", "D.net_0"} <= set(layers)
    by_net = r.breakdown(("network", "layer"), "energy")
    assert layers["G.net_2"] == pytest.approx(by_net["G/net_2"])
    assert layers["D.net_2"] == pytest.approx(by_net["D/net_2"])
    assert sum(layers.values()) == pytest.approx(r.energy_j)


def test_errors_are_lergan_errors():
    assert issubclass(WorkloadError, LerganError)
