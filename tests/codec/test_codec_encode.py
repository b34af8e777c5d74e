"""The encoder refuses what it cannot write faithfully (IppEncodeError), and keeps odd values lossless."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from codec_helpers import END, HEADER, OPERATION, entry

from ipp_wsgi.codec import (
    NO_VALUE,
    UNKNOWN,
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


def message_with(*attributes: Attribute) -> Message:
    return Message(0x000B, 1, (2, 0), [(tags.OPERATION_ATTRIBUTES, AttributeGroup(attributes))])


def one(tag: Any, value: Any, name: Any = "a") -> Message:
    return message_with(Attribute(name, [tag], [value]))


BAD_MESSAGES = {
    "integer too large": (one(tags.INTEGER, 2**31), "outside"),
    "integer too small": (one(tags.ENUM, -(2**31) - 1), "outside"),
    "bool as integer": (one(tags.INTEGER, True), "cannot be written as integer"),
    "int as boolean": (one(tags.BOOLEAN, 1), "cannot be written as boolean"),
    "bytes as keyword": (one(tags.KEYWORD, b"x"), "cannot be written as keyword"),
    "str as octetString": (one(tags.OCTET_STRING, "x"), "cannot be written as octetString"),
    "string too long": (one(tags.TEXT_WITHOUT_LANGUAGE, "x" * 32768), "longer than 32767"),
    "octets too long": (one(tags.OCTET_STRING, b"x" * 32768), "longer than 32767"),
    "name too long": (one(tags.KEYWORD, "x", name="n" * 32768), "longer than 32767"),
    "empty name": (one(tags.KEYWORD, "x", name=""), "non-empty str"),
    "naive datetime": (one(tags.DATE_TIME, datetime(2024, 1, 1)), "no timezone"),
    "tuple as range": (one(tags.RANGE_OF_INTEGER, (1, 2)), "cannot be written as rangeOfInteger"),
    "range bound too large": (one(tags.RANGE_OF_INTEGER, Range(1, 2**31)), "rangeOfInteger"),
    "resolution units out of range": (one(tags.RESOLUTION, Resolution(300, 300, 300)), "resolution"),
    "text as name with language": (one(tags.NAME_WITH_LANGUAGE, TextWithLanguage("t", "en")),
                                   "cannot be written as nameWithLanguage"),
    "wrong out-of-band singleton": (one(tags.NO_VALUE, UNKNOWN), "cannot be written as no-value"),
    "tag above 0xFF": (one(0x100, b""), "not a value tag"),
    "delimiter tag as value tag": (one(tags.END_OF_ATTRIBUTES, b""), "not a value tag"),
    "memberAttrName as value tag": (one(tags.MEMBER_ATTR_NAME, "x"), "not a value tag"),
    "endCollection as value tag": (one(tags.END_COLLECTION, b""), "not a value tag"),
    "dict as collection": (one(tags.BEG_COLLECTION, {}), "dict value {} cannot be written as"),
    "short extension": (one(tags.EXTENSION, b"\x00"), "4-octet value-tag"),
    "lone surrogate": (one(tags.TEXT_WITHOUT_LANGUAGE, "\udc80"), "not valid UTF-8"),
    "no values": (message_with(Attribute("a", [], [])), "at least one"),
    "bad member": (one(tags.BEG_COLLECTION, Collection([Attribute("m", [tags.INTEGER], ["x"])])),
                   "attribute 'm'"),
    "bad group tag": (Message(0, 1, (2, 0), [(tags.END_OF_ATTRIBUTES, AttributeGroup())]), "not a group tag"),
    "request-id too large": (Message(0, 2**32), "header"),
    "version too large": (Message(0, 1, (256, 0)), "header"),
}


@pytest.mark.parametrize(("message", "reason"), BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys())
def test_encoder_rejects(message: Message, reason: str) -> None:
    with pytest.raises(IppEncodeError, match=reason):
        encode(message)


def test_self_containing_collection_is_an_error_not_a_recursion_error() -> None:
    collection = Collection()
    collection.append(Attribute("self", [tags.BEG_COLLECTION], [collection]))
    with pytest.raises(IppEncodeError, match="nested deeper"):
        encode(one(tags.BEG_COLLECTION, collection))


@pytest.mark.parametrize("tag", [0x14, 0x60, 0x7F, 0xFF])
def test_unknown_and_extension_tags_are_kept_byte_for_byte(tag: int) -> None:
    data = HEADER + OPERATION + entry(tag, b"x", b"\x00\x00\x01\x00ab") + END
    message = decode(data)
    assert message.operation["x"].tags == [tag]
    assert message.operation.value("x") == b"\x00\x00\x01\x00ab"
    assert encode(message) == data


def test_out_of_band_values_are_singletons_and_a_non_empty_one_stays_raw() -> None:
    data = HEADER + OPERATION + entry(tags.NO_VALUE, b"a", b"") + entry(tags.UNKNOWN, b"b", b"junk") + END
    group = decode(data).operation
    assert group.value("a") is NO_VALUE
    assert group.value("b") == b"junk" and group["b"].tags == [tags.UNKNOWN]
    assert encode(decode(data)) == data


def test_boolean_is_not_equal_to_integer_after_decoding() -> None:
    message = message_with(Attribute("a", [tags.BOOLEAN, tags.INTEGER], [True, 1]))
    assert decode(encode(message)).operation["a"].values == [True, 1]
    assert decode(encode(message)) == message
    assert message_with(Attribute("a", [tags.BOOLEAN, tags.INTEGER], [1, 1])) != message
