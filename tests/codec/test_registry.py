"""The generated IANA registry data and its typed API, and the constants derived from it."""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from ipp_wsgi.codec import _registry_data, operations, registry, status, tags
from ipp_wsgi.codec.registry import (
    attribute_groups,
    attribute_syntax,
    enum_name,
    enum_value,
    keywords,
    member_names,
    member_syntax,
)

INT_MAX = 2**31 - 1


def test_header_names_registry_date_and_generator() -> None:
    doc = _registry_data.__doc__ or ""
    assert "GENERATED" in doc and "tools/gen_registry.py" in doc
    assert registry.REGISTRY_UPDATED in doc
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", registry.REGISTRY_UPDATED)


def test_enum_attribute() -> None:
    syntax = attribute_syntax("printer-state")
    assert syntax is not None
    assert syntax.tags == (tags.ENUM,) and not syntax.set_of
    assert enum_name("printer-state", 3) == "idle"
    assert enum_value("printer-state", "stopped") == 5
    assert enum_name("printer-state", 99) is None and enum_value("printer-state", "nope") is None


def test_integer_range_and_set_of() -> None:
    copies = attribute_syntax("copies")
    assert copies is not None and copies.tags == (tags.INTEGER,)
    assert (copies.min, copies.max) == (1, INT_MAX)
    uris = attribute_syntax("printer-uri-supported")
    assert uris is not None and uris.set_of and uris.tags == (tags.URI,) and uris.max_length == 1023


def test_keyword_or_name_lists_every_allowed_tag() -> None:
    syntax = attribute_syntax("job-sheets")
    assert syntax is not None
    assert syntax.tags == (tags.KEYWORD, tags.NAME_WITHOUT_LANGUAGE, tags.NAME_WITH_LANGUAGE)
    assert syntax.max_length == 255
    assert syntax.allows(tags.NAME_WITH_LANGUAGE) and not syntax.allows(tags.INTEGER)


def test_text_limit_and_out_of_band() -> None:
    info = attribute_syntax("printer-info")
    assert info is not None and info.max_length == 127
    assert info.tags == (tags.TEXT_WITHOUT_LANGUAGE, tags.TEXT_WITH_LANGUAGE)
    # printer-dns-sd-name comes from errata.xml: "name(63) | no-value".
    dns = attribute_syntax("printer-dns-sd-name")
    assert dns is not None and dns.max_length == 63 and dns.out_of_band == (tags.NO_VALUE,)
    assert dns.allows(tags.NO_VALUE)


def test_errata_replace_broken_records() -> None:
    # The registry lists the member as keyword; the errata correct it to enum.
    member = member_syntax("input-attributes", "input-orientation-requested")
    assert member is not None and member.tags == (tags.ENUM,)
    # The registry swapped the -preferred and -supported syntaxes.
    preferred = attribute_syntax("pclm-strip-height-preferred")
    assert preferred is not None and not preferred.set_of


def test_obsolete_flag_kept() -> None:
    obsolete = attribute_syntax("job-cover-back")
    assert obsolete is not None and obsolete.obsolete
    current = attribute_syntax("cover-back")
    assert current is not None and not current.obsolete


def test_groups() -> None:
    assert attribute_groups("job-name")[0] == "Operation"
    assert "Job Description" in attribute_groups("job-name")
    assert attribute_syntax("printer-state", "Job Template") is None
    assert attribute_syntax("printer-state", "Printer Description") == attribute_syntax("printer-state")
    assert attribute_syntax("no-such-attribute") is None and attribute_groups("no-such-attribute") == ()


def test_collection_members_and_links() -> None:
    size = member_syntax("media-col", "media-size")
    assert size is not None and size.tags == (tags.BEG_COLLECTION,)
    x_dim = member_syntax("media-size", "x-dimension")
    assert x_dim is not None and x_dim.tags == (tags.INTEGER,)
    # media-col-database is registered as <Any "media-col" member attribute> plus its own member.
    assert set(member_names("media-col")) < set(member_names("media-col-database"))
    assert "media-source-properties" in member_names("media-col-database")
    assert member_syntax("media-col", "no-such-member") is None
    assert member_syntax("no-such-collection", "media-size") is None


def test_keywords_resolve_references() -> None:
    assert {"one-sided", "two-sided-long-edge", "two-sided-short-edge"} <= keywords("sides")
    # media-supported is registered as <Any "media" value>.
    assert "iso_a4_210x297mm" in keywords("media")
    assert keywords("media") <= keywords("media-supported")
    assert keywords("no-such-attribute") == frozenset()


def test_enum_references_and_exclusions() -> None:
    # fetch-status-code: <Any "status-code" value other than 'successful-ok'>.
    assert enum_name("fetch-status-code", 0x0400) == "client-error-bad-request"
    assert enum_name("fetch-status-code", 0x0000) is None
    assert enum_name("operations-supported", 0x0002) == "Print-Job"


def _constants(module: ModuleType) -> dict[str, int]:
    return {k: v for k, v in vars(module).items() if k.isupper() and not k.startswith("_") and type(v) is int}


def test_operation_constants_match_their_names() -> None:
    constants = _constants(operations)
    assert len(constants) >= 31
    for constant, code in constants.items():
        assert operations.op_name(code).upper().replace("-", "_") == constant
    assert operations.op_name(0x0002) == "Print-Job"
    assert operations.op_name(0x4001) == "CUPS-Get-Default"
    assert operations.op_name(0x3FFF) == "0x3FFF"
    assert operations.op_code("Get-Jobs") == 0x000A and operations.op_code("Nope") is None
    assert operations.OPERATION_NAMES == _registry_data.OPERATIONS


def test_status_constants_match_their_names() -> None:
    constants = _constants(status)
    assert len(constants) >= 35
    for constant, code in constants.items():
        assert status.status_name(code).upper().replace("-", "_") == constant
    assert status.status_name(0x0400) == "client-error-bad-request"
    assert status.status_name(0x0999) == "0x0999"
    assert status.status_code("successful-ok") == 0


def _registry_tag_name(constant: str, tag: int) -> str:
    """The registry's spelling of a tags.py constant name (group tags end in "-tag")."""
    words = constant.lower().split("_")
    if tag <= 0x0F:
        return "-".join(words) + "-tag"
    if tag in tags.OUT_OF_BAND_TAGS:
        return "-".join(words)
    return words[0] + "".join(w.title() for w in words[1:])


@pytest.mark.parametrize("table", ["GROUP_TAG_NAMES", "OUT_OF_BAND_TAG_NAMES", "VALUE_TAG_NAMES"])
def test_tag_constants_agree_with_registry(table: str) -> None:
    registered = getattr(registry, table)
    names = {name: tag for tag, name in registered.items()}
    checked = {c for c, tag in _constants(tags).items() if _registry_tag_name(c, tag) in names}
    for constant in checked:
        assert getattr(tags, constant) == names[_registry_tag_name(constant, getattr(tags, constant))]
    # Every registry entry has its constant in tags.py.
    assert set(registered.values()) <= {_registry_tag_name(c, v) for c, v in _constants(tags).items()}


def test_tag_constants_not_in_registry() -> None:
    every = {**registry.GROUP_TAG_NAMES, **registry.OUT_OF_BAND_TAG_NAMES, **registry.VALUE_TAG_NAMES}
    missing = {c for c, tag in _constants(tags).items() if tag not in every}
    # 0x11 "default" is RFC 8010's but IANA lists it as unassigned.
    assert missing == {"DEFAULT"}
