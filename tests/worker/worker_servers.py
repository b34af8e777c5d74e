"""gunicorn with the ipp-wsgi worker class serving ``worker_apps:app`` on a free loopback port, and a
small HTTP/1.1 client on raw sockets (pipelining, malformed requests, stalls: what http.client won't do)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from harness.processes import LOOPBACK, ManagedProcess, free_port

APPS_DIR = Path(__file__).resolve().parent
CLIENT_TIMEOUT = 1
KEEPALIVE = 2
SOCKET_TIMEOUT = 15.0


class WorkerServer:
    """``gunicorn -k ipp_wsgi.worker.IppWorker worker_apps:app`` (one worker) in *work_dir*."""

    def __init__(self, work_dir: Path, event_loop: str = "uvloop", extra_args: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.work_dir = work_dir
        argv = [sys.executable, "-m", "gunicorn", "-k", "ipp_wsgi.worker.IppWorker", "-w", "1",
                "--threads", "4", "-b", f"{LOOPBACK}:{self.port}", "--keep-alive", str(KEEPALIVE),
                "--graceful-timeout", "20",
                "--no-control-socket", "--chdir", str(APPS_DIR), *extra_args, "worker_apps:app"]
        full_env = dict(os.environ, IPP_WSGI_CLIENT_TIMEOUT=str(CLIENT_TIMEOUT),
                        IPP_WSGI_EVENT_LOOP=event_loop, **(env or {}))
        self.process = ManagedProcess(argv, work_dir / "gunicorn.log", cwd=work_dir, env=full_env)

    def start(self) -> WorkerServer:
        """Start gunicorn and wait until it answers."""
        self.process.start()
        self.process.wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL)."""
        self.process.stop()

    def connect(self) -> socket.socket:
        """A new client connection."""
        return socket.create_connection((LOOPBACK, self.port), timeout=SOCKET_TIMEOUT)


@dataclass
class RawResponse:
    """A response read off the wire."""

    status: int
    headers: dict[str, str]
    body: bytes
    raw_head: bytes = field(repr=False, default=b"")


def request_bytes(method: str, path: str, body: bytes = b"", version: str = "HTTP/1.1",
                  headers: Sequence[tuple[str, str]] = ()) -> bytes:
    """One encoded request with a Content-Length (when it has a body) and Host."""
    lines = [f"{method} {path} {version}", "Host: test"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def read_response(stream: BinaryIO, method: str = "POST") -> RawResponse:
    """Read one response (Content-Length, chunked or close-delimited body; none for HEAD)."""
    status_line = stream.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    head = [status_line]
    headers: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        head.append(line)
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(status_line.split()[1])
    if method == "HEAD" or status in (100, 204, 304):
        body = b""
    elif headers.get("transfer-encoding") == "chunked":
        parts = []
        while size := int(stream.readline().split(b";")[0], 16):
            parts.append(stream.read(size))
            stream.readline()
        stream.readline()
        body = b"".join(parts)
    elif "content-length" in headers:
        body = stream.read(int(headers["content-length"]))
    else:
        body = stream.read()
    return RawResponse(status, headers, body, b"".join(head))


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server closed *sock* (EOF or reset; whatever it sent first is skipped) before
    SOCKET_TIMEOUT passed without data."""
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
