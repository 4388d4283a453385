"""JSON Schemas of what lergan reads and writes (``lergan schema gan|hardware|result``).

- ``gan``: a GAN description file (``.yaml`` / ``.json``), from the pydantic model
  :class:`lergan.workload.GAN`;
- ``hardware``: a preset file: the groups of :class:`lergan.hardware.schema.Architecture`,
  each field written as a quantity ``{value, unit, source | assumption + reason,
  derivation}`` (the units each dimension accepts: :data:`lergan.hardware.units.UNITS`);
- ``result``: the JSON of ``lergan simulate --json`` (:meth:`SimulationResult.to_dict`).

Editors and validators (``check-jsonschema``) can use them; tests check the shipped files
and results against them.
"""

from __future__ import annotations

import typing
from typing import Any, get_args, get_origin

from lergan.errors import LerganError
from lergan.hardware.loader import META_KEYS, _dim_of, _field_spec, _is_model, _strip_optional
from lergan.hardware.schema import Architecture
from lergan.hardware.units import SI_UNIT, UNITS
from lergan.workload import GAN

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("gan", "hardware", "result")


def gan_schema() -> dict[str, Any]:
    """The schema of a GAN description file."""
    return {"$schema": DRAFT, "title": "lergan GAN description", **GAN.model_json_schema()}


def _leaf(dim: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "value": {"description": "the number (or list, text, flag) as the source gives it"},
        "source": {"type": "string", "description": "paper, table, datasheet"},
        "derivation": {"type": "string"},
        "assumption": {"type": "boolean"},
        "reason": {"type": "string", "description": "why the assumption (required with it)"},
    }
    required = ["value"]
    if dim is not None:
        props["value"] = {"type": ["number", "string"]}
        props["unit"] = {"enum": sorted(u for u, (d, _) in UNITS.items() if d == dim),
                         "description": f"a unit of {dim} (SI: {SI_UNIT[dim]})"}
        required.append("unit")
    else:
        props["unit"] = {"type": "string"}
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False,
            "anyOf": [{"required": ["source"]}, {"required": ["assumption", "reason"]}]}


def _hardware_node(ann: Any, dim: str | None) -> dict[str, Any]:
    if _is_model(ann):
        props = {}
        for name, f in ann.model_fields.items():
            spec = _field_spec(ann, name)
            assert spec is not None
            node = _hardware_node(*spec)
            if f.description:
                node = {**node, "description": f.description}
            props[name] = node
        return {"type": "object", "properties": props, "additionalProperties": False}
    if get_origin(ann) is dict:
        val = get_args(ann)[1]
        vann, vdim = _strip_optional(val), _dim_of(val)
        if get_origin(vann) is typing.Annotated:
            vann = get_args(vann)[0]
        return {"type": "object", "additionalProperties": _hardware_node(vann, vdim)}
    return _leaf(dim)


def hardware_schema() -> dict[str, Any]:
    """The schema of a hardware preset file (meta keys, then the groups of fields)."""
    body = _hardware_node(Architecture, None)
    for key in META_KEYS:
        body["properties"][key] = {"type": "array" if key == "deviations" else "string"}
        if key == "deviations":
            body["properties"][key]["items"] = {"type": "string"}
    body["properties"]["base"]["description"] = ("a preset name or a .yaml path this file "
                                                 "builds on (then give only what changes)")
    return {"$schema": DRAFT, "title": "lergan hardware preset", **body}


def result_schema() -> dict[str, Any]:
    """The schema of ``lergan simulate --json`` (SI units; ``area_mm2`` in mm2)."""
    num = {"type": "number"}
    entries = {"type": "array", "items": {
        "type": "object", "required": ["network", "step", "pass", "layer", "component",
                                       "value"],
        "properties": {k: {"type": "string"} for k in
                       ("network", "step", "pass", "layer", "component")} | {"value": num}}}
    return {
        "$schema": DRAFT, "title": "lergan simulation result", "type": "object",
        "required": ["benchmark", "architecture", "batch", "time_s", "energy_j", "area_mm2",
                     "cells_written", "breakdowns", "options", "provenance"],
        "properties": {
            "benchmark": {"type": "string"}, "architecture": {"type": "string"},
            "batch": {"type": "integer", "minimum": 1},
            "time_s": num, "energy_j": num, "area_mm2": num, "dynamic_energy_j": num,
            "static_energy_j": num, "cells_written": num,
            "breakdowns": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": num}}},
            "energy_entries": entries, "time_entries": entries, "area_entries": entries,
            "write_entries": entries,
            "lifetime": {"type": ["object", "null"]},
            "wear_groups": {"type": "array"}, "critical_path": {"type": "array"},
            "utilisation": {"type": "object", "additionalProperties": num},
            "placement": {"type": "object"}, "interconnect": {"type": "object"},
            "timeline": {"type": "array"},
            "options": {"type": "object", "required": ["preset", "hardware_sha256"]},
            "notes": {"type": "array", "items": {"type": "string"}},
            "provenance": {"type": "object", "required": ["lergan", "commit"], "properties": {
                "lergan": {"type": "string"}, "commit": {"type": ["string", "null"]},
                "options_sha256": {"type": "string"}}},
        },
    }


def schema(kind: str) -> dict[str, Any]:
    """The schema named ``kind`` (:data:`KINDS`)."""
    makers = {"gan": gan_schema, "hardware": hardware_schema, "result": result_schema}
    if kind not in makers:
        raise LerganError(f"schema {kind!r}: choose from {', '.join(KINDS)}")
    return makers[kind]()
