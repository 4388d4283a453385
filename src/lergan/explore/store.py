"""The results store: one SQLite file (stdlib ``sqlite3``), written as results arrive.

Tables (``schema_version`` 1):

- ``meta(key, value)``: ``application = lergan-explore``, ``schema_version``, ``created``,
  ``created_by`` (lergan version);
- ``runs(run, started_at, lergan_version, spec, command)``: one row per ``lergan sweep``
  invocation (``spec``: the specification as JSON);
- ``configs(config_hash, config)``: resolved configurations (JSON: architecture, preset,
  the whole hardware description in SI, simulation options), shared by the rows of a
  design point that differ only in benchmark;
- ``results``: one row per design point x benchmark x architecture, keyed by ``key`` (the
  stable hash of :func:`lergan.explore.spec.point_key`): ``run``, ``design`` (hash of the
  design point), ``benchmark``, ``architecture``, ``batch``, ``params`` (JSON: the swept
  values, SI), ``overrides``, ``options`` (JSON), ``config_hash``, ``status`` (``ok`` or
  ``error``), ``error``, ``lergan_version``, ``elapsed_s``, ``finished_at``, and one column
  per metric of :data:`lergan.explore.evaluate.METRICS`.

Safety: a file that exists is first opened read-only and checked (SQLite header, our
``application`` entry, ``PRAGMA quick_check``) before anything is written to it, so a file
that is not ours or is corrupt is left as it was (:class:`StoreError`). Rows are written in
WAL mode, one transaction per batch of results: a process killed at any moment leaves
every committed row intact and none half-written. One sweep at a time holds an exclusive
``flock`` on the file (readers such as ``lergan pareto`` are not blocked).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lergan import __version__
from lergan.errors import LerganError
from lergan.explore.evaluate import METRICS

APPLICATION = "lergan-explore"
SCHEMA_VERSION = "1"
_HEADER = b"SQLite format 3\x00"
#: seconds to wait for SQLite's own lock before calling the file locked
BUSY_TIMEOUT_S = 5.0


class StoreError(LerganError):
    """A results file that cannot be used (names the file and why); it is left untouched."""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


_BASE_COLUMNS = (
    ("key", "TEXT PRIMARY KEY"), ("run", "INTEGER"), ("design", "TEXT"),
    ("benchmark", "TEXT NOT NULL"), ("architecture", "TEXT NOT NULL"),
    ("batch", "INTEGER NOT NULL"), ("params", "TEXT NOT NULL"), ("overrides", "TEXT"),
    ("options", "TEXT"), ("config_hash", "TEXT"),
    ("status", "TEXT NOT NULL CHECK (status IN ('ok', 'error'))"), ("error", "TEXT"),
    ("lergan_version", "TEXT"), ("elapsed_s", "REAL"), ("finished_at", "TEXT"),
)
BASE_COLUMNS = tuple(n for n, _ in _BASE_COLUMNS)


def _check_existing(path: Path) -> None:
    """Read-only checks of an existing file (``StoreError``; the file is not modified)."""
    try:
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise StoreError(f"results file {str(path)!r}: cannot be read: {exc}") from None
    if head[:16] != _HEADER:
        raise StoreError(f"results file {str(path)!r}: not a SQLite database, so not a "
                         "lergan results file; refusing to touch it (give another --out)")
    # a WAL-mode file (header bytes 18-19 = 2) without a -wal beside it holds everything in
    # the main file: read it as immutable, so that checking creates no -wal / -shm file
    wal_mode = len(head) >= 20 and head[18] == 2
    immutable = wal_mode and not path.with_name(path.name + "-wal").exists()
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro{'&immutable=1' * immutable}", uri=True,
                              timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise StoreError(f"results file {str(path)!r}: cannot be opened: {exc}") from None
    try:
        try:
            ok = con.execute("PRAGMA quick_check").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise StoreError(f"results file {str(path)!r}: locked by another process "
                                 "(another sweep or a program holding a transaction); try "
                                 "again when it ends") from None
            raise StoreError(f"results file {str(path)!r}: corrupt ({exc}); it is left "
                             "as it was") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"results file {str(path)!r}: corrupt ({exc}); it is left "
                             "as it was") from None
        if ok is None or ok[0] != "ok":
            raise StoreError(f"results file {str(path)!r}: corrupt (quick_check: "
                             f"{ok[0] if ok else 'no answer'}); it is left as it was")
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError:
            meta = {}
        if meta.get("application") != APPLICATION:
            raise StoreError(f"results file {str(path)!r}: a SQLite database but not a "
                             "lergan results file (no lergan-explore meta table); refusing "
                             "to touch it")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise StoreError(f"results file {str(path)!r}: schema version "
                             f"{meta.get('schema_version')!r}, this lergan reads "
                             f"{SCHEMA_VERSION!r}")
    finally:
        con.close()


class ResultsStore:
    """A results file opened for reading (``writer=False``) or for one sweep to write."""

    def __init__(self, path: str | Path, *, writer: bool = False, create: bool = False):
        self.path = Path(path)
        self.writer = writer
        self._lock_fd: int | None = None
        exists = self.path.exists() and self.path.stat().st_size > 0
        if exists:
            _check_existing(self.path)
        elif not create:
            raise StoreError(f"results file {str(self.path)!r}: does not exist")
        elif self.path.exists() and not self.path.is_file():
            raise StoreError(f"results file {str(self.path)!r}: not a regular file")
        if writer:
            self._take_lock()
        try:
            if writer:
                self.con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S,
                                           isolation_level=None)
                self.con.execute("PRAGMA journal_mode=WAL")
                self.con.execute("PRAGMA synchronous=NORMAL")
                if not exists:
                    self._create()
                self._ensure_metric_columns()
            else:
                self.con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                           timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.OperationalError as exc:
            self.close()
            if "locked" in str(exc):
                raise StoreError(f"results file {str(self.path)!r}: locked by another "
                                 "process; try again when it ends") from None
            raise StoreError(f"results file {str(self.path)!r}: {exc}") from None

    # ---- lifecycle --------------------------------------------------------------------

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: SQLite's own locking only
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"results file {str(self.path)!r}: cannot be opened for "
                             f"writing ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StoreError(f"results file {str(self.path)!r}: locked by another sweep "
                             "writing to it; wait for it or give another --out") from None
        self._lock_fd = fd

    def close(self) -> None:
        con = getattr(self, "con", None)
        if con is not None:
            con.close()
            self.con = None  # type: ignore[assignment]
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"results file {str(self.path)!r}: {exc}") from None
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def _create(self) -> None:
        cols = ",\n  ".join(f"{n} {t}" for n, t in _BASE_COLUMNS)
        with self._transaction() as con:
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("application", APPLICATION), ("schema_version", SCHEMA_VERSION),
                ("created", _now()), ("created_by", f"lergan {__version__}")])
            con.execute("CREATE TABLE runs (run INTEGER PRIMARY KEY, started_at TEXT, "
                        "lergan_version TEXT, spec TEXT, command TEXT)")
            con.execute("CREATE TABLE configs (config_hash TEXT PRIMARY KEY, "
                        "config TEXT NOT NULL)")
            con.execute(f"CREATE TABLE results (\n  {cols}\n)")
            con.execute("CREATE INDEX results_group ON results (benchmark, architecture)")

    def _ensure_metric_columns(self) -> None:
        have = {r[1] for r in self.con.execute("PRAGMA table_info(results)")}
        missing = [m for m in METRICS if m not in have]
        if missing:
            with self._transaction() as con:
                for m in missing:
                    con.execute(f'ALTER TABLE results ADD COLUMN "{m}" REAL')

    # ---- writing ------------------------------------------------------------------------

    def start_run(self, spec: dict[str, Any], command: str = "") -> int:
        with self._transaction() as con:
            cur = con.execute("INSERT INTO runs (started_at, lergan_version, spec, command) "
                              "VALUES (?, ?, ?, ?)",
                              (_now(), __version__, json.dumps(spec, sort_keys=True,
                                                               default=str), command))
            return int(cur.lastrowid or 0)

    def write(self, run: int, rows: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> int:
        """Write (point, outcome) pairs in one transaction; ``point``: ``key``, ``design``,
        ``benchmark``, ``architecture``, ``batch``, ``params``, ``overrides``, ``options``;
        ``outcome``: one entry of :func:`lergan.explore.evaluate.run_chunk`. A key already
        stored is replaced (a retried failure). Returns the rows written."""
        metric_cols = list(METRICS)
        names = [*BASE_COLUMNS, *metric_cols]
        sql = (f"INSERT OR REPLACE INTO results ({', '.join(names)}) VALUES "
               f"({', '.join('?' * len(names))})")
        n = 0
        finished = _now()
        with self._transaction() as con:
            for point, out in rows:
                chash = None
                if out.get("config"):
                    chash = hashlib.sha256(out["config"].encode()).hexdigest()[:32]
                    con.execute("INSERT OR IGNORE INTO configs VALUES (?, ?)",
                                (chash, out["config"]))
                m = out.get("metrics") or {}
                con.execute(sql, (
                    point["key"], run, point["design"], point["benchmark"],
                    point["architecture"], point["batch"], _json(point["params"]),
                    _json(point["overrides"]), _json(point["options"]), chash,
                    out["status"], out.get("error"), out.get("version"),
                    out.get("elapsed_s"), finished, *(m.get(c) for c in metric_cols)))
                n += 1
        return n

    # ---- reading ------------------------------------------------------------------------

    def finished(self, *, include_errors: bool = True) -> set[str]:
        """Keys of stored rows (``include_errors=False``: successful ones only)."""
        q = "SELECT key FROM results" + ("" if include_errors else " WHERE status = 'ok'")
        return {r[0] for r in self.con.execute(q)}

    def count(self) -> dict[str, int]:
        return dict(self.con.execute("SELECT status, COUNT(*) FROM results GROUP BY status")
                    .fetchall())

    def columns(self) -> list[str]:
        return [r[1] for r in self.con.execute("PRAGMA table_info(results)")]

    def rows(self, where: str = "", args: tuple[Any, ...] = (),
             with_config: bool = False) -> list[dict[str, Any]]:
        """Result rows as dicts (JSON columns decoded; ``with_config``: the resolved
        configuration under ``config``)."""
        cols = self.columns()
        sel = ", ".join(f"r.{c}" for c in cols) + (", c.config" if with_config else "")
        q = (f"SELECT {sel} FROM results r" +
             (" LEFT JOIN configs c ON c.config_hash = r.config_hash" if with_config else "")
             + (f" WHERE {where}" if where else "") + " ORDER BY r.rowid")
        out = []
        for rec in self.con.execute(q, args):
            d = dict(zip([*cols, *(["config"] if with_config else [])], rec, strict=False))
            for k in ("params", "overrides", "options", "config"):
                if d.get(k) is not None:
                    d[k] = json.loads(d[k])
            out.append(d)
        return out

    def runs(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT run, started_at, lergan_version, spec, command "
                               "FROM runs ORDER BY run")
        return [{"run": r[0], "started_at": r[1], "lergan_version": r[2],
                 "spec": json.loads(r[3]) if r[3] else None, "command": r[4]} for r in cur]

    def swept_parameters(self) -> list[str]:
        """Parameter names over all stored rows, in first-seen order (``batch`` first when
        it takes several values)."""
        names: dict[str, None] = {}
        batches = set()
        for (p, b) in self.con.execute("SELECT params, batch FROM results"):
            batches.add(b)
            for k in json.loads(p):
                names.setdefault(k)
        return (["batch"] if len(batches) > 1 else []) + list(names)


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


# ---- export -----------------------------------------------------------------------------


def flat_rows(store: ResultsStore) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) of every result with each swept parameter in its own column
    (``param:KEY``) and the resolved configuration as JSON text."""
    params = [p for p in store.swept_parameters() if p != "batch"]
    rows = store.rows(with_config=True)
    cols = [c for c in store.columns() if c not in ("params", "overrides", "options")]
    out = []
    for r in rows:
        d = {c: r.get(c) for c in cols}
        for p in params:
            v = r["params"].get(p)
            d[f"param:{p}"] = json.dumps(v) if isinstance(v, (dict, list)) else v
        d["config"] = _json(r["config"]) if r.get("config") is not None else None
        out.append(d)
    return [*cols, *(f"param:{p}" for p in params), "config"], out


def export(store: ResultsStore, dest: str | Path) -> int:
    """Write every row to ``dest`` (``.csv`` or ``.parquet`` by suffix); returns the rows."""
    dest = Path(dest)
    cols, rows = flat_rows(store)
    if dest.suffix == ".csv":
        with dest.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            w.writerows(rows)
    elif dest.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {}
        for c in cols:
            vals = [r.get(c) for r in rows]
            kinds = {type(v) for v in vals if v is not None}
            if c in METRICS or c == "elapsed_s" or (kinds and kinds <= {int, float}
                                                     and kinds != {int}):
                arrays[c] = pa.array([None if v is None else float(v) for v in vals],
                                     type=pa.float64())
            elif kinds == {int}:
                arrays[c] = pa.array(vals, type=pa.int64())
            else:  # text, or values of several kinds: as text
                arrays[c] = pa.array([None if v is None else str(v) for v in vals],
                                     type=pa.string())
        data = arrays
        pq.write_table(pa.table(data), dest)
    else:
        raise StoreError(f"export {str(dest)!r}: expected a .csv or .parquet file name")
    return len(rows)
