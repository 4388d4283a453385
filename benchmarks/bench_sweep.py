"""Sweep throughput and memory: design points per second on 1 and 2 local Dask workers, and
peak RSS of the client and of each worker over a long sweep.

Every point is DCGAN on ``lergan`` at batch 64 with a fresh hardware description: the ADC
and DAC energies are drawn at random (log-uniform), so no preset, no mapping cost
and no result is reused from an earlier point. Points per second count the sweep itself
(results stored in SQLite as they arrive) on an already started cluster; the cluster's
start-up is reported apart.

    python benchmarks/bench_sweep.py --points 300 --workers 1 2      # throughput
    python benchmarks/bench_sweep.py --rss 10000 --workers 2          # memory (long)

``--rss N`` runs one N-point sweep and reports the peak RSS (``ru_maxrss``) of the client
(which also runs the local scheduler) and of each worker (and its current RSS) after 1,000
points and at the end (``--every K``: also every K points).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path


def _spec(points: int, seed: int):
    from lergan.explore.spec import load_spec

    return load_spec({
        "benchmarks": ["dcgan"], "architectures": ["lergan"], "batch": 64,
        "sample": {"method": "random", "points": points, "seed": seed, "parameters": {
            "adc.energy_j": {"range": ["0.5 pJ", "10 pJ"], "scale": "log"},
            "dac.energy_j": {"range": ["0.1 pJ", "10 pJ"], "scale": "log"},
        }},
    })


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def throughput(points: int, workers: int, seed: int) -> dict:
    from lergan.explore.execute import dask_client
    from lergan.explore.sweep import run_sweep

    spec = _spec(points, seed)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        with dask_client(workers) as client:
            t1 = time.perf_counter()
            c0 = time.process_time()
            w0 = client.run(time.process_time)
            s = run_sweep(spec, Path(d) / "r.db", client=client)
            w1 = client.run(time.process_time)
            t2 = time.perf_counter()
            c1 = time.process_time()
    assert s.ran == points and s.failed == 0, s
    worker_cpu = sum(w1[k] - w0[k] for k in w0)
    return {"workers": workers, "points": points, "startup_s": t1 - t0,
            "sweep_s": t2 - t1, "points_per_s": points / (t2 - t1),
            "client_cpu_ms_per_point": 1e3 * (c1 - c0) / points,
            "worker_cpu_ms_per_point": 1e3 * worker_cpu / points}


def memory(points: int, workers: int, seed: int, every: int = 0) -> list[dict]:
    from lergan.explore.execute import dask_client
    from lergan.explore.sweep import run_sweep

    spec = _spec(points, seed)
    marks = sorted({m for m in (1000, points, *range(every, points, every or points))
                    if m <= points})
    out: list[dict] = []
    done = 0

    def worker_peak() -> tuple[float, float]:
        import psutil

        return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                psutil.Process().memory_info().rss / 2**20)

    with tempfile.TemporaryDirectory() as d, dask_client(workers) as client:
        t0 = time.perf_counter()

        def progress(n: int) -> None:
            nonlocal done
            before, done = done, done + n
            for m in marks:
                if before < m <= done:
                    w = client.run(worker_peak)
                    out.append({"points": done, "elapsed_s": time.perf_counter() - t0,
                                "client_peak_mib": _peak_mib(),
                                "worker_peak_mib": sorted(v[0] for v in w.values()),
                                "worker_rss_mib": sorted(v[1] for v in w.values())})

        s = run_sweep(spec, Path(d) / "r.db", client=client, progress=progress)
        db_mib = (Path(d) / "r.db").stat().st_size / 2**20
    assert s.ran == points, s
    out[-1]["db_mib"] = db_mib
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=300)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rss", type=int, default=0, help="one long sweep of this many points")
    ap.add_argument("--every", type=int, default=0,
                    help="with --rss: also report every this many points")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.rss:
        for w in a.workers:
            for r in memory(a.rss, w, a.seed, a.every):
                print(f"workers={w} points={r['points']:>6} elapsed={r['elapsed_s']:7.1f} s "
                      f"client peak RSS={r['client_peak_mib']:6.1f} MiB worker peak RSS="
                      + ", ".join(f"{x:.1f}" for x in r["worker_peak_mib"]) + " MiB (now "
                      + ", ".join(f"{x:.1f}" for x in r["worker_rss_mib"]) + ")"
                      + (f" results file={r['db_mib']:.1f} MiB" if "db_mib" in r else ""))
        return
    for w in a.workers:
        r = throughput(a.points, w, a.seed + w)
        print(f"workers={w} points={r['points']} start-up={r['startup_s']:.1f} s "
              f"sweep={r['sweep_s']:.1f} s -> {r['points_per_s']:.1f} points/s "
              f"(CPU per point: workers {r['worker_cpu_ms_per_point']:.1f} ms, client "
              f"{r['client_cpu_ms_per_point']:.1f} ms)")


if __name__ == "__main__":
    main()
