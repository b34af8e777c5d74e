"""IPP requests to a CUPS server: our codec over :mod:`http.client`, by TCP (optionally TLS) or a Unix socket.

One HTTP connection per request, so that the backend may be called from many threads at once. A request's
document is streamed after its attribute section with chunked encoding, never held whole in memory.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from ipp_wsgi.backends.base import BackendError
from ipp_wsgi.codec import IppDecodeError, Message, encode, read_message, status, status_name, tags

CHUNK_SIZE = 64 * 1024
"""Bytes of document data read from the stream and sent per chunk."""

_HTTP_STATUS = {
    401: status.CLIENT_ERROR_NOT_AUTHENTICATED,
    403: status.CLIENT_ERROR_FORBIDDEN,
    404: status.CLIENT_ERROR_NOT_FOUND,
    413: status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE,
}
"""CUPS's HTTP refusals as the IPP status our client gets; any other HTTP error is service-unavailable."""

_request_ids = itertools.count(1)


class _UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection over a Unix domain socket (CUPS's local ``/run/cups/cups.sock``)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


@dataclass(frozen=True, slots=True)
class CupsServer:
    """Where CUPS listens: ``host:port`` (631 by default) or the path of a Unix socket (starts with ``/``)."""

    host: str
    port: int
    socket_path: str | None
    tls: bool
    cafile: str | None = None
    """Certificates (PEM) to trust for TLS instead of the system's (CUPS's self-signed one, say)."""

    @classmethod
    def parse(cls, server: str, tls: bool = False, cafile: str | None = None) -> CupsServer:
        """The server named as in ``CUPS_SERVER``: ``"localhost:631"``, ``"[::1]:631"`` or
        ``"/run/cups/cups.sock"``."""
        if server.startswith("/"):
            return cls("localhost", 0, server, False)
        try:
            parts = urlsplit(f"//{server}")
            port = parts.port or 631
        except ValueError as exc:
            raise ValueError(f"bad CUPS server {server!r}: {exc}") from None
        if not parts.hostname or parts.netloc != server or parts.username is not None:
            raise ValueError(f"bad CUPS server {server!r}: expected host[:port] or /path/of/socket")
        return cls(parts.hostname, port, None, tls, cafile)

    @property
    def uri_host(self) -> str:
        """The authority CUPS is told in ``printer-uri`` and ``job-uri`` (CUPS checks only the path)."""
        return "localhost" if self.socket_path else (f"[{self.host}]" if ":" in self.host else self.host)

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        """A new, not yet connected HTTP connection to the server."""
        if self.socket_path:
            return _UnixHTTPConnection(self.socket_path, timeout)
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=ssl.create_default_context(cafile=self.cafile))
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def __str__(self) -> str:
        return self.socket_path or f"{self.uri_host}:{self.port}"


class CupsClient:
    """Sends IPP requests to one CUPS server and returns successful answers; failures are BackendErrors.

    Credentials for ``user``: HTTP Basic with ``password``; without one, over a Unix socket, CUPS's
    ``PeerCred`` scheme (CUPS checks that the socket's peer runs as ``user``). CUPS makes an
    authenticated user the owner of the jobs it creates, so :meth:`send` leaves them off on request.
    """

    def __init__(self, server: CupsServer, timeout: float, user: str | None = None,
                 password: str | None = None) -> None:
        self.server = server
        self.timeout = timeout
        self.anonymous = {"Content-Type": "application/ipp"}
        self.authenticated = dict(self.anonymous)
        if user and password is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self.authenticated["Authorization"] = f"Basic {token}"
        elif user and server.socket_path:
            self.authenticated["Authorization"] = f"PeerCred {user}"

    def new_request(self, operation: int, target: tuple[str, str], user: str) -> Message:
        """A request with the standard operation attributes, aimed at ``target`` (``("printer-uri", uri)``
        or ``("job-uri", uri)``) on behalf of ``user``."""
        message = Message(operation, next(_request_ids), (2, 0))
        group = message.operation
        group.add("attributes-charset", "utf-8", tag=tags.CHARSET)
        group.add("attributes-natural-language", "en", tag=tags.NATURAL_LANGUAGE)
        group.add(target[0], target[1], tag=tags.URI)
        group.add("requesting-user-name", user, tag=tags.NAME_WITHOUT_LANGUAGE)
        return message

    def send(self, path: str, message: Message, data: BinaryIO | None = None, *,
             authenticate: bool = True) -> Message:
        """POST ``message`` (then ``data`` until EOF) to ``path``, with our credentials if ``authenticate``
        (else as its requesting-user-name alone); the answer when its status is a success."""
        headers = self.authenticated if authenticate else self.anonymous
        connection = self.server.connection(self.timeout)
        try:
            connection.request("POST", path, body=_body(encode(message), data), headers=headers,
                               encode_chunked=True)
            response = connection.getresponse()
            if response.status != 200:
                raise BackendError(_HTTP_STATUS.get(response.status, status.SERVER_ERROR_SERVICE_UNAVAILABLE),
                                   f"CUPS at {self.server} answered HTTP {response.status} {response.reason}")
            answer = read_message(response)
        except OSError as exc:
            raise BackendError(status.SERVER_ERROR_SERVICE_UNAVAILABLE,
                               f"CUPS at {self.server} cannot be reached: {exc}") from exc
        except http.client.HTTPException as exc:
            raise BackendError(status.SERVER_ERROR_SERVICE_UNAVAILABLE,
                               f"bad HTTP answer from CUPS at {self.server}: {exc!r}") from exc
        except IppDecodeError as exc:
            raise BackendError(status.SERVER_ERROR_INTERNAL_ERROR,
                               f"CUPS at {self.server} sent a bad IPP answer: {exc}") from exc
        finally:
            connection.close()
        if answer.code >= 0x0100:
            text = answer.operation.value("status-message", "")
            raise BackendError(answer.code, str(text) or f"CUPS answered {status_name(answer.code)}")
        return answer


def _body(header: bytes, data: BinaryIO | None) -> Iterator[bytes]:
    """The attribute section, then the document in chunks as it is read."""
    yield header
    if data is not None:
        while chunk := data.read(CHUNK_SIZE):
            yield chunk
