"""Time `lergan workload FILE --json` on GAN description files of 1,000 to 3,000 layers.

    .venv/bin/python benchmarks/bench_workload_layers.py [--layers 1000 3000]

Each file is a generator of ``N`` layers (linear 8 -> 8 and ReLU, alternating) against a
one-layer discriminator, written to a temporary directory. The command runs in-process
(typer's CliRunner) and is timed whole: reading and validating the file, the iteration
graph, the per-layer rows and the JSON. The work is linear in the layers (issue 13: it was
quadratic, 9 s for 1,000 layers and 37 s for 3,000, each layer filtering every operation).
CPU seconds of this process (``time.process_time``), which other processes disturb less
than wall-clock time, and wall-clock seconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def description(n: int) -> dict:
    g = [{"kind": "linear", "name": "fc0", "in_features": 8, "out_features": 8}]
    for i in range(1, n):
        g.append({"kind": "activation", "name": f"a{i}", "function": "relu"} if i % 2 else
                 {"kind": "linear", "name": f"fc{i}", "in_features": 8, "out_features": 8})
    adv = [("d_real", "D", "d_real", "real"), ("d_fake", "D", "d_fake", "fake"),
           ("g_adv", "G", "d_fake", "real")]
    return {
        "name": f"layers{n}", "source": "benchmarks/bench_workload_layers.py",
        "inputs": [{"name": "z", "kind": "latent", "shape": [8]},
                   {"name": "x", "kind": "image", "shape": [8]}],
        "networks": [
            {"name": "G", "role": "generator", "inputs": [{"name": "z", "shape": [8]}],
             "layers": g},
            {"name": "D", "role": "discriminator", "inputs": [{"name": "x", "shape": [8]}],
             "layers": [{"kind": "linear", "name": "d0", "in_features": 8,
                         "out_features": 1}]}],
        "calls": [{"name": "fake", "network": "G", "inputs": {"z": "z"}},
                  {"name": "d_real", "network": "D", "inputs": {"x": "x"}},
                  {"name": "d_fake", "network": "D", "inputs": {"x": "fake"}}],
        "losses": [{"name": a, "step": s, "kind": "adversarial", "call": c, "target": t,
                    "criterion": "bce_logits"} for a, s, c, t in adv],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, nargs="*", default=[1000, 3000])
    args = ap.parse_args()

    import yaml
    from typer.testing import CliRunner

    from lergan.cli import app

    runner = CliRunner()
    tmp = Path(tempfile.mkdtemp())
    print(f"{'layers':>7} {'cpu s':>7} {'wall s':>7}")
    for n in args.layers:
        path = tmp / f"g{n}.yaml"
        path.write_text(yaml.safe_dump(description(n)))
        c0, w0 = time.process_time(), time.perf_counter()
        res = runner.invoke(app, ["workload", str(path), "--json"])
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        assert res.exit_code == 0, res.output
        print(f"{n + 1:>7,} {cpu:>7.2f} {wall:>7.2f}")


if __name__ == "__main__":
    main()
