"""Pre-encoded attributes (EncodedAttribute): the encoder copies their bytes, which must be what it would
have written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ipp_wsgi.codec import (
    Attribute,
    AttributeGroup,
    Collection,
    IppEncodeError,
    Message,
    Range,
    Resolution,
    TextWithLanguage,
    decode,
    encode,
    tags,
)
from ipp_wsgi.codec.encoder import EncodedAttribute, EncodedGroup, pre_encoded


def _printer_group() -> AttributeGroup:
    size = Collection()
    size.add("x-dimension", 21000, tags.INTEGER)
    size.add("y-dimension", 29700, tags.INTEGER)
    media = Collection()
    media.add("media-size", size, tags.BEG_COLLECTION)
    group = AttributeGroup()
    group.add("printer-name", "print", tags.NAME_WITHOUT_LANGUAGE)
    group.add("printer-info", TextWithLanguage("Büro", "de"), tags.TEXT_WITH_LANGUAGE)
    group.add("media-col-database", [media, media], tags.BEG_COLLECTION)
    group.add("printer-resolution-supported", Resolution(600, 600, 3), tags.RESOLUTION)
    group.add("copies-supported", Range(1, 99), tags.RANGE_OF_INTEGER)
    group.add("printer-current-time", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), tags.DATE_TIME)
    group.add("sides-supported", ["one-sided", "two-sided-long-edge"], tags.KEYWORD)
    group.add("printer-is-accepting-jobs", True, tags.BOOLEAN)
    return group


def _response(attributes: list[Attribute]) -> Message:
    message = Message(0x0000, 7, (2, 0))
    message.operation.add("attributes-charset", "utf-8", tags.CHARSET)
    message.add_group(tags.PRINTER_ATTRIBUTES, AttributeGroup(attributes))
    return message


def test_pre_encoded_attributes_encode_to_the_same_bytes() -> None:
    plain = list(_printer_group().attributes())
    encoded = pre_encoded(plain)
    assert all(type(a) is EncodedAttribute for a in encoded)
    assert encode(_response(encoded)) == encode(_response(plain))


def test_pre_encoded_attributes_mix_with_plain_ones_and_decode_to_equal_values() -> None:
    plain = list(_printer_group().attributes())
    mixed = [a if i % 2 else EncodedAttribute(a) for i, a in enumerate(plain)]
    data = encode(_response(mixed))
    assert data == encode(_response(plain))
    printer = decode(data).printer
    assert printer is not None
    assert list(printer.attributes()) == plain


def test_pre_encoded_attribute_equals_its_source_and_does_not_share_its_lists() -> None:
    source = Attribute("sides-supported", [tags.KEYWORD], ["one-sided"])
    encoded = EncodedAttribute(source)
    assert encoded == source
    source.append("two-sided-long-edge", tags.KEYWORD)
    assert encoded.values == ["one-sided"]


def test_pre_encoding_an_attribute_the_encoder_refuses_raises_at_once() -> None:
    with pytest.raises(IppEncodeError, match="copies-supported"):
        EncodedAttribute(Attribute("copies-supported", [tags.INTEGER], ["not a number"]))


def test_pre_encoded_keeps_already_encoded_attributes() -> None:
    once = pre_encoded(_printer_group().attributes())
    assert all(a is b for a, b in zip(pre_encoded(once), once, strict=True))


def test_an_encoded_group_encodes_as_its_attributes_and_cannot_change() -> None:
    plain = _printer_group()
    frozen = EncodedGroup(plain.attributes())
    assert frozen == plain and plain == frozen
    assert frozen != Collection(plain.attributes())
    as_plain, as_frozen = Message(0, 1), Message(0, 1)
    as_plain.add_group(tags.PRINTER_ATTRIBUTES, plain)
    as_frozen.add_group(tags.PRINTER_ATTRIBUTES, frozen)
    assert encode(as_frozen) == encode(as_plain)
    assert decode(encode(as_frozen)).printer == plain
    changes = [lambda: frozen.add("x", 1, tags.INTEGER),
               lambda: frozen.append(Attribute("x", [tags.INTEGER], [1])),
               lambda: frozen.__setitem__("printer-name", "y"), lambda: frozen.__delitem__("printer-name"),
               lambda: frozen.pop("printer-name")]
    for change in changes:
        with pytest.raises(TypeError):
            change()
    assert frozen == plain


def test_an_encoded_group_refuses_what_cannot_be_encoded() -> None:
    with pytest.raises(IppEncodeError):
        EncodedGroup([Attribute("bad", [tags.INTEGER], ["not an int"])])
