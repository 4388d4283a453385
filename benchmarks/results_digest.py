"""Every suite GAN x architecture result, to check that a change leaves results identical.

    python benchmarks/results_digest.py write /tmp/before.json   # before the change
    python benchmarks/results_digest.py check /tmp/before.json   # after it (exit 1: differ)

``check`` lists each result that differs with its time and energy now over before.

Each entry is ``simulate(name, arch, batch).to_dict()`` as JSON (or the error it raises,
e.g. ``isaac``, which does not train), for every suite benchmark, every architecture of
``architecture_names()`` and batches 8 and 64.
"""

from __future__ import annotations

import argparse
import json
import sys


def digest() -> dict[str, str]:
    from lergan.errors import LerganError
    from lergan.system import simulate
    from lergan.system.options import architecture_names
    from lergan.workload import suite

    out = {}
    for name in suite.names():
        for arch in architecture_names():
            for batch in (8, 64):
                try:
                    d = simulate(name, arch, batch).to_dict()
                    d.pop("provenance", None)  # the commit and hashes, not the result
                except LerganError as e:
                    d = {"error": f"{type(e).__name__}: {e}"}
                out[f"{name}|{arch}|{batch}"] = json.dumps(d, default=repr)  # key order too
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("write", "check"))
    ap.add_argument("path")
    args = ap.parse_args()
    now = digest()
    if args.action == "write":
        with open(args.path, "w") as f:
            json.dump(now, f)
        print(f"{len(now)} results written to {args.path}")
        return
    with open(args.path) as f:
        ref = json.load(f)
    differ = sorted(k for k in ref.keys() | now.keys() if ref.get(k) != now.get(k))
    print(f"{len(ref)} results; {len(differ)} differ" + (f": {differ[:10]}" if differ else ""))
    ratios = []
    for k in differ:  # how much each moved: time and energy, now / before
        a, b = (json.loads(d[k]) if k in d else {} for d in (ref, now))
        if a.get("time_s") and b.get("time_s"):
            r = b["time_s"] / a["time_s"]
            ratios.append(r)
            print(f"  {k:32s} time {a['time_s'] * 1e3:11.3f} -> {b['time_s'] * 1e3:11.3f} ms"
                  f"  x{r:.4f}  energy x{b['energy_j'] / (a['energy_j'] or 1.0):.4f}")
        else:
            print(f"  {k:32s} {'error' if 'error' in a else 'ok'} -> "
                  f"{'error' if 'error' in b else 'ok'}")
    if ratios:
        print(f"time now / before: x{min(ratios):.4f} to x{max(ratios):.4f}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
