"""Call ``lergan.system.simulate`` N times, for instruction counts under callgrind.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
        python benchmarks/simulate_calls.py discogan 11

Run it with N = 1 and N = 11 and divide the difference of callgrind's "Collected" totals
by 10: the instructions of one warm call (docs/dev/speed.md). With ``--placement``, one
``simulate`` call records the operations and chip it places, then
``lergan.system.placement.place`` runs N more times on them: compare N = 0 and N = 10 for
the instructions of one placement.
"""

from __future__ import annotations

import argparse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmark")
    ap.add_argument("calls", type=int)
    ap.add_argument("--arch", default="lergan")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--placement", action="store_true",
                    help="time place() alone, on the operations of one simulate call")
    args = ap.parse_args()

    import lergan.system.engine as engine
    from lergan.system import simulate

    if not args.placement:
        for _ in range(args.calls):
            simulate(args.benchmark, args.arch, args.batch)
        return
    place = engine.place
    seen = []

    def recording(*a, **k):
        seen.append((a, k))
        return place(*a, **k)

    engine.place = recording
    simulate(args.benchmark, args.arch, args.batch)
    engine.place = place
    a, k = seen[-1]
    for _ in range(args.calls):
        place(*a, **k)


if __name__ == "__main__":
    main()
