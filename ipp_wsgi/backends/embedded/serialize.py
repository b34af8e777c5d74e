"""Attribute groups to and from JSON text, for the job store.

Every value keeps its own value tag and a type marker, so a group read back equals the group written
(typed values, collections and out-of-band values included). JSON, not pickle: the store must never
execute what it reads. This is the only place that knows the format; swapping it for the IPP wire
encoding means changing :func:`dumps_group` and :func:`loads_group` only.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from ipp_wsgi.codec import (
    Attribute,
    AttributeGroup,
    Collection,
    NameWithLanguage,
    OutOfBand,
    Range,
    Resolution,
    TextWithLanguage,
)
from ipp_wsgi.codec.values import OUT_OF_BAND

# Typed tuples by marker; each is rebuilt from its fields.
_TUPLES: dict[str, type[Any]] = {
    "res": Resolution,
    "rng": Range,
    "twl": TextWithLanguage,
    "nwl": NameWithLanguage,
}
_TUPLE_MARKERS = {cls: marker for marker, cls in _TUPLES.items()}


def dumps_group(group: AttributeGroup) -> str:
    """The group as compact JSON text."""
    return json.dumps(_group_to_json(group), separators=(",", ":"))


def loads_group(text: str) -> AttributeGroup:
    """The group that :func:`dumps_group` wrote as ``text`` (new attributes, which the caller may change)."""
    flat = _flat_attributes(text)
    if flat is None:
        return AttributeGroup(_attributes_from_json(json.loads(text)))
    return AttributeGroup([Attribute(name, list(value_tags), list(values))
                           for name, value_tags, values in flat])


class StoredGroup(AttributeGroup):
    """The group that :func:`dumps_group` wrote as a text, read from it when first used: Get-Jobs turns
    up to thousands of stored jobs into :class:`~ipp_wsgi.backends.Job` s, and of most it shows only
    job-id and job-uri, never the attributes stored with them."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:  # the group's _attrs stay unset until used
        self._text = text

    def __getattr__(self, name: str) -> Any:
        # Called only for what is not set: AttributeGroup's one slot, _attrs, before its first use.
        if name != "_attrs":
            raise AttributeError(name)
        attrs = loads_group(self._text)._attrs
        self._attrs = attrs
        return attrs

    def __eq__(self, other: object) -> bool:
        # Equal to the plain group it stands for (a group equals no group of another type: collections).
        if type(other) is AttributeGroup or type(other) is StoredGroup:
            return list(self.attributes()) == list(other.attributes())
        return NotImplemented

    __hash__ = None


@functools.lru_cache(maxsize=1024)  # jobs of one printer mostly share their few template attributes
def _flat_attributes(text: str) -> tuple[tuple[str, tuple[int, ...], tuple[Any, ...]], ...] | None:
    """The attributes of ``text`` as tuples, when every value is immutable (no collection): read once, then
    copied into new lists for each caller, several times faster than parsing the JSON again."""
    attributes = _attributes_from_json(json.loads(text))
    if any(isinstance(value, Collection) for attr in attributes for value in attr.values):
        return None
    return tuple((attr.name, tuple(attr.tags), tuple(attr.values)) for attr in attributes)


def _group_to_json(group: AttributeGroup) -> list[Any]:
    return [
        [attr.name, [[tag, *_value_to_json(v)] for tag, v in zip(attr.tags, attr.values, strict=True)]]
        for attr in group.attributes()
    ]


def _attributes_from_json(data: list[Any]) -> list[Attribute]:
    return [
        Attribute(name, [tag for tag, *_ in values], [_value_from_json(kind, payload)
                                                      for _, kind, payload in values])
        for name, values in data
    ]


def _value_to_json(value: Any) -> tuple[str, Any]:
    """A (marker, payload) pair for one value."""
    marker = _TUPLE_MARKERS.get(type(value))
    if marker is not None:
        return marker, list(value)
    if isinstance(value, OutOfBand):
        return "oob", value.tag
    if isinstance(value, bool):
        return "b", value
    if isinstance(value, int):
        return "i", value
    if isinstance(value, str):
        return "s", value
    if isinstance(value, bytes):
        return "x", value.hex()
    if isinstance(value, datetime):
        return "d", value.isoformat()
    if isinstance(value, Collection):
        return "c", [value.member_of, _group_to_json(value)]
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def _value_from_json(marker: str, payload: Any) -> Any:
    if marker in _TUPLES:
        return _TUPLES[marker](*payload)
    if marker == "oob":
        return OUT_OF_BAND[payload]
    if marker in ("b", "i", "s"):
        return payload
    if marker == "x":
        return bytes.fromhex(payload)
    if marker == "d":
        return datetime.fromisoformat(payload)
    if marker == "c":
        member_of, members = payload
        return Collection(_attributes_from_json(members), member_of=member_of)
    raise ValueError(f"unknown stored value marker {marker!r}")
