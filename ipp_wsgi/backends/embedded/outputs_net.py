"""What the network outputs share: reaching a device over TCP and streaming a spool file to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from ipp_wsgi.backends.embedded.delivery import Delivery, DeliveryError, Progress

CONNECTING = "connecting-to-device"
OFFLINE = "offline-report"


def host_port(uri: str, default_port: int) -> tuple[str, int]:
    """The host and port of a device-uri (checked by :func:`~.printer.check_device_uri`)."""
    parts = urlsplit(uri)
    assert parts.hostname is not None
    return parts.hostname, parts.port or default_port


def network_error(action: str, exc: OSError) -> DeliveryError:
    """A retryable :class:`DeliveryError` for a socket failure (refused, reset, timed out, unreachable)."""
    reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or str(exc) or type(exc).__name__
    return DeliveryError(f"{action}: {reason}", retryable=True)


@contextmanager
def connected(host: str, port: int, timeout: float, progress: Progress) -> Iterator[socket.socket]:
    """A TCP connection to the device whose every operation times out after ``timeout`` seconds.

    printer-state-reasons say ``connecting-to-device`` while connecting; an OSError inside is a retryable
    :class:`DeliveryError`.
    """
    where = f"{host}:{port}"
    progress.report([CONNECTING], f"Connecting to {where}.")
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise network_error(f"cannot connect to {where}", exc) from exc
    progress.report([], f"Sending to {where}.")
    try:
        with sock:
            yield sock
    except OSError as exc:
        raise network_error(f"connection to {where} failed", exc) from exc


def send_document(sock: socket.socket, item: Delivery, progress: Progress) -> int:
    """Send the document in chunks, checking for cancellation between them; the bytes sent."""
    sent = 0
    for chunk in item.chunks(progress.check):
        sock.sendall(chunk)
        sent += len(chunk)
    return sent
