"""The request-body stream: Content-Length, server-terminated (chunked) bodies, short reads, limits."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.exceptions import LengthRequired

from ipp_wsgi.body import CHUNK_SIZE, READ_MAX, BodyReadError, open_body
from ipp_wsgi.ops.documents import DocumentTooLarge


class TrickleInput(io.RawIOBase):
    """A wsgi.input whose read(n) returns at most ``step`` bytes and records every size asked."""

    def __init__(self, data: bytes, step: int = 3) -> None:
        self._data = io.BytesIO(data)
        self.step = step
        self.asked: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        assert size is not None and size >= 0, "wsgi.input.read() without a size"
        self.asked.append(size)
        return self._data.read(min(size, self.step))


class BrokenInput(io.RawIOBase):
    """A wsgi.input that fails like a server seeing bad chunk framing."""

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        raise ValueError("Invalid chunk size")


def environ(source: Any, **extra: Any) -> dict[str, Any]:
    return {"wsgi.input": source, **extra}


def test_content_length_bounds_the_body() -> None:
    body = open_body(environ(io.BytesIO(b"hello world, and more"), CONTENT_LENGTH="11"))
    assert body.read() == b"hello world"
    assert body.read(10) == b""


def test_terminated_input_is_read_until_eof_without_content_length() -> None:
    data = bytes(range(256)) * 1000
    body = open_body(environ(io.BytesIO(data), **{"wsgi.input_terminated": True}))
    assert body.read() == data


def test_chunked_without_terminated_input_needs_a_length() -> None:
    with pytest.raises(LengthRequired):
        open_body(environ(io.BytesIO(b"x"), HTTP_TRANSFER_ENCODING="chunked"))


def test_no_length_and_no_coding_is_an_empty_body() -> None:
    source = TrickleInput(b"never read")
    assert open_body(environ(source)).read(100) == b""
    assert source.asked == []


def test_short_reads_are_joined_into_full_reads() -> None:
    source = TrickleInput(b"0123456789abcdef", step=3)
    body = open_body(environ(source, CONTENT_LENGTH="16"))
    assert body.read(8) == b"01234567"
    assert body.read(100) == b"89abcdef"
    assert body.read(1) == b""
    assert all(0 < size <= CHUNK_SIZE for size in source.asked)


def test_a_truncated_content_length_body_ends_at_what_arrived() -> None:
    body = open_body(environ(io.BytesIO(b"abc"), CONTENT_LENGTH="10"))
    assert body.read() == b"abc"


def test_head_keeps_the_first_eight_bytes() -> None:
    body = open_body(environ(TrickleInput(b"\x02\x00\x00\x0b\x00\x00\x00\x2a rest", step=2),
                             CONTENT_LENGTH="14"))
    assert body.read(9) == b"\x02\x00\x00\x0b\x00\x00\x00\x2a "
    assert body.read() == b"rest"
    assert body.head == b"\x02\x00\x00\x0b\x00\x00\x00\x2a"


def test_large_bodies_are_read_in_bounded_chunks() -> None:
    size = 5 * 1024 * 1024
    source = TrickleInput(b"\x00" * size, step=size)
    body = open_body(environ(source, CONTENT_LENGTH=str(size)))
    total = 0
    while chunk := body.read(1024 * 1024):
        total += len(chunk)
    assert total == size
    assert max(source.asked) <= READ_MAX


def test_document_limit_counts_from_where_it_is_set() -> None:
    body = open_body(environ(io.BytesIO(b"H" * 10 + b"D" * 100), **{"wsgi.input_terminated": True}))
    assert body.read(10) == b"H" * 10
    body.limit_document(100)
    assert body.read() == b"D" * 100


def test_document_over_the_limit_raises() -> None:
    body = open_body(environ(io.BytesIO(b"H" * 10 + b"D" * 101), **{"wsgi.input_terminated": True}))
    body.read(10)
    body.limit_document(100)
    with pytest.raises(DocumentTooLarge):
        while body.read(7):
            pass


def test_server_read_errors_become_body_read_errors() -> None:
    body = open_body(environ(BrokenInput(), **{"wsgi.input_terminated": True}))
    with pytest.raises(BodyReadError):
        body.read(1)


def test_drain_reads_to_the_end_within_its_budget() -> None:
    source = io.BytesIO(b"x" * 1000)
    body = open_body(environ(source, CONTENT_LENGTH="1000"))
    body.read(10)
    assert body.drain(max_bytes=10_000, max_seconds=60) is True
    assert source.tell() == 1000


def test_drain_gives_up_past_its_byte_budget() -> None:
    body = open_body(environ(io.BytesIO(b"x" * (4 * CHUNK_SIZE)), **{"wsgi.input_terminated": True}))
    assert body.drain(max_bytes=CHUNK_SIZE, max_seconds=60) is False


def test_drain_ignores_the_document_limit_and_read_errors() -> None:
    body = open_body(environ(io.BytesIO(b"x" * 100), CONTENT_LENGTH="100"))
    body.limit_document(10)
    assert body.drain(max_bytes=1000, max_seconds=60) is True
    assert open_body(environ(BrokenInput(), CONTENT_LENGTH="5")).drain(1000, 60) is False


def test_a_source_with_readinto_is_read_straight_into_the_buffer() -> None:
    class IntoOnly(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("read() used although readinto() is there")

    data = bytes(range(256)) * 1000
    body = open_body({"wsgi.input": IntoOnly(data), "CONTENT_LENGTH": str(len(data))})
    assert body.read(3) == data[:3]
    assert body.head == data[:8]
    assert body.read() == data[3:]
