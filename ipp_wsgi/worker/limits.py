"""The worker's limits on slow clients, read from the environment (``IPP_WSGI_*`` variables: a systemd
unit's ``Environment=`` lines, gunicorn's ``--env``, or the options of ``ipp-wsgi serve``, which sets them).

Each limit bounds what one client can hold of a worker: a request thread, a connection slot, time. The
connection limit itself is gunicorn's ``worker_connections``, and the wait for a request on an idle
connection gunicorn's ``keepalive``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """How one limit is set: its environment variable, its ``ipp-wsgi serve`` option, what it means."""

    variable: str
    option: str
    metavar: str
    help: str
    parse: Callable[[str], float | int]
    """Converts the text of a value; ValueError when it is not one."""
    kind: str
    """What a value must be, for the error message."""


POSITIVE = "a number > 0"


def _positive_number(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(text)
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(text)
    return value


def _threads(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


@dataclass(frozen=True)
class Limits:
    """The worker's limits (defaults in brackets)."""

    client_timeout: float = 60.0
    """Seconds a client may stay silent in the middle of a request, or read none of our response [60]."""
    header_timeout: float = 20.0
    """Seconds from the first byte of a request to the end of its head, else 408 and close [20]."""
    body_min_rate: float = 500.0
    """Bytes/s a body must average while the application waits for it, after ``client_timeout`` seconds
    of grace: waiting for body bytes may take at most client_timeout + received / body_min_rate; 0: no
    minimum, only silence is bounded [500]."""
    upload_threads: int = 0
    """Threads for the requests whose body is still arriving when they start (0: as many as gunicorn's
    ``threads``): slow uploads wait for each other, never hold the threads other requests need [0]."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """The limits set in *environ*, the defaults for the others; ValueError names a bad value."""
        values: dict[str, float | int] = {}
        for name, setting in SETTINGS.items():
            text = environ.get(setting.variable, "").strip()
            if not text:
                continue
            try:
                values[name] = setting.parse(text)
            except ValueError:
                raise ValueError(f"{setting.variable}={text!r}: not {setting.kind}") from None
        return cls(**values)  # type: ignore[arg-type]

    def environ(self) -> dict[str, str]:
        """These limits as the environment variables that set them."""
        return {setting.variable: f"{getattr(self, name):g}" for name, setting in SETTINGS.items()}


def body_allowance(timeout: float, min_rate: float, received: int) -> float:
    """How long a client may have taken to send the *received* bytes of a body: *timeout* seconds of grace
    and 1 / *min_rate* seconds per byte (no bound when *min_rate* is 0)."""
    return timeout + received / min_rate if min_rate else math.inf


SETTINGS: dict[str, Setting] = {
    "client_timeout": Setting("IPP_WSGI_CLIENT_TIMEOUT", "--client-timeout", "SECONDS",
                              "a client silent this long in the middle of a request, or reading none of "
                              "the response, is disconnected", _positive_number, POSITIVE),
    "header_timeout": Setting("IPP_WSGI_HEADER_TIMEOUT", "--header-timeout", "SECONDS",
                              "the whole request head must arrive within this time of its first byte, "
                              "else 408 and close", _positive_number, POSITIVE),
    "body_min_rate": Setting("IPP_WSGI_BODY_MIN_RATE", "--body-min-rate", "BYTES",
                             "after --client-timeout seconds of grace, a request body must arrive at "
                             "this many bytes/s on average, else the upload is cut off (0: no minimum)",
                             _rate, "a number >= 0"),
    "upload_threads": Setting("IPP_WSGI_UPLOAD_THREADS", "--upload-threads", "N",
                              "threads for requests whose body is still arriving (0: as many as "
                              "--threads), apart from those of the other requests", _threads,
                              "a whole number >= 0"),
}
"""The settings of :class:`Limits`, by field name."""
