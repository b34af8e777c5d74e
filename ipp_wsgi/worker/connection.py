"""One client connection: the httptools parser, the queue of (pipelined) requests, keep-alive, flow
control, the deadlines of slow clients, and the choice of where a request runs: inline in the event loop
(a small, complete body and an application that says the request is quick) or in the worker's thread pool
(everything else; a body still arriving is streamed to a thread of the upload pool).

Flow control: reading stops while the transport holds more than its high-water mark of unsent output
(a client that does not read), while a request is answered and the next one is complete (pipelining: at
most one request is read ahead, plus the rest of one read from the socket, kept unparsed), and while a
streamed body's queue is full; so what one connection holds is bounded whatever its client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import socket
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from time import monotonic
from typing import Any, cast

import httptools

from ipp_wsgi.worker.environ import BadRequest
from ipp_wsgi.worker.exchange import Exchange, ServerContext
from ipp_wsgi.worker.request_body import RequestBody
from ipp_wsgi.worker.response import ClientGone, Response, ThreadedSend, run_application

# A complete body up to this size may be answered inline; a larger one (or an incomplete body past it)
# goes to a thread, streamed.
INLINE_LIMIT = 64 * 1024
# Body bytes of a request the application did not read that are skipped to keep the connection.
DISCARD_LIMIT = 1024 * 1024
# A body of known length with at least this much still to come, on a plain connection, is read by the
# request's thread straight from the socket (RequestBody.read_directly).
DIRECT_MIN = 256 * 1024
# Bytes of a read fed to the parser at a time, outside a streamed body: pipelined requests are parsed
# no further than one past the request being answered (the rest of the read waits, unparsed).
FEED_SLICE = 16 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_VERSIONED_LINE_END = re.compile(rb"/[0-9]\.[0-9]\r\n\Z")


class _StopParsing(Exception):
    """Raised in a parser callback: the bytes after the connection's last request are not parsed."""


