"""Behind a reverse proxy: whom to trust, and the authenticated user it passes in a header.

gunicorn, unlike Apache, cannot authenticate, so behind nginx (``auth_basic``) the user name arrives as a
request header (``proxy_set_header X-Remote-User ...``). :class:`ProxyUser` turns that header into
``REMOTE_USER`` only for a request that came from a trusted proxy; the header is always removed, so
neither a client reaching the server directly nor the application can mistake it for an identity. A
``REMOTE_USER`` the server already set is left alone.

One set of settings, from the environment, for ``ipp-wsgi serve`` and for ``deploy/gunicorn/gunicorn.conf.py``
(:func:`proxy_settings`):

``IPP_WSGI_PROXY_USER_HEADER``
    the header that carries the user (e.g. ``X-Remote-User``); unset: no header is an identity.
``IPP_WSGI_TRUSTED_PROXIES``
    who the proxies are, comma-separated: ``unix`` (the default: a request that came over a Unix
    socket, which only the proxy can reach when the socket's mode and group say so) and/or IP addresses
    or networks (the proxy reaching the server over TCP). Loopback is never trusted by default: any local
    account can connect to a loopback port. The same list says whose ``X-Forwarded-Proto`` gunicorn
    believes (``forwarded_allow_ips``).
``IPP_WSGI_PROXY_SECRET_FILE``
    a file holding a secret the proxy sends in every request's :data:`SECRET_HEADER`; a request without
    it is not the proxy's. Required when the user header is trusted from addresses: an address alone does
    not tell the proxy from another program on its host.

A setting that cannot be used raises :class:`ProxySettingsError` when the server starts.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADER_ENV = "IPP_WSGI_PROXY_USER_HEADER"
"""Environment variable naming the header that carries the user (e.g. ``X-Remote-User``)."""
TRUSTED_ENV = "IPP_WSGI_TRUSTED_PROXIES"
"""Environment variable listing the proxies: ``unix`` and/or addresses or networks, comma-separated."""
SECRET_FILE_ENV = "IPP_WSGI_PROXY_SECRET_FILE"
"""Environment variable naming the file that holds the proxy's secret."""
SECRET_HEADER = "X-IPP-WSGI-Proxy-Secret"
"""The request header in which the proxy sends the secret."""
UNIX = "unix"
"""The IPP_WSGI_TRUSTED_PROXIES entry for requests that came over a Unix socket."""
DEFAULT_TRUSTED = (UNIX,)
UNIX_SOCKET_UMASK = 0o117
"""gunicorn's umask when it binds a ``unix:`` address: the socket is ``rw-rw----``, reachable by its user
and group only (put the proxy's user in the group: ``usermod -aG ipp-wsgi www-data``)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxySettingsError(ValueError):
    """Proxy settings that cannot be used; the message says which and why."""


def networks(addresses: Iterable[str]) -> tuple[Network, ...]:
    """The networks named by ``addresses`` (addresses or CIDR networks; blank entries are skipped)."""
    return tuple(ipaddress.ip_network(address.strip()) for address in addresses if address.strip())


def in_networks(address: str, trusted: Iterable[Network]) -> bool:
    """True when ``address`` is an IP address within one of the ``trusted`` networks."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _environ_key(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


@dataclass(frozen=True)
class ProxySettings:
    """Who the trusted proxies are, and the header (and secret) by which one passes the user."""

    header: str | None = None
    """The header carrying the authenticated user (None: none)."""
    addresses: tuple[Network, ...] = ()
    """Proxies reaching the server over TCP."""
    unix: bool = True
    """True when a request over a Unix socket comes from a proxy."""
    secret: str | None = None
    """What the proxy sends in :data:`SECRET_HEADER` (None: nothing is asked)."""

    def __post_init__(self) -> None:
        if self.header is not None and not self.header.strip():
            raise ProxySettingsError(f"{HEADER_ENV} is empty")
        if self.header is not None and self.addresses and not self.secret:
            raise ProxySettingsError(
                f"{TRUSTED_ENV} lists addresses to take {self.header} from, but {SECRET_FILE_ENV} is not "
                "set: any program on a trusted host could name itself any user; give the proxy a secret, "
                "or serve it on a Unix socket only it can reach")

    @property
    def forwarded_allow_ips(self) -> str:
        """gunicorn's ``forwarded_allow_ips``: the proxies' addresses (gunicorn trusts a Unix socket's peer
        itself)."""
        return ",".join(str(network) for network in self.addresses)

    def from_proxy(self, environ: WSGIEnvironment) -> bool:
        """True when the request came from a trusted proxy (and carries its secret, when there is one)."""
        sent = environ.get(_environ_key(SECRET_HEADER), "")
        if self.secret is not None and not hmac.compare_digest(sent.encode(), self.secret.encode()):
            return False
        if over_unix_socket(environ):
            return self.unix
        return in_networks(environ.get("REMOTE_ADDR", ""), self.addresses)


