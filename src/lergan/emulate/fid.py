"""Fréchet distance of digit features (FID, Heusel et al., NeurIPS 2017), with a small
digit classifier trained once on the real digits and shipped frozen
(``data/digits_classifier.pt``; trained by ``scripts/train_digits_classifier.py``).

Features are the classifier's 32-wide penultimate layer; the distance between two sets
is ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))``, the trace of the square root taken
from the eigenvalues of ``S1^(1/2) S2 S1^(1/2)`` (symmetric, so ``eigh`` suffices).
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from importlib import resources

import numpy as np
import torch
from torch import nn

from lergan.emulate.config import EmulationError

__all__ = ["DigitClassifier", "classifier", "features", "fid", "frechet_distance"]

WEIGHTS = "digits_classifier.pt"


class DigitClassifier(nn.Sequential):
    """8x8 digit -> conv (16) -> conv stride 2 (32, 4x4) -> fc 32 (features) -> 10 classes."""

    FEATURES = 32

    def __init__(self) -> None:
        super().__init__(OrderedDict([
            ("conv1", nn.Conv2d(1, 16, 3, padding=1)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(16, 32, 3, stride=2, padding=1)),
            ("relu2", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(32 * 16, self.FEATURES)),
            ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(self.FEATURES, 10)),
        ]))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations (``FEATURES`` wide)."""
        for m in list(self.children())[:-1]:
            x = m(x)
        return x


@lru_cache(maxsize=1)
def classifier() -> DigitClassifier:
    """The frozen classifier shipped with the package (eval mode, no gradients)."""
    net = DigitClassifier()
    path = resources.files("lergan.emulate") / "data" / WEIGHTS
    try:
        with resources.as_file(path) as p:
            state = torch.load(p, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    except (OSError, RuntimeError) as e:
        raise EmulationError(f"FID classifier {path}: cannot be loaded ({e}); rebuild it "
                             "with scripts/train_digits_classifier.py") from None
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def features(images: torch.Tensor) -> np.ndarray:
    """Classifier features of images ``(N, 1, 8, 8)`` in [-1, 1] (float64 numpy)."""
    with torch.no_grad():
        return classifier().features(images.float()).double().numpy()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a`` and ``b``."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def fid(fake: torch.Tensor, real: torch.Tensor) -> float:
    """FID of ``fake`` against ``real`` images (both ``(N, 1, 8, 8)`` in [-1, 1])."""
    return frechet_distance(features(fake), features(real))
