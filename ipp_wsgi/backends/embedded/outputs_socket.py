"""The ``socket`` output: AppSocket/JetDirect, the document sent as it is over raw TCP (port 9100)."""

from __future__ import annotations

import contextlib
import socket

from ipp_wsgi.backends.embedded.delivery import Delivery, Progress
from ipp_wsgi.backends.embedded.outputs_net import connected, host_port, send_document
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter

DEFAULT_PORT = 9100
_BACK_CHANNEL_CHUNK = 4096


def to_socket(printer: EmbeddedPrinter, item: Delivery, progress: Progress) -> None:
    """Send the document, half-close, and wait (at most ``device_timeout``) for the printer to close.

    Back-channel data the printer sends is read and dropped. A printer that keeps the connection open
    after the whole document arrived counts as done (as CUPS's socket backend does): sending the job again
    would print it twice. A reset before the printer closed is a (retryable) failure.
    """
    host, port = host_port(printer.device_uri, DEFAULT_PORT)
    with connected(host, port, printer.device_timeout, progress) as sock:
        send_document(sock, item, progress)
        sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(TimeoutError):
            while sock.recv(_BACK_CHANNEL_CHUNK):
                progress.check()
