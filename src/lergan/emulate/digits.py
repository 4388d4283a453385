"""The training data: scikit-learn's bundled handwritten digits (1797 images, 8 x 8, 17
grey levels; UCI optdigits test set, Alpaydin & Kaynak 1998), no download."""

from __future__ import annotations

import torch

__all__ = ["DATASETS", "load"]

DATASETS = ("digits",)


def load(name: str = "digits") -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)``: images ``(N, 1, 8, 8)`` float32 scaled from 0..16 to [-1, 1]."""
    from lergan.emulate.config import EmulationError

    if name not in DATASETS:
        raise EmulationError(f"--dataset: {name!r} is not one of {DATASETS}")
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 8.0 - 1.0
    return x, torch.tensor(d.target, dtype=torch.long)
