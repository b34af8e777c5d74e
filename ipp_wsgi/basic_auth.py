"""HTTP Basic authentication by ipp-wsgi itself, for ``ipp-wsgi serve --htpasswd FILE``.

:class:`BasicAuth` sets ``REMOTE_USER`` for a request whose ``Authorization: Basic`` credentials are good
(checked against an htpasswd file, :class:`~ipp_wsgi.htpasswd.Htpasswd`), answers 401 with a realm to
wrong ones, and to requests without credentials below the protected paths (``/admin``: CUPS's
administration path, where ``cupsdisable``, ``cupsenable`` and ``cancel -a`` post, and the administration
pages). Elsewhere a request without credentials goes on anonymous, as printing does. A ``REMOTE_USER``
the request did not prove is never passed on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.datastructures import Authorization

from ipp_wsgi.htpasswd import Htpasswd
from ipp_wsgi.proxy import asks
from ipp_wsgi.web.interface import REALM

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

PROTECTED_PATHS = ("/admin",)


def _below(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in prefixes)


class BasicAuth:
    """Authenticate requests to ``app`` against ``users``; ``protected`` paths need credentials."""

    def __init__(self, app: WSGIApplication, users: Htpasswd, protected: Iterable[str] = PROTECTED_PATHS,
                 realm: str = REALM) -> None:
        self.app = app
        self.users = users
        self.protected = tuple(p for p in protected if p)
        self.challenge = f'Basic realm="{realm}", charset="UTF-8"'

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop("REMOTE_USER", None)
        header = environ.get("HTTP_AUTHORIZATION")
        if header:
            credentials = Authorization.from_header(header)
            user = credentials.username if credentials is not None and credentials.type == "basic" else None
            if user is None or not self.users.check(user, credentials.password or ""):  # type: ignore[union-attr]
                log.warning("authentication failed for %r from %s", (user or "")[:64],
                            environ.get("REMOTE_ADDR", "?"))
                return self._unauthorized(start_response)
            environ["REMOTE_USER"] = user
            environ["AUTH_TYPE"] = "Basic"
        elif _below(environ.get("PATH_INFO") or "/", self.protected):
            return self._unauthorized(start_response)
        return self.app(environ, start_response)

    def _unauthorized(self, start_response: StartResponse) -> Iterable[bytes]:
        body = b"Authentication required.\n"
        start_response("401 Unauthorized", [("WWW-Authenticate", self.challenge),
                                            ("Content-Type", "text/plain; charset=utf-8"),
                                            ("Content-Length", str(len(body)))])
        return [body]

    def _cheap(self, environ: WSGIEnvironment) -> bool:
        """True when authenticating the request costs nothing: no credentials, or credentials already
        checked good (a first check is bcrypt work, for a thread, not an event loop)."""
        header = environ.get("HTTP_AUTHORIZATION")
        if not header:
            return True
        credentials = Authorization.from_header(header)
        return (credentials is not None and credentials.type == "basic" and credentials.username is not None
                and self.users.remembered(credentials.username, credentials.password or ""))

    def quick_request(self, environ: WSGIEnvironment) -> bool:
        """The application's quick_request, when authenticating costs nothing."""
        return self._cheap(environ) and asks(self.app, "quick_request", environ)

    def local_request(self, environ: WSGIEnvironment) -> bool:
        """The application's local_request, when authenticating costs nothing."""
        return self._cheap(environ) and asks(self.app, "local_request", environ)

    def close(self) -> None:
        """Close the wrapped application (stops an IppApplication's print service)."""
        close = getattr(self.app, "close", None)
        if callable(close):
            close()
