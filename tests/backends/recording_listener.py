"""Small TCP peers on 127.0.0.1 for the network output tests: they record what arrives, byte-exact, or
misbehave on purpose (hang, reset mid-job). Each runs its handler in a thread per connection."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType

LOOPBACK = "127.0.0.1"
Handler = Callable[[socket.socket, "Listener"], None]


def free_port() -> int:
    """A port nothing listens on (right now) — connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


def read_all(conn: socket.socket) -> bytes:
    """Everything the peer sends until it half-closes."""
    parts = []
    while chunk := conn.recv(65536):
        parts.append(chunk)
    return b"".join(parts)


def record(conn: socket.socket, listener: Listener) -> None:
    """Record one connection's bytes, then close (what a JetDirect printer does at EOF)."""
    listener.received.append(read_all(conn))


def record_and_stay(conn: socket.socket, listener: Listener) -> None:
    """Record the bytes but keep the connection open until the listener stops."""
    listener.received.append(read_all(conn))
    listener.stopping.wait()


def hang(conn: socket.socket, listener: Listener) -> None:
    """Read nothing, never close: the sender's buffers fill up and it blocks."""
    listener.stopping.wait()


def reset_after(count: int) -> Handler:
    """Read ``count`` bytes, then abort the connection with a TCP reset."""

    def handler(conn: socket.socket, listener: Listener) -> None:
        got = 0
        while got < count and (chunk := conn.recv(count - got)):
            got += len(chunk)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return handler


def first_then(first: Handler, times: int, then: Handler) -> Handler:
    """``first`` for the first ``times`` connections, ``then`` afterwards."""

    def handler(conn: socket.socket, listener: Listener) -> None:
        (first if listener.connections <= times else then)(conn, listener)

    return handler


class Listener:
    """A TCP listener on ``127.0.0.1:port`` (a free one unless given) calling ``handler`` per connection.

    ``connections`` counts accepted connections; handlers append what they recorded to ``received``.
    """

    def __init__(self, handler: Handler, port: int = 0, receive_buffer: int | None = None) -> None:
        self.handler = handler
        self.connections = 0
        self.received: list[bytes] = []
        self.records: list[object] = []
        self.stopping = threading.Event()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if receive_buffer is not None:
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self._server.bind((LOOPBACK, port))
        self._server.listen(8)
        self.port: int = self._server.getsockname()[1]
        self._threads = [threading.Thread(target=self._accept_loop, daemon=True)]
        self._threads[0].start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return  # closed by stop()
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        # OSError: the sender gave up, and what it sent so far is not a record.
        with conn, contextlib.suppress(OSError):
            self.handler(conn, self)

    def stop(self) -> None:
        """Stop accepting, release hanging handlers and wait for every thread."""
        self.stopping.set()
        self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        for thread in self._threads:
            thread.join(timeout=10)

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
