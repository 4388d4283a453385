"""The shipped reference training loop runs, trains the right networks, and its options."""

from __future__ import annotations

import pytest
import torch
from tiny_gans import tiny_conditional, tiny_dcgan

from lergan.workload.iteration import IterationOptions
from lergan.workload.modules import build_gan_modules
from lergan.workload.reference import reference_iteration, sample_inputs


def _snapshot(modules):
    return {n: [p.detach().clone() for p in m.parameters()] for n, m in modules.items()}


@pytest.mark.parametrize(
    "options",
    [
        IterationOptions(),
        IterationOptions(g_step_latent="reuse"),
        IterationOptions(stale_d_weights=True),
    ],
    ids=["fresh", "reuse", "stale"],
)
@pytest.mark.parametrize("make", [tiny_dcgan, tiny_conditional], ids=["dcgan", "conditional"])
def test_one_iteration_updates_every_network(make, options):
    torch.manual_seed(0)
    gan = make()
    modules = build_gan_modules(gan)
    before = _snapshot(modules)
    losses = reference_iteration(gan, modules, 4, options=options, lr=0.1)
    assert all(torch.isfinite(v) for v in losses.values())
    after = _snapshot(modules)
    for name in modules:
        changed = any(not torch.equal(a, b) for a, b in zip(before[name], after[name], strict=True))
        assert changed, name
    # the loop leaves every parameter trainable again
    assert all(p.requires_grad for m in modules.values() for p in m.parameters())


def test_g_step_does_not_touch_discriminator_gradients():
    torch.manual_seed(1)
    gan = tiny_dcgan()
    modules = build_gan_modules(gan)
    optimizers = {n: torch.optim.SGD(m.parameters(), lr=0.0) for n, m in modules.items()}
    data = sample_inputs(gan, 4)
    reference_iteration(gan, modules, 4, data=data, optimizers=optimizers)
    d_grads = [p.grad.clone() for p in modules["D"].parameters()]
    # the D-step alone (lr 0: same weights) gives the same D gradients
    modules["D"].zero_grad()
    loss = torch.nn.functional.binary_cross_entropy(
        modules["D"](data["x"]), torch.ones(4, 1)
    ) + torch.nn.functional.binary_cross_entropy(
        modules["D"](modules["G"](data["z"]).detach()), torch.zeros(4, 1)
    )
    loss.backward()
    for a, p in zip(d_grads, modules["D"].parameters(), strict=True):
        torch.testing.assert_close(a, p.grad)
