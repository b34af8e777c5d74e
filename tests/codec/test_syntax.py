"""Tag picking for builder calls (AttributeGroup.add / __setitem__) from the registry syntaxes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ipp_wsgi.codec import tags
from ipp_wsgi.codec.attribute import AttributeGroup, Collection
from ipp_wsgi.codec.errors import IppEncodeError
from ipp_wsgi.codec.syntax import tags_for, to_collection
from ipp_wsgi.codec.values import (
    NO_VALUE,
    NameWithLanguage,
    Range,
    Resolution,
    TextWithLanguage,
)


def _tag(name: str, value: object) -> int:
    return AttributeGroup().add(name, value).tag


@pytest.mark.parametrize(
    ("name", "value", "tag"),
    [
        ("printer-state", 3, tags.ENUM),
        ("copies", 2, tags.INTEGER),
        ("media", "iso_a4_210x297mm", tags.KEYWORD),
        ("job-name", "report.pdf", tags.NAME_WITHOUT_LANGUAGE),
        ("printer-uri-supported", "ipp://localhost/ipp/print", tags.URI),
        ("document-format-supported", "application/pdf", tags.MIME_MEDIA_TYPE),
        ("attributes-charset", "utf-8", tags.CHARSET),
        ("attributes-natural-language", "en", tags.NATURAL_LANGUAGE),
        ("uri-authentication-supported", "none", tags.KEYWORD),
        ("printer-info", "Front desk", tags.TEXT_WITHOUT_LANGUAGE),
        ("color-supported", True, tags.BOOLEAN),
        ("printer-is-accepting-jobs", False, tags.BOOLEAN),
        ("printer-resolution-default", Resolution(600, 600), tags.RESOLUTION),
        ("copies-supported", Range(1, 99), tags.RANGE_OF_INTEGER),
        ("printer-current-time", datetime(2025, 1, 2, tzinfo=UTC), tags.DATE_TIME),
        ("printer-location", TextWithLanguage("Hall", "en"), tags.TEXT_WITH_LANGUAGE),
        ("job-name", NameWithLanguage("Report", "en"), tags.NAME_WITH_LANGUAGE),
        ("printer-dns-sd-name", NO_VALUE, tags.NO_VALUE),
        ("media-col", Collection(), tags.BEG_COLLECTION),
        ("job-password", b"\x01\x02", tags.OCTET_STRING),
    ],
)
def test_single_values(name: str, value: object, tag: int) -> None:
    assert _tag(name, value) == tag


def test_keyword_or_name_mixed_set() -> None:
    attr = AttributeGroup().add("job-sheets-supported", ["none", "standard", "Company Banner"])
    assert attr.tags == [tags.KEYWORD, tags.KEYWORD, tags.NAME_WITHOUT_LANGUAGE]


def test_integer_or_range_mixed_set() -> None:
    attr = AttributeGroup().add("media-top-offset-supported", [0, Range(-100, 100)])
    assert attr.tags == [tags.INTEGER, tags.RANGE_OF_INTEGER]


def test_setitem_and_explicit_tag_wins() -> None:
    group = AttributeGroup()
    group["copies"] = 2
    assert group["copies"].tag == tags.INTEGER
    assert group.add("printer-state", 3, tag=tags.INTEGER).tag == tags.INTEGER


def test_collection_members_use_their_collection() -> None:
    col = Collection(member_of="media-col")
    col.add("media-source", "tray-1")
    size = col.add("media-size", Collection(member_of="media-size")).value
    size.add("x-dimension", 21000)
    assert col["media-source"].tag == tags.KEYWORD
    assert size["x-dimension"].tag == tags.INTEGER


def test_dict_becomes_collection() -> None:
    group = AttributeGroup()
    size = {"x-dimension": 21000, "y-dimension": 29700}
    group["media-col"] = {"media-size": size, "media-type": "stationery"}
    value = group.value("media-col")
    assert isinstance(value, Collection) and value.member_of == "media-col"
    assert group["media-col"].tag == tags.BEG_COLLECTION
    inner = value.value("media-size")
    assert isinstance(inner, Collection) and inner["y-dimension"].tag == tags.INTEGER
    assert value["media-type"].tag == tags.KEYWORD
    built = to_collection("media-col", {"media-source": "main"})
    assert built.member_of == "media-col" and built["media-source"].tag == tags.KEYWORD


def test_unknown_attribute_fallbacks() -> None:
    assert tags_for("x-vendor-thing", ["a-keyword", "Some Text", 7, True]) == [
        tags.KEYWORD, tags.TEXT_WITHOUT_LANGUAGE, tags.INTEGER, tags.BOOLEAN]


def test_string_for_non_string_syntax_falls_back() -> None:
    # copies is integer: a str cannot be one, so it gets the unknown-attribute choice.
    assert tags_for("copies", ["many words"]) == [tags.TEXT_WITHOUT_LANGUAGE]


def test_unsupported_type_raises() -> None:
    with pytest.raises(IppEncodeError, match="float"):
        tags_for("copies", [1.5])


def test_int_and_str_subclasses() -> None:
    class Code(int):
        pass

    class Word(str):
        pass

    assert tags_for("printer-state", [Code(3)]) == [tags.ENUM]
    assert tags_for("media", [Word("iso_a4_210x297mm")]) == [tags.KEYWORD]
