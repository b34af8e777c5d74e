"""One IPP request, followed from its start to its answer: one log line, and the request metrics.

Each request gets a request id (the client's or the proxy's ``X-Request-Id`` when it is a sane token, else
a new one), sent back in the answer's ``X-Request-Id`` header and written in every line about the request:
the request line (logger ``ipp_wsgi.requests``: operation, printer, job-id, user, status, bytes received,
duration) and, for a job-creation request that created a job, a ``job created`` line (logger
``ipp_wsgi.jobs``). In the JSON log format (:mod:`ipp_wsgi.logs`) those values are keys of the line's
object; in the text format they are ``key=value`` pairs.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ipp_wsgi.codec import Message, op_name, status_name
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.metrics import metrics
from ipp_wsgi.ops.call import plain
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.reply import OpError
from ipp_wsgi.ops.service import Service
from ipp_wsgi.ops.target import uri_path

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

requests_log = logging.getLogger("ipp_wsgi.requests")
jobs_log = logging.getLogger("ipp_wsgi.jobs")

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
JOB_CREATION = frozenset({ops.PRINT_JOB, ops.CREATE_JOB, ops.PRINT_URI})
FIELDS = ("request_id", "operation", "printer", "job_id", "user", "status", "bytes", "duration")
"""The fields of a request line, in order."""


def request_id(environ: WSGIEnvironment) -> str:
    """The request's id: the incoming ``X-Request-Id`` when it is a short token, else a new random one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)


@dataclass(slots=True)
class Described:
    """What a request says of itself: operation, printer, job, user (kept with an answer the answer
    cache gives again, which describes every request it answers)."""

    operation: str = "unknown"
    printer: str = ""
    job_id: int | None = None
    user: str = ""


@dataclass(slots=True)
class IppExchange:
    """One IPP request being answered."""

    request_id: str
    started: float = field(default_factory=time.perf_counter)
    described: Described = field(default_factory=Described)

    def describe(self, request: Message, context: RequestContext, service: Service) -> None:
        """Note the operation, printer, job and user of a decoded request."""
        group = request.operation
        described = Described(op_name(request.code), "", None,
                              str(context.remote_user or plain(group.value("requesting-user-name")) or ""))
        job_id = group.value("job-id")
        if isinstance(job_id, int) and not isinstance(job_id, bool):
            described.job_id = job_id
        for name in ("job-uri", "printer-uri"):
            uri = group.value(name)
            if not isinstance(uri, str):
                continue
            try:
                path = uri_path(uri, context)
            except OpError:
                continue
            head, _, tail = path.rstrip("/").rpartition("/")
            if name == "job-uri" and tail.isdigit():
                described.job_id, path = int(tail), head
            entry = service.printer_for_path(path)
            if entry is not None:
                described.printer = entry.name
            break
        self.described = described

    def answered(self, response: Message) -> None:
        """Note the job-id a job-creation response carries."""
        job = response.job
        if job is not None and self.described.job_id is None:
            job_id = job.value("job-id")
            if isinstance(job_id, int):
                self.described.job_id = job_id

    def finish(self, status: int, received: int) -> None:
        """Count the request and write its line (and the job's ``created`` line)."""
        described = self.described
        duration = time.perf_counter() - self.started
        status_text = status_name(status)
        count, observe, add = _instruments(described.operation, status_text)
        count()
        observe(duration)
        add(received)
        created = status < 0x0100 and described.operation in _CREATION_NAMES and described.job_id is not None
        if created:
            metrics().jobs_created.labels(described.printer).inc()
        if requests_log.isEnabledFor(logging.INFO):
            values = {"request_id": self.request_id, "operation": described.operation,
                      "printer": described.printer, "job_id": described.job_id, "user": described.user,
                      "status": status_text, "bytes": received, "duration": round(duration, 6)}
            requests_log.info("ipp %s", key_values(values), extra={"ipp": values})
        if created and jobs_log.isEnabledFor(logging.INFO):
            values = {"request_id": self.request_id, "event": "created", "printer": described.printer,
                      "job_id": described.job_id, "user": described.user}
            jobs_log.info("job %s", key_values(values), extra={"ipp": values})


_CREATION_NAMES = frozenset(op_name(code) for code in JOB_CREATION)
_Instruments = tuple[Callable[[], None], Callable[[float], None], Callable[[float], None]]
_INSTRUMENTS: dict[tuple[str, str], _Instruments] = {}
_INSTRUMENTS_MAX = 4096


def _instruments(operation: str, status: str) -> _Instruments:
    """The request counter's, duration histogram's and byte counter's methods for one operation and
    status (looked up once: a label lookup costs as much as the rest of a cached answer)."""
    found = _INSTRUMENTS.get((operation, status))
    if found is None:
        instruments = metrics()
        found = (instruments.requests.labels(operation, status).inc,
                 instruments.duration.labels(operation).observe, instruments.received.labels(operation).inc)
        if len(_INSTRUMENTS) < _INSTRUMENTS_MAX:  # operation names of unknown codes are the clients'
            _INSTRUMENTS[(operation, status)] = found
    return found


def key_values(values: dict[str, Any]) -> str:
    """``key=value`` pairs for a text log line; a value with spaces, quotes or control characters is
    quoted with its escapes, so that a client's names cannot forge lines."""
    return " ".join([f"{key}={_text_value(value)}" for key, value in values.items()])


_NEEDS_QUOTES = re.compile(r'[ "=\\]')


def _text_value(value: Any) -> str:
    kind = type(value)
    if kind is int or kind is float:
        return str(value)
    text = "-" if value is None or value == "" else str(value)
    if text.isprintable() and _NEEDS_QUOTES.search(text) is None:
        return text
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else repr(c)[1:-1] if c != '"' else '\\"'
                         for c in text) + '"'
