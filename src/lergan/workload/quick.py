"""``lergan.trace``: a standard (conditional) GAN from two PyTorch modules in one call.

The usual alternating GAN (Goodfellow et al. 2014; the PyTorch DCGAN example): inputs ``z``
(latent), ``x`` (real samples) and, for a conditional GAN (Mirza & Osindero 2014), ``y``;
calls ``fake = G(z[, y])``, ``d_real = D(x[, y])``, ``d_fake = D(fake[, y])``; losses
``d_real`` (D scores reals real), ``d_fake`` (fakes fake) and ``g_adv`` (G has its fakes
scored real: the non-saturating form). The modules are traced with
:func:`lergan.workload.trace.trace_gan`; what it cannot describe raises
:class:`~lergan.errors.WorkloadError` naming the module.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lergan.errors import WorkloadError
from lergan.workload.gan import GAN, GanInput, Loss, NetworkCall

if TYPE_CHECKING:
    from torch import nn

CRITERIA = ("bce", "bce_logits", "mse", "wasserstein", "hinge")

#: the largest per-sample tensor a traced input may have (elements): tracing runs the
#: modules on it, so larger inputs are refused up front
MAX_INPUT_ELEMENTS = 1 << 26


def _shape(what: str, value: Any) -> tuple[int, ...]:
    """A per-sample shape from an int or a sequence of positive ints."""
    if isinstance(value, bool) or value is None:
        raise WorkloadError(f"trace: {what} {value!r}: expected a size or a shape")
    items = (value,) if isinstance(value, int) else value
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise WorkloadError(f"trace: {what} {value!r}: expected a size or a shape "
                            "(e.g. 100 or (3, 64, 64))")
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise WorkloadError(f"trace: {what} {value!r}: every size must be a positive "
                                "integer")
        out.append(int(v))
    n = 1
    for v in out:
        n *= v
    if n > MAX_INPUT_ELEMENTS:
        raise WorkloadError(f"trace: {what} {tuple(out)}: {n:,} elements per sample, over "
                            f"the bound of {MAX_INPUT_ELEMENTS:,}")
    return tuple(out)


def _input_names(module: Any, what: str, count: int) -> list[str]:
    """The names of the first ``count`` positional parameters of ``module.forward``."""
    params = [p for p in inspect.signature(module.forward).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(params) < count:
        raise WorkloadError(
            f"trace: {what} ({type(module).__name__}).forward takes {len(params)} named "
            f"input(s), the GAN gives it {count} ({'data, condition' if count == 2 else 'data'})")
    return [p.name for p in params[:count]]


def trace(
    generator: nn.Module,
    discriminator: nn.Module,
    *,
    latent: int | Sequence[int],
    image: int | Sequence[int],
    condition: int | Sequence[int] | None = None,
    criterion: str = "bce",
    name: str = "gan",
    source: str | None = None,
) -> GAN:
    """The :class:`~lergan.workload.GAN` of ``generator`` and ``discriminator`` trained as a
    standard GAN (module docstring), ready for :func:`lergan.system.simulate`.

    ``latent``, ``image``, ``condition``: per-sample shapes (an int for a vector): ``G``
    takes ``(z)`` or ``(z, y)`` and must return a sample of shape ``image``; ``D`` takes
    ``(x)`` or ``(x, y)``. ``criterion``: the adversarial loss (``bce`` on probabilities,
    ``bce_logits``, ``mse``, ``wasserstein``, ``hinge``).
    """
    from torch import nn  # torch and the tracer on first use: `import lergan` stays light

    from lergan.workload.trace import trace_gan

    for what, m in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(m, nn.Module):
            raise WorkloadError(f"trace: {what}: expected a torch.nn.Module, got "
                                f"{type(m).__name__}")
    if criterion not in CRITERIA:
        raise WorkloadError(f"trace: criterion {criterion!r}: choose from {', '.join(CRITERIA)}")
    z, x = _shape("latent", latent), _shape("image", image)
    y = _shape("condition", condition) if condition is not None else None
    inputs = [GanInput(name="z", kind="latent", shape=z), GanInput(name="x", kind="image",
                                                                     shape=x)]
    if y is not None:
        inputs.append(GanInput(name="y", kind="condition", shape=y))
    extra = ["y"] if y is not None else []
    g_names = _input_names(generator, "generator", 1 + len(extra))
    d_names = _input_names(discriminator, "discriminator", 1 + len(extra))
    calls = [
        NetworkCall(name="fake", network="G", inputs=dict(zip(g_names, ["z", *extra],
                                                               strict=True))),
        NetworkCall(name="d_real", network="D", inputs=dict(zip(d_names, ["x", *extra],
                                                                 strict=True))),
        NetworkCall(name="d_fake", network="D", inputs=dict(zip(d_names, ["fake", *extra],
                                                                 strict=True))),
    ]
    losses = [
        Loss(name="d_real", step="D", kind="adversarial", call="d_real", target="real",
             criterion=criterion),
        Loss(name="d_fake", step="D", kind="adversarial", call="d_fake", target="fake",
             criterion=criterion),
        Loss(name="g_adv", step="G", kind="adversarial", call="d_fake", target="real",
             criterion=criterion),
    ]
    gan = trace_gan(
        {"G": generator, "D": discriminator},
        name=name,
        source=source or (f"traced from {type(generator).__name__} and "
                          f"{type(discriminator).__name__} by lergan.trace"),
        inputs=inputs, calls=calls, losses=losses,
        roles={"G": "generator", "D": "discriminator"},
    )
    out = gan.network("G").output_shape
    if tuple(out) != x:
        raise WorkloadError(f"trace: generator ({type(generator).__name__}) returns samples "
                            f"of shape {tuple(out)}, but image is {x}")
    return gan
