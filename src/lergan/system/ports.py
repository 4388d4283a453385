"""A bank's buffer port, shared by everything that runs in the bank.

Every operation's cost (:mod:`lergan.mapping.costing`, :mod:`lergan.mapping.elementwise`)
moves its inputs, outputs, accumulations and optimiser state through the bank buffer, and
assumes one buffer's bandwidth to itself. A bank has ``ports`` buffers' worth of bandwidth
(``organisation`` counts of the bank buffer per bank, mats' included), which the units that
run in the bank share.

A resource ``x`` (a unit's crossbars, a swap region, the bank's pool of digital units)
needs, while it streams, ``need(x) = max over its tasks of copies x buffer_s / stream_s``
buffers' worth (``copies``: the copies that work at once; tasks on one resource never
overlap). When a bank's resources together need more than its ports (``need = sum of
need(x) > ports``), the port is shared in proportion to need, a static arbitration that
assumes all of them may run at once: every streaming part in the bank runs ``k = need /
ports`` times slower (programming does not use the port). Then at no instant does the
bank's buffer traffic exceed its ports' bandwidth; when the need fits, nothing changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lergan.system.tasks import OpSpec, Task, position_split


@dataclass(frozen=True)
class PortUse:
    """One bank's need for buffer bandwidth (in buffers' worth) and its slow-down."""

    bank: int
    ports: float
    need: float

    @property
    def slowdown(self) -> float:
        return max(1.0, self.need / self.ports) if self.ports > 0 else 1.0

    def to_dict(self) -> dict[str, float]:
        return {"ports": self.ports, "need": self.need, "slowdown": self.slowdown}


def copies_at_once(task: Task, op: OpSpec) -> int:
    """Copies of a task's unit that work at once: its replication, but no more than its
    samples times the copies one sample's positions are split over."""
    r = max(task.replication, 1)
    n = max(task.samples, 1)
    return r if r <= n else n * position_split(r, n, op.positions)


def share_ports(tasks: Sequence[Task], ops: Sequence[OpSpec], ports: float
                ) -> tuple[list[Task], dict[int, PortUse]]:
    """``tasks`` with the streaming part of every task in an oversubscribed bank stretched
    (see the module docstring), and each bank's :class:`PortUse`."""
    # what the need reads of each operation that streams through the buffer (the loop
    # below visits every task; it is :func:`copies_at_once` times buffer_s / stream_s)
    streams: dict[str, tuple[float, float, int]] = {}
    for o in ops:
        c = o.cost
        if c.buffer_s > 0 and c.stream_s > 0:
            streams[o.id] = (c.buffer_s, c.stream_s, o.positions)
    need_of: dict[tuple[int, str], float] = {}
    for t in tasks:
        if t.kind != "compute":
            continue
        st = streams.get(t.op)
        if st is None:
            continue
        buffer_s, stream_s, positions = st
        r = t.replication if t.replication > 1 else 1
        n = t.samples if t.samples > 1 else 1
        need = (r if r <= n else n * position_split(r, n, positions)) * buffer_s / stream_s
        key = (t.bank, t.unit)
        if need > need_of.setdefault(key, 0.0):
            need_of[key] = need
    by_bank: dict[int, float] = defaultdict(float)
    for (bank, _), need in need_of.items():
        by_bank[bank] += need
    use = {b: PortUse(b, ports, need) for b, need in sorted(by_bank.items())}
    slow = {b: u.slowdown for b, u in use.items() if u.slowdown > 1.0}
    if not slow:
        return list(tasks), use
    specs: Mapping[str, OpSpec] = {o.id: o for o in ops}
    out = []
    for t in tasks:
        k = slow.get(t.bank)
        o = specs.get(t.op)
        if k is None or t.kind != "compute" or o is None or o.cost.stream_s <= 0 \
                or o.cost.latency_s <= 0:
            out.append(t)
            continue
        # the task's latency may differ from its operation's (pieces, split positions):
        # its streaming part in the same proportion
        stream = t.latency_s * o.cost.stream_s / o.cost.latency_s
        out.append(t._replace(latency_s=t.latency_s + (k - 1.0) * stream))
    return out, use
