"""Measured mode: time the real PyTorch training iteration of a suite GAN on the device at
hand (CPU included), to put beside the GPU model.

The iteration is :func:`lergan.workload.reference.reference_iteration` on the suite's
``nn.Module`` versions of the networks (:func:`lergan.workload.modules.build_gan_modules`),
with Adam per network (lr 2e-4, betas (0.5, 0.999): DCGAN's settings, Radford et al. 2016)
and the GAN's own D/G step schedule (``GAN.d_steps`` / ``g_steps``). Warm-up iterations run
first (allocator, cuDNN autotuning); then the median of ``repeats`` timed iterations, with the
device synchronised around each.
"""

from __future__ import annotations

import platform
import statistics
import time
from dataclasses import dataclass
from typing import Any

from lergan.baselines.data import BaselineError
from lergan.workload import suite


@dataclass(frozen=True)
class Measurement:
    """Wall-clock seconds of one training iteration on a device."""

    benchmark: str
    batch: int
    device: str
    device_name: str
    times_s: tuple[float, ...]
    threads: int

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    def to_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "batch": self.batch, "device": self.device,
                "device_name": self.device_name, "median_s": self.median_s,
                "times_s": list(self.times_s), "threads": self.threads}


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return platform.processor() or platform.machine() or "cpu"


def measure_iteration(benchmark: str, batch: int = 64, *, device: str | None = None,
                      repeats: int = 3, warmup: int = 1, seed: int = 0,
                      options: dict[str, Any] | None = None,
                      threads: int | None = None) -> Measurement:
    """Time ``repeats`` training iterations of ``benchmark`` at ``batch`` on ``device``
    (``options``: the benchmark's build options, e.g. ``{"image_size": 32}``; ``threads``:
    CPU threads torch may use, default its own; on a shared machine one thread avoids the
    spinning of oversubscribed OpenMP threads, which can cost 100x)."""
    import torch


    if benchmark not in suite.names():
        raise BaselineError(f"benchmark {benchmark!r}: not in the suite (known: "
                            f"{', '.join(suite.names())})")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise BaselineError(f"--measure batch {batch!r}: must be a positive integer")
    if repeats < 1 or warmup < 0:
        raise BaselineError("--repeats must be at least 1 and warm-up runs at least 0")
    device = device or default_device()
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BaselineError(f"device {device!r}: CUDA is not available here")
    if threads is not None and threads < 1:
        raise BaselineError(f"--threads {threads}: must be at least 1")
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _measure(benchmark, batch, device, repeats, warmup, seed, options)
    finally:
        torch.set_num_threads(before)


def _measure(benchmark: str, batch: int, device: str, repeats: int, warmup: int, seed: int,
             options: dict[str, Any] | None) -> Measurement:
    import torch

    from lergan.workload.modules import build_gan_modules
    from lergan.workload.reference import reference_iteration

    torch.manual_seed(seed)
    gan = suite.get(benchmark, **(options or {}))
    modules = {k: m.to(device) for k, m in build_gan_modules(gan).items()}
    optimisers = {k: torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999))
                  for k, m in modules.items()}

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    times = []
    for i in range(warmup + repeats):
        sync()
        t0 = time.perf_counter()
        try:
            reference_iteration(gan, modules, batch, optimizers=optimisers, device=device)
        except (RuntimeError, ValueError) as exc:  # e.g. batch norm on one sample
            raise BaselineError(f"benchmark {benchmark!r} at batch {batch}: PyTorch refused "
                                f"the training iteration on {device}: {exc}") from None
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return Measurement(benchmark, batch, device, device_name(device), tuple(times),
                       torch.get_num_threads())
