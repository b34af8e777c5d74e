"""decode(encode(m)) == m for generated messages covering every value tag, and the value mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from codec_helpers import HEADER
from hypothesis import given, settings
from hypothesis import strategies as st

from ipp_wsgi.codec import (
    Attribute,
    AttributeGroup,
    Collection,
    Message,
    NameWithLanguage,
    Range,
    Resolution,
    TextWithLanguage,
    decode,
    encode,
    tags,
)
from ipp_wsgi.codec.values import OUT_OF_BAND

INT32 = st.integers(-(2**31), 2**31 - 1)
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
NAMES = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10)
ZONES = st.integers(-14 * 60 - 59, 14 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
DATES = st.builds(lambda d, tz, tenths: d.replace(microsecond=tenths * 100000, tzinfo=tz),
                  st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), ZONES,
                  st.integers(0, 9))
STRING_TAGS = [tags.TEXT_WITHOUT_LANGUAGE, tags.NAME_WITHOUT_LANGUAGE, tags.KEYWORD, tags.URI,
               tags.URI_SCHEME, tags.CHARSET, tags.NATURAL_LANGUAGE, tags.MIME_MEDIA_TYPE]
UNASSIGNED_TAGS = [0x14, 0x18, 0x20, 0x24, 0x38, 0x40, 0x43, 0x4B, 0x60, 0x80, 0xFF]

SCALARS: st.SearchStrategy[tuple[int, Any]] = st.one_of(
    st.tuples(st.sampled_from([tags.INTEGER, tags.ENUM]), INT32),
    st.tuples(st.just(tags.BOOLEAN), st.booleans()),
    st.tuples(st.sampled_from(STRING_TAGS), TEXT),
    st.tuples(st.just(tags.OCTET_STRING), st.binary(max_size=12)),
    st.tuples(st.just(tags.DATE_TIME), DATES),
    st.tuples(st.just(tags.RESOLUTION), st.builds(Resolution, INT32, INT32, st.integers(-128, 127))),
    st.tuples(st.just(tags.RANGE_OF_INTEGER), st.builds(Range, INT32, INT32)),
    st.tuples(st.just(tags.TEXT_WITH_LANGUAGE), st.builds(TextWithLanguage, TEXT, TEXT)),
    st.tuples(st.just(tags.NAME_WITH_LANGUAGE), st.builds(NameWithLanguage, TEXT, TEXT)),
    st.sampled_from(sorted(OUT_OF_BAND)).map(lambda tag: (tag, OUT_OF_BAND[tag])),
    st.tuples(st.sampled_from(UNASSIGNED_TAGS), st.binary(max_size=8)),
    st.tuples(st.just(tags.EXTENSION), st.binary(min_size=4, max_size=8)),
)


def attributes(values: st.SearchStrategy[tuple[int, Any]]) -> st.SearchStrategy[list[Attribute]]:
    """Attributes with distinct names, each a 1setOf of 1 to 3 (possibly mixed-tag) values."""
    return st.dictionaries(NAMES, st.lists(values, min_size=1, max_size=3), max_size=4).map(
        lambda named: [Attribute(name, [t for t, _ in vs], [v for _, v in vs]) for name, vs in named.items()])


VALUES = st.recursive(
    SCALARS,
    lambda inner: st.tuples(st.just(tags.BEG_COLLECTION), attributes(inner).map(Collection)),
    max_leaves=12,
)
GROUP_TAGS = st.sampled_from([tags.OPERATION_ATTRIBUTES, tags.JOB_ATTRIBUTES, tags.PRINTER_ATTRIBUTES,
                              tags.UNSUPPORTED_ATTRIBUTES, tags.SUBSCRIPTION_ATTRIBUTES,
                              tags.EVENT_NOTIFICATION_ATTRIBUTES, tags.DOCUMENT_ATTRIBUTES,
                              tags.SYSTEM_ATTRIBUTES, 0x0F])
MESSAGES = st.builds(
    Message,
    code=st.integers(0, 0xFFFF),
    request_id=st.integers(0, 2**32 - 1),
    version=st.tuples(st.integers(0, 255), st.integers(0, 255)),
    groups=st.lists(st.tuples(GROUP_TAGS, attributes(VALUES).map(AttributeGroup)), max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(MESSAGES)
def test_decode_inverts_encode(message: Message) -> None:
    data = encode(message)
    decoded = decode(data)
    assert decoded == message
    assert encode(decoded) == data


@settings(max_examples=50, deadline=None)
@given(MESSAGES)
def test_collections_know_their_attribute(message: Message) -> None:
    def check(name: str, value: Any) -> None:
        if isinstance(value, Collection):
            assert value.member_of == name
            for member in value.attributes():
                for inner in member.values:
                    check(member.name, inner)

    for _, group in decode(encode(message)).groups:
        for attr in group.attributes():
            for value in attr.values:
                check(attr.name, value)


def test_wire_layout_of_a_collection_follows_rfc_8010() -> None:
    """RFC 8010 section 3.1.6: begCollection, memberAttrName + member value (nameless), endCollection."""
    size = Collection([Attribute("x-dimension", [tags.INTEGER], [21000])])
    message = Message(0, 1, (2, 0), [(tags.PRINTER_ATTRIBUTES, AttributeGroup([
        Attribute("media-size", [tags.BEG_COLLECTION, tags.KEYWORD], [size, "a4"])]))])
    assert encode(message) == HEADER[:2] + bytes.fromhex(
        "0000" "00000001" "04"
        "34000a" + b"media-size".hex() + "0000"
        "4a0000000b" + b"x-dimension".hex() + "210000000400005208"
        "3700000000"
        "4400000002" + b"a4".hex() + "03")


def test_date_time_mapping() -> None:
    tz = timezone(-timedelta(hours=5, minutes=30))
    value = datetime(2024, 2, 29, 23, 59, 58, 700000, tz)
    message = Message(0, 1, (2, 0), [(tags.JOB_ATTRIBUTES, AttributeGroup([
        Attribute("date-time-at-creation", [tags.DATE_TIME], [value])]))])
    data = encode(message)
    assert data[-12:-1] == bytes.fromhex("07e8021d173b3a072d051e")
    decoded = decode(data).job
    assert decoded is not None
    result = decoded.value("date-time-at-creation")
    assert result == value and result.utcoffset() == tz.utcoffset(None)


def test_sub_decisecond_digits_are_dropped() -> None:
    value = datetime(2024, 1, 1, 0, 0, 0, 123456, UTC)
    message = Message(0, 1, (2, 0), [(tags.JOB_ATTRIBUTES, AttributeGroup([
        Attribute("t", [tags.DATE_TIME], [value])]))])
    job = decode(encode(message)).job
    assert job is not None and job.value("t") == value.replace(microsecond=100000)
