"""The training data: scikit-learn's bundled handwritten digits (1797 images, 8 x 8, 17
grey levels; UCI optdigits test set, Alpaydin & Kaynak 1998), no download."""

from __future__ import annotations

from pathlib import Path

import torch

from lergan.emulate.config import EmulationError

__all__ = ["DATASETS", "load"]

DATASETS = ("digits",)


def load(name: str = "digits") -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)``: images ``(N, 1, 8, 8)`` float32 scaled from 0..16 to [-1, 1]."""
    if name not in DATASETS:
        raise EmulationError(f"--dataset: {name!r} is not one of {DATASETS}")
    return _digits()


def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    """Read scikit-learn's bundled ``datasets/data/digits.csv.gz`` (what
    ``sklearn.datasets.load_digits`` reads: 64 pixel columns and the label) without
    importing scikit-learn, whose import takes seconds."""
    from importlib.util import find_spec

    import numpy as np


    spec = find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise EmulationError("--dataset digits: needs scikit-learn (pip install scikit-learn)")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    table = np.loadtxt(path / "digits.csv.gz", delimiter=",", dtype=np.float32)
    x = torch.from_numpy(table[:, :64].reshape(-1, 1, 8, 8).copy()) / 8.0 - 1.0
    return x, torch.from_numpy(table[:, 64].astype(np.int64))
