"""`lergan sweep` / `lergan pareto` end to end on one Dask worker, bad input, and a sweep
killed with SIGKILL that resumes without losing or duplicating a finished point."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lergan.cli import app
from lergan.explore.spec import load_spec
from lergan.explore.store import ResultsStore
from lergan.explore.sweep import run_sweep

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"

TINY = """\
benchmarks: [cgan]
parameters:
  adc.bits: [4, 6]
  crossbar_budget: [1, 6144]   # one crossbar cannot hold a tier: a failing point
"""


class _Result:
    def __init__(self, r):
        self.exit_code, self.raw = r.exit_code, r.output
        self.output = " ".join(r.output.split())  # messages wrap at the console width


def _run(*args):
    return _Result(runner.invoke(app, [str(a) for a in args], terminal_width=100))


def test_tiny_sweep_on_one_dask_worker_then_pareto(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY)
    db = tmp_path / "r.db"
    r = _run("sweep", spec, "--out", db, "--workers", 1, "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.raw[r.raw.index("{"):])
    assert (summary["total"], summary["ran"], summary["failed"]) == (4, 4, 2)
    with ResultsStore(db) as store:
        assert store.count() == {"ok": 2, "error": 2}
    again = _run("sweep", spec, "--out", db, "--workers", 0, "--json")
    assert json.loads(again.raw[again.raw.index("{"):])["skipped"] == 4
    r = _run("pareto", db, "-m", "time", "-m", "area", "--no-plots")
    assert r.exit_code == 0, r.output
    assert "Pareto-optimal of 2" in r.output  # the two failed points are left out
    r = _run("pareto", db, "--json", "--no-plots")
    front = json.loads(r.raw)["front"]
    assert front and all(f["params"]["crossbar_budget"] == 6144 for f in front)
    r = _run("sweep", "--out", db, "--export", tmp_path / "all.csv")
    assert r.exit_code == 0
    assert len((tmp_path / "all.csv").read_text().splitlines()) == 5
    r = _run("sweep", spec, "--out", db, "--dry-run")
    assert "4 stored, 0 to run" in r.output


def test_bad_input_exits_2_and_leaves_files_alone(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("benchmarks: [dcgan]\nparameters:\n  adc.bitz: [4]\n")
    r = _run("sweep", bad, "--out", tmp_path / "r.db")
    assert r.exit_code == 2 and "adc.bitz" in r.output
    assert not (tmp_path / "r.db").exists()
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY)
    mine = tmp_path / "thesis.txt"
    mine.write_text("chapter 1\n")
    r = _run("sweep", spec, "--out", mine, "--workers", 0)
    assert r.exit_code == 2 and "not a SQLite database" in r.output
    assert mine.read_text() == "chapter 1\n"
    r = _run("pareto", mine)
    assert r.exit_code == 2 and "thesis.txt" in r.output
    r = _run("sweep", spec, "--out", tmp_path / "s.db", "--scheduler",
             "tcp://127.0.0.1:9", "--timeout", "0.5")
    assert r.exit_code == 2 and "tcp://127.0.0.1:9" in r.output
    assert not (tmp_path / "s.db").exists()
    r = _run("pareto", tmp_path / "none.db")
    assert r.exit_code == 2 and "does not exist" in r.output


KILL_SPEC = """\
benchmarks: [cgan]
sample:
  method: random
  points: 40
  seed: 7
  parameters:
    adc.energy_j: {range: ["1 pJ", "10 pJ"], scale: log}
"""


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_mid_sweep_loses_and_duplicates_nothing(tmp_path):
    spec = tmp_path / "kill.yaml"
    spec.write_text(KILL_SPEC)
    db = tmp_path / "r.db"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lergan", "sweep", str(spec), "--out", str(db),
         "--workers", "1", "--chunk", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while _count(db) < 4:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no rows stored within 90 s"
            time.sleep(0.05)
        seen = _count(db)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the client and its Dask workers
        proc.wait()
    with ResultsStore(db) as store:  # a killed sweep's file opens and checks clean
        before = {r["key"]: r for r in store.rows()}
    assert seen <= len(before) < 40, "the kill was not mid-sweep"
    assert all(r["status"] == "ok" for r in before.values())

    resumed = run_sweep(load_spec(spec), db, workers=0)
    assert (resumed.skipped, resumed.ran) == (len(before), 40 - len(before))
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    keys = [k for (k,) in con.execute("SELECT key FROM results")]
    con.close()
    assert len(keys) == len(set(keys)) == 40
    with ResultsStore(db) as store:
        after = {r["key"]: r for r in store.rows()}
        assert [r["run"] for r in store.runs()] == [1, 2]
    for k, r in before.items():  # every finished point kept, as it was
        assert after[k] == r
    assert {r["run"] for k, r in after.items() if k not in before} == {2}
