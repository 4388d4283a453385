"""Where the iteration's data lives: bank buffers, the memory's other mats, off chip.

LerGAN, like PRIME, is a ReRAM main memory whose banks compute: beside its compute mats a
bank holds a buffer and many memory mats, and what does not fit there goes off chip through
the memory controller. What each bank must store (``docs/model.md``, "Capacity and spills"):

- **state**: the master weights and optimiser state of every layer the bank updates
  (:attr:`OpSpec.state_bytes`, at ``precision.master_weight_bits`` and
  ``optimiser_state_bits``), the whole iteration;
- **kept tensors**: a tensor read by a task of another pass than the one that produced it
  (forward activations read by the error and weight-gradient passes, errors read by weight
  gradients, gradients read by the update), or read whole (accumulated results, the input
  of a batch-norm barrier): all its bytes, at the reader's bank, from production to use.
  A tensor read by the next layer of the same pass streams through, a sample at a time,
  and is not counted; real samples stream from off-chip memory.

A bank's demand is its state plus, over the steps of the iteration, the largest sum of
the kept tensors of one step (every kept tensor of a step alive at once: the usual bound
on training memory, which frees nothing a step still needs). It fills, in order, the
bank's buffers (non-register ``buffers``, counted per bank and per mat), its memory mats
(the mats that do not compute: the bank's share of ``organisation.capacity_bytes`` less its
compute mats; none without a capacity) and off chip, in the order the items come: the
state first (it stays all iteration), then each step's kept tensors in the order their
first reader runs (a choice: what comes first stays closest; at most one item per bank and
step straddles two levels).

Costs, charged as tasks of kind ``spill`` that the schedule times on shared resources:

- memory mats: a spilled byte is written once (``cell_bits`` per cell, every cell
  programmed with the write model, ``memory_write``) and read back once before its reader
  (one cell read each, ``memory_read``), over the bank's port to its mats (resource
  ``B<n>:memory``) at the smaller of the bank buffer's bandwidth and what the mats the item
  occupies write or read in parallel (a mat programs ``rows_in_parallel`` rows per row
  write time, senses a row per ``sense_time_per_row_s``);
- off chip: out and back over the memory channel (resource ``offchip``, shared with real
  samples), ``link:offchip`` energy per bit each way.

State is loaded before the optimiser and written back after it. A reload of a swapped
layer whose weights come from the master copy (placement's ``:master-weights`` source in the
update tier, :mod:`lergan.system.placement`) first reads them where the state lives (buffer,
memory mats or off chip); placement's transfer then moves them to the swap region.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lergan.errors import LerganError
from lergan.system.interconnect import LinkSpec
from lergan.system.tasks import MASTER_WEIGHTS, Dep, OpSpec, Task

LEVELS = ("buffer", "memory", "offchip")


@dataclass(frozen=True)
class StorageSpec:
    """What the storage model needs of the hardware, per bank (SI units).

    ``buffer_bytes``: the bank's buffers; ``memory_bytes``: its memory (non-compute) mats;
    ``mat_bytes``: one mat's capacity; ``port_bytes_per_s``: the bank's data port between
    buffer and mats; ``mat_write_bytes_per_s`` / ``mat_read_bytes_per_s``: what one mat
    writes / reads per second; ``write_j_per_byte`` / ``read_j_per_byte``: a byte programmed
    into / sensed from memory mats; ``buffer_read_j_per_byte``: a byte read from the bank
    buffer; ``offchip``: the memory channel.
    """

    buffer_bytes: float
    memory_bytes: float
    mat_bytes: float
    port_bytes_per_s: float
    mat_write_bytes_per_s: float
    mat_read_bytes_per_s: float
    write_j_per_byte: float
    read_j_per_byte: float
    buffer_read_j_per_byte: float
    offchip: LinkSpec
    cell_bits: int = 1

    def __post_init__(self) -> None:
        for name in ("buffer_bytes", "memory_bytes"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise LerganError(f"storage {name} {v!r}: expected a finite number >= 0")
        for name in ("mat_bytes", "port_bytes_per_s", "mat_write_bytes_per_s",
                     "mat_read_bytes_per_s"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise LerganError(f"storage {name} {v!r}: expected a finite number > 0")


@dataclass
class BankStore:
    """One bank's demand and how it is split over the levels (bytes)."""

    bank: int
    state_bytes: float = 0.0
    kept_by_step: dict[str, float] = field(default_factory=dict)

    @property
    def kept_bytes(self) -> float:
        return max(self.kept_by_step.values(), default=0.0)

    @property
    def demand_bytes(self) -> float:
        return self.state_bytes + self.kept_bytes

    def to_dict(self, spec: StorageSpec) -> dict[str, object]:
        """The demand, and where it lands at its peak (``spec``'s levels, in order)."""
        d = self.demand_bytes
        return {"state_bytes": self.state_bytes, "kept_bytes": self.kept_bytes,
                "kept_by_step": dict(self.kept_by_step), "demand_bytes": d,
                **{f"{lv}_bytes": v for lv, v in place_bytes(0.0, d, spec).items()}}


