"""Reading the requests of one connection: the httptools parser and its callbacks, the limits of a
request head, pipelined requests parsed no further than one past the request being answered, and request
bodies (kept whole when small, else streamed to the request's thread, or read by that thread straight
from the socket)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
from datetime import datetime
from time import monotonic
from typing import TYPE_CHECKING, cast

import httptools

from ipp_wsgi.worker.environ import BadRequest
from ipp_wsgi.worker.exchange import Exchange, ServerContext
from ipp_wsgi.worker.flow import ConnectionBase
from ipp_wsgi.worker.request_body import RequestBody
from ipp_wsgi.worker.response import ClientGone

if TYPE_CHECKING:
    from ipp_wsgi.worker.connection import HttpConnection

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
_VERSIONED_LINE_END = re.compile(rb"/[0-9]\.[0-9]\r\n\Z")


class _StopParsing(Exception):
    """Raised in a parser callback: the bytes after the connection's last request are not parsed."""


class RequestReader(ConnectionBase):
    """The reading half of a connection."""

    def __init__(self, ctx: ServerContext) -> None:
        super().__init__(ctx)
        self.parser = self._new_parser()
        self.header_bytes = 0
        self.line_tail = b""
        """The last bytes received of a request line not known to be over (see _check_request_line)."""
        self.url_parts: list[bytes] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.after_last = False
        """The connection's last request is in: what follows is not parsed."""
        self.direct_candidate: Exchange | None = None
        self.body_pending: list[bytes] = []

    def _new_parser(self) -> httptools.HttpRequestParser:
        """A request parser calling back this connection. Any HTTP version number passes it (the environ
        factory then takes 1.x for 1.1 and refuses the others), so that HTTP/1.2 is served as 1.1 (RFC
        9110 section 2.5) and HTTP/2.0 gets 505, not 400; its other checks stay strict."""
        parser = httptools.HttpRequestParser(self)
        parser.set_dangerous_leniencies(lenient_version=True)
        return parser

    # --- bytes from the client -------------------------------------------------------------------

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
        self.ctx.waiting.pop(cast("HttpConnection", self), None)  # it has a request in hand
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

    # --- errors ----------------------------------------------------------------------------------

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

    # --- streamed bodies -------------------------------------------------------------------------

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
