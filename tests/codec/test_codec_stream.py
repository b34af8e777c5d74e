"""read_message: reads exactly the attribute section, whatever the stream's read sizes, within the limit."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from codec_helpers import CAPTURE_FILES, CAPTURES, CHARSET, END, HEADER, OPERATION, entry

from ipp_wsgi.codec import (
    Attribute,
    Collection,
    IppDecodeError,
    Limits,
    Tolerance,
    decode,
    encode,
    read_message,
)
from ipp_wsgi.codec.decoder import section_length
from ipp_wsgi.codec.errors import CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE

DOCUMENT = b"%PDF-1.7 document bytes the codec must not read"


class Trickle(io.RawIOBase):
    """A stream that returns at most ``step`` octets per read, and counts the octets handed out."""

    def __init__(self, data: bytes, step: int = 1) -> None:
        self._data = data
        self._step = step
        self.position = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        count = self._step if size < 0 else min(size, self._step)
        chunk = self._data[self.position:self.position + count]
        self.position += len(chunk)
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("path", CAPTURE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("step", [1, 3, 1 << 20])
def test_reads_exactly_the_section(path: Path, step: int) -> None:
    data = path.read_bytes()
    section = len(encode(decode(data)))
    stream = Trickle(data[:section] + DOCUMENT, step)
    assert read_message(stream) == decode(data)
    assert stream.position == section
    assert stream.read(len(DOCUMENT)) == DOCUMENT[:step]


def entries(attributes: Iterable[Attribute]) -> int:
    """Attribute-with-one-value entries on the wire (memberAttrName and endCollection included)."""
    count = 0
    for attr in attributes:
        for value in attr.values:
            count += 1
            if isinstance(value, Collection):
                count += 1 + len(value) + entries(value.attributes())
    return count


def test_reads_three_times_per_entry() -> None:
    data = (CAPTURES / "ippeveprinter-get-printer-attributes-response.bin").read_bytes()
    stream = Trickle(data, 1 << 20)
    message = read_message(stream)
    total = sum(entries(group.attributes()) for _, group in message.groups)
    assert stream.reads == 1 + 3 * total + len(message.groups)  # header+first tag, entries, group tags


def test_never_reads_past_the_limit() -> None:
    endless = HEADER + OPERATION + entry(0x41, b"t", b"x" * 1000) * 100
    stream = Trickle(endless, 1 << 20)
    with pytest.raises(IppDecodeError) as caught:
        read_message(stream, Limits(max_attribute_bytes=5000))
    assert caught.value.status == CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert stream.position <= 5000


@pytest.mark.parametrize("cut", [3, 8, 9, 12, 30, 37])
def test_truncated_stream_is_a_decode_error(cut: int) -> None:
    data = HEADER + OPERATION + CHARSET + END
    with pytest.raises(IppDecodeError):
        read_message(io.BytesIO(data[:cut]))


def test_missing_end_tag_tolerated_on_a_stream() -> None:
    data = HEADER + OPERATION + CHARSET
    message = read_message(io.BytesIO(data), tolerance=Tolerance(allow_missing_end_tag=True))
    assert message.operation.value("attributes-charset") == "utf-8"


@pytest.mark.parametrize("path", CAPTURE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("buffer", [16, 4096, 1 << 20])
def test_a_buffered_stream_gives_the_same_message_and_position(path: Path, buffer: int) -> None:
    """With ``peek`` the section comes in one read when the buffer holds it, else field by field."""
    data = path.read_bytes()
    section = len(encode(decode(data)))
    stream = io.BufferedReader(Trickle(data[:section] + DOCUMENT, 1 << 20), buffer)
    assert read_message(stream) == decode(data)
    assert stream.read() == DOCUMENT


def test_a_buffered_section_costs_one_raw_read() -> None:
    data = (CAPTURES / "ippeveprinter-get-printer-attributes-response.bin").read_bytes()
    raw = Trickle(data + DOCUMENT, 1 << 20)
    read_message(io.BufferedReader(raw, 1 << 20))
    assert raw.reads == 1


@pytest.mark.parametrize("cut", [0, 8, 9, 10, 11, 12, 30, 36, 37])
def test_section_length_is_none_until_the_end_tag(cut: int) -> None:
    data = HEADER + OPERATION + CHARSET + END
    assert section_length(data[:cut]) is None
    assert section_length(data + DOCUMENT) == len(data)


def test_buffered_reads_keep_the_limit_and_the_truncation_errors() -> None:
    endless = HEADER + OPERATION + entry(0x41, b"t", b"x" * 1000) * 100
    with pytest.raises(IppDecodeError) as caught:
        read_message(io.BufferedReader(io.BytesIO(endless), 1 << 20), Limits(max_attribute_bytes=5000))
    assert caught.value.status == CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    data = HEADER + OPERATION + CHARSET + END
    for cut in (8, 12, 30):
        with pytest.raises(IppDecodeError) as truncated:
            read_message(io.BufferedReader(io.BytesIO(data[:cut])))
        with pytest.raises(IppDecodeError) as unbuffered:
            read_message(io.BytesIO(data[:cut]))
        assert (truncated.value.status, truncated.value.offset) == (unbuffered.value.status,
                                                                    unbuffered.value.offset)
