"""Encoding: :class:`~ipp_wsgi.codec.message.Message` to bytes (RFC 8010 section 3).

The encoder checks what it writes and raises :class:`~ipp_wsgi.codec.errors.IppEncodeError` for a value
whose Python type does not match its tag, an integer outside -2**31..2**31-1, a name or value longer than
32767 octets, a tag outside 0x10..0xFF (or a delimiter, memberAttrName or endCollection tag used as a value
tag), an attribute without values and a naive ``datetime``. It writes the inverse of the decoder's mapping
(see :mod:`ipp_wsgi.codec.decoder`); a ``datetime`` keeps deci-second precision (finer digits are dropped)
and a UTC offset of whole minutes. Additional values are written with an empty name, and a collection as
begCollection, then memberAttrName and the member's values for each member, then endCollection
(RFC 8010 section 3.1.6).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NoReturn

from ipp_wsgi.codec import _wire, tags
from ipp_wsgi.codec.attribute import Attribute, AttributeGroup, Collection
from ipp_wsgi.codec.errors import IppEncodeError
from ipp_wsgi.codec.message import Message
from ipp_wsgi.codec.values import OUT_OF_BAND, NameWithLanguage, Range, Resolution, TextWithLanguage

_MAX_DEPTH = 64
"""Deepest collection nesting written; deeper is almost surely a collection that contains itself."""

_TEXT_TAGS = _wire.STRING_TAGS - {tags.MEMBER_ATTR_NAME}
_ONE_MINUTE = timedelta(minutes=1)
_END_COLLECTION = bytes([tags.END_COLLECTION, 0, 0, 0, 0])


class _Mismatch(Exception):
    """A value the encoder cannot write under its tag; the caller adds the attribute name."""


def _wrong_type(value: Any, tag: int) -> _Mismatch:
    return _Mismatch(f"{type(value).__name__} value {value!r} cannot be written as {tags.tag_name(tag)}")


def _expect(value: Any, kind: Any, tag: int) -> None:
    if not isinstance(value, kind):
        raise _wrong_type(value, tag)


def _checked(octets: bytes) -> bytes:
    if len(octets) > _wire.MAX_LENGTH:
        raise _Mismatch(f"value of {len(octets)} octets is longer than {_wire.MAX_LENGTH}")
    return octets


def _integer(tag: int) -> Callable[[Any], bytes]:
    def write(value: Any) -> bytes:
        if type(value) is not int:  # bool is an int subclass but not an integer value
            raise _wrong_type(value, tag)
        if not _wire.INT32_MIN <= value <= _wire.INT32_MAX:
            raise _Mismatch(f"integer {value} is outside -2**31..2**31-1")
        return _wire.INT32.pack(value)
    return write


def _boolean(value: Any) -> bytes:
    _expect(value, bool, tags.BOOLEAN)
    return b"\x01" if value else b"\x00"


def _octet_string(value: Any) -> bytes:
    _expect(value, bytes | bytearray, tags.OCTET_STRING)
    return _checked(bytes(value))


def _date_time(value: Any) -> bytes:
    _expect(value, datetime, tags.DATE_TIME)
    offset = value.utcoffset()
    if offset is None:
        raise _Mismatch(f"dateTime {value!r} has no timezone")
    minutes, rest = divmod(offset, _ONE_MINUTE)
    if rest:
        raise _Mismatch(f"dateTime {value!r} has a UTC offset that is not whole minutes")
    direction = _wire.MINUS if minutes < 0 else _wire.PLUS
    hours, minutes = divmod(abs(minutes), 60)
    return _wire.DATE_TIME.pack(value.year, value.month, value.day, value.hour, value.minute, value.second,
                                value.microsecond // 100000, direction, hours, minutes)


def _packer(kind: type, tag: int, layout: struct.Struct) -> Callable[[Any], bytes]:
    def write(value: Any) -> bytes:
        _expect(value, kind, tag)
        try:
            return layout.pack(*value)
        except struct.error as exc:
            raise _Mismatch(f"{tags.tag_name(tag)} {value!r}: {exc}") from None
    return write


def _with_language(kind: type, tag: int) -> Callable[[Any], bytes]:
    def write(value: Any) -> bytes:
        _expect(value, kind, tag)
        text, language = value
        _expect(text, str, tag)
        _expect(language, str, tag)
        language_octets = _checked(language.encode())
        text_octets = _checked(text.encode())
        return _checked(b"".join((_wire.U16.pack(len(language_octets)), language_octets,
                                  _wire.U16.pack(len(text_octets)), text_octets)))
    return write


def _string(tag: int) -> Callable[[Any], bytes]:
    def write(value: Any) -> bytes:
        _expect(value, str, tag)
        return _checked(value.encode())
    return write


def _out_of_band(tag: int) -> Callable[[Any], bytes]:
    singleton = OUT_OF_BAND[tag]

    def write(value: Any) -> bytes:
        if value is singleton:
            return b""
        if isinstance(value, bytes):  # a non-empty out-of-band value as decoded, kept byte for byte
            return _checked(value)
        raise _Mismatch(f"{value!r} cannot be written as {tags.tag_name(tag)}")
    return write


def _raw(tag: int) -> Callable[[Any], bytes]:
    def write(value: Any) -> bytes:
        _expect(value, bytes, tag)
        if tag == tags.EXTENSION and len(value) < 4:
            raise _Mismatch("an extension value starts with its 4-octet value-tag")
        return _checked(value)
    return write


_WRITERS: dict[int, Callable[[Any], bytes]] = {
    tags.INTEGER: _integer(tags.INTEGER),
    tags.ENUM: _integer(tags.ENUM),
    tags.BOOLEAN: _boolean,
    tags.OCTET_STRING: _octet_string,
    tags.DATE_TIME: _date_time,
    tags.RESOLUTION: _packer(Resolution, tags.RESOLUTION, _wire.RESOLUTION),
    tags.RANGE_OF_INTEGER: _packer(Range, tags.RANGE_OF_INTEGER, _wire.RANGE),
    tags.TEXT_WITH_LANGUAGE: _with_language(TextWithLanguage, tags.TEXT_WITH_LANGUAGE),
    tags.NAME_WITH_LANGUAGE: _with_language(NameWithLanguage, tags.NAME_WITH_LANGUAGE),
    **{tag: _out_of_band(tag) for tag in OUT_OF_BAND},
    **{tag: _string(tag) for tag in _TEXT_TAGS},
}
"""The writer of each value tag but begCollection (written inline); strings also have an inline fast path."""
for _tag in range(0x10, 0x100):
    if _tag not in _WRITERS and _tag not in (tags.BEG_COLLECTION, tags.END_COLLECTION, tags.MEMBER_ATTR_NAME):
        _WRITERS[_tag] = _raw(_tag)  # unassigned and extension tags: the value is its raw octets


class EncodedAttribute(Attribute):
    """An attribute whose encoding (as a member of a group) is computed once, when it is built.

    The encoder copies :attr:`octets` instead of writing the values again: for attributes that are
    answered over and over unchanged (a printer's configured description). Like any attribute shared
    between responses it must never be changed in place; the octets would no longer match.
    """

    __slots__ = ("octets",)

    def __init__(self, attribute: Attribute) -> None:
        super().__init__(attribute.name, list(attribute.tags), list(attribute.values))
        parts: list[bytes] = []
        _write_attributes(parts, (attribute,), False, 0)
        self.octets = b"".join(parts)


def pre_encoded(group: Iterable[Attribute]) -> list[EncodedAttribute]:
    """Each attribute of ``group`` as an :class:`EncodedAttribute` (raises IppEncodeError if one cannot be
    encoded)."""
    return [a if type(a) is EncodedAttribute else EncodedAttribute(a) for a in group]


class EncodedGroup(AttributeGroup):
    """A group encoded once, when it is built, and frozen: every change raises TypeError.

    The encoder copies :attr:`octets` instead of writing the attributes again: for answers given over and
    over unchanged (a printer's attributes, requested the same way by every poll).
    """

    __slots__ = ("octets",)

    def __init__(self, attributes: Iterable[Attribute] = ()) -> None:
        super().__init__(attributes)
        parts: list[bytes] = []
        _write_attributes(parts, self._attrs.values(), False, 0)
        self.octets = b"".join(parts)

    def __eq__(self, other: object) -> bool:
        """Equal to a plain group with the same attributes (not to a collection)."""
        if not isinstance(other, AttributeGroup) or isinstance(other, Collection):
            return NotImplemented
        return list(self._attrs.values()) == list(other._attrs.values())

    __hash__ = None

    def _frozen(self) -> NoReturn:
        raise TypeError("an EncodedGroup cannot change: build a new AttributeGroup from its attributes()")

    def append(self, attribute: Attribute) -> Attribute:
        self._frozen()

    def add(self, name: str, value: Any, tag: int | None = None) -> Attribute:
        self._frozen()

    def __setitem__(self, name: str, value: Any) -> None:
        self._frozen()

    def __delitem__(self, name: str) -> None:
        self._frozen()

    def pop(self, name: str) -> Attribute | None:
        self._frozen()


def encode(message: Message) -> bytes:
    """Encode a message's header and attribute section (no document data)."""
    try:
        major, minor = message.version
        parts = [_wire.HEADER.pack(major, minor, message.code, message.request_id)]
    except (struct.error, TypeError, ValueError) as exc:
        raise IppEncodeError(f"bad message header (version, code or request-id): {exc}") from None
    for group_tag, group in message.groups:
        if group_tag not in _GROUP_TAGS:
            raise IppEncodeError(f"{group_tag!r} is not a group tag")
        parts.append(_OCTET[group_tag])
        if type(group) is EncodedGroup:
            parts.append(group.octets)
        else:
            _write_attributes(parts, group._attrs.values(), False, 0)  # direct: attributes() costs a call
    parts.append(_OCTET[tags.END_OF_ATTRIBUTES])
    return b"".join(parts)


_OCTET = [bytes((i,)) for i in range(256)]
_GROUP_TAGS = frozenset(range(1, 0x10)) - {tags.END_OF_ATTRIBUTES}
_NO_NAME = b"\x00\x00"
_NAMES: dict[str, bytes] = {}
"""name-length and name octets of the names written so far (most messages use a few hundred names)."""


def _name_field(name: Any) -> bytes:
    """name-length and name of an attribute or member, checked (and cached: the same names recur)."""
    field = _NAMES.get(name)
    if field is None:
        if type(name) is not str or not name:
            raise IppEncodeError(f"attribute name {name!r} is not a non-empty str")
        octets = name.encode()
        if len(octets) > _wire.MAX_LENGTH:
            raise IppEncodeError(f"attribute name of {len(octets)} octets is longer than {_wire.MAX_LENGTH}")
        field = _wire.U16.pack(len(octets)) + octets
        if len(_NAMES) < 4096:
            _NAMES[name] = field
    return field


_pack_u16 = _wire.U16.pack
_pack_int32 = _wire.INT32.pack
_INT_MIN = _wire.INT32_MIN
_INT_MAX = _wire.INT32_MAX


def _write_attributes(parts: list[bytes], attributes: Iterable[Attribute], members: bool, depth: int) -> None:
    """Append the entries of ``attributes``: a group's, or a collection's ``members`` at ``depth``.

    Module globals are used directly, not bound to locals: this runs once per group, and Python 3.11
    caches global look-ups.
    """
    attr = None
    try:
        for attr in attributes:
            if type(attr) is EncodedAttribute and not members:
                parts.append(attr.octets)
                continue
            values = attr.values
            value_tags = attr.tags
            if not values or len(values) != len(value_tags):
                raise _Mismatch("an attribute has one tag for each of its values (at least one)")
            name = _NAMES.get(attr.name) or _name_field(attr.name)
            if members:  # RFC 8010 section 3.1.6: memberAttrName carries the name, the values have none
                parts += (b"\x4a\x00\x00", name)
                name = _NO_NAME
            for i, value in enumerate(values):  # faster than zip(); the lengths are checked above
                tag = value_tags[i]
                if type(value) is str and tag in _TEXT_TAGS:
                    octets = value.encode()
                    length = len(octets)
                    if length > 32767:
                        _checked(octets)
                    parts += (_OCTET[tag], name, _pack_u16(length), octets)
                elif type(value) is int and (tag == 0x21 or tag == 0x23) and _INT_MIN <= value <= _INT_MAX:
                    parts += (_OCTET[tag], name, b"\x00\x04", _pack_int32(value))
                elif tag == 0x34:
                    _expect(value, Collection, tag)
                    if depth >= _MAX_DEPTH:
                        raise _Mismatch(f"collections nested deeper than {_MAX_DEPTH} (or self-contained)")
                    parts += (b"\x34", name, _NO_NAME)
                    _write_attributes(parts, value._attrs.values(), True, depth + 1)
                    parts.append(_END_COLLECTION)
                else:
                    writer = _WRITERS.get(tag) if type(tag) is int else None
                    if writer is None:
                        raise _Mismatch(f"{tag!r} is not a value tag the encoder writes")
                    octets = writer(value)
                    parts += (_OCTET[tag], name, _pack_u16(len(octets)), octets)
                name = _NO_NAME
    except _Mismatch as exc:
        raise IppEncodeError(f"attribute '{getattr(attr, 'name', '?')}': {exc}") from None
    except UnicodeEncodeError:
        raise IppEncodeError(f"attribute '{getattr(attr, 'name', '?')}': a str is not valid UTF-8") from None