def over_unix_socket(environ: WSGIEnvironment) -> bool:
    """True when the request came over a Unix socket: gunicorn's socket says so, or (ipp-wsgi's worker,
    which has none in the environ) REMOTE_ADDR is no IP address, as both give for a Unix socket's peer."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        return getattr(sock, "family", None) == socket.AF_UNIX
    try:
        ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
    except ValueError:
        return True
    return False


def proxy_settings(environ: Mapping[str, str] | None = None) -> ProxySettings:
    """The settings of the environment variables above (``os.environ`` unless given)."""
    env = os.environ if environ is None else environ
    header = env.get(HEADER_ENV, "").strip() or None
    entries = [entry.strip() for entry in env.get(TRUSTED_ENV, ",".join(DEFAULT_TRUSTED)).split(",")]
    try:
        addresses = networks(entry for entry in entries if entry != UNIX)
    except ValueError as exc:
        raise ProxySettingsError(f"{TRUSTED_ENV}: {exc} (list {UNIX}, addresses or networks)") from None
    secret_file = env.get(SECRET_FILE_ENV, "").strip()
    secret = _read_secret(secret_file) if secret_file else None
    return ProxySettings(header, addresses, UNIX in entries, secret)


def _read_secret(path: str) -> str:
    try:
        secret = Path(path).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ProxySettingsError(f"{SECRET_FILE_ENV}: cannot read {path}: {exc}") from None
    if len(secret) < 16:
        raise ProxySettingsError(f"{SECRET_FILE_ENV}: the secret in {path} is shorter than 16 characters")
    return secret


class ProxyUser:
    """Set ``REMOTE_USER`` from the settings' header for requests from a trusted proxy."""

    def __init__(self, app: WSGIApplication, settings: ProxySettings) -> None:
        if settings.header is None:
            raise ProxySettingsError("no proxy user header to take the user from")
        self.app = app
        self.settings = settings
        self.environ_key = _environ_key(settings.header)
        self._secret_key = _environ_key(SECRET_HEADER)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        user = environ.pop(self.environ_key, "")
        if user and not environ.get("REMOTE_USER") and self.settings.from_proxy(environ):
            environ["REMOTE_USER"] = user
        environ.pop(self._secret_key, None)
        return self.app(environ, start_response)

    def quick_request(self, environ: WSGIEnvironment) -> bool:
        """The wrapped application's :meth:`~ipp_wsgi.app.IppApplication.quick_request` (False when it has
        none): who the user is does not change how long a request takes."""
        return asks(self.app, "quick_request", environ)

    def local_request(self, environ: WSGIEnvironment) -> bool:
        """The wrapped application's :meth:`~ipp_wsgi.app.IppApplication.local_request` (False when it has
        none)."""
        return asks(self.app, "local_request", environ)

    def close(self) -> None:
        """Close the wrapped application, if it can be (stops an IppApplication's print service)."""
        close = getattr(self.app, "close", None)
        if callable(close):
            close()


def asks(app: WSGIApplication, question: str, environ: WSGIEnvironment) -> bool:
    """``app.<question>(environ)`` (``quick_request`` or ``local_request``, see
    :class:`ipp_wsgi.app.IppApplication`) when ``app`` has that method, else False: a request the
    application says nothing about runs in the server's thread pool."""
    method = getattr(app, question, None)
    return bool(method(environ)) if callable(method) else False


def behind_proxy(app: WSGIApplication, settings: ProxySettings) -> WSGIApplication:
    """``app`` behind :class:`ProxyUser` when the settings name a user header, else ``app`` itself."""
    return ProxyUser(app, settings) if settings.header is not None else app


def from_environ() -> WSGIApplication:
    """:mod:`ipp_wsgi.wsgi`'s application behind the proxy settings of the environment (a gunicorn app
    factory: what ``deploy/gunicorn/gunicorn.conf.py`` serves)."""
    from ipp_wsgi.wsgi import application

    return behind_proxy(application, proxy_settings())