def place_bytes(at: float, nbytes: float, spec: StorageSpec) -> dict[str, float]:
    """Bytes of an item that occupies ``[at, at + nbytes)`` of a bank's store, per level:
    the buffer holds the first ``buffer_bytes``, the memory mats the next
    ``memory_bytes``, the rest is off chip (rooms left, so that tiny levels keep their
    bytes exactly)."""
    buf = min(nbytes, max(0.0, spec.buffer_bytes - at))
    past = at - spec.buffer_bytes  # how far into the memory mats the item starts
    mem = min(nbytes - buf, spec.memory_bytes if past <= 0 else
              max(0.0, spec.memory_bytes - past))
    return {"buffer": buf, "memory": mem, "offchip": nbytes - buf - mem}


def _memory_s(nbytes: float, per_mat_bytes_per_s: float, spec: StorageSpec) -> float:
    """Seconds to write or read ``nbytes`` of memory mats: the mats the bytes occupy work in
    parallel, behind the bank's port."""
    mats = max(1.0, math.ceil(nbytes / spec.mat_bytes))
    return nbytes / min(spec.port_bytes_per_s, mats * per_mat_bytes_per_s)


def _offchip_s(nbytes: float, spec: StorageSpec) -> float:
    """Seconds to move ``nbytes`` one way over the memory channel."""
    return spec.offchip.latency_s + nbytes / spec.offchip.bandwidth_bytes_per_s


@dataclass
class Storage:
    """Every bank's store and the tasks that move spilled data."""

    banks: dict[int, BankStore]
    tasks: list[Task]
    spilled_bytes: dict[str, float]
    memory_cells_written: float
    spec: StorageSpec

    def notes(self) -> list[str]:
        """One line when data spills: how much, where to."""
        mem, off = self.spilled_bytes.get("memory", 0.0), self.spilled_bytes.get("offchip", 0.0)
        if mem <= 0 and off <= 0:
            return []
        worst = max(self.banks.values(), key=lambda s: s.demand_bytes)
        return [f"data spills from the bank buffers: {mem / 1e6:,.1f} MB to memory mats, "
                f"{off / 1e6:,.1f} MB off chip (largest store: B{worst.bank}, "
                f"{worst.demand_bytes / 1e6:,.1f} MB of state and kept tensors)"]

    def to_dict(self) -> dict[str, object]:
        return {"banks": {f"B{b}": s.to_dict(self.spec) for b, s in sorted(self.banks.items())},
                "spilled_bytes": dict(self.spilled_bytes),
                "memory_cells_written": self.memory_cells_written}


