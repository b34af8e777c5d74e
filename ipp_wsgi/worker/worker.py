"""The gunicorn worker class: one asyncio event loop (uvloop when installed) serving every listening
socket, a thread pool for the requests that may block, a once-a-second timer for the heartbeat, the
``Date`` header, the parent check and the sweep of stalled and idle connections. SIGTERM, SIGQUIT and
SIGINT run gunicorn's handlers from the loop; the others (SIGUSR1: reopen the logs) keep gunicorn's
Python handlers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from time import monotonic
from types import SimpleNamespace
from typing import Any

from gunicorn.sock import ssl_context
from gunicorn.workers.base import Worker

from ipp_wsgi.worker.connection import HttpConnection
from ipp_wsgi.worker.deadlines import sweep
from ipp_wsgi.worker.environ import EnvironFactory
from ipp_wsgi.worker.exchange import Exchange, ServerContext
from ipp_wsgi.worker.limits import Limits
from ipp_wsgi.worker.response import Clock, Response

TICK_SECONDS = 1.0
WORKER_BOOT_ERROR = 3
"""The exit status with which a worker tells gunicorn's arbiter it cannot boot (the arbiter then stops)."""
# "asyncio" runs the standard event loop even when uvloop is installed.
EVENT_LOOP_VARIABLE = "IPP_WSGI_EVENT_LOOP"


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A uvloop event loop when uvloop is installed (and not turned off), else asyncio's."""
    if os.environ.get(EVENT_LOOP_VARIABLE, "").lower() != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


