"""The results store: rows, resume, export, and files that are not ours left untouched."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from lergan.explore.evaluate import METRICS, run_chunk
from lergan.explore.spec import load_spec
from lergan.explore.store import ResultsStore, StoreError, export
from lergan.explore.sweep import pending, run_sweep

SPEC = {"benchmarks": ["cgan"], "parameters": {"adc.bits": [4, 6],
                                                "crossbar_budget": [1, 6144]}}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 4-row sweep run in this process (one row fails: a budget of one crossbar)."""
    db = tmp_path_factory.mktemp("store") / "r.db"
    summary = run_sweep(load_spec(SPEC), db, workers=0)
    return db, summary


def test_rows_hold_metrics_config_and_errors(swept):
    db, summary = swept
    assert (summary.total, summary.ran, summary.skipped) == (4, 4, 0)
    assert summary.failed == 2 and "MappingError" in summary.errors[0]
    with ResultsStore(db) as store:
        rows = store.rows(with_config=True)
        assert store.swept_parameters() == ["adc.bits", "crossbar_budget"]
    assert len(rows) == 4
    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] == "error"]
    assert len(ok) == 2 and len(bad) == 2
    for r in bad:
        assert r["params"]["crossbar_budget"] == 1 and "MappingError" in r["error"]
        assert r["time_s"] is None
    for r in ok:
        assert set(METRICS) <= set(r)
        assert r["power_w"] == pytest.approx(r["energy_j"] / r["time_s"])
        cfg = r["config"]
        assert cfg["hardware"]["adc"]["bits"] == r["params"]["adc.bits"]
        assert cfg["options"]["crossbar_budget"] == 6144
        assert r["lergan_version"]
    # the stored figures are the simulator's
    from lergan.system import simulate

    ref = simulate("cgan", arch="lergan", overrides={"adc.bits": 4},
                   options={"crossbar_budget": 6144})
    r4 = next(r for r in ok if r["params"]["adc.bits"] == 4)
    assert (r4["time_s"], r4["energy_j"], r4["area_mm2"]) == (ref.time_s, ref.energy_j,
                                                             ref.area_mm2)


def test_rerun_skips_finished_rows_and_retries_failures_on_request(swept, tmp_path):
    db, _ = swept
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    s = load_spec(SPEC)
    again = run_sweep(s, copy, workers=0)
    assert (again.skipped, again.ran) == (4, 0)
    with ResultsStore(copy) as store:
        todo, skipped = pending(s, store, retry_failed=True)
    assert (len(todo), skipped) == (2, 2)
    retried = run_sweep(s, copy, workers=0, retry_failed=True)
    assert retried.ran == 2 and retried.failed == 2
    with ResultsStore(copy) as store:
        assert store.count() == {"ok": 2, "error": 2}  # replaced, not duplicated
        assert [r["run"] for r in store.runs()] == [1, 2]
    # a larger spec adds only the new rows
    bigger = load_spec({**SPEC, "parameters": {**SPEC["parameters"], "adc.bits": [4, 6, 8]}})
    more = run_sweep(bigger, copy, workers=0)
    assert (more.skipped, more.ran) == (4, 2)


def test_export_csv_and_parquet(swept, tmp_path):
    db, _ = swept
    with ResultsStore(db) as store:
        assert export(store, tmp_path / "r.csv") == 4
        assert export(store, tmp_path / "r.parquet") == 4
        with pytest.raises(StoreError, match=r"csv or \.parquet"):
            export(store, tmp_path / "r.xlsx")
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert len(rows) == 4 and {"param:adc.bits", "time_s", "config"} <= set(rows[0])
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / "r.parquet")
    assert t.num_rows == 4
    assert str(t.schema.field("time_s").type) == "double"
    assert str(t.schema.field("error").type) == "string"
    assert sorted(t.column("param:adc.bits").to_pylist()) == [4, 4, 6, 6]


def _unchanged(path, fn, no_wal=True):
    before = path.read_bytes()
    with pytest.raises(StoreError) as err:
        fn()
    assert path.read_bytes() == before
    if no_wal:  # not even a journal left beside it
        assert not path.with_name(path.name + "-wal").exists()
    return str(err.value)


def test_a_file_that_is_not_ours_is_refused_and_left_alone(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("my thesis notes\n" * 100)
    msg = _unchanged(text, lambda: run_sweep(load_spec(SPEC), text, workers=0))
    assert "not a SQLite database" in msg and "notes.db" in msg
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    msg = _unchanged(other, lambda: ResultsStore(other, writer=True))
    assert "not a lergan results file" in msg


def test_a_corrupt_file_is_refused_and_left_alone(swept, tmp_path):
    db, _ = swept
    bad = tmp_path / "bad.db"
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page + 8: 3 * page - 8] = b"\xff" * (page - 16)  # scribble over a b-tree page
    bad.write_bytes(bytes(data))
    msg = _unchanged(bad, lambda: ResultsStore(bad, writer=True))
    assert "corrupt" in msg or "not a lergan results file" in msg


def test_a_locked_file_is_refused(swept, tmp_path):
    db, _ = swept
    copy = tmp_path / "locked.db"
    copy.write_bytes(db.read_bytes())
    with ResultsStore(copy, writer=True):
        msg = _unchanged(copy, lambda: ResultsStore(copy, writer=True), no_wal=False)
        assert "locked" in msg
        with ResultsStore(copy) as reader:  # readers are not blocked by a sweep
            assert len(reader.rows()) == 4
    # another program holding SQLite's write lock
    con = sqlite3.connect(copy, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("BEGIN EXCLUSIVE")
    try:
        import lergan.explore.store as st

        old, st.BUSY_TIMEOUT_S = st.BUSY_TIMEOUT_S, 0.2
        try:
            with pytest.raises(StoreError, match="locked"):
                ResultsStore(copy, writer=True)
        finally:
            st.BUSY_TIMEOUT_S = old
    finally:
        con.execute("ROLLBACK")
        con.close()


def test_a_missing_file_is_named():
    with pytest.raises(StoreError, match="does not exist"):
        ResultsStore("/nonexistent/r.db")


def test_run_chunk_records_a_failing_point_and_goes_on():
    out = run_chunk([("a", "cgan", "lergan", 64, {}, {"crossbar_budget": 1}),
                     ("b", "cgan", "lergan", 64, {}, {}),
                     ("c", "nogan", "lergan", 64, {}, {})])
    assert [o["status"] for o in out] == ["error", "ok", "error"]
    assert "nogan" in out[2]["error"]
    assert out[1]["metrics"]["time_s"] > 0


def test_repeated_sampled_points_run_once():
    s = load_spec({"benchmarks": ["cgan"], "sample": {"method": "random", "points": 30,
                                                      "seed": 1, "parameters": {
                                                          "adc.bits": {"range": [4, 5]}}}})
    todo, skipped = pending(s, None)
    assert sorted(t["params"]["adc.bits"] for t in todo) == [4, 5] and skipped == 0
