"""Speed of the crossbar emulation (``lergan.emulate``), against the issue's targets.

    .venv/bin/python benchmarks/bench_emulate.py [--repeat 5] [--batch 64] [--dcgan-batch 8]

1. **Iteration**: one training iteration (D-step + G-step) of the digits DCGAN
   (``lergan train``'s networks, batch ``--batch``) in floating point, emulated with
   lossless converters (the fast path: one product of the quantised operands per pass),
   and emulated faithfully (``prime-inference``: 6-bit truncating
   ADC; ``lergan``: its preset, a 6-bit
   ADC on 256-row tiles, 16-bit operands). Target: fast path <= 2x float.
2. **Faithful path against its inherent products**: ``column_sums`` (every read cycle x
   slice x row tile converted, shift-and-add) against the batched products alone, of the
   same shapes, on the same operands (target <= 1.5x).
3. **lergan.zerofree against torch**: forward + backward of DCGAN's transposed
   convolutions (``--dcgan-batch``), ``lergan.zerofree.conv_transpose`` against
   ``torch.nn.functional.conv_transpose2d`` (target <= 1.25x; not this package's code).

Runs interleave the variants (A B A B ...) and report medians of CPU time
(``time.process_time``, one torch thread), which the shared machine's load disturbs less
than wall time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable


def _median_cpu(fns: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    for f in fns.values():  # warm up
        f()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            c0 = time.process_time()
            f()
            times[k].append(time.process_time() - c0)
    return {k: statistics.median(v) for k, v in times.items()}


def iteration(batch: int, repeat: int) -> None:
    import torch

    from lergan.emulate.digits import load
    from lergan.emulate.training import TrainConfig, _build, _iteration

    data, _ = load("digits")
    runs = {
        "float": TrainConfig(emulated=False, batch=batch),
        "lossless (fast path)": TrainConfig(arch="lergan", batch=batch, policy="lossless",
                                            overrides={"adc.bits": 15}),
        "prime-inference (faithful)": TrainConfig(arch="prime-inference", batch=batch),
        "lergan (faithful)": TrainConfig(arch="lergan", batch=batch),
    }
    fns = {}
    for name, cfg in runs.items():
        G, D, og, od = _build(cfg)
        rng = torch.Generator().manual_seed(0)
        fns[name] = (lambda c=cfg, g=G, d=D, a=og, b=od, r=rng:
                     _iteration(c, data, g, d, a, b, r))
    t = _median_cpu(fns, repeat)
    print(f"1. one iteration of the digits DCGAN, batch {batch} (median CPU s of {repeat})")
    for name, v in t.items():
        print(f"   {name:<22} {v:8.4f} s  {v / t['float']:6.2f}x float")


def faithful_vs_products(repeat: int) -> None:
    import torch

    from lergan.emulate.config import crossbar_config
    from lergan.emulate.crossbar import CrossbarArray, column_sums, input_planes

    print("2. faithful path against the products it needs (median CPU s)")
    for preset, m, k, n in (("lergan", 4096, 512, 64), ("prime-inference", 4096, 512, 64),
                            ("isaac", 1024, 1152, 128)):
        cfg = crossbar_config(preset)
        g = torch.Generator().manual_seed(0)
        top = 2 ** (cfg.input_bits - 1) - 1
        x = torch.randint(-top, top, (m, k), generator=g).double()
        wt = cfg.max_weight_level
        arr = CrossbarArray.program(torch.randint(-wt, wt, (k, n), generator=g).double(), cfg)
        cells = arr.cells.unsqueeze(0)
        a_n, s_n = arr.cells.shape[:2]

        def faithful(x=x, arr=arr, cfg=cfg) -> None:
            column_sums(x, arr.cells, cfg, cfg.input_bits, cfg.rows)

        planes = input_planes(x, cfg.input_bits, cfg.dac_bits).unsqueeze(1)
        p_n = planes.shape[0]
        operands = []
        for t0 in range(0, k, cfg.rows):
            t1 = min(k, t0 + cfg.rows)
            gt = cells[:, :, :, t0:t1].permute(0, 3, 1, 2, 4).reshape(1, t1 - t0, -1)
            xp = planes[:, :, :, t0:t1].transpose(0, 1).reshape(1, p_n * m, t1 - t0)
            operands.append((xp.contiguous(), gt.contiguous()))

        def products(operands=operands) -> None:  # the same products, operands prepared
            for xp, gt in operands:
                torch.bmm(xp, gt)

        t = _median_cpu({"faithful": faithful, "products": products}, repeat)
        mults = (-(-cfg.input_bits // cfg.dac_bits)) * s_n * a_n * -(-k // cfg.rows)
        print(f"   {preset:<7} {m}x{k} @ {k}x{n}: {mults} cycle x slice x array x tile "
              f"products; faithful {t['faithful']:.4f} s, products alone "
              f"{t['products']:.4f} s: {t['faithful'] / t['products']:.2f}x")


def zerofree_vs_torch(batch: int, repeat: int) -> None:
    import torch
    import torch.nn.functional as F

    from lergan.zerofree import conv_transpose

    print(f"3. DCGAN generator layers, forward + backward, batch {batch} (median CPU s)")
    layers = [(512, 256, 4), (256, 128, 8), (128, 64, 16), (64, 3, 32)]
    for cin, cout, size in layers:
        x = torch.randn(batch, cin, size, size, requires_grad=True)
        w = (torch.randn(cin, cout, 4, 4) * 0.02).requires_grad_()

        def run(op, x=x, w=w) -> None:
            y = op(x, w, None, 2, 1)
            y.backward(torch.ones_like(y))

        t = _median_cpu({"torch": lambda: run(F.conv_transpose2d),
                         "zerofree": lambda: run(conv_transpose)}, repeat)
        print(f"   {cin:>3}->{cout:<3} {size:>2}x{size:<2}: torch {t['torch']:.4f} s, "
              f"zerofree {t['zerofree']:.4f} s: {t['zerofree'] / t['torch']:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--dcgan-batch", type=int, default=8)
    ap.add_argument("--only", nargs="*", type=int, help="sections (1 2 3)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    only = set(args.only or (1, 2, 3))
    if 1 in only:
        iteration(args.batch, args.repeat)
    if 2 in only:
        faithful_vs_products(args.repeat)
    if 3 in only:
        zerofree_vs_torch(args.dcgan_batch, args.repeat)


if __name__ == "__main__":
    main()
