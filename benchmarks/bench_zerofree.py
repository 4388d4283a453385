"""Benchmark: zero-free transposed convolution against torch's native kernel and zero insertion.

The layers are the DCGAN generator's stride-2 transposed convolutions (Radford et al. 2016,
https://arxiv.org/abs/1511.06434; PyTorch DCGAN example): batch 64, channels
512 -> 256 -> 128 -> 64 -> 3, 4x4 -> 8x8 -> 16x16 -> 32x32 -> 64x64, kernel 4, stride 2,
padding 1. For each layer, forward and forward+backward (input, weight and bias gradients)
are timed for

- ``ours``: :func:`lergan.zerofree.conv_transpose` (ZFDR; the formulation it picks is shown);
- ``native``: ``torch.nn.functional.conv_transpose2d``;
- ``zeroins``: naive zero insertion: zeros inserted between input pixels, padded by
  ``k - 1 - p``, dense ``conv2d`` with the flipped kernel (autograd for the backward).

Timings are medians over repeats, the methods interleaved within each repeat so that load
from other processes hits them alike (the fastest repeat's ratio is printed too: on a shared
2-core machine every parallel region of a call may wait for a descheduled thread, which
penalises formulations made of several calls more than torch's single kernel). GFLOP/s
count each method's own executed MACs (x2), measured with
``torch.utils.flop_counter.FlopCounterMode``; the machine's float32 matrix multiply GFLOP/s
is measured alongside. Run: ``python benchmarks/bench_zerofree.py``
(``--json`` for data, ``--threads``, ``--repeats``, ``--batch``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from lergan.zerofree import conv_transpose
from lergan.zerofree.ops import chosen_formulation

LAYERS = [(512, 256, 4), (256, 128, 8), (128, 64, 16), (64, 3, 32)]  # (c_in, c_out, size in)
K, S, P = 4, 2, 1


def zero_insert_conv_transpose(x, w, b, stride, padding):
    """Transposed convolution by explicit zero insertion and a dense convolution."""
    n, c, h, wd = x.shape
    k = w.shape[-1]
    z = x.new_zeros(n, c, (h - 1) * stride + 1, (wd - 1) * stride + 1)
    z[:, :, ::stride, ::stride] = x
    z = F.pad(z, [k - 1 - padding] * 4)
    return F.conv2d(z, w.flip(-1, -2).transpose(0, 1), b)


METHODS: dict[str, Callable] = {
    "ours": lambda x, w, b: conv_transpose(x, w, b, S, P),
    "native": lambda x, w, b: F.conv_transpose2d(x, w, b, S, P),
    "zeroins": lambda x, w, b: zero_insert_conv_transpose(x, w, b, S, P),
}


def _tensors(batch: int, cin: int, cout: int, size: int, grad: bool):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, cin, size, size, generator=g, requires_grad=grad)
    w = (torch.randn(cin, cout, K, K, generator=g) * 0.02).requires_grad_(grad)
    b = torch.zeros(cout, requires_grad=grad)
    gy = torch.randn(batch, cout, 2 * size, 2 * size, generator=g)
    return x, w, b, gy


def _run(fn, x, w, b, gy, backward: bool) -> None:
    if backward:
        x.grad = w.grad = b.grad = None
        fn(x, w, b).backward(gy)
    else:
        with torch.no_grad():
            fn(x, w, b)


def _macs(fn, x, w, b, gy, backward: bool) -> int:
    with FlopCounterMode(display=False) as fc:
        _run(fn, x, w, b, gy, backward)
    return fc.get_total_flops() // 2


def matmul_gflops(repeats: int, n: int = 2048) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times) / 1e9


def bench(batch: int, repeats: int) -> dict:
    rows = []
    for cin, cout, size in LAYERS:
        for backward in (False, True):
            x, w, b, gy = _tensors(batch, cin, cout, size, backward)
            macs = {m: _macs(f, x, w, b, gy, backward) for m, f in METHODS.items()}
            for f in METHODS.values():  # warm-up
                _run(f, x, w, b, gy, backward)
            times: dict[str, list[float]] = {m: [] for m in METHODS}
            for _ in range(repeats):
                for m, f in METHODS.items():
                    t = time.perf_counter()
                    _run(f, x, w, b, gy, backward)
                    times[m].append(time.perf_counter() - t)
            med = {m: statistics.median(v) for m, v in times.items()}
            best = {m: min(v) for m, v in times.items()}
            rows.append(
                {
                    "layer": f"{cin}->{cout} {size}x{size}->{2 * size}x{2 * size}",
                    "pass": "fwd+bwd" if backward else "fwd",
                    "formulation": chosen_formulation(x, w, S, P),
                    "time_s": med,
                    "min_time_s": best,
                    "macs": macs,
                    "gflops": {m: 2 * macs[m] / med[m] / 1e9 for m in METHODS},
                    "ours_over_native": med["ours"] / med["native"],
                    "zeroins_over_ours": med["zeroins"] / med["ours"],
                    "ours_over_native_min": best["ours"] / best["native"],
                }
            )
    summary = {}
    for p in ("fwd", "fwd+bwd"):
        sel = [r for r in rows if r["pass"] == p]
        summary[p] = {
            key: math.exp(statistics.fmean(math.log(r[key]) for r in sel))
            for key in ("ours_over_native", "zeroins_over_ours", "ours_over_native_min")
        }
    return {"rows": rows, "geomean": summary}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    result = bench(args.batch, args.repeats)
    result["matmul_gflops"] = matmul_gflops(args.repeats)
    result["threads"] = torch.get_num_threads()
    result["torch"] = torch.__version__
    result["batch"] = args.batch
    result["load_average_1min"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"torch {result['torch']}, {result['threads']} threads, batch {args.batch}, "
        f"median of {args.repeats}; float32 matmul {result['matmul_gflops']:.0f} GFLOP/s; "
        f"load average {result['load_average_1min']:.1f} on {os.cpu_count()} CPUs"
    )
    head = (
        f"{'layer':<24}{'pass':<9}{'formulation':<13}{'ours ms':>9}{'native ms':>10}"
        f"{'zeroins ms':>11}{'ours/nat':>9}{'zi/ours':>8}{'ours GF/s':>10}{'nat GF/s':>9}"
        f"{'zi GF/s':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in result["rows"]:
        t, gf = r["time_s"], r["gflops"]
        print(
            f"{r['layer']:<24}{r['pass']:<9}{r['formulation']:<13}{t['ours'] * 1e3:>9.1f}"
            f"{t['native'] * 1e3:>10.1f}{t['zeroins'] * 1e3:>11.1f}"
            f"{r['ours_over_native']:>9.2f}{r['zeroins_over_ours']:>8.2f}"
            f"{gf['ours']:>10.0f}{gf['native']:>9.0f}{gf['zeroins']:>8.0f}"
        )
    for p, s in result["geomean"].items():
        print(
            f"geometric mean {p:<8} ours/native {s['ours_over_native']:.2f}  "
            f"zeroins/ours {s['zeroins_over_ours']:.2f}  "
            f"(ours/native on the fastest repeat {s['ours_over_native_min']:.2f})"
        )


if __name__ == "__main__":
    main()
