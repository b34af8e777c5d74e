"""Decoding: bytes (or a stream) to :class:`~ipp_wsgi.codec.message.Message` (RFC 8010 section 3).

Every malformed input raises :class:`~ipp_wsgi.codec.errors.IppDecodeError` whose ``offset`` is the first
octet of the faulty part: 0 for the header, the value-tag of the attribute-with-one-value (or delimiter)
at fault, the end of the data for a missing end-of-attributes-tag, and the first octet past the limit for
an attribute section larger than ``Limits.max_attribute_bytes``.

Value mapping (see :mod:`ipp_wsgi.codec.values`): integer and enum -> ``int``; boolean -> ``bool``; the
character-string syntaxes -> ``str``; octetString -> ``bytes``; dateTime -> aware ``datetime`` (deci-seconds
become microseconds, the UTC offset a fixed ``timezone``; a leap second 60 is rejected as ``datetime``
cannot hold it); resolution -> :class:`Resolution`; rangeOfInteger -> :class:`Range`;
textWithLanguage / nameWithLanguage -> :class:`TextWithLanguage` / :class:`NameWithLanguage`;
begCollection -> :class:`Collection`; an out-of-band tag with an empty value -> its singleton in
``values.OUT_OF_BAND``, and with a non-empty value (which RFC 8010 section 3.8 says receivers ignore) the raw
``bytes``, so the message still re-encodes byte for byte; an unassigned tag or the extension tag 0x7F ->
the raw value ``bytes`` under that tag.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from ipp_wsgi.codec import _wire, tags
from ipp_wsgi.codec.attribute import Attribute, AttributeGroup, Collection
from ipp_wsgi.codec.errors import CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, IppDecodeError
from ipp_wsgi.codec.limits import DEFAULT_LIMITS, STRICT, Limits, Tolerance
from ipp_wsgi.codec.message import Message
from ipp_wsgi.codec.values import OUT_OF_BAND, NameWithLanguage, Range, Resolution, TextWithLanguage

_TOO_LARGE = CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


class _BadValue(Exception):
    """A value that does not fit its tag; the decoder adds the offset."""

    def __init__(self, reason: str, status: int = 0x0400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _fixed_length(syntax: str, expected: int, actual: int) -> _BadValue:
    return _BadValue(f"{syntax} value-length is {actual}, not {expected}")


def _boolean(data: bytes, start: int, length: int) -> bool:
    if length != 1:
        raise _fixed_length("boolean", 1, length)
    octet = data[start]
    if octet > 1:
        raise _BadValue(f"boolean value is 0x{octet:02X}, not 0x00 or 0x01")
    return octet != 0


def _loose_boolean(data: bytes, start: int, length: int) -> bool:
    if length != 1:
        raise _fixed_length("boolean", 1, length)
    return data[start] != 0


def _date_time(data: bytes, start: int, length: int) -> datetime:
    if length != 11:
        raise _fixed_length("dateTime", 11, length)
    year, month, day, hour, minute, second, decis, direction, off_h, off_m = _wire.DATE_TIME.unpack_from(
        data, start)
    if decis > 9 or off_h > 14 or off_m > 59 or direction not in (_wire.PLUS, _wire.MINUS):
        raise _BadValue("dateTime has an out-of-range deci-seconds or UTC offset field")
    try:
        return datetime(year, month, day, hour, minute, second, decis * 100000,
                        _wire.zone(direction, off_h, off_m))
    except ValueError:
        raise _BadValue("dateTime has an out-of-range date or time field") from None


def _resolution(data: bytes, start: int, length: int) -> Resolution:
    if length != 9:
        raise _fixed_length("resolution", 9, length)
    return Resolution._make(_wire.RESOLUTION.unpack_from(data, start))


def _range(data: bytes, start: int, length: int) -> Range:
    if length != 8:
        raise _fixed_length("rangeOfInteger", 8, length)
    return Range._make(_wire.RANGE.unpack_from(data, start))


def _with_language(syntax: str, data: bytes, start: int, length: int) -> tuple[str, str]:
    """(language, string) of a textWithLanguage or nameWithLanguage value (RFC 8010 section 3.9)."""
    if length < 4:
        raise _BadValue(f"{syntax} value-length is {length}, less than 4")
    end = start + length
    lang_end = start + 2 + _wire.U16.unpack_from(data, start)[0]
    if lang_end + 2 > end:
        raise _BadValue(f"{syntax} natural-language length overruns the value-length")
    text_end = lang_end + 2 + _wire.U16.unpack_from(data, lang_end)[0]
    if text_end != end:
        raise _BadValue(f"{syntax} lengths do not add up to the value-length")
    return data[start + 2:lang_end].decode(), data[lang_end + 2:text_end].decode()


def _text_with_language(data: bytes, start: int, length: int) -> TextWithLanguage:
    language, text = _with_language("textWithLanguage", data, start, length)
    return TextWithLanguage(text, language)


def _name_with_language(data: bytes, start: int, length: int) -> NameWithLanguage:
    language, name = _with_language("nameWithLanguage", data, start, length)
    return NameWithLanguage(name, language)


def _octets(data: bytes, start: int, length: int) -> bytes:
    return data[start:start + length]


def _extension(data: bytes, start: int, length: int) -> bytes:
    if length < 4:
        raise _BadValue(f"extension value-length is {length}, less than the 4-octet value-tag")
    return data[start:start + length]


def _out_of_band(tag: int) -> Callable[[bytes, int, int], Any]:
    singleton = OUT_OF_BAND[tag]

    def read(data: bytes, start: int, length: int) -> Any:
        return data[start:start + length] if length else singleton
    return read


# Value readers of the less common tags; strings, integers and booleans are read inline, and any tag
# missing here is kept as raw octets.
_READERS: dict[int, Callable[[bytes, int, int], Any]] = {
    tags.BOOLEAN: _boolean,
    tags.OCTET_STRING: _octets,
    tags.DATE_TIME: _date_time,
    tags.RESOLUTION: _resolution,
    tags.RANGE_OF_INTEGER: _range,
    tags.TEXT_WITH_LANGUAGE: _text_with_language,
    tags.NAME_WITH_LANGUAGE: _name_with_language,
    tags.EXTENSION: _extension,
    **{tag: _out_of_band(tag) for tag in OUT_OF_BAND},
}
_LOOSE_READERS = {**_READERS, tags.BOOLEAN: _loose_boolean}


def decode(data: bytes, limits: Limits = DEFAULT_LIMITS, tolerance: Tolerance = STRICT) -> Message:
    """Decode a whole IPP message; document data after the end-of-attributes tag is ignored."""
    return _decode(bytes(data) if type(data) is not bytes else data, limits, tolerance)


def _section_too_large(max_bytes: int) -> IppDecodeError:
    return IppDecodeError(f"attribute section is larger than {max_bytes} octets", max_bytes, _TOO_LARGE)


def _truncated(data: bytes, end: int, pos: int, cut: bool, max_bytes: int) -> IppDecodeError:
    """The error for the entry at ``pos`` that does not fit before ``end`` (the limit, if ``cut``)."""
    if cut:
        return _section_too_large(max_bytes)
    if pos >= end:
        return IppDecodeError("missing end-of-attributes-tag", end)
    if pos + 3 > end:
        return IppDecodeError("truncated attribute: no name-length", pos)
    if pos + 5 + (data[pos + 1] << 8 | data[pos + 2]) > end:
        return IppDecodeError("truncated attribute: name-length overruns the data", pos)
    return IppDecodeError("truncated attribute: value-length overruns the data", pos)


def _misplaced(tag: int, named: bool, in_collection: bool, in_group: bool) -> str:
    """Why an entry cannot be where it is (the hot loop only notices that something is wrong)."""
    if tag == 0x4A:
        return "memberAttrName with a non-empty name" if named and in_collection else (
            "memberAttrName outside a collection")
    if in_collection:
        return "attribute name inside a collection (name-length must be 0)"
    if not in_group:
        return "attribute before any attribute group tag"
    if tag == 0x37:
        return "endCollection without begCollection"
    return "additional value (name-length 0) with no attribute before"


def _decode(data: bytes, limits: Limits, tolerance: Tolerance) -> Message:
    max_bytes = limits.max_attribute_bytes
    cut = len(data) > max_bytes
    end = max_bytes if cut else len(data)
    if end < 8:
        raise _truncated(data, end, 0, cut, max_bytes) if cut else IppDecodeError(
            "truncated message header (fewer than 8 octets)", 0)
    major, minor, code, request_id = _wire.HEADER.unpack_from(data, 0)
    message = Message(code, request_id, (major, minor))
    groups = message.groups
    # Five zero octets after the end (or the limit): the loop reads tag, name-length and (for an empty
    # name) value-length with one unpack even at the end-of-attributes-tag, and a zero "tag" read there
    # means the data ran out.
    data = data[:end] + b"\0\0\0\0\0"

    # Bound locally: this loop runs once per attribute-with-one-value.
    unpack_head = _wire.ENTRY_HEAD.unpack_from
    unpack_length = _wire.U16.unpack_from
    unpack_int = _wire.INT32.unpack_from
    kinds = _KINDS
    misplaced = _MISPLACED
    readers = _LOOSE_READERS if tolerance.allow_loose_booleans else _READERS
    attribute_type = Attribute
    new_object = object.__new__
    max_values = limits.max_values
    max_length = limits.max_value_length
    max_attrs = limits.max_attributes
    max_depth = limits.max_depth
    # A limit the section is too small to pass is not checked: an entry takes at least 5 octets, a new
    # attribute or member 6, and a value longer than the section fails as a truncation first.
    check_length = end > max_length
    check_values = (end - 8) // 5 > max_values
    check_count = (end - 8) // 6 > max_attrs

    group_attrs: dict[str, Attribute] | None = None  # the current group's attributes, by name
    attrs: dict[str, Attribute] | None = None  # the same, but None inside a collection (names not allowed)
    attr: Attribute | None = None  # the attribute additional values extend
    member: Attribute | None = None  # the current member of the innermost open collection
    stack: list[tuple[dict[str, Attribute], Attribute | None]] = []  # open collections: members, outer member
    members: dict[str, Attribute] = {}  # the members of the innermost open collection
    pending: str | None = None  # a member name read, its attribute not made yet (no value yet)
    count = 0
    pos = 8
    try:
        while True:
            tag, name_length, length = unpack_head(data, pos)
            if tag < 0x10:  # delimiter tag
                if tag == 0x03:
                    if stack:
                        raise _delimiter_in_collection(pos)
                    break
                if pos >= end:
                    if not cut and not stack and tolerance.allow_missing_end_tag:
                        break
                    if stack and not cut:
                        raise IppDecodeError("unterminated collection: no endCollection", pos)
                    raise _truncated(data, end, pos, cut, max_bytes)
                if stack:
                    raise _delimiter_in_collection(pos)
                if tag == 0x00:
                    raise IppDecodeError("reserved delimiter tag 0x00", pos)
                group = AttributeGroup()
                groups.append((tag, group))
                # Filled in place: the public API would cost a call per attribute.
                attrs = group_attrs = group._attrs
                attr = None
                pos += 1
                continue

            if name_length:
                start = pos + 5 + name_length
                length = unpack_length(data, start - 2)[0]
            else:
                start = pos + 5
            value_end = start + length
            if value_end > end:
                raise _truncated(data, end, pos, cut, max_bytes)
            if check_length and length > max_length:
                raise IppDecodeError(f"value-length {length} is larger than {max_length}", pos, _TOO_LARGE)

            kind = kinds[tag]
            if kind == 1:
                value: Any = data[start:value_end].decode()
            elif kind == 2:
                if length != 4:
                    raise _fixed_length(tags.VALUE_TAG_NAMES[tag], 4, length)
                value = unpack_int(data, start)[0]
            else:
                reader = readers.get(tag)
                value = reader(data, start, length) if reader is not None else data[start:value_end]

            if name_length:  # a new attribute: only in a group, never in a collection
                if attrs is None or misplaced[tag]:
                    raise IppDecodeError(_misplaced(tag, True, bool(stack), group_attrs is not None), pos)
                name = data[pos + 3:start - 2].decode()
                if name in attrs:
                    attr = _duplicate(attrs, name, tolerance, pos)
                    attr.tags.append(tag)
                    attr.values.append(value)
                    if check_values and len(attr.values) > max_values:
                        raise _too_many_values(attr, max_values, pos)
                else:
                    # Made without __init__ (its checks cost a call per attribute), here and below.
                    attr = attrs[name] = new_object(attribute_type)
                    attr.name = name
                    attr.tags = [tag]
                    attr.values = [value]
                    if check_count:
                        count += 1
                        if count > max_attrs:
                            raise _too_many_attributes(max_attrs, pos)
            elif stack:
                if tag == 0x4A:
                    if pending is not None:
                        raise _empty_member(pending, pos)
                    if not value:
                        raise IppDecodeError("memberAttrName with an empty member name", pos)
                    if value in members:
                        member = _duplicate(members, value, tolerance, pos)
                    else:
                        pending = value  # the member is made with its first value
                    pos = value_end
                    continue
                if tag == 0x37:
                    if length:
                        raise _not_empty("endCollection", length)
                    if pending is not None:
                        raise _empty_member(pending, pos)
                    member = stack.pop()[1]
                    if stack:
                        members = stack[-1][0]
                    else:
                        attrs = group_attrs
                    pos = value_end
                    continue
                if pending is not None:
                    member = members[pending] = new_object(attribute_type)
                    member.name = pending
                    member.tags = [tag]
                    member.values = [value]
                    pending = None
                    if check_count:
                        count += 1
                        if count > max_attrs:
                            raise _too_many_attributes(max_attrs, pos)
                else:
                    if member is None:
                        raise IppDecodeError("collection value without a memberAttrName", pos)
                    member.tags.append(tag)
                    member.values.append(value)
                    if check_values and len(member.values) > max_values:
                        raise _too_many_values(member, max_values, pos)
            else:
                if attr is None or misplaced[tag]:
                    raise IppDecodeError(_misplaced(tag, False, False, group_attrs is not None), pos)
                attr.tags.append(tag)
                attr.values.append(value)
                if check_values and len(attr.values) > max_values:
                    raise _too_many_values(attr, max_values, pos)

            if tag == 0x34:
                if length:
                    raise _not_empty("begCollection", length)
                if len(stack) >= max_depth:
                    raise IppDecodeError(f"collections nested deeper than {max_depth}", pos, _TOO_LARGE)
                target = attr if attrs is not None else member  # the attribute that got this value
                assert target is not None
                # Made without __init__, which is not worth its cost here: an empty collection.
                collection = new_object(Collection)
                collection._attrs = members = {}
                collection.member_of = target.name
                target.values[-1] = collection
                stack.append((members, member))
                member = None
                attrs = None
            pos = value_end
    except struct.error:  # a name-length or value-length past the end
        raise _truncated(data, end, pos, cut, max_bytes) from None
    except _BadValue as exc:
        raise IppDecodeError(exc.reason, pos, exc.status) from None
    except UnicodeDecodeError:
        raise IppDecodeError("attribute name or value is not valid UTF-8", pos) from None
    return message


def _delimiter_in_collection(pos: int) -> IppDecodeError:
    return IppDecodeError("unterminated collection: delimiter tag before endCollection", pos)


def _not_empty(syntax: str, length: int) -> _BadValue:
    return _BadValue(f"{syntax} value-length is {length}, not 0")


def _empty_member(name: str, pos: int) -> IppDecodeError:
    return IppDecodeError(f"collection member '{name}' has no value", pos)


# Tuples indexed by tag: in the hot loop an index costs less than a set membership test.
_KINDS = tuple(1 if tag in _wire.STRING_TAGS else 2 if tag in (tags.INTEGER, tags.ENUM) else 0
               for tag in range(256))
"""How a value is read: 1 a UTF-8 string, 2 a 4-octet integer, 0 a reader or the raw octets."""
_MISPLACED = tuple(tag in (tags.MEMBER_ATTR_NAME, tags.END_COLLECTION) for tag in range(256))
"""Value tags only allowed, with an empty name, inside a collection."""


def _duplicate(attrs: dict[str, Attribute], name: str, tolerance: Tolerance, pos: int) -> Attribute:
    """The attribute (or member) ``name`` already seen, when the tolerance allows merging the two."""
    if not tolerance.allow_duplicate_attributes:
        raise IppDecodeError(f"attribute '{name}' appears twice in one group or collection", pos)
    return attrs[name]


def _too_many_attributes(max_attrs: int, pos: int) -> IppDecodeError:
    return IppDecodeError(f"more than {max_attrs} attributes", pos, _TOO_LARGE)


def _too_many_values(attr: Attribute, max_values: int, pos: int) -> IppDecodeError:
    return IppDecodeError(f"attribute '{attr.name}' has more than {max_values} values", pos, _TOO_LARGE)


class Readable(Protocol):
    """What :func:`read_message` needs of a stream: ``read(size)`` (a binary file, ``wsgi.input``, ...)."""

    def read(self, size: int, /) -> bytes | None: ...


def _read_exact(stream: Readable, count: int) -> bytes:
    """Up to ``count`` octets, fewer only at end of stream (streams such as mod_wsgi's return short reads)."""
    chunk = stream.read(count)
    if chunk is None or len(chunk) == count:
        return chunk or b""
    parts = [chunk]
    got = len(chunk)
    while chunk and got < count:
        chunk = stream.read(count - got)
        if chunk:
            parts.append(chunk)
            got += len(chunk)
    return b"".join(parts)


def section_length(data: bytes) -> int | None:
    """The length of the attribute section at the start of ``data`` (header through end-of-attributes
    tag), or None when ``data`` ends first. Only tags and lengths are looked at: what they frame is
    checked when the section is decoded."""
    end = len(data)
    pos = 8
    while pos < end:
        tag = data[pos]
        if tag == 0x03:
            return pos + 1
        if tag < 0x10:
            pos += 1
            continue
        name_end = pos + 3 + (data[pos + 1] << 8 | data[pos + 2]) if pos + 2 < end else end
        if name_end + 1 >= end:
            return None
        pos = name_end + 2 + (data[name_end] << 8 | data[name_end + 1])
    return None


def read_message(stream: Readable, limits: Limits = DEFAULT_LIMITS, tolerance: Tolerance = STRICT) -> Message:
    """Read exactly one attribute section from ``stream`` (through the end-of-attributes tag).

    The stream is left at the first byte of document data, which the codec never reads. At most
    ``limits.max_attribute_bytes`` octets are read. A buffered stream (one with ``peek``) whose buffer
    holds the whole section gives it in one read; otherwise reads are per field (the value and the next tag
    come in one read), about three reads per attribute value.
    """
    max_bytes = limits.max_attribute_bytes
    peek = getattr(stream, "peek", None)  # io.BufferedReader's: buffered bytes, not consumed
    if peek is not None:
        length = section_length(peek(max_bytes))
        if length is not None and length <= max_bytes:
            return _decode(_read_exact(stream, length), limits, tolerance)
    section = bytearray()

    def take(count: int) -> bool:
        """Append ``count`` more octets; False at end of stream (the decoder then names the problem)."""
        if len(section) + count > max_bytes:
            raise _section_too_large(max_bytes)
        chunk = _read_exact(stream, count)
        section.extend(chunk)
        return len(chunk) == count

    if take(9):  # the header and the first tag
        while True:
            tag = section[-1]
            if tag == 0x03:
                break
            if tag < 0x10:
                if not take(1):
                    break
                continue
            if not take(2):
                break
            if not take((section[-2] << 8 | section[-1]) + 2):  # the name and the value-length
                break
            if not take((section[-2] << 8 | section[-1]) + 1):  # the value and the next tag
                break
    return _decode(bytes(section), limits, tolerance)
