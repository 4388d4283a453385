"""A reference training iteration in plain PyTorch, and FlopCounterMode counts of it.

:func:`reference_iteration` runs one standard alternating iteration (architecture note,
section 1) on the modules built from a GAN's description: the D-step evaluates the calls its
losses need with every generator output **detached**, back-propagates and updates the
discriminators; the G-step **freezes the discriminators' weights** (``requires_grad``
off), evaluates the G-step's calls (fresh latent vectors, or the D-step's fakes with their
autograd graph when ``g_step_latent="reuse"``, as the PyTorch DCGAN example), back-propagates
and updates the generators; ``d_steps`` D-steps then ``g_steps`` G-steps (the GAN's
schedule, or the options'). It is independent of :mod:`lergan.workload.iteration`, so that
the graph's nominal MAC counts can be checked against ``FlopCounterMode`` on it
(:func:`count_iteration_flops`); run on the ``meta`` device it costs no arithmetic.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lergan.workload.gan import GAN, Loss
from lergan.workload.iteration import IterationOptions
from lergan.workload.modules import build_gan_modules, build_module

__all__ = [
    "count_forward_flops",
    "count_iteration_flops",
    "loss_value",
    "reference_iteration",
    "sample_inputs",
]


def sample_inputs(
    gan: GAN, batch: int, *, device: Any = "cpu", generator: torch.Generator | None = None
) -> dict[str, Tensor]:
    """A batch of every GAN input: normal latent vectors and images in [-1, 1] (random
    stand-ins for a dataset), one-hot conditions."""
    out = {}
    for inp in gan.inputs:
        if inp.kind == "condition" and len(inp.shape) == 1 and str(device) != "meta":
            idx = torch.randint(inp.shape[0], (batch,), generator=generator)
            out[inp.name] = F.one_hot(idx, inp.shape[0]).float().to(device)
        elif inp.kind == "image" and str(device) != "meta":
            out[inp.name] = (torch.rand(batch, *inp.shape, generator=generator) * 2 - 1).to(device)
        else:
            out[inp.name] = torch.randn(batch, *inp.shape, generator=generator).to(device)
    return out


def loss_value(
    loss: Loss, output: Tensor, reference: Tensor | None, label: Tensor | None, step: str
) -> Tensor:
    """The value of one loss term (definitions in :class:`lergan.workload.gan.Loss`).

    For a feature matching loss ``output`` and ``reference`` are the matched layer's
    activations for the call and for the reference call; the batch means are compared.
    """
    crit = loss.criterion
    if loss.kind == "feature_matching":
        assert reference is not None
        a, b = output.mean(0), reference.mean(0)
        value = F.mse_loss(a, b) if crit == "mse" else F.l1_loss(a, b)
        return loss.weight * value
    if loss.kind == "reconstruction":
        assert reference is not None
        value = F.mse_loss(output, reference) if crit == "mse" else F.l1_loss(output, reference)
        if loss.margin is not None:
            value = F.relu(loss.margin - value)
        return loss.weight * value
    real = loss.target == "real"
    if crit in ("bce", "bce_logits", "mse"):
        target = torch.full_like(output, 1.0 if real else 0.0)
        fn = {
            "bce": F.binary_cross_entropy,
            "bce_logits": F.binary_cross_entropy_with_logits,
            "mse": F.mse_loss,
        }[crit]
        value = fn(output, target)
    elif crit == "wasserstein":
        value = -output.mean() if real else output.mean()
    elif crit == "hinge":
        if step == "G":
            value = -output.mean() if real else output.mean()
        else:
            value = F.relu(1 - output).mean() if real else F.relu(1 + output).mean()
    else:  # cross_entropy over classes; the last class means "fake"
        flat = output.reshape(output.shape[0], -1)
        classes = flat.shape[1]
        if real:
            assert label is not None
            lab = label.reshape(label.shape[0], -1)
            target = torch.zeros_like(flat)
            target[:, : lab.shape[1]] = lab
        else:
            target = torch.zeros_like(flat)
            target[:, classes - 1] = 1
        value = F.cross_entropy(flat, target)
    return loss.weight * value


def _needed(gan: GAN, step: str) -> list[str]:
    """The calls the step's losses need, in dependency order."""
    calls = {c.name for c in gan.calls}
    need: set[str] = set()
    stack = [
        x
        for loss in gan.losses
        if loss.step == step
        for x in (loss.call, loss.reference)
        if x in calls
    ]
    while stack:
        c = stack.pop()
        if c not in need:
            need.add(c)
            stack.extend(v for v in gan.call(c).inputs.values() if v in calls)
    return [c for c in gan.call_order() if c in need]


