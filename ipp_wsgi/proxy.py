"""Take the authenticated user from a reverse proxy's header: opt-in, and only from trusted addresses.

gunicorn, unlike Apache, cannot authenticate, so behind nginx (``auth_basic``) the user name arrives as a
request header (``proxy_set_header X-Remote-User $remote_user;``). :class:`ProxyUser` turns that header
into ``REMOTE_USER`` when, and only when, the request comes from one of the trusted proxy addresses; the
header is always removed, so neither a client reaching the server directly nor the application can
mistake it for an identity. A ``REMOTE_USER`` the server already set is left alone.

For gunicorn, ``ipp_wsgi.proxy:from_environ()`` (what ``deploy/gunicorn/gunicorn.conf.py`` serves) is
:mod:`ipp_wsgi.wsgi`'s application, wrapped when ``IPP_WSGI_PROXY_USER_HEADER`` names a header.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADER_ENV = "IPP_WSGI_PROXY_USER_HEADER"
"""Environment variable naming the header that carries the user (e.g. ``X-Remote-User``)."""
TRUSTED_ENV = "IPP_WSGI_TRUSTED_PROXIES"
"""Environment variable listing the proxies' addresses or networks, comma-separated."""
DEFAULT_TRUSTED = ("127.0.0.1", "::1")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


class ProxyUser:
    """Set ``REMOTE_USER`` from ``header`` for requests whose ``REMOTE_ADDR`` is in ``trusted``."""

    def __init__(self, app: WSGIApplication, header: str, trusted: Iterable[str] = DEFAULT_TRUSTED) -> None:
        if not header.strip():
            raise ValueError("the proxy user header name is empty")
        self.app = app
        self.environ_key = "HTTP_" + header.strip().upper().replace("-", "_")
        self.trusted = networks(trusted)

    def is_trusted(self, address: str) -> bool:
        """True when ``address`` (a REMOTE_ADDR) is one of the trusted proxies."""
        return in_networks(address, self.trusted)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        user = environ.pop(self.environ_key, "")
        if user and not environ.get("REMOTE_USER") and self.is_trusted(environ.get("REMOTE_ADDR", "")):
            environ["REMOTE_USER"] = user
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


def from_environ() -> WSGIApplication:
    """:mod:`ipp_wsgi.wsgi`'s application, behind :class:`ProxyUser` when ``IPP_WSGI_PROXY_USER_HEADER``
    is set (trusting ``IPP_WSGI_TRUSTED_PROXIES``, default loopback); a gunicorn app factory."""
    from ipp_wsgi.wsgi import application

    header = os.environ.get(HEADER_ENV, "").strip()
    if not header:
        return application
    trusted = os.environ.get(TRUSTED_ENV, "").split(",") if os.environ.get(TRUSTED_ENV) else DEFAULT_TRUSTED
    return ProxyUser(application, header, trusted)
