"""The WSGI environ of a request, built the way gunicorn builds it, with as little work as possible.

A :class:`EnvironFactory` per worker holds what never changes; :meth:`EnvironFactory.connection_base`
adds what one connection fixes (addresses, scheme); :meth:`EnvironFactory.build` copies that base dict and
adds the request line and headers. Header names map to environ keys through a small cache.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any
from urllib.parse import unquote_to_bytes

import httptools

from ipp_wsgi import __version__
from ipp_wsgi.proxy import in_networks, networks

SERVER_SOFTWARE = f"ipp-wsgi/{__version__}"
_NAME_CACHE_SIZE = 512
# Fields that may appear once only (RFC 9110 section 5.3, as gunicorn checks them).
_SINGLETONS = frozenset(("HTTP_HOST", "CONTENT_TYPE", "CONTENT_LENGTH"))
_METHODS: dict[bytes, str] = {}
# RFC 9110 section 7.2: uri-host [ ":" port ], where uri-host is an IP-literal or a reg-name (RFC 3986);
# empty when the target has no authority.
_HOST = re.compile(r"(?:\[[0-9A-Za-z:.%~_-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(?::[0-9]*)?")


class BadRequest(Exception):
    """A request the server refuses before the application sees it: answered with *status*, then closed."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class EnvironFactory:
    """Builds environ dicts for one worker from gunicorn's configuration *cfg*."""

    def __init__(self, cfg: Any) -> None:
        self._is_ssl = bool(cfg.is_ssl)
        self._trust_all = "*" in cfg.forwarded_allow_ips
        self._allow_networks = networks(a for a in cfg.forwarded_allow_ips if a != "*")
        self._secure_headers = {_environ_key(name): value
                                for name, value in cfg.secure_scheme_headers.items()}
        self._forwarders = {name.upper().replace("-", "_") for name in cfg.forwarder_headers}
        self._keep_underscores = cfg.header_map == "dangerous"
        self._names: dict[bytes, str | None] = {}
        self._hosts: set[str] = set()
        """Host values found valid (a few hundred at most: every request has one)."""
        self._base: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": cfg.workers > 1,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "SCRIPT_NAME": os.environ.get("SCRIPT_NAME", ""),
        }

    def trusted(self, peer: Any) -> bool:
        """Whether *peer* (a socket address) may set forwarding and scheme headers (forwarded_allow_ips)."""
        if not isinstance(peer, tuple) or self._trust_all:
            return True
        return in_networks(peer[0], self._allow_networks)

    def connection_base(self, server: Any, peer: Any) -> dict[str, Any]:
        """The environ entries shared by every request of one connection (*server*: the listening
        socket's address, *peer*: the client's)."""
        base = dict(self._base)
        base["wsgi.url_scheme"] = "https" if self._is_ssl else "http"
        if isinstance(peer, tuple):
            base["REMOTE_ADDR"] = peer[0]
            base["REMOTE_PORT"] = str(peer[1])
        else:
            base["REMOTE_ADDR"] = peer.decode() if isinstance(peer, bytes) else str(peer or "")
        if isinstance(server, tuple):
            base["SERVER_NAME"] = server[0]
            base["SERVER_PORT"] = str(server[1])
        return base

    def build(self, base: dict[str, Any], method: bytes, url: bytes, version: str,
              headers: list[tuple[bytes, bytes]], trusted: bool) -> dict[str, Any]:
        """A request's environ (without ``wsgi.input``); raises :class:`BadRequest`."""
        if version != "1.1" and version != "1.0":
            if version[:2] != "1.":
                raise _version_error(version)
            version = "1.1"  # a later minor version is served as the latest one we know (RFC 9110 2.5)
        environ = base.copy()
        environ["REQUEST_METHOD"] = _METHODS.get(method) or _method(method)
        environ["SERVER_PROTOCOL"] = "HTTP/" + version
        raw_uri = url.decode("latin-1")
        environ["RAW_URI"] = raw_uri
        path, query = _split_url(url) if method != b"CONNECT" else ("", "")  # authority form: host:port
        environ["QUERY_STRING"] = query
        self._add_headers(environ, headers, trusted)
        # RFC 9112: a Host (3.2) and no transfer coding but chunked (6.1), else refused.
        host = environ.get("HTTP_HOST")
        if host not in self._hosts:
            self._check_host(host, version)
        coding = environ.get("HTTP_TRANSFER_ENCODING")
        if coding is not None and coding != "chunked":
            _check_transfer_coding(coding)
        script_name = environ["SCRIPT_NAME"]
        if script_name:
            if not path.startswith(script_name):
                raise BadRequest("400 Bad Request", f"path {path!r} is not under SCRIPT_NAME {script_name!r}")
            path = path[len(script_name):]
        environ["PATH_INFO"] = path
        if "SERVER_NAME" not in environ:
            _server_from_host(environ)
        return environ

    def _add_headers(self, environ: dict[str, Any], headers: list[tuple[bytes, bytes]],
                     trusted: bool) -> None:
        names = self._names
        scheme = None
        repeated: dict[str, list[str]] | None = None
        for raw_name, raw_value in headers:
            key = names.get(raw_name, "")
            if key == "":
                key = self._header_key(raw_name, trusted)
            if key is None:
                continue
            value = raw_value.decode("latin-1")
            if key in environ:
                if key in _SINGLETONS:
                    raise BadRequest("400 Bad Request", f"repeated header {raw_name.decode('latin-1')}")
                if repeated is None:
                    repeated = {}
                repeated.setdefault(key, [environ[key]]).append(value)
            else:
                environ[key] = value
            if trusted and key in self._secure_headers:
                this = "https" if value == self._secure_headers[key] else "http"
                if scheme is not None and scheme != this:
                    raise BadRequest("400 Bad Request", "contradictory scheme headers")
                scheme = this
        if repeated:
            for key, values in repeated.items():
                environ[key] = ",".join(values)
        if scheme is not None:
            environ["wsgi.url_scheme"] = scheme
        forwarded_script = environ.pop("HTTP_SCRIPT_NAME", None)
        if forwarded_script is not None:
            environ["SCRIPT_NAME"] = forwarded_script

    def _header_key(self, raw_name: bytes, trusted: bool) -> str | None:
        """The environ key of header *raw_name*, None to drop it (a name with "_", as gunicorn's
        default header_map "drop"); cached unless the answer depends on *trusted*."""
        name = raw_name.decode("latin-1").upper()
        dashed = name.replace("-", "_")
        key: str | None
        if name == "CONTENT-TYPE":
            key = "CONTENT_TYPE"
        elif name == "CONTENT-LENGTH":
            key = "CONTENT_LENGTH"
        elif "_" in name:
            if dashed in self._forwarders or "*" in self._forwarders:
                return "HTTP_" + dashed if trusted else None
            key = "HTTP_" + dashed if self._keep_underscores else None
        else:
            key = "HTTP_" + dashed
        if len(self._names) < _NAME_CACHE_SIZE:
            self._names[raw_name] = key
        return key

    def _check_host(self, host: str | None, version: str) -> None:
        """Refuse an HTTP/1.1 request without Host, or a Host that is not host[:port] (RFC 9112 section
        3.2: 400); remember a valid one."""
        if host is None:
            if version == "1.1":
                raise BadRequest("400 Bad Request", "HTTP/1.1 request without Host")
        elif not _HOST.fullmatch(host):
            raise BadRequest("400 Bad Request", f"invalid Host {host[:100]!r}")
        elif len(self._hosts) < _NAME_CACHE_SIZE:
            self._hosts.add(host)


