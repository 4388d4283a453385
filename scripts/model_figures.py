"""Print the simulated figures that README.md and docs/model.md quote, as markdown.

    python scripts/model_figures.py            # every table (about a minute)
    python scripts/model_figures.py --only dcgan-compare modes storage

Each table names the command or call that produces it, so that a reader can check any
number; nothing is tuned or hard-coded (the figures are what the model gives today).
"""

from __future__ import annotations

import argparse
import time

from lergan.hardware import load_preset
from lergan.hardware.peak import peak
from lergan.system import simulate
from lergan.system.ablation import compare
from lergan.workload import suite

MODES = ("zero-inserting", "zfdr-phase", "zfdr-pattern", "auto")


def _num(v: float) -> str:
    return f"{v:,.0f}" if v >= 1000 else f"{v:.3g}"


def dcgan_compare() -> None:
    """README 'One DCGAN training iteration' and docs/model.md 'Ablations'."""
    print("### `lergan simulate dcgan --compare budget` (batch 64)\n")
    print("| variant | time ms | energy mJ | speed-up | energy saving |")
    print("|---|---|---|---|---|")
    for row in compare("dcgan", 64, basis="budget"):
        print(f"| {row['variant']} | {row['time_s'] * 1e3:.2f} | {row['energy_j'] * 1e3:.1f} | "
              f"{row['speedup']:.2f} | {row['energy_saving']:.2f} |")
    r = simulate("dcgan", "lergan", 64)
    dyn = simulate("dcgan", "lergan", 64, overrides={"technology.leakage_fraction": 0})
    p = peak(load_preset("lergan"))
    print(f"\nlergan: static {r.static_energy_j * 1e3:.0f} of {r.energy_j * 1e3:.0f} mJ, "
          f"average {r.power_w:.1f} W; peak {p.power_w:.1f} W, {p.area_mm2:.1f} mm2, "
          f"{p.gops / 1e3:.1f} TOPS; dynamic only (leakage_fraction=0): "
          f"{dyn.energy_j * 1e3:.0f} mJ, {dyn.time_s * 1e3:.2f} ms")
    life = r.lifetime
    print(f"cells written {r.cells_written:.2g}; lifetime {life.iterations:.2g} iterations "
          f"({life.seconds / 86400:.0f} days), limited by {life.limiting.resource}\n")


def modes() -> None:
    """docs/model.md section 6: the mode table behind lergan's default (auto)."""
    print("### ms per iteration, batch 64, `lergan` in each mapping mode\n")
    print("| GAN | " + " | ".join(MODES) + " |")
    print("|---|" + "---|" * len(MODES))
    for name in suite.names():
        row = [simulate(name, "lergan", 64, options={"mode": m}).time_s * 1e3 for m in MODES]
        print(f"| {name} | " + " | ".join(_num(v) for v in row) + " |")
    print()


def storage() -> None:
    """docs/model.md 'Capacity and spills': DCGAN's stores on lergan."""
    print("### DCGAN's bank stores on `lergan` (batch 64), MB\n")
    for over in (None, {"organisation.capacity_bytes": 3 * 2**30}):
        r = simulate("dcgan", "lergan", 64, overrides=over)
        st = r.placement["storage"]
        worst = max(st["banks"].items(), key=lambda kv: kv[1]["demand_bytes"])
        print(f"- overrides {over}: {r.time_s * 1e3:.2f} ms; to memory mats "
              f"{st['spilled_bytes'].get('memory', 0) / 1e6:,.1f} MB, off chip "
              f"{st['spilled_bytes'].get('offchip', 0) / 1e6:,.1f} MB; largest store "
              f"{worst[0]} {worst[1]['demand_bytes'] / 1e6:,.1f} MB; port need "
              + ", ".join(f"{b} {u['need']:.1f}/{u['ports']:.1f}"
                          for b, u in r.placement["buffer_ports"].items()))
    print()


TABLES = {"dcgan-compare": dcgan_compare, "modes": modes, "storage": storage}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(TABLES), default=list(TABLES))
    args = ap.parse_args()
    t = time.perf_counter()
    for name in args.only:
        TABLES[name]()
    print(f"({time.perf_counter() - t:.0f} s, {time.strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()
