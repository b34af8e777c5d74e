"""The HTTP request body of an IPP request as a bounded, buffered binary stream over ``wsgi.input``.

How long the body is:

- ``wsgi.input_terminated`` set (gunicorn, mod_wsgi, werkzeug's server for chunked requests): the server
  ends the stream itself, so it is read until EOF. Chunked bodies only work this way.
- otherwise ``CONTENT_LENGTH`` bounds it (WSGI servers need not signal EOF, so never read past it).
- neither, and ``Transfer-Encoding: chunked``: the server cannot tell us where the body ends, so the
  request is refused with 411 Length Required (:class:`werkzeug.exceptions.LengthRequired`).
- neither, and no transfer coding: the body is empty (RFC 9112 section 6.3).

The stream reads ``wsgi.input`` in fixed-size chunks (never the whole body at once), copes with servers
whose ``read(n)`` returns fewer than ``n`` bytes, remembers the first bytes of the body (so a request that
does not decode can still be answered with its request-id) and, once told where the document starts,
raises :class:`~ipp_wsgi.ops.documents.DocumentTooLarge` as soon as more than ``max_document_bytes`` of
document data arrive. (That bounds the bytes sent; what compressed data inflates to is bounded by
:func:`ipp_wsgi.ops.documents.open_document`, given the same limit through the request context.)
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from typing import Any, BinaryIO, cast

from werkzeug.exceptions import LengthRequired

from ipp_wsgi.backends import BackendError
from ipp_wsgi.codec import status
from ipp_wsgi.ops.documents import DocumentTooLarge

CHUNK_SIZE = 64 * 1024
"""The size of the stream's buffer (what a small request's attribute section is read with)."""

READ_MAX = 256 * 1024
"""Most bytes asked of ``wsgi.input`` per read: a large read (a document being spooled) goes past the
buffer straight into the reader's memory, in few calls. Measured under gunicorn 27 (benchmarks/): 256 KiB
streams faster than 64 KiB (fewer calls) and than 1 MiB (whose chunked reads gunicorn copies more)."""

HEAD_SIZE = 8
"""Bytes of the body remembered: the IPP header (version, operation-id, request-id)."""


class BodyReadError(BackendError):
    """The server could not deliver the request body (malformed chunked framing, client went away).

    A :class:`~ipp_wsgi.backends.BackendError` with status client-error-bad-request, like the operation
    layer's CompressionError, so that whoever reads the document stream answers the client with it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(status.CLIENT_ERROR_BAD_REQUEST, message)


class _RawBody(io.RawIOBase):
    """Unbuffered reads from ``wsgi.input``, bounded by the content length when there is one."""

    def __init__(self, source: BinaryIO, length: int | None) -> None:
        super().__init__()
        self._source = source
        readinto = getattr(source, "readinto", None)
        if getattr(type(source), "readinto", None) is io.RawIOBase.readinto:
            readinto = None  # io.RawIOBase's own is abstract: a raw stream may implement read() alone
        self._source_readinto = readinto
        self._remaining = length
        self._position = 0
        self._eof = length == 0
        self.head = b""
        self.limit: int | None = None
        """Position past which data is too large (set by :meth:`RequestBody.limit_document`)."""

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    @property
    def at_eof(self) -> bool:
        return self._eof

    def readinto(self, buffer: Any) -> int:
        self._check_limit()
        view = memoryview(buffer).cast("B")
        if self._eof or not len(view):
            return 0
        want = min(len(view), READ_MAX)
        if self._remaining is not None:
            want = min(want, self._remaining)
        try:
            if self._source_readinto is not None:  # straight into the caller's memory: one copy fewer
                got = self._source_readinto(view[:want]) or 0
            else:
                data = self._source.read(want)
                got = len(data)
                view[:got] = data
        except Exception as exc:  # the server's own errors: bad chunk framing, client gone, timeout
            raise BodyReadError(f"cannot read the request body: {exc}") from exc
        if not got:
            # A short Content-Length body (client went away) ends the stream like EOF.
            self._eof = True
            return 0
        self._advance(view, got)
        return got

    def _advance(self, view: memoryview, got: int) -> None:
        if len(self.head) < HEAD_SIZE:
            self.head += bytes(view[: min(got, HEAD_SIZE - len(self.head))])
        self._position += got
        if self._remaining is not None:
            self._remaining -= got
            self._eof = self._remaining == 0
        self._check_limit()

    def _check_limit(self) -> None:
        # Also checked before reading: the buffer may already hold data past the limit.
        if self.limit is not None and self._position > self.limit:
            over = self._position - self.limit
            raise DocumentTooLarge(f"document larger than the limit ({over} bytes over)")


class RequestBody(io.BufferedReader):
    """A buffered binary stream over the request body; see the module docstring.

    ``read(n)`` returns ``n`` bytes unless the body ends first. Build one with :func:`open_body`.
    """

    raw: _RawBody

    def __init__(self, raw: _RawBody) -> None:
        super().__init__(raw, CHUNK_SIZE)

    @property
    def head(self) -> bytes:
        """The first (up to 8) bytes of the body, whatever has been read since."""
        return self.raw.head

    def limit_document(self, max_bytes: int | None) -> None:
        """Allow at most ``max_bytes`` (None: any number) from the current position on.

        Reading past it raises :class:`~ipp_wsgi.ops.documents.DocumentTooLarge`.
        """
        self.raw.limit = None if max_bytes is None else self.tell() + max_bytes

    def drain(self, max_bytes: int, max_seconds: float) -> bool:
        """Read and discard what is left of the body, at most ``max_bytes`` and about ``max_seconds``.

        True when the body was read to its end (the connection can carry another request).
        """
        self.raw.limit = None
        deadline = time.monotonic() + max_seconds
        discarded = 0
        try:
            while discarded <= max_bytes and time.monotonic() < deadline:
                data = self.read1(CHUNK_SIZE)
                if not data:
                    return True
                discarded += len(data)
        except BodyReadError:
            pass
        return False


def open_body(environ: Mapping[str, Any]) -> RequestBody:
    """The request body of ``environ`` as a :class:`RequestBody`.

    Raises :class:`werkzeug.exceptions.LengthRequired` for a chunked body the server does not terminate.
    """
    source = cast(BinaryIO, environ["wsgi.input"])
    if environ.get("wsgi.input_terminated"):
        length: int | None = None
    else:
        length = _content_length(environ)
        if length is None:
            if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
                raise LengthRequired(
                    "This server cannot read chunked request bodies; send a Content-Length."
                )
            length = 0
    return RequestBody(_RawBody(source, length))


def _content_length(environ: Mapping[str, Any]) -> int | None:
    value = str(environ.get("CONTENT_LENGTH") or "").strip()
    # Servers reject malformed lengths before the application runs; be safe if one did not.
    return int(value) if value.isdigit() else None
