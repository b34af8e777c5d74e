"""What the connections of a worker share (:class:`ServerContext`) and one request on a connection and
where it stands (:class:`Exchange`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ipp_wsgi.worker.environ import BadRequest, EnvironFactory
from ipp_wsgi.worker.limits import Limits
from ipp_wsgi.worker.request_body import RequestBody
from ipp_wsgi.worker.response import Clock, Response

if TYPE_CHECKING:
    from ipp_wsgi.worker.connection import HttpConnection


@dataclass
class ServerContext:
    """What every connection of a worker shares (filled in by the worker)."""

    app: Callable[..., Any]
    quick: Callable[[dict[str, Any]], bool] | None
    """The application's ``quick_request``: such requests run in the event loop."""
    local: Callable[[dict[str, Any]], bool] | None
    """The application's ``local_request``: such requests run one after another on :attr:`local_executor`."""
    environ: EnvironFactory
    loop: asyncio.AbstractEventLoop
    executor: Executor
    """The pool of request threads (requests whose body is in hand)."""
    upload_executor: Executor
    """The pool of threads for the requests whose body is still arriving (``Limits.upload_threads``)."""
    local_executor: Executor
    """One thread, for the requests the application calls local."""
    clock: Clock
    log: Any
    keepalive: float
    limits: Limits
    limit_request_line: int
    limit_request_fields: int
    limit_request_field_size: int
    access_log: bool
    request_done: Callable[[Exchange, Response], None]
    accept: Callable[[HttpConnection], bool]
    forget: Callable[[HttpConnection], None]
    shutting_down: bool = False
    waiting: dict[HttpConnection, None] = field(default_factory=dict)
    """The connections with no request in hand (idle, or receiving a request head), in the order they
    began to wait: at the connection limit, the first gives way to a new client."""
    max_header_bytes: int = field(init=False)

    def __post_init__(self) -> None:
        fields = self.limit_request_fields or 32768
        self.max_header_bytes = fields * ((self.limit_request_field_size or 65536) + 4) + \
            (self.limit_request_line or 65536) + 4096


class Exchange:
    """One request and where it stands."""

    __slots__ = (
        "chunks",
        "complete",
        "continue_sent",
        "discard",
        "environ",
        "error",
        "expect_continue",
        "headers",
        "keep_alive",
        "read_for",
        "size",
        "started",
        "stream",
        "waiting_since",
    )

    def __init__(self, environ: dict[str, Any], keep_alive: bool, expect_continue: bool,
                 error: BadRequest | None = None) -> None:
        self.environ = environ
        self.keep_alive = keep_alive
        """The connection may serve another request after this one."""
        self.expect_continue = expect_continue
        self.chunks: list[bytes] = []
        self.size = 0
        self.complete = False
        self.stream: RequestBody | None = None
        self.continue_sent = False
        self.error = error
        self.discard = False
        self.started: datetime | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.waiting_since: float | None = None
        """When the request, next to be answered, began to wait for the rest of its (small) body."""
        self.read_for = 0.0
        """Seconds the worker has been reading the request's streamed body (reading not paused)."""
