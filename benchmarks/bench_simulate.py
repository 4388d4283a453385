"""Time one simulated training iteration per suite GAN (``lergan.system.simulate``).

    .venv/bin/python benchmarks/bench_simulate.py [--arch lergan] [--batch 64] [--repeat 21]

For each benchmark: the first call after import ("cold": builds the iteration graph and maps
and costs every operation, both memoised afterwards) and the median of ``--repeat`` further
calls ("warm": placement, interconnect, scheduling and accounting of the whole iteration,
what a sweep over interconnect, budget or scheduling options repeats). Wall-clock seconds
(``time.perf_counter``), whose spread (min .. max) shows the machine's load, and the median
CPU time of this process (``time.process_time``), which other processes disturb less.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="lergan")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--only", nargs="*", help="benchmark names (default: the whole suite)")
    args = ap.parse_args()

    from lergan.system import simulate
    from lergan.workload import suite

    names = args.only or suite.names()
    print(f"arch {args.arch}, batch {args.batch}, {args.repeat} warm runs each")
    print(f"{'benchmark':<10} {'tasks':>6} {'cold ms':>9} {'warm median ms':>15} "
          f"{'min..max ms':>15} {'cpu median ms':>14} {'simulated ms':>13}")
    for name in names:
        t0 = time.perf_counter()
        r = simulate(name, args.arch, args.batch)
        cold = time.perf_counter() - t0
        times, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            simulate(name, args.arch, args.batch)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        tasks = sum(1 for i in r.timeline if i.kind != "transfer")
        print(f"{name:<10} {tasks:>6} {cold * 1e3:>9.1f} {statistics.median(times) * 1e3:>15.1f} "
              f"{min(times) * 1e3:>7.1f}..{max(times) * 1e3:<7.1f} "
              f"{statistics.median(cpu) * 1e3:>14.1f} {r.time_s * 1e3:>13.3f}")


if __name__ == "__main__":
    main()