def reference_iteration(
    gan: GAN,
    modules: dict[str, nn.Module],
    batch: int,
    *,
    options: IterationOptions | None = None,
    data: dict[str, Tensor] | None = None,
    optimizers: dict[str, torch.optim.Optimizer] | None = None,
    device: Any = None,
    lr: float = 2e-4,
) -> dict[str, float | Tensor]:
    """One alternating training iteration; returns the last D-step's and G-step's total
    loss (tensors).

    The iteration runs ``d_steps`` D-steps, then ``g_steps`` G-steps (the options' or the
    GAN's). ``modules`` maps network names to modules (e.g. :func:`build_gan_modules`);
    ``data`` supplies the GAN inputs of the first D-step and the first G-step (default:
    :func:`sample_inputs` on the modules' device, with fresh latent vectors for the G-step);
    every further step samples its own batch. With ``stale_d_weights`` the G-steps use the
    discriminators' weights from before the last D-step's update; with
    ``g_step_latent="reuse"`` the first G-step reuses the last D-step's fakes. A feature
    matching loss reads its layer's output through a forward hook on the submodule of that
    name (the layers of :func:`build_module`). ``optimizers`` per network default to
    SGD(lr).
    """
    options = options or IterationOptions()
    if device is None:
        device = next(iter(modules.values())).parameters().__next__().device
    inputs = {i.name: i for i in gan.inputs}
    roles = {n.name: n.role for n in gan.networks}
    if optimizers is None:
        optimizers = {name: torch.optim.SGD(m.parameters(), lr=lr) for name, m in modules.items()}
    d_data = data if data is not None else sample_inputs(gan, batch, device=device)
    d_steps = options.d_steps or gan.d_steps
    g_steps = options.g_steps or gan.g_steps
    matched: dict[str, set[str]] = {}  # call -> layers a feature matching loss reads
    for loss in gan.losses:
        if loss.kind == "feature_matching":
            for c in (loss.call, loss.reference):
                matched.setdefault(c, set()).add(loss.layer)  # type: ignore[arg-type]
    feats: dict[tuple[str, str], Tensor] = {}

    def evaluate(c: str, module: nn.Module, call: Any) -> Tensor:
        handles = []
        for layer in matched.get(c, ()):

            def hook(m: nn.Module, args: Any, out: Tensor, key: tuple[str, str] = (c, layer)):
                feats[key] = out

            handles.append(module.get_submodule(layer).register_forward_hook(hook))
        try:
            return call()
        finally:
            for h in handles:
                h.remove()

    def run(
        step: str,
        values: dict[str, Tensor],
        reuse: dict[str, Tensor],
        params: dict[str, dict[str, Tensor]],
    ) -> Tensor:
        def value(ref: str, consumer_role: str | None) -> Tensor:
            v = values[ref]
            fake = ref not in inputs and roles[gan.call(ref).network] == "generator"
            if step == "D" and fake and consumer_role != "generator":
                return v.detach()  # fakes are detached where they leave G in the D-step
            return v

        for c in _needed(gan, step):
            if c in reuse:
                values[c] = reuse[c]
                continue
            call = gan.call(c)
            role = roles[call.network]
            args = {key: value(ref, role) for key, ref in call.inputs.items()}
            module = modules[call.network]
            if call.network in params:
                p = params[call.network]
                values[c] = evaluate(
                    c, module, lambda m=module, p=p, a=args: torch.func.functional_call(m, p, (), a)
                )
            else:
                values[c] = evaluate(c, module, lambda m=module, a=args: m(**a))
        total: Tensor | None = None
        for loss in gan.losses:
            if loss.step != step:
                continue
            lab = values[loss.label] if loss.label is not None else None
            if loss.kind == "feature_matching":
                key = (loss.call, loss.layer)
                out, ref = feats[key], feats[(loss.reference, loss.layer)]  # type: ignore[index]
            else:
                out = value(loss.call, None)
                ref = value(loss.reference, None) if loss.reference is not None else None
            term = loss_value(loss, out, ref, lab, step)
            total = term if total is None else total + term
        assert total is not None
        return total

    # D-steps
    d_values: dict[str, Tensor] = {}
    stale: dict[str, dict[str, Tensor]] = {}
    d_loss = g_loss = torch.zeros(())
    for k in range(d_steps):
        for name, m in modules.items():
            m.train()
            m.requires_grad_(True)
            if roles[name] == "discriminator":
                m.zero_grad(set_to_none=True)
        d_values = dict(d_data if k == 0 else sample_inputs(gan, batch, device=device))
        d_loss = run("D", d_values, {}, {})
        if options.stale_d_weights and k == d_steps - 1:
            stale = {
                name: {key: v.detach().clone() for key, v in m.state_dict().items()}
                for name, m in modules.items()
                if roles[name] == "discriminator"
            }
        d_loss.backward()
        for name in modules:
            if roles[name] == "discriminator":
                optimizers[name].step()
    # G-steps: discriminators frozen
    for k in range(g_steps):
        for name, m in modules.items():
            if roles[name] == "discriminator":
                m.requires_grad_(False)
            else:
                m.zero_grad(set_to_none=True)
        reuse = {}
        if k == 0:
            g_values = dict(d_data)
            if options.g_step_latent == "reuse":
                reuse = {
                    c: v
                    for c, v in d_values.items()
                    if c not in inputs and roles[gan.call(c).network] == "generator"
                }
            else:
                fresh = sample_inputs(gan, batch, device=device)
                g_values.update({n: v for n, v in fresh.items() if inputs[n].kind == "latent"})
        else:
            g_values = sample_inputs(gan, batch, device=device)
        g_loss = run("G", g_values, reuse, stale)
        g_loss.backward()
        for name in modules:
            if roles[name] == "generator":
                optimizers[name].step()
    for m in modules.values():
        m.requires_grad_(True)
    return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


def count_forward_flops(network: Any, batch: int, *, device: Any = "meta") -> int:
    """FlopCounterMode's count of one forward pass of ``network``'s module on ``batch``."""
    from torch.utils.flop_counter import FlopCounterMode

    module = build_module(network, device=device)
    args = [torch.randn(batch, *i.shape, device=device) for i in network.inputs]
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(*args)
    return counter.get_total_flops()


def count_iteration_flops(
    gan: GAN, batch: int, *, options: IterationOptions | None = None, device: Any = "meta"
) -> int:
    """FlopCounterMode's count of :func:`reference_iteration` on modules built from ``gan``."""
    from torch.utils.flop_counter import FlopCounterMode

    modules = build_gan_modules(gan, device=device)
    counter = FlopCounterMode(display=False)
    with counter:
        reference_iteration(gan, modules, batch, options=options, device=device)
    return counter.get_total_flops()
