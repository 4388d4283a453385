"""Does more of a resource ever make an iteration slower? Random pairs of configurations.

Each sample draws a suite GAN, a small batch (1-8), an architecture (``lergan``, ``prime``,
``lergan-2d-bus``, ``lergan-2d-offchip``), a mapping mode and one resource, and simulates
the iteration twice: with less and with more of that resource, everything else equal.
Resources: ``crossbar_budget``, ``organisation.mats_per_bank``,
``organisation.capacity_bytes`` (crossbars) and the bandwidth of a link the topology uses
(``interconnect.links.{bank_link,internal_bus,offchip}.bandwidth_bytes_per_s``). Every
pair where more is slower is printed with its ratio (time with more / time with less)
and the command lines that show it; configurations the model refuses (too small to hold a
network) are skipped and counted.

    python benchmarks/monotonicity.py --samples 200 --seed 0
    python benchmarks/monotonicity.py --examples          # the issue's three pairs only
    python benchmarks/monotonicity.py --knob link_bandwidth --samples 300

``--json PATH`` writes every pair. Exit status 0 either way: this measures, it asserts
nothing (the guarantees are tested in ``tests/system/test_monotone.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass

ARCHS = ("lergan", "prime", "lergan-2d-bus", "lergan-2d-offchip")
MODES = (None, "zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern", "auto")
KNOBS = ("crossbar_budget", "organisation.mats_per_bank", "organisation.capacity_bytes",
         "link_bandwidth")
#: links whose bandwidth a topology's transfers use
TOPOLOGY_LINKS = {"3d": ("bank_link", "offchip"), "2d-bus": ("internal_bus", "offchip"),
                  "2d-offchip": ("internal_bus", "offchip")}
TOPOLOGY = {"lergan": "3d", "prime": "3d", "lergan-2d-bus": "2d-bus",
            "lergan-2d-offchip": "2d-offchip"}

#: the issue's examples (issue 9, item 7): (gan, arch, batch, options, overrides) less, more
EXAMPLES = (
    ("dcgan", "lergan", 64, {"crossbar_budget": 3840}, {}, {"crossbar_budget": 4096}, {}),
    ("cgan", "prime", 64, {}, {"organisation.mats_per_bank": 256}, {},
     {"organisation.mats_per_bank": 512}),
    ("magan", "prime", 1, {"mode": "zfdr-phase", "crossbar_budget": 1024}, {},
     {"mode": "zfdr-phase", "crossbar_budget": 2048}, {}),
)


@dataclass
class Pair:
    """One comparison: the configuration, the resource and its two values, both times."""

    gan: str
    arch: str
    batch: int
    mode: str | None
    knob: str
    less: float
    more: float
    time_less_s: float
    time_more_s: float
    options: dict
    overrides: dict

    @property
    def ratio(self) -> float:
        return self.time_more_s / self.time_less_s if self.time_less_s > 0 else 1.0

    def command(self, which: str) -> str:
        """The ``lergan simulate`` command line of one side of the pair."""
        value = self.less if which == "less" else self.more
        opts, over = dict(self.options), dict(self.overrides)
        if self.knob == "crossbar_budget":
            opts["crossbar_budget"] = int(value)
        else:
            over[self.knob] = value
        parts = [f"lergan simulate {self.gan} --arch {self.arch} --batch {self.batch}"]
        parts += [f"--set {k}={v}" for k, v in opts.items()]
        parts += [f"--set {k}={_text(k, v)}" for k, v in over.items()]
        return " ".join(parts)


def _text(key: str, v: object) -> str:
    """An override's value as ``--set`` takes it (bytes in MiB, bandwidths in GB/s)."""
    if key.endswith("capacity_bytes"):
        return f'"{float(v) / (1 << 20):g} MiB"'
    if key.endswith("bandwidth_bytes_per_s"):
        return f'"{float(v) / 1e9:g} GB/s"'
    return str(v)


def _time(gan, arch, batch, options, overrides) -> float:
    from lergan.system import simulate

    return simulate(gan, arch, batch, overrides=overrides or None,
                    options=options or None).time_s


def _total_crossbars(arch: str) -> int:
    from lergan.hardware import load_preset

    return load_preset(arch).organisation.crossbars


