"""Forms that only this site's own pages can submit: a CSRF token in every form, and the Origin check.

A token is ``<issued>.<mac>``: the time it was issued and an HMAC-SHA256, under the site's secret, of the
user it was issued to and that time. A POST is accepted only with a token issued to the same user less than
:data:`TOKEN_LIFETIME` ago, and only when the browser says the request comes from this site (``Origin``,
else ``Referer``, equal to the request's own origin; ``Sec-Fetch-Site`` not cross-site). No cookie is
needed: HTTP Basic authentication has no session, and the user is what the token is bound to.

The secret is the configuration's ``[web] secret``, else a random key created once in the spool directory
(``web-secret``, mode 0600) and shared by every process serving it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ipp_wsgi.environ import normal_origin, origin

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

TOKEN_FIELD = "csrf_token"
TOKEN_LIFETIME = 12 * 3600
"""Seconds a page's forms stay usable."""
SECRET_FILE = "web-secret"
_SECRET_BYTES = 32


class CsrfError(Exception):
    """A POST refused as possibly forged; the message says why (shown on the 403 page)."""


def load_secret(configured: str, spool_dir: Path) -> bytes:
    """The token key: ``configured`` when set, else the spool directory's ``web-secret`` file, created
    (atomically: the first process to link it wins) when missing."""
    if configured:
        return configured.encode()
    path = spool_dir / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    spool_dir.mkdir(parents=True, exist_ok=True)
    temporary = spool_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_hex(_SECRET_BYTES).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink()
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    secret = path.read_bytes().strip()
    if len(secret) < _SECRET_BYTES:
        raise ValueError(f"{path} holds no usable key: remove it")
    return secret


class Tokens:
    """Issues and checks the tokens of one site (one secret)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(self, user: str, now: float | None = None) -> str:
        """A token for ``user``'s forms."""
        issued = str(int(time.time() if now is None else now))
        return f"{issued}.{self._mac(user, issued)}"

    def check(self, token: str, user: str, now: float | None = None) -> None:
        """Raise :class:`CsrfError` unless ``token`` was issued to ``user`` and is still valid."""
        issued, _, mac = token.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(mac.encode(), self._mac(user, issued).encode()):
            raise CsrfError("The form's security token is missing or wrong: reload the page and try again.")
        age = (time.time() if now is None else now) - int(issued)
        if not 0 <= age <= TOKEN_LIFETIME:
            raise CsrfError("The page is too old: reload it and try again.")

    def _mac(self, user: str, issued: str) -> str:
        digest = hmac.new(self._secret, f"csrf\0{user}\0{issued}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_origin(environ: WSGIEnvironment) -> None:
    """Raise :class:`CsrfError` unless the browser says the request comes from this site's own pages."""
    if environ.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none"):
        raise CsrfError("The request comes from another site.")
    claimed = environ.get("HTTP_ORIGIN") or environ.get("HTTP_REFERER") or ""
    if not claimed or claimed == "null":
        raise CsrfError("The browser did not say where the request comes from.")
    if normal_origin(claimed) != origin(environ):
        raise CsrfError("The request comes from another site.")
