"""The state of one client connection and its flow control: why reading is paused, the write
backpressure, and closing (:class:`ConnectionBase`; reading requests is :mod:`ipp_wsgi.worker.reading`'s,
running them :mod:`ipp_wsgi.worker.connection`'s).

Reading stops while the transport holds more than its high-water mark of unsent output (a client that does
not read), while a request is answered and the next one is complete (pipelining: at most one request is
read ahead, plus the rest of one read from the socket, kept unparsed), and while a streamed body's queue is
full; so what one connection holds is bounded whatever its client does.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic
from typing import Any

from ipp_wsgi.worker.exchange import Exchange, ServerContext
from ipp_wsgi.worker.response import ThreadedSend


class ConnectionBase(asyncio.Protocol):
    """One HTTP/1.x connection: its requests in hand, why reading is paused, how it closes."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.transport: asyncio.Transport | None = None
        self.base: dict[str, Any] = {}
        self.trusted = False
        self.queue: deque[Exchange] = deque()
        self.current: Exchange | None = None
        self.parsing: Exchange | None = None
        self.in_message = False
        self.pauses: set[str] = set()
        """Why reading is paused: "busy" (a request is answered, the next one is in), "write" (the client
        does not read our output), "body" (a streamed body's queue is full), "direct" (the request's thread
        reads the body from the socket)."""
        self.reading = True
        self.unparsed: bytes | memoryview = b""
        """Bytes read but not parsed yet, for want of room (see the module docstring)."""
        self.eof = False
        """The client closed its end of the connection: no more bytes come."""
        self.sender: ThreadedSend | None = None
        self.last_activity = self.swept_at = monotonic()
        """When the client last sent something (or reading resumed); when the worker's timer last looked at
        the connection (see :mod:`ipp_wsgi.worker.deadlines`)."""
        self.head_started = 0.0
        """When the first byte of the request head being received arrived (or reading resumed)."""
        self.write_paused_at: float | None = None
        self.broken = False
        self.closed = False
        self.plain_socket: Any = None
        """The connection's socket when it is not TLS (a body may then be read from it directly)."""

    def _start_next(self) -> None:
        """Start the next request when it can be (:class:`~ipp_wsgi.worker.connection.HttpConnection`)."""
        raise NotImplementedError

    def _parse_unparsed(self) -> None:
        """Parse the bytes kept unparsed (:class:`~ipp_wsgi.worker.reading.RequestReader`)."""
        raise NotImplementedError

    # --- asyncio protocol ------------------------------------------------------------------------

    def eof_received(self) -> bool | None:
        if self.current is not None or self.queue or self.unparsed:
            self.eof = True
            return True  # keep the transport open to answer what was sent, then close
        return None

    def _close_if_done(self) -> None:
        """After the client's end of the connection closed: close once everything it sent is answered."""
        if self.eof and not self.unparsed:
            self._close_when_idle()

    def pause_writing(self) -> None:
        self.write_paused_at = monotonic()
        if self.sender is not None:
            self.sender.set_paused(True)
        self._pause("write")  # and no request is started (nor read) until the client reads

    def resume_writing(self) -> None:
        self.write_paused_at = None
        if self.sender is not None:
            self.sender.set_paused(False)
        self._resume("write")
        self._start_next()
        self._close_if_done()

    # --- flow control, closing -------------------------------------------------------------------

    def _pause(self, reason: str) -> None:
        self.pauses.add(reason)
        self._reading(False)

    def _resume(self, reason: str) -> None:
        if reason in self.pauses:
            self.pauses.discard(reason)
            if not self.pauses and not self.closed:
                self.last_activity = self.head_started = monotonic()  # the client's clocks start again
                if self.unparsed:
                    self.ctx.loop.call_soon(self._parse_unparsed)  # then read on
                else:
                    self._reading(True)

    def _reading(self, on: bool) -> None:
        if on != self.reading and self.transport is not None and not self.closed:
            self.reading = on
            if on:
                self.transport.resume_reading()
            else:
                self.transport.pause_reading()

    def _pause_body(self) -> None:
        self._pause("body")

    def _resume_body(self) -> None:
        """Called from the request thread once the body queue has drained."""
        self.ctx.loop.call_soon_threadsafe(self._resume, "body")

    def _writable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    def _close_when_idle(self) -> None:
        if self.current is None and not self.queue:
            self.close()

    def close(self) -> None:
        """Close the connection once what is written has gone out."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection now (timeouts, the end of a graceful shutdown)."""
        if self.transport is not None:
            self.transport.abort()
