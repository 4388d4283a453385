"""Golden results of the system simulation for a small GAN, so that any change is deliberate.

The figures in ``tests/golden/system_small_dcgan.json`` come from this module. After a
deliberate change of the model (or of a preset or the mapping), regenerate them with

    .venv/bin/python tests/system/golden.py --write

and say in the commit message which figures moved and why.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "system_small_dcgan.json"
ARCHS = ("lergan", "lergan-no-zfdr", "lergan-2d-bus", "lergan-2d-offchip", "prime")
BATCH = 8


def small_gan():
    """DCGAN at 16x16 with 8 base filters: every kind of layer, a few milliseconds."""
    from lergan.workload import suite

    return suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)


def figures() -> dict:
    """The golden figures: totals and breakdowns per architecture."""
    from lergan.system import simulate

    gan = small_gan()
    out = {}
    for arch in ARCHS:
        r = simulate(gan, arch, BATCH)
        out[arch] = {
            "time_s": r.time_s,
            "energy_j": r.energy_j,
            "area_mm2": r.area_mm2,
            "cells_written": r.cells_written,
            "bytes_between_banks": r.interconnect["bytes_sent"],
            "energy_by_pass": r.breakdown("pass", "energy"),
            "energy_by_component": r.breakdown("component", "energy"),
            "time_by_pass": r.breakdown("pass", "time"),
            "area_by_component": r.breakdown("component", "area"),
        }
    return out


if __name__ == "__main__":
    data = figures()
    if "--write" in sys.argv:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN}")
    else:
        print(json.dumps(data, indent=1, sort_keys=True))
