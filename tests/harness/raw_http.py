"""A small HTTP/1.1 client on raw sockets, for what http.client won't do: pipelining, malformed requests,
stalls. Its reads wait at most ``SOCKET_TIMEOUT`` seconds for each piece of data (set it on the socket)."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

SOCKET_TIMEOUT = 15.0


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


def closed_by_server(sock: socket.socket, seconds: float | None = None) -> bool:
    """True when the server closed *sock* (EOF or reset; whatever it sent first is skipped) before
    *seconds* (default: the socket's timeout, SOCKET_TIMEOUT as the tests connect) passed without data."""
    if seconds is not None:
        sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
