"""Writing a WSGI application's response: ``start_response``, the head, the framing of the body, and
the two ways bytes reach the client (straight to the transport in the event loop, or handed over to the
loop from a request thread with backpressure)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

# A response body waiting to be written by the loop, beyond which a request thread waits.
THREAD_WRITE_LIMIT = 1024 * 1024
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS = re.compile(r"[0-9]{3}(?: [ \t\x21-\x7e\x80-\xff]*)?")
_HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                         "trailers", "transfer-encoding", "upgrade"))
_NO_BODY_STATUS = ("1", "204", "304")
_ERROR_BODY = {"400": b"Bad Request\n", "408": b"Request Timeout\n", "414": b"URI Too Long\n",
               "417": b"Expectation Failed\n", "431": b"Request Header Fields Too Large\n",
               "500": b"Internal Server Error\n", "501": b"Not Implemented\n",
               "505": b"HTTP Version Not Supported\n"}

Send = Callable[[bytes], None]


class ClientGone(ConnectionError):
    """The client disconnected, or stopped reading for longer than the client timeout."""


class Clock:
    """The ``Date`` header value, refreshed once a second by the worker's timer."""

    def __init__(self) -> None:
        self.date = ""
        self.tick()

    def tick(self) -> None:
        """Refresh :attr:`date` from the current time."""
        self.date = formatdate(time.time(), usegmt=True)


class ThreadedSend:
    """``send`` for a request thread: hands each write to the event loop, and waits (at most *timeout*
    seconds, else :class:`ClientGone`) while the transport is paused or more than
    ``THREAD_WRITE_LIMIT`` bytes wait for the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, transport: asyncio.WriteTransport,
                 timeout: float) -> None:
        self._loop = loop
        self._transport = transport
        self._timeout = timeout
        self._cond = threading.Condition(threading.Lock())
        self._pending = 0
        self._paused = False
        self._closed = False

    def __call__(self, data: bytes) -> None:
        with self._cond:
            if (self._paused or self._pending > THREAD_WRITE_LIMIT) and not self._cond.wait_for(
                    lambda: self._closed or not (self._paused or self._pending > THREAD_WRITE_LIMIT),
                    self._timeout):
                raise ClientGone(f"the client read nothing for {self._timeout:g} s")
            if self._closed:
                raise ClientGone("the client disconnected")
            self._pending += len(data)
        self._loop.call_soon_threadsafe(self._write, data)

    def _write(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(data)
        with self._cond:
            self._pending -= len(data)
            self._cond.notify()

    def set_paused(self, paused: bool) -> None:
        """The transport's write buffer went above (True) or below (False) its limit (loop side)."""
        with self._cond:
            self._paused = paused
            self._cond.notify()

    def close(self) -> None:
        """The connection is gone: the waiting and later writes raise :class:`ClientGone`."""
        with self._cond:
            self._closed = True
            self._cond.notify()


