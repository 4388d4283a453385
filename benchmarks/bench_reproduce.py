"""Time ``lergan reproduce`` end to end (the issue asks for at most 60 s, plots included).

    .venv/bin/python benchmarks/bench_reproduce.py [--repeat 2] [--out DIR]

Each run is the command as a user types it, in a fresh Python process (import, every suite
GAN on every default architecture, anchors, scale points, figures, page), timed by wall
clock (``time.perf_counter``) around the subprocess; the script also prints the run's own
phase times from ``results.json`` and the machine's load average, which the shared
development machine's other users move.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", default=None, help="folder to write (default: a temporary one)")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-reproduce-")) / "repro"
    times = []
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lergan", "reproduce", "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        times.append(wall)
        meta = json.loads((out / "results.json").read_text())["meta"]
        print(f"run {i + 1}: {wall:.1f} s wall (inside the command: {meta['elapsed_s']} s; "
              f"{len(meta['benchmarks'])} GANs x {len(meta['architectures'])} architectures; "
              f"load average {load:.1f})")
    print(f"median {statistics.median(times):.1f} s, min {min(times):.1f} s, "
          f"max {max(times):.1f} s (target: at most 60 s)")


if __name__ == "__main__":
    main()