def _check_transfer_coding(coding: str) -> None:
    """Refuse a Transfer-Encoding other than chunked: 501, or 400 when chunked is not the last coding, as
    the body's end cannot be found then (RFC 9112 section 6.1)."""
    codings = [name.strip().lower() for name in coding.split(",")]
    if codings != ["chunked"]:
        if codings[-1] != "chunked":
            raise BadRequest("400 Bad Request", f"chunked is not the last transfer coding of {coding!r}")
        raise BadRequest("501 Not Implemented", f"unsupported transfer coding in {coding!r}")


def _version_error(version: str) -> BadRequest:
    """The refusal of a request of HTTP *version* (neither 1.0 nor 1.1)."""
    if version.startswith("0."):
        return BadRequest("400 Bad Request", f"HTTP/{version} request")
    return BadRequest("505 HTTP Version Not Supported", f"HTTP/{version} over HTTP/1.1")


def _environ_key(header: str) -> str:
    name = header.upper().replace("-", "_")
    return name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + name


def _method(method: bytes) -> str:
    text = method.decode("latin-1")
    if len(_METHODS) < 64:
        _METHODS[method] = text
    return text


def _split_url(url: bytes) -> tuple[str, str]:
    """PATH_INFO (percent-decoded, as a latin-1 str) and QUERY_STRING of a request target."""
    if url[:1] == b"/":
        target = url.split(b"#", 1)[0] if b"#" in url else url
        path, _, query = target.partition(b"?")
    elif url == b"*":
        path, query = url, b""
    else:
        try:
            parsed = httptools.parse_url(url)
        except httptools.HttpParserInvalidURLError as exc:
            raise BadRequest("400 Bad Request", "invalid request target") from exc
        path, query = parsed.path or b"/", parsed.query or b""
    if b"%" in path:
        path = unquote_to_bytes(path)
    return path.decode("latin-1"), query.decode("latin-1")


def _server_from_host(environ: dict[str, Any]) -> None:
    """SERVER_NAME and SERVER_PORT of a request on a Unix socket: from the Host header, as gunicorn."""
    host = environ.get("HTTP_HOST")
    if not host:
        environ["SERVER_NAME"], environ["SERVER_PORT"] = "", ""
        return
    name, _, port = host.rpartition(":") if host.rfind(":") > host.rfind("]") else (host, "", "")
    if not port:
        port = "443" if environ["wsgi.url_scheme"] == "https" else "80"
    environ["SERVER_NAME"], environ["SERVER_PORT"] = name, port
