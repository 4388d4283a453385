"""Sweep specifications (YAML): what to vary, over which benchmarks, architectures, batches.

A specification names a base preset, the parameters to vary and how::

    base: lergan                    # preset name or .yaml file the keys are checked against
    architectures: [lergan, prime]  # default: [base]
    benchmarks: [dcgan, magan]
    batch: [64]                     # an integer or a list
    parameters:                     # grid axes, full factorial
      adc.bits: [4, 6, 8]                                   # a list of values
      crossbar.rows: {values: [64, 128, 256]}
      write.energy_per_cell_j: {range: ["1 pJ", "4 pJ"], steps: 4, scale: log}
      mode: [zero-inserting, zfdr-pattern]                  # a simulation option
    sample:                         # optional: sampled axes, crossed with the grid
      method: lhs                   # lhs (Latin hypercube) or random
      points: 100
      seed: 0
      parameters:
        interconnect.links.bank_link.bandwidth_bytes_per_s: {range: ["8 GB/s", "32 GB/s"],
                                                             scale: log}
        training.mapping_mode: {values: [zfdr-phase, zfdr-pattern]}

A parameter is any hardware field that ``--set`` accepts (a dotted preset key; a bare
number is in the field's SI unit, a string may carry a unit) or a simulation option of
:class:`lergan.system.SimulationOptions`; ``crossbar.rows+crossbar.cols`` ties fields that
take the same value (square crossbars). An unknown key, an empty axis, a value of the
wrong unit or outside the field's valid values raises :class:`SpecError` naming it: keys
and values are checked against every architecture's preset with
:func:`lergan.hardware.load_preset` at load time, before any point runs.

Samples use Python's ``random.Random(seed).random()``, whose sequence Python guarantees
across versions, so a seeded sweep expands to the same points (and the same point hashes,
hence resumes) on any machine.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lergan.errors import HardwareError, LerganError
from lergan.hardware import load_preset
from lergan.hardware.loader import _override_value, _schema_at
from lergan.system import SimulationOptions
from lergan.system.options import as_options, resolve_architecture
from lergan.workload import suite

#: the most design points x benchmarks x architectures one specification may expand to
MAX_ROWS = 5_000_000


class SpecError(LerganError):
    """A sweep specification that is wrong (names the parameter or field)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Axis(_Frozen):
    """One parameter's values: a list (``values``) or a ``range`` with ``steps`` (grid) or
    without (sampled). Values are as written (a string may carry a unit)."""

    values: tuple[Any, ...] | None = None
    range: tuple[Any, Any] | None = None
    steps: int | None = Field(None, ge=1, le=100_000)
    scale: Literal["linear", "log"] = "linear"


class Sample(_Frozen):
    """Sampled axes: ``points`` samples by ``method`` with ``seed``, crossed with the grid."""

    method: Literal["lhs", "random"] = "lhs"
    points: int = Field(ge=1, le=1_000_000)
    seed: int = 0
    parameters: dict[str, Axis]


class SweepSpec(_Frozen):
    """A whole sweep specification (see the module docstring)."""

    base: str = "lergan"
    architectures: tuple[str, ...] = ()
    benchmarks: tuple[str, ...]
    batch: tuple[int, ...] = (64,)
    parameters: dict[str, Axis] = Field(default_factory=dict)
    sample: Sample | None = None

    @field_validator("batch", mode="before")
    @classmethod
    def _one_batch(cls, v: Any) -> Any:
        return [v] if isinstance(v, int) else v

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_grids(cls, v: Any) -> Any:
        return _axes(v)

    @property
    def arch_names(self) -> tuple[str, ...]:
        return self.architectures or (self.base,)


def _axes(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: {"values": a} if isinstance(a, (list, tuple)) else
                   ({"values": [a]} if not isinstance(a, Mapping) else a)
                for k, a in v.items()}
    return v


class Point(_Frozen):
    """One row to compute: a design point on one benchmark and architecture.

    ``params`` are the swept values (SI for hardware fields, as the option expects for
    options); ``overrides`` / ``options`` are what :func:`lergan.system.simulate` gets.
    ``key`` is a stable hash of everything that determines the result.
    """

    benchmark: str
    architecture: str
    batch: int
    params: dict[str, Any]
    overrides: dict[str, Any]
    options: dict[str, Any]

    @property
    def key(self) -> str:
        return point_key(self.benchmark, self.architecture, self.batch, self.overrides,
                         self.options)

    @property
    def design(self) -> str:
        """Hash of the design point alone (its values and batch), shared by its rows."""
        return _digest({"batch": self.batch, "params": self.params})[:16]


