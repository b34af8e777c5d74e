"""The job store's attribute serialisation keeps every value and its tag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ipp_wsgi.backends.embedded.serialize import StoredGroup, dumps_group, loads_group
from ipp_wsgi.codec import (
    DELETE_ATTRIBUTE,
    NO_VALUE,
    Attribute,
    AttributeGroup,
    Collection,
    NameWithLanguage,
    Range,
    Resolution,
    TextWithLanguage,
    tags,
)


def test_every_value_type_round_trips() -> None:
    size = Collection([Attribute.single("x-dimension", tags.INTEGER, 21000),
                       Attribute.single("y-dimension", tags.INTEGER, 29700)], member_of="media-size")
    media_col = Collection([Attribute.single("media-size", tags.BEG_COLLECTION, size)], member_of="media-col")
    group = AttributeGroup([
        Attribute("copies", [tags.INTEGER, tags.RANGE_OF_INTEGER], [2, Range(1, 99)]),
        Attribute.single("color-supported", tags.BOOLEAN, True),
        Attribute.single("printer-state", tags.ENUM, 3),
        Attribute.single("job-name", tags.NAME_WITH_LANGUAGE, NameWithLanguage("fête", "fr")),
        Attribute.single("job-message", tags.TEXT_WITH_LANGUAGE, TextWithLanguage("hi", "en")),
        Attribute.single("printer-resolution", tags.RESOLUTION, Resolution(600, 300, 4)),
        Attribute.single("x-opaque", 0x30, b"\x00\xffraw"),
        Attribute.single("date", tags.DATE_TIME, datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=2)))),
        Attribute("oob", [tags.NO_VALUE, tags.DELETE_ATTRIBUTE], [NO_VALUE, DELETE_ATTRIBUTE]),
        Attribute.single("media-col", tags.BEG_COLLECTION, media_col),
        Attribute("empty", [], []),
    ])

    back = loads_group(dumps_group(group))

    assert back == group
    assert back.names() == group.names()
    assert back.value("oob") is NO_VALUE
    stored_col = back.value("media-col")
    assert isinstance(stored_col, Collection) and stored_col.member_of == "media-col"
    assert back.value("date").utcoffset() == timedelta(hours=2)


def test_boolean_and_integer_stay_distinct() -> None:
    group = AttributeGroup([Attribute.single("a", tags.INTEGER, 1),
                            Attribute.single("b", tags.BOOLEAN, True)])
    back = loads_group(dumps_group(group))
    assert type(back.value("a")) is int and type(back.value("b")) is bool


def test_unstorable_value_is_refused() -> None:
    group = AttributeGroup([Attribute.single("a", tags.INTEGER, datetime.now(UTC).date())])
    with pytest.raises(TypeError):
        dumps_group(group)


@pytest.mark.parametrize("with_collection", [False, True])
def test_each_read_gives_attributes_of_its_own(with_collection: bool) -> None:
    sides = Attribute("sides", [tags.KEYWORD, tags.KEYWORD], ["one-sided", "two-sided-long-edge"])
    group = AttributeGroup([sides])
    if with_collection:
        size = Collection([Attribute.single("x-dimension", tags.INTEGER, 21000)], member_of="media-size")
        group.append(Attribute.single("media-size", tags.BEG_COLLECTION, size))
    text = dumps_group(group)
    first = loads_group(text)
    first["sides"].append("one-sided", tags.KEYWORD)  # a caller changing what it read ...
    first.pop("sides")
    if with_collection:
        first["media-size"].value.add("y-dimension", 29700, tag=tags.INTEGER)
    again = loads_group(text)
    assert again == group  # ... changes nothing another caller reads
    assert again["sides"] is not loads_group(text)["sides"]


def test_a_stored_group_is_read_when_first_used() -> None:
    size = Collection([Attribute.single("x-dimension", tags.INTEGER, 21000)], member_of="media-size")
    group = AttributeGroup([Attribute("sides", [tags.KEYWORD], ["one-sided"]),
                            Attribute.single("media-size", tags.BEG_COLLECTION, size)])
    stored = StoredGroup(dumps_group(group))
    assert stored == group and stored.names() == ["sides", "media-size"] and "sides" in stored
    stored.add("copies", 2, tag=tags.INTEGER)  # the caller's to change, like any group read
    assert stored.value("copies") == 2 and loads_group(dumps_group(group)) == group

    broken = StoredGroup("not a stored group")  # nothing is read before the group is used ...
    with pytest.raises(ValueError):
        broken.names()  # ... then the text is
    with pytest.raises(AttributeError):
        _ = stored.no_such_attribute