class IppWorker(Worker):  # type: ignore[misc]
    """gunicorn worker class ``ipp_wsgi.worker.IppWorker``: HTTP/1.1 on asyncio with httptools.

    Requests whose whole (small) body is in and that the application calls quick
    (``application.quick_request(environ)`` is true) run in the event loop; those it calls local
    (``application.local_request(environ)``: short local work, such as spooling a small job) run one after
    another on a thread of their own; those whose body is still arriving in a pool of
    ``IPP_WSGI_UPLOAD_THREADS`` threads (default: ``threads``), their bodies streamed to them; all others
    in a pool of ``threads`` threads. ``keepalive`` bounds idle connections, the other
    :class:`~ipp_wsgi.worker.limits.Limits` slow clients, ``worker_connections`` their number: at the
    limit, the connection that has waited longest for its client (idle, or sending a request head) is
    closed to make room for a new one.
    """

    alive: bool
    nr: int
    max_requests: int

    def init_process(self) -> None:
        try:
            self.limits = Limits.from_environ()
        except ValueError as exc:
            self.log.error("ipp-wsgi worker: %s", exc)
            sys.exit(WORKER_BOOT_ERROR)
        super().init_process()

    def run(self) -> None:
        limits = self.limits
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        self.connections: set[HttpConnection] = set()
        self.given_way = 0
        threads = max(1, self.cfg.threads)
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="ipp-wsgi-request")
        self.upload_executor = ThreadPoolExecutor(limits.upload_threads or threads,
                                                  thread_name_prefix="ipp-wsgi-upload")
        self.local_executor = ThreadPoolExecutor(1, thread_name_prefix="ipp-wsgi-local")
        self.shutdown_deadline: float | None = None
        cfg = self.cfg
        self.ctx = ServerContext(
            app=self.wsgi, quick=getattr(self.wsgi, "quick_request", None),
            local=getattr(self.wsgi, "local_request", None), environ=EnvironFactory(cfg), loop=loop,
            executor=self.executor, upload_executor=self.upload_executor, local_executor=self.local_executor,
            clock=Clock(), log=self.log, keepalive=cfg.keepalive,
            limits=limits, limit_request_line=cfg.limit_request_line,
            limit_request_fields=cfg.limit_request_fields,
            limit_request_field_size=cfg.limit_request_field_size,
            access_log=bool(getattr(self.log, "access_log_enabled", cfg.accesslog)),
            request_done=self._request_done, accept=self._accept, forget=self._forget,
        )
        self.idle_timeout = float(cfg.keepalive or limits.client_timeout)
        try:
            self.servers = [loop.run_until_complete(self._serve(listener)) for listener in self.sockets]
            for signum, handler in ((signal.SIGTERM, self.handle_exit), (signal.SIGQUIT, self.handle_quit),
                                    (signal.SIGINT, self.handle_quit)):
                loop.add_signal_handler(signum, self._on_signal, handler, signum)
            loop.call_later(TICK_SECONDS, self._tick)
            loop.run_forever()
        finally:
            self._close(loop)

    async def _serve(self, listener: Any) -> asyncio.AbstractServer:
        ssl = ssl_context(self.cfg) if self.cfg.is_ssl else None
        ctx = self.ctx
        sock = getattr(listener, "sock", listener)
        return await self.loop.create_server(lambda: HttpConnection(ctx), sock=sock, ssl=ssl,
                                             backlog=self.cfg.backlog)

    def _close(self, loop: asyncio.AbstractEventLoop) -> None:
        for server in getattr(self, "servers", []):
            server.close()
        for connection in list(self.connections):
            connection.abort()
        if not loop.is_closed():
            loop.run_until_complete(asyncio.sleep(0))  # let the aborted connections see connection_lost
            loop.close()
        for executor in (self.executor, self.upload_executor, self.local_executor):
            executor.shutdown(wait=False, cancel_futures=True)

    # --- the timer and signals -------------------------------------------------------------------

    def _tick(self) -> None:
        self.notify()
        self.ctx.clock.tick()
        if self.alive and self.ppid != os.getppid():
            self.log.info("Parent changed, shutting down: %s", self)
            self.alive = False
        now = monotonic()
        for connection in list(self.connections):
            sweep(connection, now, self.idle_timeout)
        if self.given_way:
            self.log.warning("at the connection limit (worker_connections %d): closed %d connection(s) "
                             "waiting for their clients to make room", self.cfg.worker_connections,
                             self.given_way)
            self.given_way = 0
        self._check_alive()
        self.loop.call_later(TICK_SECONDS, self._tick)

    def _on_signal(self, handler: Callable[[int, Any], None], signum: int) -> None:
        """gunicorn's handler of *signum*, run in the loop at once (a plain Python signal handler would
        wait for the next Python code the loop runs, up to a tick with uvloop)."""
        handler(signum, None)
        self._check_alive()

    def _check_alive(self) -> None:
        """Begin the graceful shutdown once ``self.alive`` is false, and end it when every connection
        has closed or ``graceful_timeout`` has passed."""
        if self.alive:
            return
        if self.shutdown_deadline is None:
            self.shutdown_deadline = monotonic() + self.cfg.graceful_timeout
            self.ctx.shutting_down = True
            for server in self.servers:
                server.close()
            for connection in list(self.connections):
                connection.shutdown()
        if not self.connections or monotonic() > self.shutdown_deadline:
            self.loop.stop()

    # --- connections and requests ----------------------------------------------------------------

    def _accept(self, connection: HttpConnection) -> bool:
        if self.ctx.shutting_down:
            return False
        if len(self.connections) >= self.cfg.worker_connections and not self._make_room():
            return False
        self.connections.add(connection)
        return True

    def _make_room(self) -> bool:
        """Close the connection that has waited longest for its client (idle, or sending a request head);
        False when every connection has a request in hand."""
        waiting = self.ctx.waiting
        while waiting:
            oldest = next(iter(waiting))
            del waiting[oldest]
            if oldest.evictable():
                self.connections.discard(oldest)
                oldest.give_way()
                self.given_way += 1
                return True
        return False

    def _forget(self, connection: HttpConnection) -> None:
        self.connections.discard(connection)
        if self.shutdown_deadline is not None and not self.connections:
            self.loop.call_soon(self._check_alive)

    def _request_done(self, exchange: Exchange, response: Response) -> None:
        self.nr += 1
        if self.nr >= self.max_requests and self.alive:
            self.log.info("Autorestarting worker after current request.")
            self.alive = False
            self.loop.call_soon(self._check_alive)
        if exchange.started is not None:
            self._access(exchange, response)

    def _access(self, exchange: Exchange, response: Response) -> None:
        assert exchange.started is not None
        request = SimpleNamespace(headers=[(name.decode("latin-1").upper(), value.decode("latin-1"))
                                           for name, value in exchange.headers])
        self.log.access(response, request, exchange.environ, datetime.now() - exchange.started)
