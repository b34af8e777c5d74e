"""Document data as the backend reads it: decompressed on the fly (``compression``), never held whole."""

from __future__ import annotations

import io
import zlib
from typing import BinaryIO

from ipp_wsgi.backends import BackendError
from ipp_wsgi.codec import status

COMPRESSIONS = ("none", "deflate", "gzip")
"""The values of ``compression`` the server accepts (compression-supported)."""

_CHUNK = 64 * 1024
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_WBITS = -zlib.MAX_WBITS


class DocumentTooLarge(Exception):
    """Raised by the request-body stream when the document passes the configured maximum size."""


class CompressionError(BackendError):
    """Compressed document data that does not decompress: client-error-compression-error."""

    def __init__(self, message: str) -> None:
        super().__init__(status.CLIENT_ERROR_COMPRESSION_ERROR, message)


class _Inflater(io.RawIOBase):
    """A readable stream of the decompressed bytes of ``source``, at most ``max_bytes`` of them."""

    def __init__(self, source: BinaryIO, compression: str, max_bytes: int | None = None) -> None:
        self._source = source
        self._compression = compression
        self._left = max_bytes
        self._inflater: zlib._Decompress | None = None
        self._pending = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def _start(self, head: bytes) -> zlib._Decompress:
        if self._compression == "gzip":
            return zlib.decompressobj(_GZIP_WBITS)
        # "deflate" is RFC 1951 raw data for CUPS; accept an RFC 1950 zlib wrapper too.
        wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
        return zlib.decompressobj(_ZLIB_WBITS if wrapped else _RAW_WBITS)

    def _fill(self) -> None:
        # Output is bounded per call (max_length), so a small bomb never inflates into memory at once.
        while not self._pending and not self._eof:
            tail = self._inflater.unconsumed_tail if self._inflater is not None else b""
            data = tail or self._source.read(_CHUNK)
            if self._inflater is None:
                if not data:
                    raise CompressionError(f"empty {self._compression} document")
                self._inflater = self._start(data)
            try:
                if data:
                    self._pending = self._inflater.decompress(data, _CHUNK)
                    self._eof = self._inflater.eof
                else:
                    self._pending = self._inflater.flush()
                    self._eof = True
                    if not self._inflater.eof:
                        raise CompressionError(f"truncated {self._compression} document")
            except zlib.error as exc:
                raise CompressionError(f"corrupt {self._compression} document: {exc}") from exc
            self._count(len(self._pending))

    def _count(self, produced: int) -> None:
        if self._left is None:
            return
        self._left -= produced
        if self._left < 0:
            raise DocumentTooLarge(f"decompressed document larger than the limit ({-self._left} bytes over)")

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self._fill()
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def open_document(source: BinaryIO, compression: str, max_bytes: int | None = None) -> BinaryIO:
    """``source`` read through the decompressor ``compression`` names (``none`` returns it as is).

    Reading more than ``max_bytes`` decompressed bytes raises :class:`DocumentTooLarge` (the request body
    bounds the compressed bytes; this bounds what they inflate to).
    """
    if compression == "none":
        return source
    return io.BufferedReader(_Inflater(source, compression, max_bytes), _CHUNK)


class _Prefixed(io.RawIOBase):
    """``head`` followed by the rest of ``source``."""

    def __init__(self, head: bytes, source: BinaryIO) -> None:
        self._head = head
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._head:
            readinto = getattr(self._source, "readinto", None)
            if readinto is not None:  # straight into the reader's memory
                return int(readinto(buffer) or 0)
            data = self._source.read(len(buffer))
        else:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer):]
        buffer[: len(data)] = data
        return len(data)


def peek_has_data(source: BinaryIO) -> tuple[bool, BinaryIO]:
    """Whether ``source`` holds any byte, and a stream that still reads all of it (``source`` itself
    when it can peek, as the request body can)."""
    peek = getattr(source, "peek", None)
    if peek is not None:
        return bool(peek(1)), source
    head = source.read(1)
    if not head:
        return False, source
    return True, io.BufferedReader(_Prefixed(head, source), _CHUNK)
