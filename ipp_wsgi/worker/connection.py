"""One client connection (:class:`HttpConnection`, the asyncio protocol the worker serves) and where its
requests run: inline in the event loop (a small, complete body and an application that says the request
is quick), on the worker's local thread (the application says it is local), or in the worker's thread
pool (everything else; a body still arriving is streamed to a thread of the upload pool). Keep-alive,
the answers to the deadlines of slow clients, and making room at the connection limit.

How requests are read is :mod:`ipp_wsgi.worker.reading`'s; flow control and closing
:mod:`ipp_wsgi.worker.flow`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from concurrent.futures import Executor
from time import monotonic
from typing import Any, cast

from ipp_wsgi.worker.environ import BadRequest
from ipp_wsgi.worker.exchange import Exchange
from ipp_wsgi.worker.reading import INLINE_LIMIT, RequestReader
from ipp_wsgi.worker.request_body import RequestBody
from ipp_wsgi.worker.response import ClientGone, Response, ThreadedSend, run_application

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class HttpConnection(RequestReader):
    """The asyncio protocol of one HTTP/1.x connection."""

    # --- asyncio protocol (the rest is ConnectionBase's and RequestReader's) ---------------------

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

    def _send_error(self, error: BadRequest) -> None:
        assert self.transport is not None
        self.queue.clear()
        Response(self.transport.write, self.ctx.clock, "GET", False, False).send_error(error.status)
        self.close()

    # --- slow clients, shutdown, the connection limit ----------------------------------------------

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