def place_data(tasks: Sequence[Task], ops: Sequence[OpSpec], spec: StorageSpec) -> Storage:
    """The banks' stores and ``tasks`` with the spill, fill and fetch tasks inserted (in a
    topological order: each before the task that waits for it)."""
    by_id = {t.id: t for t in tasks}
    specs = {o.id: o for o in ops}
    banks: dict[int, BankStore] = {}

    # ---- demand ----------------------------------------------------------------------------
    # (the loops unpack the records by position: they visit every task and dependency of
    # every simulated iteration). A task keeps a tensor whole (see the module docstring)
    # when it has bytes, does not come from off chip, and is read whole, by a barrier, from
    # an accumulating task or from another pass.
    kept: dict[tuple[str, str, int], float] = {}  # (src, tensor, bank) -> bytes
    readers: dict[tuple[str, str, int], list[str]] = {}  # ... -> the tasks that read it
    optimisers: list[Task] = []
    for t in tasks:
        tid, op, kind, _, step, pass_, _, _, bank = t[:9]
        if pass_ == "update" and kind == "compute" and op in specs:
            o = specs[op]
            if o.state_bytes > 0 and tid in (o.id, f"{o.id}:optimiser"):
                s = banks.get(bank)
                if s is None:
                    s = banks[bank] = BankStore(bank)
                s.state_bytes += o.state_bytes
                optimisers.append(t)
        barrier = t.barrier
        for src_id, tensor, nbytes, whole, _ in t.deps:
            if tensor is None or nbytes <= 0:  # an ordering dependency, or no data
                continue
            src = by_id.get(src_id)
            if src is None or src.kind == "source" or not (
                    whole or barrier or src.accumulates or src.pass_ != pass_):
                continue
            key = (src_id, tensor, bank)
            names = readers.get(key)
            if names is None:
                kept[key] = nbytes
                readers[key] = [tid]
                s = banks.get(bank)
                if s is None:
                    s = banks[bank] = BankStore(bank)
                by_step = s.kept_by_step
                by_step[step] = by_step.get(step, 0.0) + nbytes
            elif names[-1] != tid:
                names.append(tid)

    # ---- moves -------------------------------------------------------------------------------
    spilled: dict[str, float] = defaultdict(float)
    cells = 0.0
    before: dict[str, list[Task]] = {}  # task id -> tasks to insert before it
    extra_deps: dict[str, list[Dep]] = {}
    after: dict[str, list[Task]] = {}

    def legs(bank: int, mem: float, off: float
             ) -> list[tuple[str, str, float, float, dict, dict]]:
        """Per level below the buffer: (name, resource, write-out seconds, read-back
        seconds, write-out energy, read-back energy) of ``mem`` bytes in the memory mats
        and ``off`` bytes off chip."""
        nonlocal cells
        out = []
        if mem > 0:
            out.append(("memory", f"B{bank}:memory",
                        _memory_s(mem, spec.mat_write_bytes_per_s, spec),
                        _memory_s(mem, spec.mat_read_bytes_per_s, spec),
                        {"memory_write": mem * spec.write_j_per_byte},
                        {"memory_read": mem * spec.read_j_per_byte}))
            spilled["memory"] += mem
            cells += mem * 8.0 / spec.cell_bits
        if off > 0:
            t_off = _offchip_s(off, spec)
            e_off = {"link:offchip": 8.0 * off * spec.offchip.energy_j_per_bit}
            out.append(("off-chip", "offchip", t_off, t_off, e_off, e_off))
            spilled["offchip"] += off
        return out

    # the state first, then each step's kept tensors in the order of their first reader
    filled: dict[tuple[int, str], float] = {}
    state_levels = {b: place_bytes(0.0, s.state_bytes, spec) for b, s in banks.items()}
    by_first: dict[str, list[tuple[str, str, int]]] = {}
    for key, names in readers.items():
        first_keys = by_first.get(names[0])
        if first_keys is None:
            by_first[names[0]] = [key]
        else:
            first_keys.append(key)
    # kept tensors: written out as they arrive and read back once, before their first
    # reader, as one round trip per level for all that the reader is the first to read
    # (the port is busy for both; every reader of them waits for it)
    for first_id, keys in by_first.items():
        first = by_id[first_id]
        bank, step = first.bank, first.step
        slot = (bank, step)
        at = filled.get(slot)
        if at is None:
            at = banks[bank].state_bytes
        size = 0.0
        for k in keys:
            size += kept[k]
        filled[slot] = at + size
        levels = place_bytes(at, size, spec)
        mem, off = levels["memory"], levels["offchip"]
        if mem <= 0 and off <= 0:
            continue  # in the buffer: nothing to move
        deps = tuple([_new(Dep, (src, tensor, kept[src, tensor, b], True, None))
                      for src, tensor, b in keys])
        waits = []
        trips = before.setdefault(first_id, [])
        for level, res, w_s, r_s, w_e, r_e in legs(bank, mem, off):
            energy = {**w_e, **r_e} if level == "memory" else {
                k: v + r_e[k] for k, v in w_e.items()}
            trip = _spill_task(f"spill:{first_id}:{level}", first, res, bank, w_s + r_s,
                               energy, deps)
            trips.append(trip)
            waits.append(_new(Dep, (trip.id, None, 0.0, True, None)))
        if len(keys) == 1:
            names = readers[keys[0]]
        else:
            names = dict.fromkeys([n for key in keys for n in readers[key]])
        for name in names:
            more = extra_deps.get(name)
            if more is None:
                extra_deps[name] = list(waits)
            else:
                more += waits
    # state: loaded before the optimiser step, written back after it (each layer's share
    # of its bank's state levels)
    for t in optimisers:
        st_bytes = specs[t.op].state_bytes
        total = banks[t.bank].state_bytes
        levels = {k: v * st_bytes / total for k, v in state_levels[t.bank].items()}
        for level, res, w_s, r_s, w_e, r_e in legs(t.bank, levels["memory"],
                                                   levels["offchip"]):
            load = _spill_task(f"state:{t.op}:from-{level}", t, res, t.bank, r_s, r_e, ())
            before.setdefault(t.id, []).append(load)
            extra_deps.setdefault(t.id, []).append(Dep(load.id, None, 0.0, True))
            after.setdefault(t.id, []).append(_spill_task(
                f"state:{t.op}:to-{level}", t, res, t.bank, w_s, w_e,
                (Dep(t.id, None, 0.0, True),)))
    # a reload that takes its weights from the master copy (placement's ``:master-weights``
    # source in the update tier) reads them where the state lives, once per reload; one
    # that takes them from this iteration's update gets them from the optimiser directly
    moved: dict[str, Dep] = {}  # reload id -> its dependency on the fetch
    for t in tasks:
        if t.kind != "reload":
            continue
        for d in t.deps:
            src = by_id.get(d.src)
            if src is None or src.kind != "source" or not src.id.endswith(MASTER_WEIGHTS):
                continue
            ub = src.bank
            sh = state_levels.get(ub, {})
            total = sum(sh.values())
            shares = {k: v / total for k, v in sh.items()} if total > 0 else {"buffer": 1.0}
            fetch = _fetch_task(t, d.bytes, ub, shares, spec)
            before.setdefault(t.id, []).append(fetch)
            moved[t.id] = Dep(fetch.id, d.tensor, d.bytes, True)
            for lv in ("memory", "offchip"):
                spilled[f"fetched from {lv}"] += d.bytes * shares.get(lv, 0.0)

    # a task's dependencies replaced by position (``Task._replace`` without its field walk)
    out: list[Task] = []
    new = tuple.__new__
    for t in tasks:
        tid = t.id
        if tid in before:
            out.extend(before[tid])
        deps = t.deps
        if tid in moved:  # the master copy's weights come through the fetch
            fetch = moved[tid]
            deps = tuple(fetch if d.tensor == fetch.tensor else d for d in deps)
        more = extra_deps.get(tid)
        if more:
            deps = (*deps, *more)
        out.append(t if deps is t.deps else new(Task, (*t[:_DEPS], deps, *t[_DEPS + 1:])))
        if tid in after:
            out.extend(after[tid])
    return Storage(banks, out, dict(spilled), cells, spec)


