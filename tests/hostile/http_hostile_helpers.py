"""What the hostile-HTTP tests send and how they look at what comes back: IPP requests on the wire,
:class:`Outcome` (the statuses answered, then whether the connection was kept), slow clients.

A connection's fate after its answers is found without waiting for a timeout: a probe request is sent,
and either it is answered (the connection was kept), or the server has closed the connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from harness.raw_http import SOCKET_TIMEOUT, RawResponse, read_response, request_bytes
from hostile_helpers import ipp_request
from http_targets import Target

from ipp_wsgi.codec import decode, encode, operations

ANSWER_WAIT = 5.0
"""The longest a test waits for an answer the server should give at once (more: it gave none)."""
FOREVER = 8.0
"""How long a slow client keeps going before the test calls it kept "forever" (4 x the quick targets'
deadlines: the quick targets cut every slow client well before)."""
PROBE = request_bytes("GET", "/?probe")
KEPT, CLOSED, SILENT = "kept", "closed", "silent"


def ipp_bytes(operation: int = operations.GET_PRINTER_ATTRIBUTES, request_id: int = 1, document: bytes = b"",
              chunked: bool = False, **attributes: object) -> bytes:
    """A whole IPP request on the wire: POST /ipp/print, the encoded message and *document* (in one chunk
    when *chunked*)."""
    body = encode(ipp_request(operation, request_id=request_id, **attributes)) + document
    fields = [("Content-Type", "application/ipp")]
    if chunked:
        head = request_bytes("POST", "/ipp/print", headers=[*fields, ("Transfer-Encoding", "chunked")])
        return head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    return request_bytes("POST", "/ipp/print", body, headers=fields)


def request_id_of(response: RawResponse) -> int:
    """The request-id an IPP answer echoes."""
    return decode(response.body).request_id


@dataclass(frozen=True)
class Outcome:
    """What a server did with some bytes: the statuses of the responses it sent, in order, then whether
    the connection stayed open for another request (:data:`KEPT`), was closed (:data:`CLOSED`), or
    neither answered nor closed within :data:`ANSWER_WAIT` (:data:`SILENT`)."""

    statuses: tuple[int, ...]
    after: str

    def __repr__(self) -> str:
        return f"<{'/'.join(map(str, self.statuses)) or 'no answer'}, {self.after}>"


def outcome(target: Target, data: bytes, answers: int = 1) -> Outcome:
    """Send *data* on a new connection, read up to *answers* responses, then probe the connection."""
    with target.connect(ANSWER_WAIT) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        return read_outcome(sock, answers)


def read_outcome(sock: socket.socket, answers: int) -> Outcome:
    """Read up to *answers* responses on *sock*, then probe it (see the module docstring)."""
    stream = sock.makefile("rb")
    statuses: list[int] = []
    try:
        while len(statuses) < answers:
            statuses.append(read_response(stream, "GET").status)
        with contextlib.suppress(BrokenPipeError):
            sock.sendall(PROBE)
        probe = read_response(stream, "GET")
    except (ConnectionError, ValueError, IndexError):  # closed, reset, or cut in the middle
        return Outcome(tuple(statuses), CLOSED)
    except TimeoutError:
        return Outcome(tuple(statuses), SILENT)
    assert probe.status == 200, probe
    return Outcome(tuple(statuses), KEPT)


class SlowSender(threading.Thread):
    """Sends *start*, then *data* a byte at a time, *interval* seconds apart, until it is all sent, the
    server closes the connection or :meth:`stop` is called. ``closed_at`` (monotonic): when the server cut
    it off; ``answer``: the bytes it sent back."""

    def __init__(self, target: Target, start: bytes, data: bytes, interval: float) -> None:
        super().__init__(daemon=True)
        self.sock = target.connect()
        self.start_bytes = start
        self.data = data
        self.interval = interval
        self.closed_at: float | None = None
        self.answer = b""
        self._stopping = threading.Event()

    def run(self) -> None:
        sock = self.sock
        try:
            sock.sendall(self.start_bytes)
            for offset in range(len(self.data)):
                if self._stopping.wait(self.interval):
                    return
                sock.sendall(self.data[offset:offset + 1])
                if self._server_closed():
                    return
            sock.settimeout(FOREVER)
            while chunk := sock.recv(65536):
                self.answer += chunk
            self.closed_at = time.monotonic()
        except TimeoutError:
            pass  # all sent, no answer: not cut off
        except OSError:  # reset, or closed under a send
            self.closed_at = time.monotonic()

    def _server_closed(self) -> bool:
        """Collect what the server sent so far; True when it closed the connection."""
        sock = self.sock
        sock.setblocking(False)
        try:
            while chunk := sock.recv(65536):
                self.answer += chunk
            self.closed_at = time.monotonic()
            return True
        except BlockingIOError:
            return False
        finally:
            sock.settimeout(SOCKET_TIMEOUT)

    @property
    def status(self) -> int | None:
        """The status of the first response the server sent, if any."""
        return int(self.answer.split(b" ", 2)[1]) if self.answer.startswith(b"HTTP/1.") else None

    def stop(self) -> None:
        """Stop sending and close the connection."""
        self._stopping.set()
        self.join(FOREVER)
        self.sock.close()


@contextlib.contextmanager
def slow_senders(target: Target, count: int, start: bytes, data: bytes,
                 interval: float) -> Iterator[list[SlowSender]]:
    """*count* :class:`SlowSender`, started; stopped at the end."""
    senders = [SlowSender(target, start, data, interval) for _ in range(count)]
    for sender in senders:
        sender.start()
    try:
        yield senders
    finally:
        for sender in senders:
            sender.stop()
