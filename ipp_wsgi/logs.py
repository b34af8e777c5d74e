"""Log formats: ``text`` (one readable line) or ``json`` (one JSON object a line, for log tools).

A JSON line has ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``pid`` and ``message``, the fields a
record carries in its ``ipp`` extra (the request and job lines of :mod:`ipp_wsgi.request_log`:
``request_id``, ``operation``, ``printer``, ``job_id``, ``user``, ``status``, ``bytes``, ``duration``), and
``exception`` when there is one. :func:`configure` sets up this process's logging (``ipp-wsgi serve`` and
``ipp-wsgi spooler``); :class:`GunicornLogger` writes gunicorn's own error and access lines the same way
(gunicorn's ``logger_class``, chosen by ``IPP_WSGI_LOG_FORMAT``).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

LOG_FORMATS = ("text", "json")
LOG_FORMAT_ENV = "IPP_WSGI_LOG_FORMAT"
"""The environment variable that chooses the format of gunicorn's own lines (:class:`GunicornLogger`);
``ipp-wsgi serve --log-format`` sets it for its workers and spooler process."""
TEXT_FORMAT = "[%(process)d] %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        fields = getattr(record, "ipp", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``log_format`` (``text`` or ``json``)."""
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str) -> None:
    """Log this process's records at ``level`` and above to stderr in ``log_format``.

    The records carry no source location, thread or multiprocessing name (the optimisations of the
    logging HOWTO): no line of either format shows them, and working them out was a third of the cost of
    a request line, itself a third of a small request's time."""
    logging._srcfile = None  # no sys._getframe() walk per record
    logging.logThreads = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    os.environ[LOG_FORMAT_ENV] = log_format


class GunicornLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, writing its error and access lines in ``IPP_WSGI_LOG_FORMAT`` (text: gunicorn's
    own format)."""

    def _set_handler(self, log: logging.Logger, output: str | None, fmt: logging.Formatter,
                     stream: Any = None) -> None:
        if os.environ.get(LOG_FORMAT_ENV) == "json":
            fmt = JsonFormatter()
        super()._set_handler(log, output, fmt, stream)
