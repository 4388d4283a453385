"""The benchmark suite: every GAN builds, its shapes fit, its options and errors behave."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.errors import LerganError, WorkloadError
from lergan.workload import GAN, suite
from lergan.workload.modules import build_gan_modules

SUITE = ["3d-gan", "artgan", "cgan", "dcgan", "discogan", "gp-gan", "magan"]

#: per benchmark: the generated sample's shape and every network's output shape
EXPECTED = {
    "dcgan": {"G": (3, 64, 64), "D": (1,)},
    "3d-gan": {"G": (1, 64, 64, 64), "D": (1,)},
    "artgan": {"G_z": (512, 8, 8), "G_dec": (3, 64, 64), "D_enc": (512, 8, 8), "D_cls": (11,)},
    "cgan": {"G": (1, 28, 28), "D": (1,)},
    "discogan": {"G_AB": (3, 64, 64), "G_BA": (3, 64, 64), "D_A": (1, 1, 1), "D_B": (1, 1, 1)},
    "gp-gan": {"G": (3, 64, 64), "D": (1,)},
    "magan": {"G": (3, 64, 64), "D": (3, 64, 64)},
}


def test_the_suite_has_the_seven_benchmarks() -> None:
    assert suite.names() == SUITE


@pytest.mark.parametrize("name", SUITE)
def test_every_benchmark_builds_with_its_source(name: str) -> None:
    gan = suite.get(name)
    assert isinstance(gan, GAN)
    assert gan.name == name
    info = suite.info(name)
    assert info.source == gan.source
    # a citation: a paper (arXiv or venue) and, where official code exists, its repository
    assert "arXiv" in gan.source or "ICLR" in gan.source or "NIPS" in gan.source
    if name != "3d-gan":  # its official repository has no layer definitions
        assert "github.com/" in gan.source
    assert info.description
    for net in gan.networks:
        assert net.description, f"{name}: network {net.name} has no note on its source"
    assert {n.name: n.output_shape for n in gan.networks} == EXPECTED[name]


@pytest.mark.parametrize("name", SUITE)
def test_description_round_trips_through_json_and_yaml(name: str) -> None:
    gan = suite.get(name)
    assert GAN.from_json(gan.to_json()) == gan
    assert GAN.from_yaml(gan.to_yaml()) == gan


@pytest.mark.parametrize("name", SUITE)
def test_fakes_fit_the_discriminators_and_losses(name: str) -> None:
    gan = suite.get(name)
    # every discriminator call reads tensors of the shape its network expects (checked by
    # GAN validation) and each step has a loss; here: the generated samples are the real
    # samples' shape, so D sees both
    images = {i.name: i.shape for i in gan.inputs if i.kind == "image"}
    for call in gan.calls:
        net = gan.network(call.network)
        if net.role == "discriminator":
            for key, value in call.inputs.items():
                if value in images:
                    assert net.input_shapes[key] == images[value]
    assert {loss.step for loss in gan.losses} == {"D", "G"}


@pytest.mark.parametrize("name", SUITE)
def test_modules_built_from_the_description_run_on_meta_tensors(name: str) -> None:
    gan = suite.get(name)
    modules = build_gan_modules(gan, device="meta")
    outputs: dict[str, torch.Tensor] = {
        i.name: torch.empty(2, *i.shape, device="meta") for i in gan.inputs
    }
    for call_name in gan.call_order():
        call = gan.call(call_name)
        net = gan.network(call.network)
        args = [outputs[call.inputs[i.name]] for i in net.inputs]
        outputs[call_name] = modules[net.name](*args)
        assert tuple(outputs[call_name].shape) == (2, *net.output_shape)
    for net in gan.networks:
        assert sum(p.numel() for p in modules[net.name].parameters()) == net.param_count


# --- options -----------------------------------------------------------------------------

SIZED = {  # benchmark -> (size option, other options drawn small)
    "dcgan": ("image_size", ("ngf", "ndf", "latent", "channels")),
    "discogan": ("image_size", ("width", "channels")),
    "gp-gan": ("image_size", ("nef", "ngf", "ndf", "bottleneck", "channels")),
    "magan": ("image_size", ("ndf", "latent", "channels")),
    "3d-gan": ("voxel_size", ("base_channels", "latent")),
}


@settings(max_examples=25)
@given(
    name=st.sampled_from(sorted(SIZED)),
    levels=st.integers(1, 5),
    small=st.lists(st.integers(1, 9), min_size=5, max_size=5),
)
def test_size_options_scale_the_networks(name: str, levels: int, small: list[int]) -> None:
    size_option, others = SIZED[name]
    if name == "3d-gan":
        levels = min(levels, 3)  # keep 3-D shapes small
    size = 4 * 2**levels
    options = {size_option: size, **dict(zip(others, small, strict=False))}
    gan = suite.get(name, **options)
    sample = next(i for i in gan.inputs if i.kind == "image").shape
    assert sample[1:] == (size,) * len(sample[1:])
    assert gan.networks[0].output_shape == sample  # G makes samples of the real shape
    modules = build_gan_modules(gan, device="meta")
    for net in gan.networks:
        x = [torch.empty(2, *i.shape, device="meta") for i in net.inputs]
        assert tuple(modules[net.name](*x).shape) == (2, *net.output_shape)


@settings(max_examples=25)
@given(name=st.sampled_from(sorted(SIZED)), size=st.integers(1, 300))
def test_sizes_that_do_not_halve_to_4_are_refused_by_name(name: str, size: int) -> None:
    size_option, _ = SIZED[name]
    n = size
    while n > 4 and n % 2 == 0:
        n //= 2
    if n == 4 and size >= 8:
        assert suite.get(name, **{size_option: size})
        return
    with pytest.raises(WorkloadError, match=rf"{name}: {size_option}={size}"):
        suite.get(name, **{size_option: size})


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("dcgan", {"latent": 0}, "dcgan: option latent=0"),
        ("cgan", {"classes": -3}, "cgan: option classes=-3"),
        ("cgan", {"image_size": 30}, "cgan: image_size=30"),
        ("artgan", {"classes": 0}, "artgan: option classes=0"),
        ("magan", {"margin": 0.0}, "magan: option margin=0.0"),
        ("magan", {"ngf": 100}, "magan: ngf=100"),
        ("gp-gan", {"bottleneck": True}, "gp-gan: option bottleneck=True"),
        ("dcgan", {"colour": 3}, "dcgan: unknown option 'colour'"),
    ],
)
def test_bad_options_raise_a_named_error(name: str, options: dict, message: str) -> None:
    with pytest.raises(LerganError, match=message):
        suite.get(name, **options)


def test_cgan_and_artgan_class_counts() -> None:
    cgan = suite.get("cgan", classes=5, image_size=32)
    assert cgan.network("D").input_shapes == {"x": (1, 32, 32), "y": (5,)}
    assert cgan.network("G").output_shape == (1, 32, 32)
    art = suite.get("artgan", classes=27)  # WikiArt styles
    assert art.network("D_cls").output_shape == (28,)
    # only the first layer and the classifier grow with the class count
    base = suite.get("artgan")
    delta = art.param_count - base.param_count
    assert delta == 17 * 1024 * 16 + 17 * 1024 * 16


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("3DGAN", "3d-gan"),
        ("gp_gan", "gp-gan"),
        ("blending-gan", "gp-gan"),
        ("conditional-dcgan", "cgan"),
        (" DCGAN ", "dcgan"),
    ],
)
def test_names_as_users_type_them(typed: str, name: str) -> None:
    assert suite.get(typed).name == name


def test_unknown_benchmark_lists_the_suite() -> None:
    with pytest.raises(WorkloadError, match=r"unknown benchmark 'stylegan'.*3d-gan.*magan"):
        suite.get("stylegan")


def test_options_are_listed() -> None:
    assert suite.info("dcgan").options == {
        "image_size": 64,
        "channels": 3,
        "latent": 100,
        "ngf": 64,
        "ndf": 64,
    }
    assert suite.info("3d-gan").options["voxel_size"] == 64
