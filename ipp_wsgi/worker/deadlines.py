"""The deadlines of slow clients (:class:`~ipp_wsgi.worker.limits.Limits`), looked at once a second by the
worker's timer for every connection: a connection is closed, or its request refused or its body's reads
made to fail, when its client

- reads none of our output for ``client_timeout`` seconds (the transport stays paused);
- sends its request head for longer than ``header_timeout`` seconds from its first byte (408), or falls
  silent in it for ``client_timeout`` seconds (408);
- falls silent in a body for ``client_timeout`` seconds, or sends it slower than ``body_min_rate``
  (:func:`~ipp_wsgi.worker.limits.body_allowance`): the application's reads of the body fail (it answers,
  an IPP error for IPP), then the connection closes;
- stays idle between requests for gunicorn's ``keepalive`` seconds (closed, no answer).

Time during which the worker itself holds reading up (an earlier request being answered, a full body
queue) does not count against the client. A body that the request's thread reads from the socket itself
keeps its own time (:class:`~ipp_wsgi.worker.request_body.RequestBody`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipp_wsgi.worker.environ import BadRequest
from ipp_wsgi.worker.limits import Limits, body_allowance
from ipp_wsgi.worker.request_body import silent_client, slow_client

if TYPE_CHECKING:
    from ipp_wsgi.worker.connection import HttpConnection
    from ipp_wsgi.worker.exchange import Exchange


def sweep(connection: HttpConnection, now: float, idle_timeout: float) -> None:
    """Apply the deadlines to *connection* at time *now* (monotonic)."""
    try:
        if not connection.closed and connection.transport is not None:
            _check(connection, now, idle_timeout)
    finally:
        connection.swept_at = now


def _check(connection: HttpConnection, now: float, idle_timeout: float) -> None:
    limits = connection.ctx.limits
    if connection.write_paused_at is not None:
        if now - connection.write_paused_at > limits.client_timeout:
            connection.ctx.log.info("closing a connection whose client stopped reading")
            connection.abort()
    elif connection.current is not None:
        _check_streamed_body(connection, connection.current, now, limits)
    elif connection.pauses or connection.unparsed:
        return  # the connection waits for the worker, not for its client
    elif connection.queue:
        _check_waiting_body(connection, connection.queue[0], now, limits)
    elif connection.in_message:
        _check_head(connection, now, limits)
    elif now - connection.last_activity > idle_timeout:
        connection.close()


def _check_streamed_body(connection: HttpConnection, current: Exchange, now: float, limits: Limits) -> None:
    """The request being answered, while the worker reads the rest of its body for its thread (not while
    the body's queue is full, nor once the thread reads the socket itself)."""
    stream = current.stream
    if stream is None or current.complete or connection.broken or not connection.pauses <= {"write"}:
        return
    current.read_for += now - connection.swept_at
    if now - connection.last_activity > limits.client_timeout:
        connection.stall_body(stream, silent_client(limits.client_timeout))
    elif current.read_for > body_allowance(limits.client_timeout, limits.body_min_rate, stream.received):
        connection.stall_body(stream, slow_client(limits.body_min_rate))


def _check_waiting_body(connection: HttpConnection, waiting: Exchange, now: float, limits: Limits) -> None:
    """The next request to be answered, whose (small) body is still coming: no thread waits for it yet."""
    if waiting is not connection.parsing or waiting.error is not None or waiting.waiting_since is None:
        return
    if now - connection.last_activity > limits.client_timeout:
        connection.give_up_waiting(silent_client(limits.client_timeout))
    elif now - waiting.waiting_since > body_allowance(limits.client_timeout, limits.body_min_rate,
                                                      waiting.size):
        connection.give_up_waiting(slow_client(limits.body_min_rate))


def _check_head(connection: HttpConnection, now: float, limits: Limits) -> None:
    """A request head being received, or the body of one the application did not read being skipped."""
    silent = now - connection.last_activity > limits.client_timeout
    if connection.parsing is not None:
        if silent:
            connection.abort()
    elif silent or now - connection.head_started > limits.header_timeout:
        connection.refuse(BadRequest("408 Request Timeout", "the client sent the request head too slowly"))
