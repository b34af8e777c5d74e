"""The ``lpd`` output: an RFC 1179 client sending each document as one job (receive-job).

The control file goes first, then the data file, each announced by a subcommand and each acknowledged
by the server with a zero octet. The job is sent from an ordinary port: servers that insist on the
reserved source ports 721-731 of RFC 1179 section 3.1 must be told to accept others.
"""

from __future__ import annotations

import socket
import unicodedata
from urllib.parse import unquote, urlsplit

from ipp_wsgi.backends.embedded.delivery import Delivery, DeliveryError, Progress
from ipp_wsgi.backends.embedded.outputs_net import connected, host_port, send_document
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter

DEFAULT_PORT = 515
RECEIVE_JOB = 2
RECEIVE_CONTROL_FILE = 2
RECEIVE_DATA_FILE = 3
_HOST_MAX = 31
_USER_MAX = 31
_TEXT_MAX = 99


def to_lpd(printer: EmbeddedPrinter, item: Delivery, progress: Progress) -> None:
    """Send ``item`` as one LPD job to the queue of ``printer.device_uri``."""
    host, port = host_port(printer.device_uri, DEFAULT_PORT)
    queue = lpd_field(unquote(urlsplit(printer.device_uri).path.strip("/")), 255)
    number = item.job_id % 1000
    origin = lpd_field(socket.gethostname(), _HOST_MAX) or "localhost"
    data_name = f"dfA{number:03d}{origin}"
    control = control_file(item, origin, data_name).encode("ascii")
    size = item.size()
    with connected(host, port, printer.device_timeout, progress) as sock:
        _command(sock, f"{RECEIVE_JOB:c}{queue}\n", "receive job")
        _command(sock, f"{RECEIVE_CONTROL_FILE:c}{len(control)} cfA{number:03d}{origin}\n", "control file")
        sock.sendall(control + b"\0")
        _ack(sock, "control file")
        _command(sock, f"{RECEIVE_DATA_FILE:c}{size} {data_name}\n", "data file")
        if send_document(sock, item, progress) != size:
            raise DeliveryError("the spool file changed while it was sent", device_fault=False)
        sock.sendall(b"\0")
        _ack(sock, "data file")


def control_file(item: Delivery, origin: str, data_name: str) -> str:
    """The control file: host, user, job name, then print ``data_name`` raw (``l``) and unlink it."""
    user = lpd_field(item.owner, _USER_MAX) or "anonymous"
    title = lpd_field(item.document_name or item.job_name, _TEXT_MAX) or data_name
    lines = [f"H{origin}", f"P{user}", f"J{lpd_field(item.job_name, _TEXT_MAX) or title}",
             f"l{data_name}", f"U{data_name}", f"N{title}"]
    return "".join(f"{line}\n" for line in lines)


def lpd_field(text: str, limit: int) -> str:
    """``text`` as a control-file field: ASCII letters, digits and punctuation only, at most ``limit``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isprintable() and not c.isspace() else "_" for c in ascii_text)[:limit]


def _command(sock: socket.socket, line: str, what: str) -> None:
    sock.sendall(line.encode("ascii"))
    _ack(sock, what)


def _ack(sock: socket.socket, what: str) -> None:
    answer = sock.recv(1)
    if answer != b"\0":
        said = "closed the connection" if not answer else f"answered {answer[0]}"
        raise DeliveryError(f"the LPD server refused the {what}: it {said}", retryable=True)
