"""Train the frozen digit classifier whose features the digits FID uses.

Run once (2.5 CPU-minutes; 5 minutes wall on the shared 2-core machine); writes
src/lergan/emulate/data/digits_classifier.pt (about 80 kB):

    python scripts/train_digits_classifier.py

Trained on all 1797 digits with small shifts as augmentation (seeded), 60 epochs of Adam;
prints held-out accuracy of a first run on an 80/20 split before the final fit.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from lergan.emulate.digits import load
from lergan.emulate.fid import WEIGHTS, DigitClassifier

OUT = Path(__file__).resolve().parents[1] / "src" / "lergan" / "emulate" / "data" / WEIGHTS


def _shift(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    dx, dy = (int(v) for v in torch.randint(-1, 2, (2,), generator=g))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def fit(x: torch.Tensor, y: torch.Tensor, epochs: int = 60, seed: int = 0) -> DigitClassifier:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = DigitClassifier()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            loss = F.cross_entropy(net(_shift(x[idx], g)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def main() -> None:
    x, y = load("digits")
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(1))
    cut = int(0.8 * len(x))
    held = fit(x[perm[:cut]], y[perm[:cut]])
    with torch.no_grad():
        acc = (held(x[perm[cut:]]).argmax(1) == y[perm[cut:]]).float().mean()
    print(f"held-out accuracy (80/20 split): {acc:.3f}")
    net = fit(x, y)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
