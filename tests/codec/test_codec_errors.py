"""Malformed input: each rule raises IppDecodeError with the right status and offset (and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from codec_helpers import CHARSET, END, HEADER, OPERATION, PRINTER, entry

from ipp_wsgi.codec import DEFAULT_LIMITS, IppDecodeError, Limits, Tolerance, decode
from ipp_wsgi.codec.errors import CLIENT_ERROR_BAD_REQUEST, CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE

BAD = CLIENT_ERROR_BAD_REQUEST
TOO_LARGE = CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
START = HEADER + OPERATION + CHARSET  # a valid start; the faulty entry comes next
AT = len(START)
BEG = entry(0x34, b"media-col", b"")
MEMBER = entry(0x4A, b"", b"media-key")
VALUE = entry(0x44, b"", b"iso_a4_210x297mm")
END_COL = entry(0x37, b"", b"")


@dataclass(frozen=True)
class Case:
    data: bytes
    offset: int
    reason: str
    status: int = BAD
    limits: Limits = DEFAULT_LIMITS


def after_start(faulty: bytes, reason: str) -> Case:
    return Case(START + faulty + END, AT, reason)


CASES = {
    "truncated header": Case(HEADER[:5], 0, "truncated message header"),
    "no end-of-attributes-tag": Case(START, AT, "missing end-of-attributes-tag"),
    "no name-length": Case(START + b"\x44\x00", AT, "no name-length"),
    "truncated name": Case(START + b"\x44\x00\x10abc", AT, "name-length overruns"),
    "value-length overruns": Case(START + b"\x44\x00\x01a\x00\x09abc", AT, "value-length overruns"),
    "integer not 4 octets": after_start(entry(0x21, b"copies", b"\x00\x01"), "integer value-length is 2"),
    "enum not 4 octets": after_start(entry(0x23, b"printer-state", b"\x00\x00\x00\x00\x03"),
                                     "enum value-length is 5"),
    "boolean not 1 octet": after_start(entry(0x22, b"b", b"\x00\x01"), "boolean value-length is 2"),
    "boolean not 0 or 1": after_start(entry(0x22, b"b", b"\x02"), "boolean value is 0x02"),
    "dateTime not 11": after_start(entry(0x31, b"d", bytes(10)), "dateTime value-length is 10"),
    "dateTime bad month": after_start(entry(0x31, b"d", bytes.fromhex("07e80d01000000002b0000")),
                                      "out-of-range date"),
    "dateTime bad direction": after_start(entry(0x31, b"d", bytes.fromhex("07e80101000000002a0000")),
                                          "UTC offset"),
    "resolution not 9": after_start(entry(0x32, b"r", bytes(8)), "resolution value-length is 8"),
    "range not 8": after_start(entry(0x33, b"r", bytes(9)), "rangeOfInteger value-length is 9"),
    "textWithLanguage too short": after_start(entry(0x35, b"t", b"\x00\x02"), "less than 4"),
    "textWithLanguage language overruns": after_start(entry(0x35, b"t", b"\x00\x09en\x00\x00"),
                                                      "natural-language length overruns"),
    "nameWithLanguage text length wrong": after_start(entry(0x36, b"n", b"\x00\x02en\x00\x05ab"),
                                                      "do not add up"),
    "invalid UTF-8 value": after_start(entry(0x41, b"t", b"\xff\xfe"), "not valid UTF-8"),
    "invalid UTF-8 name": after_start(entry(0x41, b"\xc3", b"x"), "not valid UTF-8"),
    "extension shorter than its tag": after_start(entry(0x7F, b"x", b"\x00\x01"), "extension value-length"),
    "memberAttrName outside a collection": after_start(MEMBER, "memberAttrName outside a collection"),
    "memberAttrName with a name": Case(START + BEG + entry(0x4A, b"x", b"media-key") + VALUE + END_COL + END,
                                       AT + len(BEG), "memberAttrName with a non-empty name"),
    "memberAttrName with an empty value": Case(START + BEG + entry(0x4A, b"", b"") + END_COL + END,
                                               AT + len(BEG), "empty member name"),
    "endCollection without begCollection": after_start(END_COL, "endCollection without begCollection"),
    "named endCollection": after_start(entry(0x37, b"x", b""), "endCollection without begCollection"),
    "endCollection with a value": Case(START + BEG + entry(0x37, b"", b"x") + END, AT + len(BEG),
                                       "endCollection value-length is 1"),
    "begCollection with a value": after_start(entry(0x34, b"c", b"x"), "begCollection value-length is 1"),
    "unterminated collection at a delimiter": Case(START + BEG + MEMBER + VALUE + END,
                                                   AT + len(BEG + MEMBER + VALUE), "unterminated collection"),
    "unterminated collection at the end": Case(START + BEG + MEMBER + VALUE, AT + len(BEG + MEMBER + VALUE),
                                               "unterminated collection"),
    "named value inside a collection": Case(START + BEG + MEMBER + entry(0x44, b"x", b"y") + END_COL + END,
                                            AT + len(BEG + MEMBER), "name inside a collection"),
    "collection value before memberAttrName": Case(START + BEG + VALUE + END_COL + END, AT + len(BEG),
                                                   "without a memberAttrName"),
    "collection member without a value": Case(START + BEG + MEMBER + END_COL + END, AT + len(BEG + MEMBER),
                                              "has no value"),
    "value before any group": Case(HEADER + CHARSET + END, 8, "before any attribute group"),
    "additional value first in a group": Case(HEADER + OPERATION + VALUE + END, 9, "no attribute before"),
    "duplicate attribute": after_start(CHARSET, "appears twice"),
    "duplicate collection member": Case(START + BEG + MEMBER + VALUE + MEMBER + VALUE + END_COL + END,
                                        AT + len(BEG + MEMBER + VALUE), "appears twice"),
    "reserved delimiter 0x00": after_start(b"\x00", "reserved delimiter tag 0x00"),
    "section larger than the limit": Case(START + END, 20, "larger than 20 octets", TOO_LARGE,
                                          Limits(max_attribute_bytes=20)),
    "too many attributes": Case(START + entry(0x21, b"copies", bytes(4)) + END, AT, "more than 1 attributes",
                                TOO_LARGE, Limits(max_attributes=1)),
    "too many values": Case(START + VALUE + END, AT, "more than 1 values", TOO_LARGE, Limits(max_values=1)),
    "value too long": Case(START + entry(0x41, b"t", b"x" * 11) + END, AT,
                           "value-length 11 is larger than 10", TOO_LARGE, Limits(max_value_length=10)),
    "collections too deep": Case(START + BEG + entry(0x4A, b"", b"m") + entry(0x34, b"", b"") + END, AT + len(
        BEG + entry(0x4A, b"", b"m")), "nested deeper than 1", TOO_LARGE, Limits(max_depth=1)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_malformed_input_raises_decode_error(case: Case) -> None:
    with pytest.raises(IppDecodeError) as caught:
        decode(case.data, case.limits)
    error = caught.value
    assert case.reason in error.reason
    assert (error.status, error.offset) == (case.status, case.offset)


def test_limits_are_checked_on_large_sections_too() -> None:
    """Each limit check is skipped when the section is too small to pass it: a large one still fails."""
    values = b"".join(entry(0x21, b"", bytes(4)) for _ in range(10))
    data = START + entry(0x21, b"x", bytes(4)) + values + END
    with pytest.raises(IppDecodeError, match="more than 10 values"):
        decode(data, Limits(max_values=10))
    many = b"".join(entry(0x21, f"a{i}".encode(), bytes(4)) for i in range(10))
    with pytest.raises(IppDecodeError, match="more than 5 attributes"):
        decode(START + many + END, Limits(max_attributes=5))


def test_duplicates_tolerated_are_merged() -> None:
    data = START + entry(0x44, b"k", b"a") + entry(0x44, b"k", b"b") + END
    group = decode(data, tolerance=Tolerance(allow_duplicate_attributes=True)).operation
    assert group["k"].values == ["a", "b"]


def test_missing_end_tag_tolerated() -> None:
    message = decode(START, tolerance=Tolerance(allow_missing_end_tag=True))
    assert message.operation.value("attributes-charset") == "utf-8"


def test_truncated_entry_is_an_error_even_when_end_tag_may_be_missing() -> None:
    with pytest.raises(IppDecodeError, match="overruns"):
        decode(START + b"\x44\x00\x05ab", tolerance=Tolerance(allow_missing_end_tag=True))


def test_loose_booleans_tolerated() -> None:
    data = START + entry(0x22, b"b", b"\x05") + END
    assert decode(data, tolerance=Tolerance(allow_loose_booleans=True)).operation.value("b") is True


def test_document_data_after_the_section_is_ignored() -> None:
    assert decode(START + END + b"\xff" * 50, Limits(max_attribute_bytes=len(START) + 1)).operation.value(
        "attributes-charset") == "utf-8"


def test_printer_group_after_operation_group() -> None:
    message = decode(START + PRINTER + entry(0x42, b"printer-name", b"p") + END)
    assert message.printer is not None and message.printer.value("printer-name") == "p"
