"""One client trying to make a deployment unreachable for everyone else, as the tests of the recipes'
capacity need: it connects from its own loopback address (:data:`ATTACKER`), the others from 127.0.0.1.

Each attack runs in a thread and keeps its connections up for as long as it runs: one the server closes is
opened again at once, as a real attacker would, so what a test sees is the server under a steady attack
and not one that just waited for it to give up.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from deploy_servers import Deployment, ipp_request

from ipp_wsgi.codec import Message, decode, encode, operations, status

ATTACKER = "127.0.0.2"
"""The attacking client's own address (Linux routes all of 127.0.0.0/8 to loopback)."""
PATIENCE = 10.0
"""Seconds another client waits for an answer before it calls the printer unreachable: a client's
patience, not a measure of speed."""
TRICKLE = b"x" * 600
"""What a trickling upload sends each second: above Apache's former 500 bytes/s minimum."""


def _connect(deployment: Deployment, tls: bool, source: str, timeout: float) -> socket.socket:
    port = deployment.tls_port if tls else deployment.port
    assert port is not None
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    if not tls:
        return sock
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(sock)


@dataclass
class Attack:
    """``count`` connections of one kind, each kept open (reopened when the server closes it)."""

    deployment: Deployment
    tls: bool
    count: int
    kind: str
    """``half-head``: a request head cut in the middle; ``trickle``: a chunked Print-Job whose document
    comes :data:`TRICKLE` per second."""
    refusals: list[bytes] = field(default_factory=list)
    """The status lines the server answered the attacker's requests with (503: a per-client limit)."""
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        threads = [threading.Thread(target=self._hold, daemon=True) for _ in range(self.count)]
        for thread in threads:
            thread.start()
        self._stop.wait()
        for thread in threads:
            thread.join(30)

    def _hold(self) -> None:
        while not self._stop.is_set():
            try:
                with _connect(self.deployment, self.tls, ATTACKER, 30) as sock:
                    self._one(sock)
            except OSError:
                time.sleep(0.05)  # refused or reset: again

    def _one(self, sock: socket.socket) -> None:
        uri = self.deployment.uri(tls=self.tls)
        if self.kind == "half-head":
            sock.sendall(b"POST /ipp/print HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applica")
        else:
            head = encode(ipp_request(operations.PRINT_JOB, uri))
            sock.sendall(b"POST /ipp/print HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ipp\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(head), head))
        sock.settimeout(1)
        while not self._stop.is_set():
            if self.kind == "trickle":
                sock.sendall(b"%x\r\n%s\r\n" % (len(TRICKLE), TRICKLE))
            try:
                answer = sock.recv(4096)
            except TimeoutError:
                continue
            if answer:
                self.refusals.append(answer.split(b"\r\n", 1)[0])
            return  # answered or closed: open another

    def stop(self) -> None:
        self._stop.set()


@contextlib.contextmanager
def attacking(deployment: Deployment, kind: str, count: int, *, tls: bool) -> Iterator[Attack]:
    """Run an :class:`Attack` for the time of the ``with`` block (its connections are all up when the block
    starts)."""
    attack = Attack(deployment, tls, count, kind)
    runner = threading.Thread(target=attack.run, daemon=True)
    runner.start()
    time.sleep(2)  # every connection opened and its first bytes sent
    try:
        yield attack
    finally:
        attack.stop()
        runner.join(60)


def http_connection(deployment: Deployment, *, tls: bool,
                    source: str = "127.0.0.1") -> http.client.HTTPConnection:
    """An HTTP(S) connection from ``source`` that waits :data:`PATIENCE` seconds at most for anything."""
    port = deployment.tls_port if tls else deployment.port
    assert port is not None
    if not tls:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE, source_address=(source, 0))
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=PATIENCE, source_address=(source, 0),
                                       context=context)


def _get(deployment: Deployment, path: str, *, tls: bool) -> int:
    connection = http_connection(deployment, tls=tls)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status


def ask(deployment: Deployment, message: Message, *, tls: bool, source: str = "127.0.0.1",
        document: bytes = b"") -> tuple[int, Message | None]:
    """POST ``message`` (and ``document``) from ``source``, waiting :data:`PATIENCE` seconds at most; the
    HTTP status and the IPP answer (None unless 200). Raises TimeoutError when no answer came in time."""
    connection = http_connection(deployment, tls=tls, source=source)
    try:
        connection.request("POST", "/ipp/print", encode(message) + document,
                           {"Content-Type": "application/ipp"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, decode(body) if response.status == 200 else None


def still_serves_others(deployment: Deployment, *, tls: bool) -> None:
    """Another client (127.0.0.1) gets the status page, the printer's attributes, and prints a small job,
    each in time (the page needs a request thread under every server; the rest may not)."""
    page = _get(deployment, "/", tls=tls)
    assert page == 200, f"GET /: HTTP {page}"
    uri = deployment.uri(tls=tls)
    requests = ((operations.GET_PRINTER_ATTRIBUTES, b""), (operations.PRINT_JOB, b"%PDF-1.4\n"))
    for operation, document in requests:
        code, answer = ask(deployment, ipp_request(operation, uri), tls=tls, document=document)
        assert code == 200 and answer is not None, f"{operations.op_name(operation)}: HTTP {code}"
        assert answer.code == status.SUCCESSFUL_OK, answer


CLOSE_WAIT = 3.0
"""Seconds to wait for the server to close a connection it should close at once (less than any keep-alive
timeout of the recipes)."""


def connect_answer(deployment: Deployment, *, tls: bool) -> tuple[bytes, bool]:
    """A CONNECT request's status line, and whether the server closed the connection right after it."""
    with _connect(deployment, tls, "127.0.0.1", PATIENCE) as sock:
        sock.sendall(b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n")
        received = sock.recv(65536)
        sock.settimeout(CLOSE_WAIT)
        closed = False
        with contextlib.suppress(TimeoutError):
            while chunk := sock.recv(65536):
                received += chunk
            closed = True
    return received.split(b"\r\n", 1)[0], closed


def flood(deployment: Deployment, count: int, *, tls: bool) -> list[int]:
    """``count`` Get-Printer-Attributes from :data:`ATTACKER`, one after another on one connection (a new
    one whenever the server closes it); the HTTP status of each."""
    message = encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES, deployment.uri(tls=tls)))
    statuses = []
    connection = http_connection(deployment, tls=tls, source=ATTACKER)
    try:
        for _ in range(count):
            connection.request("POST", "/ipp/print", message, {"Content-Type": "application/ipp"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            if response.will_close:
                connection.close()
                connection = http_connection(deployment, tls=tls, source=ATTACKER)
    finally:
        connection.close()
    return statuses