def _digest(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def point_key(benchmark: str, architecture: str, batch: int, overrides: Mapping[str, Any],
              options: Mapping[str, Any]) -> str:
    """The stable hash a results store knows a row by (sha256 of canonical JSON)."""
    return _digest({"benchmark": benchmark, "architecture": architecture, "batch": batch,
                    "overrides": dict(overrides), "options": dict(options)})


# ---- loading ----------------------------------------------------------------------------


def load_spec(source: str | Path | Mapping[str, Any]) -> SweepSpec:
    """A validated :class:`SweepSpec` from a YAML file or a mapping (``SpecError`` naming
    what is wrong); every axis is checked with :func:`check_spec`."""
    if isinstance(source, Mapping):
        data: Any = dict(source)
        where = "sweep spec"
    else:
        path = Path(source)
        where = f"sweep spec {str(path)!r}"
        try:
            data = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise SpecError(f"{where}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"{where}: cannot be read: {exc}") from None
        except yaml.YAMLError as exc:
            raise SpecError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise SpecError(f"{where}: expected a mapping at the top level, got {data!r}")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{where}: " + _format(exc)) from None
    check_spec(spec)
    return spec


def _format(exc: ValidationError) -> str:
    msgs = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        got = err.get("input")
        got_s = "" if isinstance(got, Mapping) else f" (got {got!r})"
        msgs.append(f"{loc or '<spec>'}: {err['msg']}{got_s}")
    return "; ".join(msgs)


# ---- parameters: hardware fields and simulation options ----------------------------------


def _option_fields() -> dict[str, Any]:
    return dict(SimulationOptions.model_fields)


def is_option(key: str) -> bool:
    """Whether ``key`` is a simulation option (else it names a hardware field)."""
    return key in _option_fields()


def _field_kind(key: str) -> tuple[Any, str | None]:
    """(annotation, dimension) of a hardware key (``SpecError`` naming an unknown one)."""
    try:
        ann, dim = _schema_at(key)
    except HardwareError as exc:
        if "." not in key:
            raise SpecError(
                f"parameter {key!r}: neither a simulation option (known: "
                f"{', '.join(_option_fields())}) nor a hardware field ({exc})") from None
        raise SpecError(f"parameter {key!r}: {exc}") from None
    return ann, dim


def tied(key: str) -> list[str]:
    """The keys a parameter sets: ``"crossbar.rows+crossbar.cols"`` ties two fields that
    take the same value (``SpecError`` for an empty part or a mix of option and field)."""
    parts = [p.strip() for p in key.split("+")]
    if any(not p for p in parts):
        raise SpecError(f"parameter {key!r}: an empty key between '+'")
    if len(parts) > 1 and len({is_option(p) for p in parts}) > 1:
        raise SpecError(f"parameter {key!r}: ties a simulation option to a hardware field")
    return parts


def resolve_value(key: str, raw: Any) -> Any:
    """The value of parameter ``key`` as ``simulate`` gets it: a hardware number in SI
    (a string may carry a unit; an integer field gets an ``int``), an option or a
    non-numeric field as written (``SpecError`` naming key and value). A tied key
    (``a+b``) resolves each part, which must agree."""
    parts = tied(key)
    if len(parts) > 1:
        values = [resolve_value(p, raw) for p in parts]
        if any(v != values[0] for v in values):
            raise SpecError(f"parameter {key!r} = {raw!r}: the tied fields read it "
                            f"differently ({values})")
        return values[0]

    if is_option(key):
        try:
            as_options({key: raw})
        except LerganError as exc:
            raise SpecError(f"parameter {key!r} = {raw!r}: {exc}") from None
        return raw
    ann, dim = _field_kind(key)
    try:
        value = _override_value(raw, ann, dim, key)
    except HardwareError as exc:
        raise SpecError(f"parameter {key!r} = {raw!r}: {exc}") from None
    if dim is not None:
        value = float(value)
        if not math.isfinite(value):
            raise SpecError(f"parameter {key!r} = {raw!r}: not a finite number")
        if ann is int:
            if not value.is_integer():
                raise SpecError(f"parameter {key!r} = {raw!r}: expected a whole number "
                                f"({dim})")
            value = int(value)
    return value


def _numeric(key: str) -> tuple[bool, bool]:
    """(numeric, integer) of a parameter."""
    key = tied(key)[0]
    if is_option(key):
        return key in ("crossbar_budget", "transfer_chunks"), True
    ann, dim = _field_kind(key)
    return dim is not None, ann is int


def _check_axis(key: str, axis: Axis, sampled: bool) -> None:
    where = f"parameter {key!r}"
    if (axis.values is None) == (axis.range is None):
        raise SpecError(f"{where}: give either values: [...] or range: [low, high]")
    if axis.values is not None and not axis.values:
        raise SpecError(f"{where}: empty axis (give at least one value)")
    if axis.range is not None:
        numeric, _ = _numeric(key)
        if not numeric:
            raise SpecError(f"{where}: range needs a numeric parameter; list its values")
        if not sampled and axis.steps is None:
            raise SpecError(f"{where}: a grid range needs steps: N (or move it under "
                            "sample:)")
        low, high = (resolve_value(key, x) for x in axis.range)
        if low > high:
            raise SpecError(f"{where}: range low {axis.range[0]!r} exceeds high "
                            f"{axis.range[1]!r}")
        if axis.scale == "log" and low <= 0:
            raise SpecError(f"{where}: a log scale needs a positive low end")
    elif axis.steps is not None:
        raise SpecError(f"{where}: steps applies to a range, not to values")


def axis_values(key: str, axis: Axis) -> list[Any]:
    """The grid values of an axis (a range: ``steps`` points, integers rounded, repeats
    dropped), resolved with :func:`resolve_value`."""
    if axis.values is not None:
        return [resolve_value(key, v) for v in axis.values]
    assert axis.range is not None and axis.steps is not None
    low, high = (resolve_value(key, x) for x in axis.range)
    out: list[Any] = []
    for i in range(axis.steps):
        u = i / (axis.steps - 1) if axis.steps > 1 else 0.0
        v = _scaled(low, high, u, axis.scale)
        v = round(v) if _numeric(key)[1] else v
        if v not in out:
            out.append(v)
    return out


def _scaled(low: float, high: float, u: float, scale: str) -> float:
    if scale == "log":
        return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    return low + u * (high - low)


def check_spec(spec: SweepSpec) -> None:
    """Check every axis and every value against the simulation options and each
    architecture's preset (``SpecError`` naming the first wrong one)."""
    if not spec.benchmarks:
        raise SpecError("benchmarks: empty (name at least one of "
                        f"{', '.join(suite.names())})")
    for b in spec.benchmarks:
        if b not in suite.names():
            raise SpecError(f"benchmarks: {b!r} is not in the suite (known: "
                            f"{', '.join(suite.names())})")
    if not spec.batch:
        raise SpecError("batch: empty (give at least one batch size)")
    for b in spec.batch:
        if b < 1:
            raise SpecError(f"batch: {b!r} must be a positive integer")
    both = set(spec.parameters) & set(spec.sample.parameters if spec.sample else {})
    if both:
        raise SpecError(f"parameter {sorted(both)[0]!r}: both a grid and a sampled axis")
    if spec.sample is not None and not spec.sample.parameters:
        raise SpecError("sample.parameters: empty (name at least one sampled parameter)")
    for name, items in (("benchmarks", spec.benchmarks), ("architectures", spec.arch_names),
                        ("batch", spec.batch)):
        _no_repeats(name, list(items))
    probes: dict[str, list[Any]] = {}
    for key, axis in spec.parameters.items():
        _check_axis(key, axis, sampled=False)
        probes[key] = axis_values(key, axis)
        if axis.values is not None:
            _no_repeats(f"parameter {key!r}", probes[key])
    for key, axis in (spec.sample.parameters if spec.sample else {}).items():
        _check_axis(key, axis, sampled=True)
        probes[key] = ([resolve_value(key, v) for v in axis.values] if axis.values
                       is not None else [resolve_value(key, x) for x in axis.range or ()])
    _check_against_presets(spec, probes)
    rows = count_rows(spec)
    if rows > MAX_ROWS:
        raise SpecError(f"sweep expands to {rows:,} rows (limit {MAX_ROWS:,}): split it")


def _no_repeats(where: str, values: list[Any]) -> None:
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise SpecError(f"{where}: {v!r} given twice")
        seen.append(v)


def _check_against_presets(spec: SweepSpec, probes: dict[str, list[Any]]) -> None:
    """Each hardware value alone on each architecture's preset (unknown in that preset,
    impossible value: ``SpecError``); combinations are checked when a point runs."""
    try:
        load_preset(spec.base)
    except HardwareError as exc:
        raise SpecError(f"base: {exc}") from None
    for arch in spec.arch_names:
        try:
            preset, base_over = resolve_architecture(arch)
            load_preset(preset, base_over or None)
        except LerganError as exc:
            raise SpecError(f"architectures: {exc}") from None
        for key, values in probes.items():
            if is_option(tied(key)[0]):
                continue
            for v in values:
                try:
                    load_preset(preset, {**base_over, **dict.fromkeys(tied(key), v)})
                except HardwareError as exc:
                    raise SpecError(f"parameter {key!r} = {v!r} on {arch}: {exc}") from None


# ---- expansion --------------------------------------------------------------------------


def _samples(sample: Sample) -> list[dict[str, Any]]:
    """``sample.points`` value sets: Latin hypercube (one value per stratum of each axis,
    strata shuffled independently, McKay et al., Technometrics 1979) or independent
    uniform draws; a log-scale range is uniform in the logarithm, an integer range uniform
    over its whole numbers, a list uniform over its entries."""
    rng = random.Random(sample.seed)
    n = sample.points
    keys = list(sample.parameters)
    units: dict[str, list[float]] = {}
    for k in keys:
        if sample.method == "lhs":
            perm = list(range(n))
            for i in range(n - 1, 0, -1):  # Fisher-Yates on random() (stable sequence)
                j = int(rng.random() * (i + 1))
                perm[i], perm[j] = perm[j], perm[i]
            units[k] = [(perm[i] + rng.random()) / n for i in range(n)]
        else:
            units[k] = [rng.random() for _ in range(n)]
    out = []
    for i in range(n):
        vals = {}
        for k in keys:
            vals[k] = _sampled_value(k, sample.parameters[k], units[k][i])
        out.append(vals)
    return out


def _sampled_value(key: str, axis: Axis, u: float) -> Any:
    if axis.values is not None:
        return resolve_value(key, axis.values[min(int(u * len(axis.values)),
                                                  len(axis.values) - 1)])
    assert axis.range is not None
    low, high = (resolve_value(key, x) for x in axis.range)
    if _numeric(key)[1]:  # whole numbers: equal shares of [low, high + 1)
        if axis.scale == "log":
            v = math.exp(math.log(low) + u * (math.log(high + 1) - math.log(low)))
        else:
            v = low + u * (high + 1 - low)
        return min(int(v), high)
    return _scaled(low, high, u, axis.scale)


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every design point (parameter values and batch), in a stable order."""
    grid_keys = list(spec.parameters)
    grid = [axis_values(k, spec.parameters[k]) for k in grid_keys]
    samples = _samples(spec.sample) if spec.sample is not None else [{}]
    out = []
    for batch in spec.batch:
        for combo in itertools.product(*grid):
            for s in samples:
                params = {**dict(zip(grid_keys, combo, strict=True)), **s}
                out.append({"batch": batch, "params": params})
    return out


def count_rows(spec: SweepSpec) -> int:
    """Rows the sweep expands to (design points x benchmarks x architectures)."""
    n = len(spec.batch) * (spec.sample.points if spec.sample else 1)
    for k, a in spec.parameters.items():
        n *= len(axis_values(k, a))
    return n * len(spec.benchmarks) * len(spec.arch_names)


def expand(spec: SweepSpec) -> Iterator[Point]:
    """Every row of the sweep: design points x benchmarks x architectures."""
    for dp in design_points(spec):
        params = dp["params"]
        overrides: dict[str, Any] = {}
        options: dict[str, Any] = {}
        for k, v in params.items():
            for part in tied(k):
                (options if is_option(part) else overrides)[part] = v
        for bench in spec.benchmarks:
            for arch in spec.arch_names:
                yield Point(benchmark=bench, architecture=arch, batch=dp["batch"],
                            params=params, overrides=overrides, options=options)


def swept_parameters(spec: SweepSpec) -> list[str]:
    """The names of the swept parameters (``batch`` included when it takes several values)."""
    names = list(spec.parameters) + list(spec.sample.parameters if spec.sample else [])
    return (["batch"] if len(spec.batch) > 1 else []) + names
