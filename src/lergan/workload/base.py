"""The base of every workload description: frozen pydantic models whose validation errors
are :class:`~lergan.errors.WorkloadError` naming the GAN, network, layer and field.

Pydantic wraps every ``ValueError`` raised during validation (ours included) into a
``ValidationError`` whose location is a path of field names and list indices; this module
turns that path back into names (``network 'D', layer 'conv2' (conv): stride: ...``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from lergan.errors import WorkloadError

__all__ = ["Description", "Name", "explain"]

#: A name of a layer, network, input, call or loss: letters, digits, ``_`` and ``-`` (no
#: dots or slashes: names become module attribute names and parts of tensor paths).
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$")]

_NAMED_LISTS = {
    "networks": "network",
    "layers": "layer",
    "calls": "call",
    "losses": "loss",
    "inputs": "input",
}


def _item(data: Any, key: Any) -> Any:
    try:
        return data[key]
    except (KeyError, IndexError, TypeError):
        return None


def _where(loc: tuple[Any, ...], data: Any) -> list[str]:
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        child = _item(node, key)
        if key in _NAMED_LISTS and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            element = _item(child, loc[i + 1])
            name = element.get("name") if isinstance(element, dict) else None
            label = _NAMED_LISTS[key]
            text = f"{label} {name!r}" if name else f"{label} #{loc[i + 1]}"
            if key == "layers" and isinstance(element, dict) and "kind" in element:
                text += f" ({element['kind']})"
            parts.append(text)
            node = element
            i += 2
            # a discriminated union adds the tag to the path: skip it
            if i < len(loc) and isinstance(node, dict) and loc[i] == node.get("kind"):
                i += 1
            continue
        parts.append(str(key))
        node = child
        i += 1
    return parts


def explain(exc: ValidationError, data: Any, what: str) -> WorkloadError:
    """A :class:`WorkloadError` naming where each validation error happened.

    Nested descriptions validate through their own ``__init__`` (pydantic calls a custom
    ``__init__`` for nested models), so an inner error arrives here already explained as a
    :class:`WorkloadError`; it is the root cause and only gets ``what`` as a prefix. Errors
    that follow from it (a list left too short) are dropped.
    """
    errors = exc.errors()
    causes = [(err.get("ctx") or {}).get("error") for err in errors]
    lines = [str(c) for c in causes if isinstance(c, WorkloadError)]
    if not lines:
        for err in errors:
            where = _where(tuple(err["loc"]), data)
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(": ".join([*where, msg]) if where else msg)
    lines = [line if line.startswith(what) else f"{what}: {line}" for line in lines]
    return WorkloadError("; ".join(dict.fromkeys(lines)))


def _label(cls: type, data: Any) -> str:
    what = getattr(cls, "what", cls.__name__)
    name = data.get("name") if isinstance(data, dict) else None
    text = f"{what} {name!r}" if name else what
    kind = data.get("kind") if isinstance(data, dict) else None
    field = getattr(cls, "model_fields", {}).get("kind")
    kind = kind or (field.default if field is not None else None)
    if what == "layer" and isinstance(kind, str):
        text += f" ({kind})"
    return text


class Description(BaseModel):
    """Frozen, strict pydantic model whose validation failures raise :class:`WorkloadError`
    (a non-finite number, ``.nan`` or ``.inf``, included)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    #: What error messages call an instance ("layer", "network", "GAN", ...).
    what: ClassVar[str] = "description"

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise explain(exc, data, _label(type(self), data)) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise explain(exc, obj, _label(cls, obj)) from None

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]

        try:
            data = json.loads(json_data)
        except ValueError as exc:
            raise WorkloadError(f"{cls.__name__}: not valid JSON: {exc}") from None
        return cls.model_validate(data, *args, **kwargs)
