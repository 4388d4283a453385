"""Train a small DCGAN on the digits, on emulated crossbars or in floating point.

One iteration (``docs/architecture.md`` section 1): a D-step (G forward on
fresh z without gradients; D forward on real and fake samples; D error propagation and
weight gradients; D update) then a G-step (G forward on fresh z; D forward and error
propagation down to its input, with no D weight gradients; G error propagation and weight
gradients; G update). Losses: binary cross-entropy, the non-saturating G loss. The
optimiser (Adam, or SGD with momentum) steps float32 master weights; each emulated layer
then writes its new cell levels (:meth:`lergan.emulate.layers.EmulatedLayer.write_cells`).
In floating point (``emulated=False``) the transposed convolutions run through
``lergan.zerofree``'s zero-free ops.

Outputs in the run folder: ``checkpoint.pt`` (:mod:`lergan.emulate.checkpoint`),
``samples_XXXXXX.png`` grids of a fixed batch of z, ``metrics.json``
(:func:`metrics`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

from lergan.emulate import digits
from lergan.emulate.checkpoint import load_checkpoint, save_checkpoint
from lergan.emulate.config import EmulationError, crossbar_config
from lergan.emulate.crossbar import NonFiniteError
from lergan.emulate.fid import fid
from lergan.emulate.models import Discriminator, Generator, init_weights
from lergan.emulate.modules import convert, emulated_layers
from lergan.zerofree import convert as zerofree_convert

__all__ = ["TrainConfig", "train"]

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"


class TrainConfig(BaseModel):
    """What a training run is (frozen; stored in its checkpoint and metrics)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str = "digits"
    arch: str = "lergan"
    overrides: dict[str, Any] = Field(default_factory=dict)
    policy: Literal["lossless", "truncate"] | None = None
    emulated: bool = True
    iters: int = Field(default=500, ge=1)
    batch: int = Field(default=64, ge=2)
    lr: float = Field(default=2e-4, gt=0)
    beta1: float = Field(default=0.5, ge=0, lt=1)
    optimiser: Literal["adam", "sgd"] = "adam"
    z_dim: int = Field(default=16, ge=1)
    width: int = Field(default=16, ge=1)
    weight_range: float = Field(default=4.0, gt=0)
    programming_noise: float = Field(default=0.0, ge=0)
    read_noise: float = Field(default=0.0, ge=0)
    stuck_fraction: float = Field(default=0.0, ge=0, le=1)
    seed: int = 0
    sample_every: int = Field(default=100, ge=1)
    fid_every: int = Field(default=100, ge=1)
    fid_samples: int = Field(default=1000, ge=10)
    checkpoint_every: int = Field(default=50, ge=1)
    #: torch CPU threads (1 by default: these layers are too small to gain from more, and
    #: on a shared machine a second thread that waits for a core slows each op many-fold)
    threads: int = Field(default=1, ge=1)

    def resumable_with(self, other: TrainConfig) -> bool:
        """Same run except for its length and reporting cadence."""
        skip = set(_CADENCE)
        return self.model_dump(exclude=skip) == other.model_dump(exclude=skip)


_CADENCE = ("iters", "sample_every", "fid_every", "checkpoint_every", "threads")


