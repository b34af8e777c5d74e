"""Picks value tags for builder calls from the registry's attribute syntaxes.

:func:`tags_for` is what ``AttributeGroup.add(name, value)`` uses when no explicit tag is given:

* ``bool`` -> boolean; ``int`` -> enum when the syntax is enum, else integer;
* ``str`` -> keyword when the syntax allows keyword and the value looks like one, else the syntax's
  string type (name, text, uri, uriScheme, charset, naturalLanguage, mimeMediaType, memberAttrName);
* ``bytes`` -> octetString, aware ``datetime`` -> dateTime, :class:`Resolution`, :class:`Range`,
  :class:`TextWithLanguage`, :class:`NameWithLanguage`, :class:`Collection` and out-of-band singletons
  -> their own tags;
* a plain ``dict`` is turned, **in place in the values list**, into a :class:`Collection` whose members
  are added (and tagged) in turn, so ``attrs["media-col"] = {"media-size": {"x-dimension": 21000, ...}}``
  works.

An attribute the registry does not know gets keyword for a keyword-looking ``str`` and text for any
other, integer for ``int``. Collection members are looked up with ``member_of``, the name of the
collection attribute or member holding them (``"media-col"``, nested ``"media-size"``).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from ipp_wsgi.codec import tags
from ipp_wsgi.codec.attribute import Collection
from ipp_wsgi.codec.errors import IppEncodeError
from ipp_wsgi.codec.registry import Syntax, attribute_syntax, member_syntax
from ipp_wsgi.codec.values import NameWithLanguage, OutOfBand, Range, Resolution, TextWithLanguage

# RFC 8011 section 5.1.4: lowercase letters, digits, "-", "_" and "." (media names use "." and "_").
_KEYWORD = re.compile(r"[a-z0-9][a-z0-9._-]{0,254}")

_FIXED_TAGS: dict[type, int] = {
    bool: tags.BOOLEAN,
    bytes: tags.OCTET_STRING,
    datetime: tags.DATE_TIME,
    Resolution: tags.RESOLUTION,
    Range: tags.RANGE_OF_INTEGER,
    TextWithLanguage: tags.TEXT_WITH_LANGUAGE,
    NameWithLanguage: tags.NAME_WITH_LANGUAGE,
    Collection: tags.BEG_COLLECTION,
}

# The string tags a plain str may take, in the order they are preferred when a syntax allows several.
_STRING_TAGS = (tags.NAME_WITHOUT_LANGUAGE, tags.TEXT_WITHOUT_LANGUAGE, tags.URI, tags.URI_SCHEME,
                tags.CHARSET, tags.NATURAL_LANGUAGE, tags.MIME_MEDIA_TYPE, tags.MEMBER_ATTR_NAME)


class _Picker:
    """The tag choices for one (attribute, collection) pair, worked out once from its syntax."""

    __slots__ = ("int_tag", "keyword", "string_tag")

    def __init__(self, syntax: Syntax | None) -> None:
        allowed = syntax.tags if syntax is not None else ()
        self.int_tag = tags.ENUM if tags.ENUM in allowed and tags.INTEGER not in allowed else tags.INTEGER
        self.keyword = syntax is None or tags.KEYWORD in allowed
        self.string_tag = next((t for t in _STRING_TAGS if t in allowed), None)

    def str_tag(self, value: str) -> int:
        if self.keyword and _KEYWORD.fullmatch(value):
            return tags.KEYWORD
        if self.string_tag is not None:
            return self.string_tag
        return tags.KEYWORD if _KEYWORD.fullmatch(value) else tags.TEXT_WITHOUT_LANGUAGE


@lru_cache(maxsize=4096)
def _picker(name: str, member_of: str | None) -> _Picker:
    syntax = member_syntax(member_of, name) if member_of is not None else None
    return _Picker(syntax if syntax is not None else attribute_syntax(name))


def tags_for(name: str, values: list[Any], member_of: str | None = None) -> list[int]:
    """The value tag for each of ``values`` of attribute ``name`` (a member of ``member_of`` if given).

    A ``dict`` in ``values`` is replaced by the equivalent :class:`Collection`. Raises
    :class:`IppEncodeError` for a value of a type IPP has no syntax for.
    """
    picker = _picker(name, member_of)
    result = []
    for i, value in enumerate(values):
        kind = type(value)
        if kind is str:
            result.append(picker.str_tag(value))
        elif kind is int:
            result.append(picker.int_tag)
        elif kind in _FIXED_TAGS:
            result.append(_FIXED_TAGS[kind])
        else:
            result.append(_other_tag(name, values, i, picker))
    return result


def _other_tag(name: str, values: list[Any], index: int, picker: _Picker) -> int:
    """Tags for the less common types (subclasses, out-of-band, dict): the slow path."""
    value = values[index]
    if isinstance(value, OutOfBand):
        return value.tag
    if isinstance(value, dict):
        values[index] = to_collection(name, value)
        return tags.BEG_COLLECTION
    for kind, tag in _FIXED_TAGS.items():
        if isinstance(value, kind):
            return tag
    if isinstance(value, int):
        return picker.int_tag
    if isinstance(value, str):
        return picker.str_tag(value)
    raise IppEncodeError(f"{name}: no IPP syntax for a {type(value).__name__} value")


def to_collection(name: str, members: dict[str, Any]) -> Collection:
    """A :class:`Collection` value of attribute ``name`` with ``members`` added (tags from the registry)."""
    collection = Collection(member_of=name)
    for member, value in members.items():
        collection.add(member, value)
    return collection
