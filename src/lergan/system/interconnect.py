"""Banks, links and the off-chip path as a topology; routes for the transfers of an iteration.

Three topologies (``docs/architecture.md`` section 4):

- ``3d``: LerGAN's 3D-connected PIM. Direct bank-to-bank links (``bank_link``), configured
  anew for each step of the iteration (D-step, G-step) within ``ports_per_bank`` ports per
  bank: a spanning forest of the step's bank pairs, heaviest first, then direct shortcuts
  for the heaviest remaining pairs (:meth:`Topology.configure`); a pair left without one
  is routed over configured links through other banks, else over the internal bus if the
  preset has one, else through the off-chip memory controller. A link newly configured in
  a step adds ``reconfiguration_latency_s`` to the transfers that use it in that step and
  costs ``reconfiguration_energy_j`` once. Each direction of a configured pair is a
  separate resource (full-duplex point-to-point links, a choice).
- ``2d-bus``: every transfer between banks shares one internal bus (one transfer at a time),
  data exchanged between networks included.
- ``2d-offchip``: a main memory without a bank-to-bank path: every transfer between banks
  (inside a network and between networks) is written off chip through the memory
  controller and read back (bus, off-chip channel twice, bus).

Bank 0 is the off-chip memory (real samples come from there): reached over ``offchip`` (then
the bus, in the 2D topologies). Transfers inside one bank use the bank's own data path, whose
cost the mapping's per-operation cost already holds, so they need no route.

A route's time for ``b`` bytes: ``latency + b * per_byte_s`` with ``per_byte_s`` the largest
over the route's distinct resources of (times used / bandwidth): a cut-through model in which
the slowest resource paces the transfer.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from lergan.errors import LerganError

OFFCHIP = 0
TOPOLOGIES = ("3d", "2d-bus", "2d-offchip")

#: Routes computed, shared by topologies that route alike (:meth:`Topology.route`), and an
#: id per set of links and reconfiguration latency seen (so that the key hashes an int
#: rather than the link records; ids are never reused); at most ``_ROUTES_MAX`` of each.
_ROUTES: dict[tuple, Route] = {}
_ROUTING_IDS: dict[tuple, int] = {}
_NEXT_ID = itertools.count()
_ROUTES_MAX = 1 << 14


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """One link, bus or channel instance: bandwidth, latency, energy per bit, area, static power."""

    name: str
    bandwidth_bytes_per_s: float
    latency_s: float
    energy_j_per_bit: float
    area_m2: float = 0.0
    static_power_w: float = 0.0


class Hop(NamedTuple):
    """One traversal of a resource (``resource`` names the physical instance)."""

    resource: str
    spec: LinkSpec


@dataclass(frozen=True, slots=True)
class Route:
    """The hops of a transfer from ``src`` to ``dst`` bank in a step."""

    src: int
    dst: int
    hops: tuple[Hop, ...]
    extra_latency_s: float = 0.0
    latency_s: float = field(init=False)  # the hops' latencies plus reconfiguration
    per_byte_s: float = field(init=False)  # the slowest resource paces the transfer
    resources: tuple[str, ...] = field(init=False)  # distinct resources it occupies

    def __post_init__(self) -> None:
        use = self.seconds_per_byte_by_resource()
        object.__setattr__(self, "latency_s",
                           sum(h.spec.latency_s for h in self.hops) + self.extra_latency_s)
        object.__setattr__(self, "per_byte_s", max(use.values(), default=0.0))
        object.__setattr__(self, "resources", tuple(use))

    def seconds_per_byte_by_resource(self) -> dict[str, float]:
        """Seconds each resource is busy per byte moved (repeated use of a resource adds)."""
        use: dict[str, float] = defaultdict(float)
        for h in self.hops:
            use[h.resource] += 1.0 / h.spec.bandwidth_bytes_per_s
        return dict(use)

    def energy_by_link_j(self, nbytes: float) -> dict[str, float]:
        """Dynamic energy of moving ``nbytes`` over the route, per link kind (``link:name``)."""
        out: dict[str, float] = defaultdict(float)
        for h in self.hops:
            out[f"link:{h.spec.name}"] += 8.0 * nbytes * h.spec.energy_j_per_bit
        return dict(out)


class Demand(NamedTuple):
    """Bytes a step moves from one bank to another (``crosses``: between networks)."""

    step: str
    src: int
    dst: int
    bytes: float
    crosses: bool


@dataclass
class Topology:
    """A topology with its per-step configuration (built by :func:`configure`)."""

    kind: str
    banks: int
    ports_per_bank: int
    links: Mapping[str, LinkSpec]
    reconfiguration_latency_s: float = 0.0
    reconfiguration_energy_j: float = 0.0
    direct: dict[str, frozenset[tuple[int, int]]] = field(default_factory=dict)
    new_links: dict[str, frozenset[tuple[int, int]]] = field(default_factory=dict)
    _cache: dict[tuple[str, int, int, bool], Route] = field(default_factory=dict)
    #: what a route depends on besides its step's links (see :meth:`route`), set on first use
    _routing_key: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in TOPOLOGIES:
            raise LerganError(f"interconnect topology {self.kind!r}: expected one of {TOPOLOGIES}")
        need = {"3d": ("bank_link", "offchip"), "2d-bus": ("internal_bus", "offchip"),
                "2d-offchip": ("internal_bus", "offchip")}[self.kind]
        missing = [n for n in need if n not in self.links]
        if missing:
            raise LerganError(f"interconnect {self.kind!r} needs links {missing}")

    # ---- configuration ------------------------------------------------------------------

    def configure(self, demands: Iterable[Demand], step_order: Iterable[str]) -> None:
        """Choose the direct links of each step (3D only), within the ports of each bank.

        First a spanning forest, heaviest pairs first (Kruskal's order), so that every bank
        pair of the step that can be connected is (over one or more links); then direct
        shortcuts for the remaining pairs, heaviest first, while ports remain. For a network
        whose tiers talk in a chain this gives the forward -> error -> update links plus the
        link between the networks (architecture note, section 4).
        """
        if self.kind != "3d":
            return
        per_step: dict[str, dict[tuple[int, int], float]] = defaultdict(lambda: defaultdict(float))
        for d in demands:
            if d.src != d.dst and d.src != OFFCHIP and d.dst != OFFCHIP:
                pair = (min(d.src, d.dst), max(d.src, d.dst))
                per_step[d.step][pair] += d.bytes
        previous: frozenset[tuple[int, int]] = frozenset()
        for step in step_order:
            pairs = sorted(per_step.get(step, {}).items(), key=lambda kv: (-kv[1], kv[0]))
            ports: dict[int, int] = defaultdict(int)
            chosen: set[tuple[int, int]] = set()
            root = {b: b for pair, _ in pairs for b in pair}
            for forest in (True, False):
                for (a, b), _ in pairs:
                    if (a, b) in chosen:
                        continue
                    if forest and _find(root, a) == _find(root, b):
                        continue
                    if ports[a] < self.ports_per_bank and ports[b] < self.ports_per_bank:
                        chosen.add((a, b))
                        ports[a] += 1
                        ports[b] += 1
                        root[_find(root, a)] = _find(root, b)
            self.direct[step] = frozenset(chosen)
            self.new_links[step] = frozenset(chosen - previous)
            previous = frozenset(chosen)

    def reconfigurations(self) -> int:
        """Links newly configured over the iteration (each costs the reconfiguration energy)."""
        return sum(len(v) for v in self.new_links.values())

    # ---- routing --------------------------------------------------------------------------

    def route(self, step: str, src: int, dst: int, crosses: bool) -> Route:
        """The route of a transfer from bank ``src`` to bank ``dst`` in ``step``."""
        key = (step, src, dst, crosses)
        r = self._cache.get(key)
        if r is None:
            # shared by topologies that route alike (a sweep builds a new one per call):
            # the kind, links and reconfiguration latency, and the step's configuration
            rk = self._routing_key
            if rk is None:
                what = (tuple(self.links.items()), self.reconfiguration_latency_s)
                rid = _ROUTING_IDS.get(what)
                if rid is None:
                    if len(_ROUTING_IDS) >= _ROUTES_MAX:
                        _ROUTING_IDS.clear()
                    rid = _ROUTING_IDS[what] = next(_NEXT_ID)
                rk = self._routing_key = (self.kind, rid)
            shared = (*rk, self.direct.get(step), self.new_links.get(step), src, dst, crosses)
            r = _ROUTES.get(shared)
            if r is None:
                r = self._route(step, src, dst, crosses)
                if len(_ROUTES) >= _ROUTES_MAX:
                    _ROUTES.clear()
                _ROUTES[shared] = r
            self._cache[key] = r
        return r

    def _route(self, step: str, src: int, dst: int, crosses: bool) -> Route:
        off = Hop("offchip", self.links["offchip"])
        bus = Hop("bus", self.links["internal_bus"]) if "internal_bus" in self.links else None
        if src == dst:
            return Route(src, dst, ())
        if OFFCHIP in (src, dst):
            hops = (off,) if bus is None or self.kind == "3d" else (
                (off, bus) if src == OFFCHIP else (bus, off))
            return Route(src, dst, hops)
        if self.kind == "2d-bus":
            return Route(src, dst, (bus,))  # type: ignore[arg-type]
        if self.kind == "2d-offchip":  # no bank-to-bank path: out through the controller
            return Route(src, dst, (bus, off, off, bus))  # type: ignore[arg-type]
        # 3d
        links = self.direct.get(step, frozenset())
        path = _path(links, src, dst)
        if path is None:
            if bus is not None:
                return Route(src, dst, (bus,))
            return Route(src, dst, (off, off))
        spec = self.links["bank_link"]
        new = self.new_links.get(step, frozenset())
        hops = []
        extra = 0.0
        for a, b in itertools.pairwise(path):
            hops.append(Hop(f"3d:B{a}>B{b}", spec))
            if (min(a, b), max(a, b)) in new:
                extra += self.reconfiguration_latency_s
        return Route(src, dst, tuple(hops), extra)

    # ---- area and static power -------------------------------------------------------------

    def instances(self) -> dict[str, float]:
        """Physical link instances the topology provisions, per link kind.

        3D: one ``bank_link`` per port (``banks * ports_per_bank / 2`` links, each joining
        two ports); 2D: one internal bus; every topology: one off-chip channel.
        """
        out: dict[str, float] = {"offchip": 1.0}
        if self.kind == "3d":
            out["bank_link"] = self.banks * self.ports_per_bank / 2.0
        if "internal_bus" in self.links and self.kind != "3d":
            out["internal_bus"] = 1.0
        return out

    def area_m2(self) -> dict[str, float]:
        """Area of the provisioned link instances per link kind."""
        return {k: n * self.links[k].area_m2 for k, n in self.instances().items()}

    def static_power_w(self) -> dict[str, float]:
        """Static power of the provisioned link instances per link kind."""
        return {k: n * self.links[k].static_power_w for k, n in self.instances().items()}


def _find(root: dict[int, int], x: int) -> int:
    """Union-find root of ``x`` (path halving)."""
    while root[x] != x:
        root[x] = root[root[x]]
        x = root[x]
    return x


def _adjacency(links: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    adj: dict[int, list[int]] = defaultdict(list)
    for a, b in links:
        adj[a].append(b)
        adj[b].append(a)
    return adj


def _path(links: Iterable[tuple[int, int]], src: int, dst: int) -> list[int] | None:
    """Shortest path from ``src`` to ``dst`` over undirected ``links`` (BFS), or None."""
    adj = _adjacency(links)
    prev: dict[int, int] = {src: src}
    queue = deque([src])
    while queue:
        u = queue.popleft()
        if u == dst:
            path = [dst]
            while path[-1] != src:
                path.append(prev[path[-1]])
            return path[::-1]
        for v in sorted(adj.get(u, ())):
            if v not in prev:
                prev[v] = u
                queue.append(v)
    return None

