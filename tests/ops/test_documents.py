"""Document streams: streaming decompression and the empty-document peek."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest

from ipp_wsgi.ops.documents import CompressionError, open_document, peek_has_data

DATA = bytes(range(256)) * 2000


def _raw_deflate(data: bytes) -> bytes:
    return zlib.compress(data, wbits=-15)


@pytest.mark.parametrize(("coding", "compress"), [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", _raw_deflate),
])
def test_decompresses_in_bounded_reads(coding: str, compress: object) -> None:
    stream = open_document(io.BytesIO(compress(DATA)), coding)  # type: ignore[operator]
    chunks = iter(lambda: stream.read(1000), b"")
    assert b"".join(chunks) == DATA


def test_none_returns_the_stream_itself() -> None:
    source = io.BytesIO(DATA)
    assert open_document(source, "none") is source


@pytest.mark.parametrize("payload", [b"", b"not compressed at all", gzip.compress(DATA)[:100]])
def test_corrupt_empty_or_truncated_data_is_a_compression_error(payload: bytes) -> None:
    with pytest.raises(CompressionError):
        open_document(io.BytesIO(payload), "gzip").read()


def test_a_small_bomb_is_never_inflated_at_once() -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    stream = open_document(io.BytesIO(bomb), "gzip")
    assert len(stream.read(10)) == 10
    assert len(stream.peek()) <= 128 * 1024  # type: ignore[attr-defined]


def test_peek_keeps_every_byte() -> None:
    has_data, stream = peek_has_data(io.BytesIO(b"abc"))
    assert has_data and stream.read() == b"abc"
    has_data, stream = peek_has_data(io.BytesIO(b""))
    assert not has_data and stream.read() == b""


def test_peek_has_data_keeps_a_buffered_stream_as_it_is() -> None:
    source = io.BufferedReader(io.BytesIO(b"abc" * 100_000))
    has_data, stream = peek_has_data(source)
    assert has_data and stream is source
    assert stream.read() == b"abc" * 100_000
    empty = io.BufferedReader(io.BytesIO(b""))
    assert peek_has_data(empty) == (False, empty)


def test_a_prefixed_stream_reads_large_blocks_whole() -> None:
    data = bytes(range(256)) * 4096
    _, stream = peek_has_data(io.BytesIO(data))
    buffer = bytearray(256 * 1024)
    got = bytearray()
    while count := stream.readinto(buffer):
        got += buffer[:count]
    assert got == data
