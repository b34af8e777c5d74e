"""Typed look-ups over the IANA IPP attribute registry (generated into :mod:`._registry_data`).

The data comes from ``tools/gen_registry.py``: the IANA registry with its errata and the CUPS extensions
applied. Every attribute is known per registry group ("Operation", "Job Template", "Printer Description",
...); a look-up without a group takes the first group listed for the attribute, request and Job groups
first. Collection members are looked up by the *name* of the collection attribute (``"media-col"``,
``"media-col-database"``) or of the collection member that holds them (``"media-size"``); members reached
through the registry's ``<Any "x" member attribute>`` links are included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Final

from ipp_wsgi.codec import _registry_data as _data

REGISTRY_UPDATED: Final[str] = _data.REGISTRY_UPDATED
"""The ``<updated>`` date of the IANA registry the data was generated from."""

GROUP_TAG_NAMES: Final[Mapping[int, str]] = MappingProxyType(_data.GROUP_TAGS)
"""Group (delimiter) tag -> registry name, e.g. ``0x01 -> "operation-attributes-tag"``."""
OUT_OF_BAND_TAG_NAMES: Final[Mapping[int, str]] = MappingProxyType(_data.OUT_OF_BAND_TAGS)
"""Out-of-band value tag -> registry name, e.g. ``0x13 -> "no-value"``."""
VALUE_TAG_NAMES: Final[Mapping[int, str]] = MappingProxyType(_data.VALUE_TAGS)
"""Attribute syntax value tag -> registry name, e.g. ``0x34 -> "begCollection"``."""
OPERATION_NAMES: Final[Mapping[int, str]] = MappingProxyType(_data.OPERATIONS)
"""Operation-id -> name, IANA and CUPS (0x4001...)."""
STATUS_NAMES: Final[Mapping[int, str]] = MappingProxyType(_data.STATUS_CODES)
"""Status code -> name."""


@dataclass(frozen=True, slots=True)
class Syntax:
    """What the registry allows as the value(s) of one attribute.

    ``tags`` lists the allowed value tags in the registry's order (``type2 keyword | name(MAX)`` gives
    keyword, nameWithoutLanguage, nameWithLanguage: ``name`` and ``text`` allow both language forms).
    ``min``/``max`` bound integer and rangeOfInteger values (None when neither is allowed),
    ``max_length`` bounds string and octetString values in octets (None when none is allowed),
    ``out_of_band`` lists the out-of-band tags the syntax names (``no-value``, ``unknown``, ...).
    ``obsolete`` marks attributes the registry lists only as obsolete.
    """

    tags: tuple[int, ...]
    set_of: bool
    min: int | None
    max: int | None
    max_length: int | None
    out_of_band: tuple[int, ...]
    obsolete: bool

    def allows(self, tag: int) -> bool:
        """True when ``tag`` is one of the syntax's value tags or named out-of-band tags."""
        return tag in self.tags or tag in self.out_of_band


@cache
def _syntax(index: int) -> Syntax:
    return Syntax(*_data.SYNTAXES[index])


def attribute_groups(name: str) -> tuple[str, ...]:
    """The registry groups attribute ``name`` belongs to, preferred first (empty when unknown)."""
    return tuple(_data.GROUPS[group] for group, _ in _data.ATTRIBUTES.get(name, ()))


def attribute_syntax(name: str, group: str | None = None) -> Syntax | None:
    """The syntax of attribute ``name`` in registry ``group`` (e.g. ``"Printer Description"``).

    Without ``group`` the attribute's preferred group is used. None for an unknown attribute or an
    attribute that is not in ``group``.
    """
    entries = _data.ATTRIBUTES.get(name)
    if not entries:
        return None
    if group is None:
        return _syntax(entries[0][1])
    for group_index, syntax_index in entries:
        if _data.GROUPS[group_index] == group:
            return _syntax(syntax_index)
    return None


def member_syntax(collection: str, member: str) -> Syntax | None:
    """The syntax of ``member`` in a collection value of attribute (or member) ``collection``."""
    index = _data.COLLECTIONS.get(collection)
    if index is None:
        return None
    syntax_index = _data.MEMBER_SETS[index].get(member)
    return None if syntax_index is None else _syntax(syntax_index)


def member_names(collection: str) -> tuple[str, ...]:
    """The registered member names of collection ``collection`` (empty when unknown)."""
    index = _data.COLLECTIONS.get(collection)
    return () if index is None else tuple(_data.MEMBER_SETS[index])


@lru_cache(maxsize=1024)
def keywords(name: str) -> frozenset[str]:
    """The registered keyword values of attribute ``name`` (``<Any "x" value>`` references resolved)."""
    return frozenset(_keywords(name, frozenset()))


def _keywords(name: str, seen: frozenset[str]) -> set[str]:
    found = set(_data.KEYWORDS.get(name, ()))
    for ref in _data.KEYWORD_REFS.get(name, ()):
        if ref not in seen:
            found |= _keywords(ref, seen | {name})
    return found


def enum_values(attribute: str) -> Mapping[int, str]:
    """The registered enum values of ``attribute`` (value -> name; empty when none)."""
    return MappingProxyType(_data.ENUMS.get(attribute, {}))


def enum_name(attribute: str, value: int) -> str | None:
    """The registry name of enum ``value`` of ``attribute`` (``enum_name("printer-state", 3) == "idle"``)."""
    return _data.ENUMS.get(attribute, {}).get(value)


def enum_value(attribute: str, name: str) -> int | None:
    """The enum value called ``name`` for ``attribute`` (``enum_value("printer-state", "idle") == 3``)."""
    return _enum_by_name(attribute).get(name)


@lru_cache(maxsize=256)
def _enum_by_name(attribute: str) -> dict[str, int]:
    return {name: value for value, name in _data.ENUMS.get(attribute, {}).items()}