#: position of :attr:`Task.deps` in the record
_DEPS = Task._fields.index("deps")


def _spill_task(tid: str, owner: Task, unit: str, bank: int, latency_s: float,
                energy_j: Mapping[str, float], deps: tuple[Dep, ...]) -> Task:
    """A move of stored data on ``unit`` (a bank's memory port or the memory channel),
    labelled with the task it serves."""
    return _new(Task, (tid, owner.op, "spill", owner.network, owner.step, "spill",
                       owner.layer, unit, bank, owner.tier, 1, 1, latency_s, energy_j, deps,
                       False, True, 0.0, 0, 0.0, 0.0))


_new = tuple.__new__  # a record from all its fields in order (``Task._make`` without a check)


def _fetch_task(reload: Task, nbytes: float, bank: int, sh: Mapping[str, float],
                spec: StorageSpec) -> Task:
    """Reading a swapped layer's weights where its master copy lives (bank ``bank``, the
    shares ``sh`` of its state in each level)."""
    buf, mem, off = (nbytes * sh.get(lv, 0.0) for lv in LEVELS)
    energy = {"buffer": buf * spec.buffer_read_j_per_byte}
    latency = buf / spec.port_bytes_per_s
    unit = f"B{bank}:memory"
    if mem > 0:
        energy["memory_read"] = mem * spec.read_j_per_byte
        latency += _memory_s(mem, spec.mat_read_bytes_per_s, spec)
    if off > 0:
        energy["link:offchip"] = 8.0 * off * spec.offchip.energy_j_per_bit
        latency += _offchip_s(off, spec)
    return Task(
        id=f"{reload.id}:fetch", op=reload.op, kind="spill", network=reload.network,
        step=reload.step, pass_="reload", layer=reload.layer, unit=unit,
        bank=bank, tier="update", samples=1, replication=1,
        latency_s=latency, energy_j=energy, accumulates=True,
    )
