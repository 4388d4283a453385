"""Call ``lergan.system.simulate`` N times, for instruction counts under callgrind.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
        python benchmarks/simulate_calls.py discogan 11

Run it with N = 1 and N = 11 and divide the difference of callgrind's "Collected" totals
by 10: the instructions of one warm call (docs/dev/speed.md).
"""

from __future__ import annotations

import argparse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmark")
    ap.add_argument("calls", type=int)
    ap.add_argument("--arch", default="lergan")
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()

    from lergan.system import simulate

    for _ in range(args.calls):
        simulate(args.benchmark, args.arch, args.batch)


if __name__ == "__main__":
    main()
