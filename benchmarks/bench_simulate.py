"""Time one simulated training iteration per suite GAN (``lergan.system.simulate``).

    .venv/bin/python benchmarks/bench_simulate.py [--arch lergan] [--batch 64] [--repeat 21]

For each benchmark: the first call after import ("cold": builds the iteration graph and maps
and costs every operation, both memoised afterwards); the median of ``--repeat`` further
calls ("warm": placement, interconnect, scheduling and accounting of the whole iteration,
what a sweep over interconnect, budget or scheduling options repeats); and the median of
``--repeat`` calls on new hardware (the graph memoised, each call with an override not
given before, so a new Architecture object whose operations are costed afresh, as in a
sweep over hardware values): ``new-hw energy`` sets ``technology.leakage_fraction`` (what
the mapping reads is unchanged, as with another ADC or other energies), ``new-hw geometry``
also sets ``crossbar.rows`` (127, 126, ...: every operation is mapped afresh too). Wall-clock
seconds (``time.perf_counter``), whose spread (min .. max) shows the machine's load, and CPU
time of this process (``time.process_time``), which other processes disturb less. The
header says whether the engine runs compiled (``lergan.compiled``); ``LERGAN_PURE_PYTHON=1``
times the Python sources.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable


def timed(call: Callable[[dict | None], object], overrides: list[dict | None]
          ) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``call`` with each of ``overrides``."""
    wall, cpu = [], []
    for over in overrides:
        t0, c0 = time.perf_counter(), time.process_time()
        call(over)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="lergan")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--only", nargs="*", help="benchmark names (default: the whole suite)")
    args = ap.parse_args()

    from lergan import compiled
    from lergan.system import simulate
    from lergan.workload import suite

    names = args.only or suite.names()
    fresh = iter(range(1, 1_000_000))  # a leakage fraction never given before, per call
    print(f"arch {args.arch}, batch {args.batch}, {args.repeat} runs each; ms, medians "
          f"(wall min..max); {compiled.summary()} (LERGAN_PURE_PYTHON=1: Python)")
    print(f"{'':<10} {'':>5} {'':>6} {'warm':^26} {'new-hw energy':^13} "
          f"{'new-hw geometry':^15}")
    print(f"{'benchmark':<10} {'tasks':>5} {'cold':>6} {'wall':>6} {'min..max':>13} "
          f"{'cpu':>5} {'wall':>6} {'cpu':>6} {'wall':>7} {'cpu':>7} {'simulated':>9}")
    for name in names:
        t0 = time.perf_counter()
        r = simulate(name, args.arch, args.batch)
        cold = time.perf_counter() - t0
        def call(over: dict | None, name: str = name) -> object:
            return simulate(name, args.arch, args.batch, overrides=over)

        wall, cpu = timed(call, [None] * args.repeat)
        e_wall, e_cpu = timed(call, [
            {"technology.leakage_fraction": 0.1 + next(fresh) * 1e-6}
            for _ in range(args.repeat)])
        g_wall, g_cpu = timed(call, [
            {"crossbar.rows": 127 - i % 64,
             "technology.leakage_fraction": 0.1 + next(fresh) * 1e-6}
            for i in range(args.repeat)])
        tasks = sum(1 for i in r.timeline if i.kind != "transfer")
        med = statistics.median
        print(f"{name:<10} {tasks:>5} {cold * 1e3:>6.1f} {med(wall) * 1e3:>6.1f} "
              f"{min(wall) * 1e3:>6.1f}..{max(wall) * 1e3:<6.1f}"
              f"{med(cpu) * 1e3:>5.1f} {med(e_wall) * 1e3:>6.1f} {med(e_cpu) * 1e3:>6.1f} "
              f"{med(g_wall) * 1e3:>7.1f} {med(g_cpu) * 1e3:>7.1f} {r.time_s * 1e3:>9.3f}")


if __name__ == "__main__":
    main()
