"""A whole sweep: expand a specification, skip what the store holds, run the rest.

``run_sweep(spec, "results.db", workers=2)`` is what ``lergan sweep SPEC --out results.db``
does; rerunning it with the same specification resumes (stored keys are skipped; failed
points too unless ``retry_failed``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lergan.explore.execute import dask_client, run_points
from lergan.explore.spec import SweepSpec, expand
from lergan.explore.store import ResultsStore


@dataclass(frozen=True)
class SweepSummary:
    """What one invocation did."""

    total: int
    skipped: int
    ran: int
    failed: int
    run: int
    errors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "skipped": self.skipped, "ran": self.ran,
                "failed": self.failed, "run": self.run, "errors": list(self.errors)}


def pending(spec: SweepSpec, store: ResultsStore | None,
            retry_failed: bool = False) -> tuple[list[dict[str, Any]], int]:
    """(rows still to compute as plain dicts, rows the store already holds)."""
    done = store.finished(include_errors=not retry_failed) if store is not None else set()
    todo, skipped = [], 0
    seen: set[str] = set()
    for p in expand(spec):
        key = p.key
        if key in seen:  # sampled whole numbers may repeat a point: run it once
            continue
        seen.add(key)
        if key in done:
            skipped += 1
            continue
        todo.append({"key": key, "design": p.design, "benchmark": p.benchmark,
                     "architecture": p.architecture, "batch": p.batch, "params": p.params,
                     "overrides": p.overrides, "options": p.options})
    return todo, skipped


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int = 1,
              scheduler: str | None = None, chunk: int | None = None,
              retry_failed: bool = False, command: str = "",
              connect_timeout_s: float = 10.0, client: Any = None,
              on_start: Callable[[int, int], None] | None = None,
              progress: Callable[[int], None] | None = None) -> SweepSummary:
    """Run the rows of ``spec`` the results file ``out`` lacks, writing each finished chunk
    in one transaction. ``on_start(to_run, skipped)`` is called once the workers are up,
    before the first point.
    ``client``: an existing ``distributed.Client`` to run on (``workers`` and ``scheduler``
    are then unused). A results file this call created is removed again if it fails
    before storing a row (a wrong scheduler address leaves nothing behind)."""
    out = Path(out)
    created = not out.exists()
    try:
        return _run(spec, out, workers, scheduler, chunk, retry_failed, command,
                    connect_timeout_s, on_start, progress, client)
    except BaseException:
        if created and out.exists():
            empty = False
            with contextlib.suppress(Exception), ResultsStore(out) as store:
                empty = not store.count()
            if empty:
                for p in (out, out.with_name(out.name + "-wal"),
                          out.with_name(out.name + "-shm")):
                    p.unlink(missing_ok=True)
        raise


def _run(spec: SweepSpec, out: Path, workers: int, scheduler: str | None,
         chunk: int | None, retry_failed: bool, command: str, connect_timeout_s: float,
         on_start: Callable[[int, int], None] | None,
         progress: Callable[[int], None] | None, client: Any) -> SweepSummary:
    with ResultsStore(out, writer=True, create=True) as store:
        todo, skipped = pending(spec, store, retry_failed)
        if not todo:
            if on_start:
                on_start(0, skipped)
            return SweepSummary(skipped, skipped, 0, 0, 0, ())
        by_key = {t["key"]: t for t in todo}
        failed: list[str] = []
        tasks = [(t["key"], t["benchmark"], t["architecture"], t["batch"], t["overrides"],
                  t["options"]) for t in todo]
        with contextlib.ExitStack() as stack:
            if client is None and (workers != 0 or scheduler is not None):
                # connect before recording a run
                client = stack.enter_context(dask_client(workers, scheduler,
                                                         connect_timeout_s))
            run = store.start_run(spec.model_dump(mode="json"), command)
            if on_start:  # once the workers are up
                on_start(len(todo), skipped)

            def on_chunk(outcomes: list[dict[str, Any]]) -> None:
                store.write(run, [(by_key[o["key"]], o) for o in outcomes])
                for o in outcomes:
                    if o["status"] != "ok":
                        t = by_key[o["key"]]
                        failed.append(f"{t['benchmark']} on {t['architecture']} "
                                      f"{t['params']}: {o['error']}")

            run_points(tasks, on_chunk, workers=workers, chunk=chunk, progress=progress,
                       client=client)
        return SweepSummary(len(todo) + skipped, skipped, len(todo), len(failed), run,
                            tuple(failed))