class Response:
    """One response: ``start_response`` for the application, then :meth:`write_all` (a list or tuple
    body: head and body in one write), or :meth:`write` per chunk and :meth:`finish`.

    *keep_alive*: the connection may stay open after it (the request asked for it and the server agrees);
    :attr:`keep_alive` afterwards says whether it does (the framing allowed it, nothing went wrong).
    """

    __slots__ = (
        "_chunked",
        "_clock",
        "_head_only",
        "_http10",
        "_length",
        "_send",
        "headers",
        "headers_sent",
        "keep_alive",
        "sent",
        "status",
    )

    def __init__(self, send: Send, clock: Clock, method: str, http10: bool, keep_alive: bool) -> None:
        self._send = send
        self._clock = clock
        self._head_only = method == "HEAD"
        self._http10 = http10
        self.keep_alive = keep_alive
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self._length: int | None = None
        self._chunked = False
        self.sent = 0

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        """PEP 3333 ``start_response``."""
        if exc_info:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called twice")
        if not isinstance(status, str) or not _STATUS.fullmatch(status):
            raise ValueError(f"invalid status {status!r}")
        kept = []
        length = None
        for name, value in headers:
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                raise ValueError(f"invalid header name {name!r}")
            if not isinstance(value, str) or "\n" in value or "\r" in value:
                raise ValueError(f"invalid value of header {name}")
            lname = name.lower()
            if lname == "content-length":
                length = int(value)
            elif lname in _HOP_BY_HOP:
                continue
            kept.append((name, value))
        self.status = status
        self.headers = kept
        self._length = length
        return self.write

    def write_all(self, chunks: list[bytes] | tuple[bytes, ...]) -> None:
        """Send a whole list/tuple body (with the head, if not sent yet, in a single write)."""
        if self.headers_sent:
            for chunk in chunks:
                self.write(chunk)
            return
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if self._length is None and not self._bodyless():
            self._length = len(body)
            self.headers.append(("Content-Length", str(len(body))))
        self._send_head(body)

    def write(self, data: bytes) -> None:
        """Send one chunk of the body (the head first, if not sent yet)."""
        if not self.headers_sent:
            self._send_head(data)
        elif data:
            self._send_body(data)

    def finish(self) -> None:
        """The application's body is over: send the head if nothing was written, end the framing."""
        if not self.headers_sent:
            if self._length is None and not self._bodyless():
                self._length = 0
                self.headers.append(("Content-Length", "0"))
            self._send_head(b"")
        elif self._chunked:
            self._send(b"0\r\n\r\n")
        elif self._length is not None and self.sent < self._length:
            self.keep_alive = False  # the client waits for bytes that will never come

    def _send_head(self, data: bytes) -> None:
        if self.status is None:
            raise AssertionError("the application wrote before calling start_response")
        status = self.status
        bodyless = self._head_only or self._bodyless()
        if self._length is None and not bodyless:
            if self._http10:
                self.keep_alive = False
            else:
                self._chunked = True
        parts = ["HTTP/1.1 ", status, "\r\nServer: ipp-wsgi\r\nDate: ", self._clock.date, "\r\n"]
        for name, value in self.headers:
            parts += (name, ": ", value, "\r\n")
        if self._chunked:
            parts.append("Transfer-Encoding: chunked\r\n")
        if not self.keep_alive:
            parts.append("Connection: close\r\n")
        elif self._http10:
            parts.append("Connection: keep-alive\r\n")
        parts.append("\r\n")
        head = "".join(parts).encode("latin-1")
        self.headers_sent = True
        if bodyless:
            self._head_only = True
            self._send(head)
        elif data:
            self._send_body(data, head)
        else:
            self._send(head)

    def _bodyless(self) -> bool:
        """The status forbids a body (1xx, 204, 304)."""
        return self.status is not None and self.status.startswith(_NO_BODY_STATUS)

    def _send_body(self, data: bytes, head: bytes = b"") -> None:
        if self._head_only:
            return
        if self._chunked:
            self.sent += len(data)
            self._send(b"%s%x\r\n%s\r\n" % (head, len(data), data))
            return
        if self._length is not None and self.sent + len(data) > self._length:
            data = data[:self._length - self.sent]
        self.sent += len(data)
        self._send(head + data if head else data)

    def send_error(self, status: str) -> None:
        """Answer with a short plain-text error *status* (nothing sent yet) and close."""
        body = _ERROR_BODY.get(status[:3], status.encode("latin-1") + b"\n")
        self.keep_alive = False
        self.status = None
        self.start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        self.write_all([body])


def run_application(app: Callable[..., Iterable[bytes]], environ: dict[str, Any], response: Response) -> None:
    """Call *app* and write its response; application errors propagate (the caller logs them and, when
    nothing was sent yet, answers 500)."""
    result = app(environ, response.start_response)
    try:
        if type(result) is list or type(result) is tuple:
            response.write_all(result)
        else:
            for chunk in result:
                response.write(chunk)
            response.finish()
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