class HttpConnection(asyncio.Protocol):
    """The asyncio protocol of one HTTP/1.x connection."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.parser = self._new_parser()
        self.transport: asyncio.Transport | None = None
        self.base: dict[str, Any] = {}
        self.trusted = False
        self.queue: deque[Exchange] = deque()
        self.current: Exchange | None = None
        self.parsing: Exchange | None = None
        self.in_message = False
        self.header_bytes = 0
        self.line_tail = b""
        """The last bytes received of a request line not known to be over (see _check_request_line)."""
        self.url_parts: list[bytes] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.pauses: set[str] = set()
        """Why reading is paused: "busy" (a request is answered, the next one is in), "write" (the client
        does not read our output), "body" (a streamed body's queue is full), "direct" (the request's thread
        reads the body from the socket)."""
        self.reading = True
        self.unparsed: bytes | memoryview = b""
        """Bytes read but not parsed yet, for want of room (see the module docstring)."""
        self.after_last = False
        """The connection's last request is in: what follows is not parsed."""
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
        self.direct_candidate: Exchange | None = None
        self.plain_socket: Any = None
        """The connection's socket when it is not TLS (a body may then be read from it directly)."""
        self.body_pending: list[bytes] = []

    def _new_parser(self) -> httptools.HttpRequestParser:
        """A request parser calling back this connection. Any HTTP version number passes it (the environ
        factory then takes 1.x for 1.1 and refuses the others), so that HTTP/1.2 is served as 1.1 (RFC
        9110 section 2.5) and HTTP/2.0 gets 505, not 400; its other checks stay strict."""
        parser = httptools.HttpRequestParser(self)
        parser.set_dangerous_leniencies(lenient_version=True)
        return parser

    # --- asyncio protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        if not self.ctx.accept(self):
            self.transport.abort()
            return
        self.ctx.waiting[self] = None
        if transport.get_extra_info("sslcontext") is None:
            self.plain_socket = transport.get_extra_info("socket")
        peer = transport.get_extra_info("peername")
        self.trusted = self.ctx.environ.trusted(peer)
        self.base = self.ctx.environ.connection_base(transport.get_extra_info("sockname"), peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        gone = ClientGone("the client disconnected")
        for exchange in (self.current, self.parsing):
            if exchange is not None and exchange.stream is not None:
                exchange.stream.abort(gone)
        if self.sender is not None:
            self.sender.close()
        self.queue.clear()
        self.unparsed = b""
        self.ctx.waiting.pop(self, None)
        self.ctx.forget(self)

    def data_received(self, data: bytes) -> None:
        self.last_activity = monotonic()
        if self.broken:
            return
        parsing = self.parsing
        if (len(data) <= FEED_SLICE or (parsing is not None and parsing.stream is not None)) \
                and not self.pauses and not self.after_last:  # the usual read: parsed whole
            self._feed(data)
            if self.direct_candidate is not None:
                self._hand_over_body(self.direct_candidate)
        else:
            self._parse(data)

    def _parse(self, data: bytes | memoryview) -> None:
        """Feed *data* to the parser: a slice at a time until reading pauses (the rest is kept unparsed),
        all at once in a streamed body."""
        while data and not self.broken:
            if self.pauses:
                self.unparsed = data
                break
            if self.after_last:
                self.broken = True  # the rest is not read: answer what was asked, then close
                self._close_when_idle()
                break
            parsing = self.parsing
            if len(data) <= FEED_SLICE or (parsing is not None and parsing.stream is not None):
                self._feed(data)
                break
            view = memoryview(data)
            self._feed(view[:FEED_SLICE])
            data = view[FEED_SLICE:]
        if self.direct_candidate is not None:  # once the whole read is parsed
            self._hand_over_body(self.direct_candidate)

    def _parse_unparsed(self) -> None:
        """Reading may resume: parse the bytes kept, then read from the client again."""
        data, self.unparsed = self.unparsed, b""
        if not self.closed:
            self._parse(data)
            if not self.pauses and not self.unparsed:
                self._reading(True)
            self._close_if_done()

    def _feed(self, data: bytes | memoryview) -> None:
        if self.in_message and self.parsing is None:
            self.header_bytes += len(data)
            if self.header_bytes > self.ctx.max_header_bytes:
                self.refuse(BadRequest("431 Request Header Fields Too Large", "request head too large"))
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.broken = True  # no protocol switch: answer what was asked, then close
            self._close_when_idle()
        except httptools.HttpParserError as exc:
            error = self._cause(exc)
            if error is None:  # bytes after the last request: ignored
                self.broken = True
                self._close_when_idle()
            else:
                self.refuse(error)
        self._feed_pending()
        if self.in_message and self.parsing is None and not self.headers and not self.broken:
            self._check_request_line(data)

    def _check_request_line(self, data: bytes | memoryview) -> None:
        """Refuse at once a request line without an HTTP version (HTTP/0.9's ``GET /``), which the parser
        takes for a request whose headers are still to come (and whose version it reports only then)."""
        tail = self.line_tail + bytes(data[-16:])
        self.line_tail = tail[-16:]
        if tail.endswith(b"\n") and not _VERSIONED_LINE_END.search(tail):
            self.refuse(BadRequest("400 Bad Request", "request line without an HTTP version"))

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

    # --- httptools callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.after_last:
            raise _StopParsing
        self.in_message = True
        self.head_started = self.last_activity
        self.line_tail = b""
        self.header_bytes = 0
        self.url_parts = []
        self.headers = []

    def on_url(self, url: bytes) -> None:
        self.url_parts.append(url)
        limit = self.ctx.limit_request_line
        if limit and sum(map(len, self.url_parts)) > limit:
            raise BadRequest("414 URI Too Long", "request line too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        ctx = self.ctx
        if ctx.limit_request_fields and len(self.headers) > ctx.limit_request_fields:
            raise BadRequest("431 Request Header Fields Too Large", "too many header fields")
        if ctx.limit_request_field_size and len(name) + len(value) + 2 > ctx.limit_request_field_size:
            raise BadRequest("431 Request Header Fields Too Large", f"header {name!r} too large")

    def on_headers_complete(self) -> None:
        parser = self.parser
        url = self.url_parts[0] if len(self.url_parts) == 1 else b"".join(self.url_parts)
        version = parser.get_http_version()
        environ = self.ctx.environ.build(self.base, parser.get_method(), url, version, self.headers,
                                         self.trusted)
        expect = environ.get("HTTP_EXPECT")
        expect_continue = False
        if expect is not None:
            if expect.lower() != "100-continue":
                raise BadRequest("417 Expectation Failed", f"unsupported Expect: {expect}")
            expect_continue = version != "1.0"
        keep_alive = parser.should_keep_alive() and self.ctx.keepalive > 0
        if keep_alive and (parser.should_upgrade()
                           or (version == "1.0" and "HTTP_TRANSFER_ENCODING" in environ)):
            # CONNECT and Upgrade: no protocol switch, the answer closes the connection. HTTP/1.0 with a
            # transfer coding: framing HTTP/1.0 has not, treated as faulty (RFC 9112 section 6.1).
            keep_alive = False
        exchange = Exchange(environ, keep_alive, expect_continue)
        if self.ctx.access_log:
            exchange.started = datetime.now()
            exchange.headers = self.headers
        self.parsing = exchange
        self.queue.append(exchange)
        self.ctx.waiting.pop(self, None)
        self._start_next()

    def on_body(self, body: bytes) -> None:
        exchange = self.parsing
        assert exchange is not None
        if exchange.discard:
            exchange.size += len(body)
            if exchange.size > DISCARD_LIMIT:
                self.close()
            return
        if exchange.stream is not None:
            self.body_pending.append(body)  # fed at the end of this read: chunked bodies come in many
            return
        exchange.size += len(body)
        exchange.chunks.append(body)
        if exchange.size > INLINE_LIMIT and self.current is None and self.queue and self.queue[0] is exchange:
            self._start_next()

    def _feed_pending(self) -> None:
        """Hand the body bytes of the last read to the stream of the request they belong to."""
        if self.body_pending:
            pending, self.body_pending = self.body_pending, []
            if self.parsing is not None and self.parsing.stream is not None:
                self.parsing.stream.feed(*pending)

    def on_message_complete(self) -> None:
        self._feed_pending()
        self.in_message = False
        exchange = self.parsing
        assert exchange is not None
        self.parsing = None
        exchange.complete = True
        if not exchange.keep_alive:
            self.after_last = True
        if exchange.discard:
            self._start_next()
            return
        if exchange.stream is not None:
            exchange.stream.feed_eof()
        elif self.current is None and self.queue and self.queue[0] is exchange:
            self._start_next()
        if self.current is not None or self.queue:
            self._pause("busy")  # answer the requests in hand before parsing (and buffering) more

    # --- running requests ------------------------------------------------------------------------

    def _start_next(self) -> None:
        """Start the request at the head of the queue when nothing is being answered and it is ready (and
        the client reads what it is sent)."""
        while self.current is None and self.queue and self.write_paused_at is None and self._writable():
            exchange = self.queue[0]
            if exchange.error is not None:
                self._send_error(exchange.error)
                return
            if exchange.stream is None and not exchange.complete and exchange.size <= INLINE_LIMIT:
                if exchange.waiting_since is None:
                    exchange.waiting_since = monotonic()
                self._send_continue(exchange)
                break  # read on: its body is to come
            self.queue.popleft()
            self.current = exchange
            environ = exchange.environ
            executor = None
            if exchange.complete:
                body = exchange.chunks[0] if len(exchange.chunks) == 1 else b"".join(exchange.chunks)
                exchange.chunks = []
                environ["wsgi.input"] = io.BytesIO(body)
                environ["ipp_wsgi.body"] = body
                if len(body) <= INLINE_LIMIT:
                    if self._asks(self.ctx.quick, environ):
                        self._run_inline(exchange)
                        continue
                    if self._asks(self.ctx.local, environ):
                        executor = self.ctx.local_executor
            else:
                self._send_continue(exchange)
                self._stream_body(exchange)
                if self._may_read_directly(exchange):
                    self.direct_candidate = exchange
                executor = self.ctx.upload_executor
            self._run_threaded(exchange, executor)
        current, parsing = self.current, self.parsing
        if (current is None or current is parsing) and (not self.queue or self.queue[0] is parsing):
            # Nothing complete waits: read on (the body of the request in hand, or the next request).
            self._resume("busy")
            if self.broken:
                self._close_when_idle()

    def _stream_body(self, exchange: Exchange) -> RequestBody:
        """Make *exchange*'s ``wsgi.input`` the stream the rest of its body will be fed to."""
        limits = self.ctx.limits
        stream = RequestBody(limits.client_timeout, self._pause_body, self._resume_body, limits.body_min_rate)
        stream.feed(*exchange.chunks)
        exchange.chunks = []
        exchange.stream = stream
        exchange.environ["wsgi.input"] = stream
        return stream

    def _may_read_directly(self, exchange: Exchange) -> bool:
        """A plain connection and a body of known length (how much of it is still to come is looked at
        once this read from the client has been parsed: :meth:`_hand_over_body`)."""
        environ = exchange.environ
        return (self.plain_socket is not None and "HTTP_TRANSFER_ENCODING" not in environ
                and environ.get("CONTENT_LENGTH", "").isdigit())

    def _hand_over_body(self, exchange: Exchange) -> None:
        """Let the request's thread read the rest of the body from (a duplicate of) the socket, the loop
        reading nothing until it has; then a new parser takes the connection's next request."""
        self.direct_candidate = None
        stream = exchange.stream
        if stream is None or exchange.complete or self.closed or exchange is not self.current \
                or self.unparsed:
            return
        remaining = int(exchange.environ["CONTENT_LENGTH"]) - stream.received
        if remaining < DIRECT_MIN:
            return
        assert self.plain_socket is not None
        self._pause("direct")
        sock = socket.socket(fileno=os.dup(self.plain_socket.fileno()))
        loop = self.ctx.loop

        def done() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the worker exits
                loop.call_soon_threadsafe(self._body_read_directly, exchange)

        stream.read_directly(sock, remaining, done)

    def _body_read_directly(self, exchange: Exchange) -> None:
        """The request's thread has read the body to its end: the message is complete."""
        self.parser = self._new_parser()
        self.parsing = exchange
        self.on_message_complete()
        self._resume("direct")

    def _asks(self, question: Callable[[dict[str, Any]], bool] | None, environ: dict[str, Any]) -> bool:
        """The application's answer to ``quick_request`` or ``local_request`` (False when it has none, or
        when the question fails)."""
        if question is None:
            return False
        try:
            return bool(question(environ))
        except Exception:
            self.ctx.log.exception("%s failed", getattr(question, "__name__", "the application's question"))
            return False

    def _response(self, exchange: Exchange, send: Callable[[bytes], None]) -> Response:
        environ = exchange.environ
        keep_alive = exchange.keep_alive and not self.ctx.shutting_down and not self.broken
        return Response(send, self.ctx.clock, environ["REQUEST_METHOD"],
                        environ["SERVER_PROTOCOL"] == "HTTP/1.0", keep_alive)

    def _run_inline(self, exchange: Exchange) -> None:
        assert self.transport is not None
        response = self._response(exchange, self.transport.write)
        self._call_application(exchange, response)
        self._finish(exchange, response)

    def _run_threaded(self, exchange: Exchange, executor: Executor | None = None) -> None:
        """Run the application on ``executor`` (default: the pool of request threads)."""
        assert self.transport is not None
        sender = ThreadedSend(self.ctx.loop, self.transport, self.ctx.limits.client_timeout)
        if self.write_paused_at is not None:
            sender.set_paused(True)
        self.sender = sender
        response = self._response(exchange, sender)
        (executor or self.ctx.executor).submit(self._thread_main, exchange, response)

    def _thread_main(self, exchange: Exchange, response: Response) -> None:
        self._call_application(exchange, response)
        with contextlib.suppress(RuntimeError):  # RuntimeError: the loop is closed, the worker exits
            self.ctx.loop.call_soon_threadsafe(self._threaded_done, exchange, response)

    def _threaded_done(self, exchange: Exchange, response: Response) -> None:
        self.sender = None
        self._finish(exchange, response)
        self._start_next()
        self._close_if_done()

    def _call_application(self, exchange: Exchange, response: Response) -> None:
        """Run the application; its errors are logged and answered with 500 when nothing was sent yet."""
        environ = exchange.environ
        try:
            run_application(self.ctx.app, environ, response)
        except ClientGone as exc:
            self.ctx.log.debug("%s %s: %s", environ["REQUEST_METHOD"], environ["RAW_URI"], exc)
            response.keep_alive = False
        except Exception:
            self.ctx.log.exception("Error handling request %s %s", environ["REQUEST_METHOD"],
                                   environ["RAW_URI"])
            response.keep_alive = False
            if not response.headers_sent:
                with contextlib.suppress(ClientGone):
                    response.send_error("500 Internal Server Error")

    def _finish(self, exchange: Exchange, response: Response) -> None:
        """The response to *exchange* is written: keep the connection for the next request, or close it."""
        self.current = None
        self.last_activity = monotonic()
        self.ctx.request_done(exchange, response)
        stream = exchange.stream
        read_directly = stream is not None and stream.direct  # and not to its end: else it is released
        if stream is not None and read_directly:
            # The application is done with the stream: its duplicate of the socket goes now, whatever
            # happens to the connection (else the descriptor would leak and keep the connection open).
            stream.release_socket()
        if self.closed:
            return
        if not response.keep_alive or read_directly or (stream is not None and stream.timed_out):
            # After a body read directly but not to its end, the parser cannot find the next request; after
            # a client too slow to send its body, the connection is not worth keeping.
            self.close()
            return
        if self.broken:
            return  # nothing more is read: what is in the queue is answered (an error last), then it closes
        if not self.queue:
            self.ctx.waiting[self] = None
        if stream is not None and not exchange.complete:
            # The application did not read the whole body: skip the rest, up to DISCARD_LIMIT.
            stream.abort(ClientGone("the response was sent before the body was read"))
            exchange.discard = True
            exchange.size = 0
            self._resume("body")

    def _send_continue(self, exchange: Exchange) -> None:
        if exchange.expect_continue and not exchange.continue_sent and self.transport is not None:
            exchange.continue_sent = True
            self.transport.write(CONTINUE)

    # --- errors, flow control, closing -----------------------------------------------------------

    def _cause(self, exc: httptools.HttpParserError) -> BadRequest | None:
        """The BadRequest behind a parser error (raised by a callback, or the parser's own complaint);
        None for bytes after the connection's last request."""
        cause = exc.__context__ or exc.__cause__
        if isinstance(cause, BadRequest):
            return cause
        if isinstance(cause, _StopParsing) or (cause is None and self.after_last):
            return None
        if cause is not None and not isinstance(cause, Exception):
            raise cause  # SystemExit from a signal handler that ran inside a callback
        if cause is not None:
            self.ctx.log.error("error in the HTTP parser callbacks", exc_info=cause)
        return BadRequest("400 Bad Request", str(exc))

    def refuse(self, error: BadRequest) -> None:
        """Refuse the request being received: answer *error* once the requests before it are answered,
        then close."""
        peer = self.base.get("REMOTE_ADDR", "")
        self.ctx.log.warning("Invalid request from ip=%s: %s", peer, error)
        self.broken = True
        parsing, self.parsing = self.parsing, None
        if parsing is not None and parsing.stream is not None:
            parsing.stream.abort(ClientGone(str(error)))
        if parsing is not None and parsing in self.queue:
            self.queue.remove(parsing)
        self.queue.append(Exchange({}, False, False, error))
        self._start_next()

    def _send_error(self, error: BadRequest) -> None:
        assert self.transport is not None
        self.queue.clear()
        Response(self.transport.write, self.ctx.clock, "GET", False, False).send_error(error.status)
        self.close()

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

    def stall_body(self, stream: RequestBody, error: TimeoutError) -> None:
        """The client stopped sending the body, or sends it too slowly: the application's reads fail with
        *error* once the bytes received are read, and the connection closes after the response."""
        self.ctx.log.info("client %s in a request body: %s", self.base.get("REMOTE_ADDR", ""), error)
        self.broken = True
        stream.stall(error)

    def give_up_waiting(self, error: TimeoutError) -> None:
        """The next request's (small) body stopped coming, or comes too slowly: the application answers
        (its reads fail with *error*), then the connection closes."""
        waiting = self.queue.popleft()
        self.current = waiting
        self.stall_body(self._stream_body(waiting), error)
        self._run_threaded(waiting, self.ctx.upload_executor)

    def abort(self) -> None:
        """Drop the connection now (timeouts, the end of a graceful shutdown)."""
        if self.transport is not None:
            self.transport.abort()

    def shutdown(self) -> None:
        """The worker stops: close now when idle, else after the response in progress."""
        if self.current is None and not self.queue and not self.in_message:
            self.close()

    def evictable(self) -> bool:
        """No request in hand: idle, or receiving a request head (see ``ServerContext.waiting``)."""
        return self.current is None and not self.queue and not self.closed

    def give_way(self) -> None:
        """Close the connection to make room for a new client (the worker is at its connection limit)."""
        self.ctx.waiting.pop(self, None)
        self.closed = True  # nothing more is read or answered
        self.close()
