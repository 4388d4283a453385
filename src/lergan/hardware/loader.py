"""Load presets (YAML) into :class:`~lergan.hardware.schema.Architecture`, with overrides.

A preset file is a tree whose leaves are quantities::

    adc:
      bits: {value: 8, unit: bit, source: "ISAAC (ISCA 2016) Table I", derivation: "quoted"}
      energy_j: {value: 1.5625, unit: pJ, source: "...", derivation: "16 mW / (8 x 1.28 GS/s)"}
      area_m2: {value: 0.0012, unit: mm2, assumption: true, reason: "..."}

Every leaf has ``value`` and either ``source`` (with an optional ``derivation``) or
``assumption: true`` with a ``reason``; numeric leaves also have ``unit``. A numeric leaf
may give ``range: [low, high]`` (in its ``unit``, containing ``value``): the span over which
``lergan sensitivity`` varies an assumption (see docs/explore.md). A file may start
with ``base: OTHER`` (a preset name or a path) and then gives only what it changes. The
top-level keys ``name``, ``title``, ``paper``, ``description``, ``deviations`` and ``base``
are plain text.

Overrides (``{"adc.bits": 6}``, ``--set adc.energy_j="2 pJ"``) replace leaves: a bare
number is in the field's SI unit, a string may carry a unit. Unknown keys, wrong units and
impossible values raise :class:`lergan.errors.HardwareError` naming the key.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import types
import typing
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from lergan.errors import HardwareError
from lergan.hardware.schema import Architecture, Provenance
from lergan.hardware.units import SI_UNIT, Dim, parse_quantity, to_si

PRESET_DIR = Path(__file__).parent / "presets"
META_KEYS = ("name", "title", "paper", "description", "deviations", "base")
LEAF_KEYS = {"value", "unit", "source", "derivation", "assumption", "reason", "range"}

# ---- presets on disk --------------------------------------------------------------------


def list_presets() -> list[str]:
    """Names of the shipped presets (``presets/*.yaml``, files starting with ``_`` excluded)."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml") if not p.stem.startswith("_"))


def _resolve_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        if not p.is_file():
            raise HardwareError(f"preset file {str(p)!r} does not exist")
        return p
    cand = PRESET_DIR / f"{name_or_path}.yaml"
    if not cand.is_file():
        raise HardwareError(
            f"preset {str(name_or_path)!r}: no such preset (known: {', '.join(list_presets())};"
            " or give a path to a .yaml file)"
        )
    return cand


def _stamp(path: str) -> tuple[int, int]:
    """What tells an edited file from the one read before: its modification time (ns) and
    size (``(0, 0)`` if it cannot be stat'ed; reading it then says why)."""
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def _read_yaml(path: str) -> dict[str, Any]:
    """The file's YAML, read again only when the file has changed (:func:`_stamp`)."""
    return _read_yaml_stamped(path, _stamp(path))


@lru_cache(maxsize=64)
def _read_yaml_stamped(path: str, stamp: tuple[int, int]) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        raise HardwareError(f"preset file {path}: not valid YAML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HardwareError(f"preset file {path}: cannot be read as UTF-8 text: {exc}") from None
    if not isinstance(data, dict):
        raise HardwareError(f"preset file {path}: expected a mapping at the top level")
    return data


def _is_leaf(node: Any) -> bool:
    return isinstance(node, Mapping) and "value" in node


def _merge(base: dict[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``child`` into a copy of ``base``: leaves replace, mappings merge."""
    out = copy.deepcopy(base)
    for k, v in child.items():
        if (
            k in out
            and isinstance(v, Mapping)
            and isinstance(out[k], Mapping)
            and not _is_leaf(v)
            and not _is_leaf(out[k])
        ):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _tag_leaves(node: Any, origin: str) -> Any:
    """A deep copy of ``node`` whose leaves record the file that defines them."""
    if _is_leaf(node):
        return {**copy.deepcopy(dict(node)), "_from": origin}
    if isinstance(node, Mapping):
        return {k: _tag_leaves(v, origin) for k, v in node.items()}
    return copy.deepcopy(node)


def raw_tree(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The preset's tree with its ``base`` chain merged (values as written, not converted);
    the caller's own copy."""
    return copy.deepcopy(_shared_tree(name_or_path, _seen))


#: merged preset trees by resolved path, shared and read-only, each with its memo of
#: converted subtrees (:func:`_convert`); a tree is built again when a file of its base
#: chain has changed since (``_STAMPS``: each file's :func:`_stamp` when the tree was built)
_TREES: dict[str, tuple[dict[str, Any], dict[tuple[int, str], tuple]]] = {}
_STAMPS: dict[str, tuple[tuple[str, tuple[int, int]], ...]] = {}
_TREES_MAX = 64


def _shared_tree(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """:func:`raw_tree` built once per file and shared: never change it (copy what you
    change, as :func:`_overridden` does)."""
    return _shared_entry(name_or_path, _seen)[0]


def _file_key(name_or_path: str | Path) -> tuple[Path, str]:
    """A preset's file and the key its tree is shared under (its resolved path)."""
    path = _resolve_path(name_or_path)
    return path, str(path.resolve())


def _shared_entry(name_or_path: str | Path, _seen: tuple[str, ...] = ()
                  ) -> tuple[dict[str, Any], dict[tuple[int, str], tuple]]:
    path, key = _file_key(name_or_path)
    if key in _seen:
        raise HardwareError(f"preset {str(name_or_path)!r}: circular base chain {_seen}")
    hit = _TREES.get(key)
    if hit is not None and all(_stamp(f) == st for f, st in _STAMPS.get(key, ())):
        return hit
    stamps = [(key, _stamp(key))]
    data = _tag_leaves(_read_yaml(key), path.name)
    base = data.get("base")
    if base is None:
        tree = data
    else:
        if not isinstance(base, str) or not base.strip():
            raise HardwareError(f"preset {str(name_or_path)!r}: base {base!r}: expected the "
                                "name of a preset or the path of a .yaml file")
        base_ref = base
        if base.endswith((".yaml", ".yml")) and not Path(base).is_absolute():
            base_ref = str(path.parent / base)
        tree = _merge(_shared_tree(base_ref, (*_seen, key)), {k: v for k, v in data.items()})
        stamps += _STAMPS.get(_file_key(base_ref)[1], ())  # the base chain's files
        tree["base"] = base
        tree["name"] = data.get("name", path.stem)  # a child never passes for its base
    if len(_TREES) >= _TREES_MAX:
        _TREES.clear()
        _STAMPS.clear()
    entry = _TREES[key] = (tree, {})
    _STAMPS[key] = tuple(stamps)
    return entry


# ---- walking the schema -----------------------------------------------------------------


def _strip_optional(ann: Any) -> Any:
    origin = get_origin(ann)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return ann


def _dim_of(ann: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> str | None:
    for m in metadata:
        if isinstance(m, Dim):
            return m.name
    if get_origin(ann) is typing.Annotated:
        for m in get_args(ann)[1:]:
            if isinstance(m, Dim):
                return m.name
    return None


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _field_spec(model: type[BaseModel], name: str) -> tuple[Any, str | None] | None:
    f = model.model_fields.get(name)
    if f is None:
        return None
    ann = _strip_optional(f.annotation)
    return ann, _dim_of(ann, f.metadata)


def _schema_at(key: str) -> tuple[Any, str | None]:
    """The annotation and dimension of dotted ``key`` (dict entries take any name)."""
    ann: Any = Architecture
    dim: str | None = None
    parts = key.split(".")
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        if _is_model(ann):
            spec = _field_spec(ann, part)
            if spec is None:
                raise HardwareError(
                    f"{key}: unknown key {here!r} (known at this level: "
                    f"{', '.join(ann.model_fields)})"
                )
            ann, dim = spec
        elif get_origin(ann) is dict:
            val = get_args(ann)[1]
            ann, dim = _strip_optional(val), _dim_of(val)
            if get_origin(ann) is typing.Annotated:
                ann = get_args(ann)[0]
        else:
            raise HardwareError(f"{key}: {'.'.join(parts[:i])!r} is a value, not a group")
    return ann, dim


def _written(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _convert_leaf(node: Any, key: str, dim: str | None, prov: dict[str, Provenance]) -> Any:
    if not _is_leaf(node):
        raise HardwareError(
            f"{key}: expected a quantity {{value, unit, source | assumption}}, got {node!r}"
        )
    extra = set(node) - LEAF_KEYS - {"_override", "_from", "_written"}
    if extra:
        raise HardwareError(
            f"{key}: unknown entries {sorted(extra)} (allowed: {sorted(LEAF_KEYS)})"
        )
    source, assumption = node.get("source"), bool(node.get("assumption", False))
    if not source and not assumption:
        raise HardwareError(f"{key}: has neither a source nor 'assumption: true' with a reason")
    if assumption and not node.get("reason"):
        raise HardwareError(f"{key}: 'assumption: true' needs a 'reason'")
    value = node["value"]
    written_unit = node.get("unit", "")
    if dim is not None:
        if "unit" not in node:
            raise HardwareError(f"{key}: a {dim} needs a unit (e.g. {SI_UNIT[dim]!r})")
        if isinstance(value, str):  # YAML 1.1 reads "1.0e10" (no sign) as text
            try:
                value = float(value)
            except ValueError:
                raise HardwareError(f"{key}: value {value!r} is not a number") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise HardwareError(f"{key}: value {value!r} is not a number")
        si = to_si(float(value), str(written_unit), dim, key)
        if not math.isfinite(si):
            raise HardwareError(f"{key}: value {value!r} {written_unit} is not a finite "
                                "number")
        if float(si).is_integer() and isinstance(value, int):
            si = int(si)
        unit = SI_UNIT[dim]
    else:
        si, unit = value, str(written_unit)
        if isinstance(si, list):
            si = tuple(si)
        for v in si if isinstance(si, tuple) else (si,):
            if isinstance(v, float) and not math.isfinite(v):
                raise HardwareError(f"{key}: value {value!r} is not a finite number")
    prov[key] = Provenance(
        key=key,
        value=si,
        unit=unit,
        written_value=_written(node.get("_written", value)),
        written_unit="" if "_written" in node else str(written_unit),
        source=source,
        derivation=node.get("derivation"),
        assumption=assumption,
        reason=node.get("reason"),
        overridden=bool(node.get("_override", False)),
        defined_in="override" if node.get("_override") else node.get("_from"),
        range=_leaf_range(node, key, dim, si),
    )
    return si


def _leaf_range(node: Mapping[str, Any], key: str, dim: str | None,
                si: Any) -> tuple[float, float] | None:
    """The leaf's optional ``range: [low, high]`` in SI (written in the leaf's unit)."""
    if "range" not in node:
        return None
    raw = node["range"]
    if (dim is None or not isinstance(raw, (list, tuple)) or len(raw) != 2
            or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in raw)):
        raise HardwareError(f"{key}: range {raw!r}: expected [low, high], two numbers in the "
                            "leaf's unit (numeric leaves only)")
    low, high = (to_si(float(x), str(node.get("unit", "")), dim, key) for x in raw)
    if not low <= float(si) <= high:
        raise HardwareError(f"{key}: range {list(raw)} does not contain the value "
                            f"{node['value']!r} (expected low <= value <= high)")
    return (low, high)


def _convert(node: Any, ann: Any, dim: str | None, key: str, prov: dict[str, Provenance],
             memo: dict[tuple[int, str], tuple] | None = None, record: bool = False) -> Any:
    """The SI value of ``node`` (a group, a mapping of named entries or a leaf) at dotted
    ``key`` of the schema, its leaves' provenance added to ``prov`` in file order.

    ``memo``: converted subtrees of a shared tree (:func:`_shared_tree`) by (node identity,
    key), with the provenance they add; ``record`` fills it (converting the shared tree
    itself), otherwise it is read: a tree with overrides (:func:`_overridden`) shares
    every subtree it does not change with its preset's tree, and converts only the rest.
    What a node converts to depends on the node and its key alone; entries hold their
    node, so an identity is never reused while its entry lives."""
    if memo is None or not key:
        return _convert_node(node, ann, dim, key, prov, memo, record)
    hit = memo.get((id(node), key))
    if hit is not None and hit[0] is node:
        prov.update(hit[2])
        return hit[1]
    if not record:
        return _convert_node(node, ann, dim, key, prov, memo, record)
    sub: dict[str, Provenance] = {}
    out = _convert_node(node, ann, dim, key, sub, memo, record)
    memo[id(node), key] = (node, out, sub)
    prov.update(sub)
    return out


def _convert_node(node: Any, ann: Any, dim: str | None, key: str,
                  prov: dict[str, Provenance], memo: dict[tuple[int, str], tuple] | None,
                  record: bool) -> Any:
    if _is_model(ann):
        if not isinstance(node, Mapping) or _is_leaf(node):
            raise HardwareError(f"{key}: expected a group of fields, got {node!r}")
        out: dict[str, Any] = {}
        for name, child in node.items():
            sub = f"{key}.{name}" if key else str(name)
            if not key and name in META_KEYS:
                out[name] = tuple(child) if isinstance(child, list) else child
                continue
            spec = _field_spec(ann, str(name))
            if spec is None:
                raise HardwareError(
                    f"{sub}: unknown key (known here: {', '.join(ann.model_fields)})"
                )
            out[name] = _convert(child, spec[0], spec[1], sub, prov, memo, record)
        return out
    if get_origin(ann) is dict:
        if not isinstance(node, Mapping) or _is_leaf(node):
            raise HardwareError(f"{key}: expected a mapping of named entries, got {node!r}")
        val = get_args(ann)[1]
        vann, vdim = _strip_optional(val), _dim_of(val)
        if get_origin(vann) is typing.Annotated:
            vann = get_args(vann)[0]
        return {n: _convert(c, vann, vdim, f"{key}.{n}", prov, memo, record)
                for n, c in node.items()}
    return _convert_leaf(node, key, dim, prov)


# ---- overrides --------------------------------------------------------------------------


def _override_value(raw: Any, ann: Any, dim: str | None, key: str) -> Any:
    if dim is not None:
        if isinstance(raw, bool):
            raise HardwareError(f"{key}: expected a number, got {raw!r}")
        if isinstance(raw, (int, float)):
            return raw
        return parse_quantity(str(raw), dim, key)
    if ann is bool and isinstance(raw, str):
        low = raw.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise HardwareError(f"{key}: expected true or false, got {raw!r}")
    if get_origin(ann) is tuple and isinstance(raw, str):
        try:
            return [int(x) for x in raw.replace(" ", "").split(",") if x]
        except ValueError:
            raise HardwareError(f"{key}: expected a comma-separated list, got {raw!r}") from None
    return raw


def apply_overrides(tree: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``tree`` with dotted-key ``overrides`` applied as user leaves."""
    return _overridden(copy.deepcopy(tree), overrides)


def _overridden(tree: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``tree`` with ``overrides`` applied, without changing ``tree``: the groups on the
    path to each overridden leaf are copied, every other subtree is ``tree``'s own."""
    out = dict(tree)
    copied = {id(out)}  # the groups this call made, which it may change
    for key, raw in overrides.items():
        ann, dim = _schema_at(key)
        if _is_model(ann) or get_origin(ann) is dict:
            raise HardwareError(f"{key}: is a group, not a value; override one of its fields")
        value = _override_value(raw, ann, dim, key)
        parts = key.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            if part not in node or not isinstance(node[part], Mapping) or _is_leaf(node[part]):
                prefix = ".".join(parts[: i + 1])
                raise HardwareError(f"{key}: {prefix!r} is not in this preset")
            child = node[part]
            if id(child) not in copied:
                child = node[part] = dict(child)
                copied.add(id(child))
            node = child
        leaf: dict[str, Any] = {
            "value": value,
            "source": "user override",
            "_override": True,
            "_written": raw,
        }
        if dim is not None:
            leaf["unit"] = SI_UNIT[dim]
        node[parts[-1]] = leaf
        if key == "organisation.mats_per_bank":
            # a count of one's own replaces the preset's derivation from a capacity
            node.pop("capacity_bytes", None)
            node.pop("compute_fraction", None)
    return out


def parse_set_options(items: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """Parse CLI ``--set key=value`` items into an overrides mapping (values as text).

    Values are converted per field when the preset loads (a bare number is SI, ``"2 pJ"``
    carries its unit). ``HardwareError`` if an item has no ``=`` or an empty key.
    """
    out: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            raise HardwareError(f"--set {item!r}: expected KEY=VALUE (e.g. adc.bits=6)")
        k, v = item.split("=", 1)
        if not k.strip():
            raise HardwareError(f"--set {item!r}: empty key")
        out[k.strip()] = v.strip()
    return out


# ---- the public loader ------------------------------------------------------------------


def _format_validation(exc: ValidationError, name: str) -> str:
    msgs = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        got = err.get("input")
        if isinstance(got, float) and got.is_integer() and abs(got) < 1e15:
            got = int(got)  # a bare override is read as a float: show -1, not -1.0
        got_s = "" if isinstance(got, Mapping) else f" (got {got!r})"
        msg = str(err["msg"]).removeprefix("Value error, ")
        msgs.append(f"{loc}: {msg}{got_s}" if loc else msg)
    return f"preset {name!r}: " + "; ".join(msgs)


def load_preset(
    name_or_path: str | Path = "lergan", overrides: Mapping[str, Any] | None = None
) -> Architecture:
    """Load a preset by name (``list_presets()``) or from a YAML path, with overrides.

    Returns a frozen :class:`Architecture` in SI units whose
    :meth:`~Architecture.provenance` answers where each number comes from. Shipped presets
    loaded with hashable overrides are cached (the result is immutable), so sweeps that
    reload a preset pay for the validation once.
    """
    if not isinstance(name_or_path, (str, Path)):
        raise HardwareError(f"preset {name_or_path!r}: expected a preset name or the path of a "
                            f".yaml file (presets: {', '.join(list_presets())})")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise HardwareError(f"overrides {overrides!r}: expected a mapping of dotted keys to "
                            "values, e.g. {'adc.bits': 6}")
    for key in overrides or {}:
        if not isinstance(key, str):
            raise HardwareError(f"overrides: key {key!r} is not a dotted field name")
    if isinstance(name_or_path, str) and not name_or_path.endswith((".yaml", ".yml")):
        items = tuple(sorted((overrides or {}).items()))
        try:
            hash(items)
        except TypeError:
            return _load(name_or_path, overrides)
        return _load_cached(name_or_path, items)
    return _load(name_or_path, overrides)


@lru_cache(maxsize=256)
def _load_cached(name: str, items: tuple[tuple[str, Any], ...]) -> Architecture:
    return _load(name, dict(items))


def _load(name_or_path: str | Path, overrides: Mapping[str, Any] | None) -> Architecture:
    tree, memo = _shared_entry(name_or_path)
    prov: dict[str, Provenance] = {}
    if overrides:
        if not memo:  # the preset's own subtrees, converted once for every override
            with contextlib.suppress(HardwareError):  # (an override may mend a bad leaf)
                _convert(tree, Architecture, None, "", {}, memo, record=True)
        tree = _overridden(tree, overrides)
        data = _convert(tree, Architecture, None, "", prov, memo)
    else:
        data = _convert(tree, Architecture, None, "", prov, memo, record=not memo)
    name = str(data.get("name", name_or_path))
    try:
        arch = Architecture.model_validate(data)
    except ValidationError as exc:
        raise HardwareError(_format_validation(exc, name)) from None
    arch._provenance.update(prov)
    return arch
