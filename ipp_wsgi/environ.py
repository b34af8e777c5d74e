"""What the WSGI layer reads of a request's environ: the operation layer's :class:`RequestContext`, the
address the client used, and whether the client is this machine.

The Host header is the client's to write and goes into every URI of an answer, so only a host name, an
IPv4 or a bracketed IPv6 address passes (:func:`split_host`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from ipp_wsgi.ops.context import RequestContext

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

DEFAULT_IPP_PORT = 631
FORWARDED_HEADERS = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP")
"""Headers a reverse proxy adds: a request carrying one did not come straight from its REMOTE_ADDR."""

_PORT = re.compile(r"[0-9]{1,5}")
_HOST = re.compile(r"(?P<host>[A-Za-z0-9._~-]{1,253}|\[[0-9A-Fa-f:.]{2,45}(?:%25[A-Za-z0-9._~-]{1,32})?\])"
                   r"(?::(?P<port>[0-9]{1,5}))?")
_DEFAULT_HTTP_PORTS = {"http": "80", "https": "443"}


def request_context(environ: WSGIEnvironment, max_document_bytes: int | None = None,
                    request_id: str = "") -> RequestContext:
    """What the operation layer may know of the request: caller, addresses, the URI base it used, the
    most document bytes it may send (after decompression), and its id in the log."""
    secure = environ.get("wsgi.url_scheme") == "https"
    prefix = quote(environ.get("SCRIPT_NAME", ""))
    return RequestContext(
        base_uri=f"{'ipps' if secure else 'ipp'}://{authority(environ)}{prefix}",
        path=environ.get("PATH_INFO") or "/",
        remote_user=environ.get("REMOTE_USER") or None,
        remote_addr=environ.get("REMOTE_ADDR", ""),
        secure=secure,
        max_document_bytes=max_document_bytes,
        request_id=request_id,
    )


def authority(environ: WSGIEnvironment, default_port: int = DEFAULT_IPP_PORT) -> str:
    """host[:port] from the Host header (else SERVER_NAME), the port left out when it is
    ``default_port``."""
    host, port = split_host(environ.get("HTTP_HOST", ""))
    if not host:
        host, port = split_host(environ.get("SERVER_NAME", ""))
        host = host or "localhost"
    if port is None:
        port = str(environ.get("SERVER_PORT", ""))
    if not _PORT.fullmatch(port) or int(port) == default_port:
        return host
    return f"{host}:{port}"


def split_host(value: str) -> tuple[str, str | None]:
    """("host", "port") or ("host", None) from "host[:port]" / "[v6][:port]"; ("", None) if malformed."""
    found = _HOST.fullmatch(value.strip())
    if found is None:
        return "", None
    return found["host"], found["port"]


def origin(environ: WSGIEnvironment) -> str:
    """The request's own web origin, as a browser writes it in an ``Origin`` header
    (``https://print.example.com``, ``http://127.0.0.1:8631``: the port left out when it is the scheme's
    default)."""
    scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
    return f"{scheme}://{authority(environ, int(_DEFAULT_HTTP_PORTS[scheme])).lower()}"


def normal_origin(value: str) -> str:
    """An ``Origin`` (or the origin of a ``Referer``) as :func:`origin` writes one; "" when it is not an
    http(s) origin."""
    scheme, sep, rest = value.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_HTTP_PORTS:
        return ""
    host, port = split_host(rest.split("/", 1)[0])
    if not host:
        return ""
    if port is None or port == _DEFAULT_HTTP_PORTS[scheme]:
        return f"{scheme}://{host.lower()}"
    return f"{scheme}://{host.lower()}:{port}"


def is_local(environ: WSGIEnvironment) -> bool:
    """True when the request comes straight from this machine: a loopback REMOTE_ADDR, and no header a
    reverse proxy adds (behind nginx every request comes from loopback)."""
    if any(environ.get(name) for name in FORWARDED_HEADERS):
        return False
    try:
        return ipaddress.ip_address(environ.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