def _build(cfg: TrainConfig) -> tuple[Any, Any, Any, Any]:
    from torch import nn


    torch.manual_seed(cfg.seed)
    g_init = torch.Generator().manual_seed(cfg.seed)
    G, D = Generator(cfg.z_dim, cfg.width), Discriminator(cfg.width)
    init_weights(G, g_init)
    init_weights(D, g_init)
    if cfg.emulated:
        xcfg = crossbar_config(cfg.arch, cfg.overrides, policy=cfg.policy,
                               programming_noise=cfg.programming_noise,
                               read_noise=cfg.read_noise, stuck_fraction=cfg.stuck_fraction,
                               seed=cfg.seed)
        convert(G, xcfg, prefix="G", weight_range=cfg.weight_range)
        convert(D, xcfg, prefix="D", weight_range=cfg.weight_range)
    else:
        zerofree_convert(G)

    def opt(m: nn.Module) -> torch.optim.Optimizer:
        if cfg.optimiser == "adam":
            return torch.optim.Adam(m.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
        return torch.optim.SGD(m.parameters(), lr=cfg.lr, momentum=cfg.beta1)

    return G, D, opt(G), opt(D)


def _layers(model: Any) -> list[Any]:
    return emulated_layers(model)


def _write(model: Any) -> None:
    for layer in _layers(model):
        layer.write_cells()


def _finite(*models: Any) -> bool:
    return all(bool(torch.isfinite(p).all()) for m in models for p in m.parameters())


def train(
    cfg: TrainConfig,
    out: Path,
    *,
    on_iteration: Callable[[int, dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """Train (or resume) the run in folder ``out``; returns the metrics also written to
    ``out/metrics.json``. A checkpoint of another run in ``out`` is refused; a run that
    diverges (NaN or inf) stops with :class:`EmulationError`, its last good checkpoint
    kept. ``on_iteration(i, losses)`` is called after each iteration (progress bars)."""
    torch.set_num_threads(cfg.threads)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data, _ = digits.load(cfg.dataset)
    G, D, opt_g, opt_d = _build(cfg)
    rng = torch.Generator().manual_seed(cfg.seed + 1)
    z_fixed = torch.randn(64, cfg.z_dim, generator=torch.Generator().manual_seed(12345))
    history: dict[str, list[Any]] = {"loss_D": [], "loss_G": [], "fid": []}
    start, elapsed = 0, 0.0
    ckpt = out / CHECKPOINT
    if ckpt.exists():
        state = load_checkpoint(ckpt)
        old = TrainConfig(**state["config"])
        if not old.resumable_with(cfg):
            raise EmulationError(
                f"--out {out}: holds a checkpoint of another run ({_diff(old, cfg)}); "
                "use a new folder or the same settings")
        start = _restore(state, G, D, opt_g, opt_d, rng)
        history = state["history"]
        elapsed = float(history.get("elapsed_s", [0.0])[-1]) if history.get("elapsed_s") else 0
    t0 = time.perf_counter()
    last_good = start
    for it in range(start, cfg.iters):
        try:
            ld, lg = _iteration(cfg, data, G, D, opt_g, opt_d, rng)
        except NonFiniteError:
            ld = lg = math.nan
        if not (math.isfinite(ld) and math.isfinite(lg) and _finite(G, D)):
            raise EmulationError(
                f"training diverged at iteration {it + 1} (loss_D={ld}, loss_G={lg}); "
                f"stopped; the last good checkpoint ({ckpt}, iteration {last_good}) is kept"
            )
        history["loss_D"].append(ld)
        history["loss_G"].append(lg)
        i = it + 1
        if i % cfg.sample_every == 0 or i == cfg.iters:
            _save_grid(G, z_fixed, out / f"samples_{i:06d}.png")
        if i % cfg.fid_every == 0 or i == cfg.iters:
            history["fid"].append([i, _fid(G, cfg, data, fid)])
        if i % cfg.checkpoint_every == 0 or i == cfg.iters:
            history["elapsed_s"] = [elapsed + time.perf_counter() - t0]
            save_checkpoint(ckpt, _state(cfg, i, G, D, opt_g, opt_d, rng, history))
            last_good = i
        if on_iteration is not None:
            on_iteration(i, {"loss_D": ld, "loss_G": lg})
    history["elapsed_s"] = [elapsed + time.perf_counter() - t0]
    result = metrics(cfg, G, D, history)
    (out / METRICS).write_text(json.dumps(result, indent=1))
    return result


def _iteration(cfg: TrainConfig, data: torch.Tensor, G: Any, D: Any, opt_g: Any, opt_d: Any,
               rng: torch.Generator) -> tuple[float, float]:
    """One D-step and one G-step; returns (loss_D, loss_G)."""
    import torch.nn.functional as F

    real_ones = torch.ones(cfg.batch, 1)
    zeros = torch.zeros(cfg.batch, 1)
    idx = torch.randint(0, len(data), (cfg.batch,), generator=rng)
    real = data[idx]
    # D-step
    with torch.no_grad():
        fake = G(torch.randn(cfg.batch, cfg.z_dim, generator=rng))
    D.requires_grad_(True)
    loss_d = (F.binary_cross_entropy_with_logits(D(real), real_ones)
              + F.binary_cross_entropy_with_logits(D(fake), zeros))
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    _write(D)
    # G-step: D propagates the error to its input, computes no weight gradient
    D.requires_grad_(False)
    fake = G(torch.randn(cfg.batch, cfg.z_dim, generator=rng))
    loss_g = F.binary_cross_entropy_with_logits(D(fake), real_ones)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    _write(G)
    return float(loss_d.detach()), float(loss_g.detach())


def _diff(a: TrainConfig, b: TrainConfig) -> str:
    da, db = a.model_dump(), b.model_dump()
    return ", ".join(f"{k}: {da[k]!r} there, {db[k]!r} here" for k in da
                     if da[k] != db[k] and k not in _CADENCE)


def _fid(G: Any, cfg: TrainConfig, data: torch.Tensor, fid: Any) -> float:
    g = torch.Generator().manual_seed(999)
    G.eval()
    with torch.no_grad():
        fake = torch.cat([G(torch.randn(min(256, cfg.fid_samples - i), cfg.z_dim, generator=g))
                          for i in range(0, cfg.fid_samples, 256)])
    G.train()
    return fid(fake, data)


def _save_grid(G: Any, z: torch.Tensor, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    G.eval()
    with torch.no_grad():
        img = G(z).clamp(-1, 1)
    G.train()
    n = int(math.sqrt(len(img)))
    grid = torch.ones(n * 9 + 1, n * 9 + 1)
    for k in range(n * n):
        r, c = divmod(k, n)
        grid[1 + 9 * r : 9 + 9 * r, 1 + 9 * c : 9 + 9 * c] = (img[k, 0] + 1) / 2
    tmp = path.with_suffix(".tmp.png")
    big = grid.repeat_interleave(4, 0).repeat_interleave(4, 1)  # 4 x 4 screen pixels each
    plt.imsave(tmp, big.numpy(), cmap="gray", vmin=0, vmax=1)
    tmp.replace(path)


def _state(cfg: TrainConfig, i: int, G: Any, D: Any, opt_g: Any, opt_d: Any,
           rng: torch.Generator, history: dict[str, Any]) -> dict[str, Any]:
    return {
        "config": cfg.model_dump(mode="json"),
        "iteration": i,
        "G": G.state_dict(),
        "D": D.state_dict(),
        "opt_G": opt_g.state_dict(),
        "opt_D": opt_d.state_dict(),
        "rng": rng.get_state(),
        "emulators": {lay.name: lay.emulator_state() for m in (G, D) for lay in _layers(m)},
        "history": history,
    }


def _restore(state: dict[str, Any], G: Any, D: Any, opt_g: Any, opt_d: Any,
             rng: torch.Generator) -> int:
    try:
        G.load_state_dict(state["G"])
        D.load_state_dict(state["D"])
        opt_g.load_state_dict(state["opt_G"])
        opt_d.load_state_dict(state["opt_D"])
        rng.set_state(state["rng"])
        for m in (G, D):
            for lay in _layers(m):
                lay.load_emulator_state(state["emulators"][lay.name])
    except (KeyError, RuntimeError, ValueError, TypeError) as e:
        raise EmulationError(f"checkpoint: does not fit this run ({e}), refused") from None
    return int(state["iteration"])


def metrics(cfg: TrainConfig, G: Any, D: Any, history: dict[str, Any]) -> dict[str, Any]:
    """The run's figures: ``iterations``, final ``fid``, ``cell_writes`` and
    ``cell_writes_skipped`` (update writes of every emulated layer: forward arrays and
    transposed copies; ``None`` in floating point), ``gradient_operand_writes`` (cells
    programmed by crossbar weight gradients), per-layer ``layers`` statistics (what
    :func:`lergan.emulate.write_stats.write_fractions` reads), and the curves."""
    layers: dict[str, Any] = {}
    written = skipped = grad = 0
    for m in (G, D):
        for lay in _layers(m):
            c = lay.counts
            tiers = [t for t in ("forward", "transposed_copy") if t in c.written]
            w = sum(c.written[t] for t in tiers)
            s = sum(c.skipped[t] for t in tiers)
            layers[lay.name] = {
                "kind": lay.kind,
                "updates": c.updates,
                "cells": lay.cells_per_update(),
                "written": {t: c.written[t] for t in tiers},
                "skipped": {t: c.skipped[t] for t in tiers},
                "fraction_written": w / (w + s) if w + s else None,
                "gradient_operand_writes": c.written.get("gradient_operand", 0),
            }
            written, skipped = written + w, skipped + s
            grad += c.written.get("gradient_operand", 0)
    fids = history["fid"]
    return {
        "iterations": len(history["loss_D"]),
        "fid": fids[-1][1] if fids else None,
        "cell_writes": written if cfg.emulated else None,
        "cell_writes_skipped": skipped if cfg.emulated else None,
        "fraction_written": (written / (written + skipped)) if written + skipped else None,
        "gradient_operand_writes": grad if cfg.emulated else None,
        "elapsed_s": history.get("elapsed_s", [None])[-1],
        "config": cfg.model_dump(mode="json"),
        "layers": layers,
        "curves": {"loss_D": history["loss_D"], "loss_G": history["loss_G"],
                   "fid": fids},
    }