def draw(rng: random.Random, suite_names: list[str],
         knobs: tuple[str, ...] = KNOBS) -> tuple:
    """One random pair: (gan, arch, batch, mode, knob, less, more, options, overrides)."""
    gan = rng.choice(suite_names)
    arch = rng.choice(ARCHS)
    batch = rng.randint(1, 8)
    mode = rng.choice(MODES)
    knob = rng.choice(knobs)
    opts: dict = {} if mode is None else {"mode": mode}
    over: dict = {}
    factor = rng.choice((1.0625, 1.125, 1.25, 1.5, 2.0, 4.0))
    if knob == "crossbar_budget":
        total = _total_crossbars(arch)
        less = round(math.exp(rng.uniform(math.log(48), math.log(total))))
        more = min(total, max(less + 1, round(less * factor)))
        if less >= total:
            less, more = total - max(1, total // 8), total
    elif knob == "organisation.mats_per_bank":
        less = round(math.exp(rng.uniform(math.log(16), math.log(4096))))
        more = max(less + 1, round(less * factor))
    elif knob == "organisation.capacity_bytes":
        less = float(2 ** rng.uniform(math.log2(24 << 20), math.log2(16 << 30)))
        less = float(round(less / (1 << 20)) << 20)  # whole MiB
        more = float(round(less * factor / (1 << 20)) << 20)
    else:
        link = rng.choice(TOPOLOGY_LINKS[TOPOLOGY[arch]])
        knob = f"interconnect.links.{link}.bandwidth_bytes_per_s"
        less = float(round(2 ** rng.uniform(0, 7), 3)) * 1e9  # 1 to 128 GB/s
        more = less * factor
    return gan, arch, batch, mode, knob, less, more, opts, over


def run_pair(gan, arch, batch, mode, knob, less, more, opts, over) -> Pair:
    def t(value):
        o, v = dict(opts), dict(over)
        if knob == "crossbar_budget":
            o["crossbar_budget"] = int(value)
        else:
            v[knob] = value
        return _time(gan, arch, batch, o, v)

    return Pair(gan, arch, batch, mode, knob, less, more, t(less), t(more), opts, over)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--examples", action="store_true", help="only the issue's three pairs")
    ap.add_argument("--knob", choices=KNOBS, action="append",
                    help="only this resource (repeatable; default: all four)")
    ap.add_argument("--json", help="write every pair (and its ratio) to this file")
    ap.add_argument("--tol", type=float, default=1e-9,
                    help="relative slack below which a slower time is not counted")
    args = ap.parse_args()

    from lergan.errors import LerganError
    from lergan.workload import suite

    t0 = time.perf_counter()
    print("the issue's examples (time with less, with more):")
    for gan, arch, batch, o1, v1, o2, v2 in EXAMPLES:
        a, b = _time(gan, arch, batch, o1, v1), _time(gan, arch, batch, o2, v2)
        flag = "SLOWER" if b > a * (1 + args.tol) else "ok"
        print(f"  {gan} {arch} batch {batch} {o1 | v1} -> {o2 | v2}: "
              f"{a * 1e3:.3f} ms, {b * 1e3:.3f} ms ({b / a:.4f}) {flag}")
    if args.examples:
        return
    rng = random.Random(args.seed)
    names = list(suite.names())
    pairs: list[Pair] = []
    refused = 0
    for _ in range(args.samples):
        cfg = draw(rng, names, tuple(args.knob or KNOBS))
        try:
            pairs.append(run_pair(*cfg))
        except LerganError:
            refused += 1
    bad = sorted((p for p in pairs if p.ratio > 1 + args.tol), key=lambda p: -p.ratio)
    print(f"\n{len(pairs)} pairs simulated ({refused} refused: a configuration too small), "
          f"seed {args.seed}, {time.perf_counter() - t0:.0f} s")
    by: dict[str, list[int]] = {}
    for p in pairs:
        k = f"{TOPOLOGY[p.arch]} / {p.knob.split('.')[-2] if 'links' in p.knob else p.knob}"
        c = by.setdefault(k, [0, 0])
        c[0] += 1
        c[1] += p.ratio > 1 + args.tol
    for k in sorted(by):
        print(f"  {k:45s} {by[k][1]:3d} of {by[k][0]:3d} slower with more")
    for layout, archs in (("prime layout", ("prime",)),
                          ("lergan layout", ("lergan", "lergan-2d-bus", "lergan-2d-offchip"))):
        for what, is_link in (("crossbars", False), ("link bandwidth", True)):
            ps = [p for p in pairs if p.arch in archs and ("links." in p.knob) == is_link]
            worse = [p.ratio for p in ps if p.ratio > 1 + args.tol]
            print(f"  {layout}, {what}: {len(worse)} of {len(ps)} slower"
                  + (f", worst x{max(worse):.4f}" if worse else ""))
    print(f"more resource slower: {len(bad)} of {len(pairs)} "
          f"({100 * len(bad) / max(len(pairs), 1):.1f} %)"
          + (f", worst {bad[0].ratio:.4f}" if bad else ""))
    for p in bad:
        print(f"  x{p.ratio:.4f}  {p.time_less_s * 1e3:.4f} -> {p.time_more_s * 1e3:.4f} ms")
        print(f"      {p.command('less')}")
        print(f"      {p.command('more')}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{**asdict(p), "ratio": p.ratio} for p in pairs], f, indent=1)


if __name__ == "__main__":
    main()
