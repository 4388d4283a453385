"""Running design points on Dask (``dask.distributed``), in batches, as results arrive.

:func:`run_points` sends points in chunks (:func:`lergan.explore.evaluate.run_chunk`) to a
local cluster of worker processes (``workers=N``) or to an existing scheduler
(``scheduler="tcp://host:8786"``), keeping a bounded number of chunks in flight so that the
client's memory does not grow with the sweep, and hands each finished chunk to a callback
(the results store writes it in one transaction). ``workers=0`` evaluates in this process
(no Dask), for small runs and debugging.

Chunk size: a point takes 20-50 ms, a Dask task costs about 1 ms of scheduling and
transfer; chunks of up to 32 points (about a second of work) keep that overhead near 0.1 %
while leaving at least eight chunks per worker for balance.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from lergan.errors import LerganError
from lergan.explore.evaluate import run_chunk, warm_up

Task = tuple[str, str, str, int, dict, dict]
#: the largest chunk :func:`chunk_size` chooses
MAX_CHUNK = 32


class ClusterError(LerganError):
    """A scheduler that cannot be reached or a cluster that cannot start."""


def chunk_size(n_tasks: int, n_workers: int) -> int:
    """Points per Dask task: at most :data:`MAX_CHUNK`, and small enough that every worker
    gets about eight chunks."""
    return max(1, min(MAX_CHUNK, math.ceil(n_tasks / max(1, n_workers * 8))))


@contextlib.contextmanager
def dask_client(workers: int = 1, scheduler: str | None = None,
                timeout_s: float = 10.0) -> Iterator[Any]:
    """A ``distributed.Client`` on ``scheduler`` or on a new local cluster of ``workers``
    single-threaded worker processes (closed on exit). Each worker imports the simulator
    once (:func:`lergan.explore.evaluate.warm_up`), not per point."""
    from distributed import Client, LocalCluster


    for name in ("distributed", "distributed.core", "distributed.worker", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=f"{timeout_s}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ClusterError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            if workers < 1:
                raise ClusterError(f"--workers {workers}: expected at least 1")
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
            client = Client(cluster)
    except ClusterError:
        raise
    except Exception as exc:  # a cluster that cannot start: say so, no traceback
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"cannot start a local Dask cluster: {exc}") from None
    try:
        client.run(warm_up)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_points(tasks: Sequence[Task], on_chunk: Callable[[list[dict[str, Any]]], None], *,
               workers: int = 1, scheduler: str | None = None, chunk: int | None = None,
               progress: Callable[[int], None] | None = None,
               client: Any = None, connect_timeout_s: float = 10.0) -> None:
    """Evaluate ``tasks`` and call ``on_chunk(outcomes)`` as each chunk finishes (in
    completion order); ``progress(n)`` after each chunk of ``n`` points. A chunk whose
    worker dies is reported as failed points with the error, and the run goes on."""
    if not tasks:
        return
    if workers == 0 and scheduler is None and client is None:
        size = chunk or MAX_CHUNK
        for i in range(0, len(tasks), size):
            out = run_chunk(list(tasks[i:i + size]))
            on_chunk(out)
            if progress:
                progress(len(out))
        return
    if client is None:
        with dask_client(workers, scheduler, connect_timeout_s) as c:
            run_points(tasks, on_chunk, chunk=chunk, progress=progress, client=c,
                       workers=workers)
        return
    from distributed import as_completed

    n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
    size = chunk or chunk_size(len(tasks), n_workers)
    chunks = [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]
    window = max(4, 3 * n_workers)  # chunks in flight: bounded client memory
    pending = iter(enumerate(chunks))
    owner: dict[str, list[Task]] = {}

    def submit() -> Any:
        try:
            i, c = next(pending)
        except StopIteration:
            return None
        fut = client.submit(run_chunk, c, key=f"lergan-chunk-{i}-{c[0][0][:12]}",
                            pure=False, retries=0)
        owner[fut.key] = c
        return fut

    ac = as_completed([f for f in (submit() for _ in range(window)) if f is not None])
    for fut in ac:
        c = owner.pop(fut.key)
        try:
            out = fut.result()
        except Exception as exc:  # the worker died or the task could not run
            out = [{"key": t[0], "status": "error", "error": f"{type(exc).__name__}: {exc}",
                    "metrics": {}, "config": None, "elapsed_s": None, "version": None}
                   for t in c]
        fut.release()
        on_chunk(out)
        if progress:
            progress(len(out))
        nxt = submit()
        if nxt is not None:
            ac.add(nxt)
