"""Memos of pure functions of one immutable object (an Architecture, an iteration graph).

Whatever is computed from a frozen object alone stays valid while the object lives;
:func:`per_object` gives each object its own dict for such results. An Architecture holds
dicts and cannot be a dict key itself, so objects are keyed by their ``id``, and an entry
is dropped when its object is collected (a weak reference's callback): a later object that
reuses the ``id`` starts with an empty memo. Values stored there must not refer to the
object, or it would never be collected.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from lergan.hardware.cost import ActionCost
from lergan.hardware.cost import actions as hardware_actions

if TYPE_CHECKING:
    from lergan.hardware.schema import Architecture

_MEMOS: dict[int, tuple[weakref.ref, dict[Hashable, Any]]] = {}


def per_object(obj: Any) -> dict[Hashable, Any]:
    """The memo dict of ``obj`` (keys: tuples whose first item names what they hold)."""
    key = id(obj)
    entry = _MEMOS.get(key)
    if entry is not None and entry[0]() is obj:
        return entry[1]
    memo: dict[Hashable, Any] = {}
    _MEMOS[key] = (weakref.ref(obj, lambda _r, k=key, memos=_MEMOS: memos.pop(k, None)), memo)
    return memo


def actions(arch: Architecture) -> Mapping[str, ActionCost]:
    """:func:`lergan.hardware.cost.actions` of ``arch``, computed once per object (read-only)."""
    memo = per_object(arch)
    hit = memo.get(("actions",))
    if hit is None:
        hit = memo["actions",] = MappingProxyType(hardware_actions(arch))
    return hit
