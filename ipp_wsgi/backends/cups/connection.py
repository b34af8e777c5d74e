"""How to reach a CUPS server, as a printer's configuration says: the keys :data:`CUPS_KEYS`.

Printers whose :class:`CupsConnection` is equal share one :class:`~ipp_wsgi.backends.cups.CupsBackend`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ipp_wsgi.backends.cups.backend import CupsBackend
from ipp_wsgi.backends.cups.transport import CupsServer

CUPS_KEYS = ("cups_server", "cups_user", "cups_password", "cups_tls", "cups_cafile", "cups_timeout")
"""The printer table keys :meth:`CupsConnection.from_options` reads."""


@dataclass(frozen=True, slots=True)
class CupsConnection:
    """A CUPS server and the credentials and settings to speak to it with (see :class:`CupsBackend`)."""

    server: str = "localhost:631"
    user: str | None = None
    password: str | None = None
    tls: bool = False
    cafile: str | None = None
    timeout: float = 30.0

    def __post_init__(self) -> None:
        CupsServer.parse(self.server, self.tls, self.cafile)  # raises ValueError for a bad server
        if self.timeout <= 0:
            raise ValueError("cups_timeout must be positive")
        if self.password is not None and not self.user:
            raise ValueError("cups_password needs a cups_user")

    @classmethod
    def from_options(cls, values: Mapping[str, Any]) -> CupsConnection:
        """The connection the configuration keys :data:`CUPS_KEYS` describe (absent keys: defaults).

        A wrong type or value raises ValueError.
        """
        kinds: dict[str, tuple[type, ...]] = {
            "cups_server": (str,), "cups_user": (str,), "cups_password": (str,), "cups_tls": (bool,),
            "cups_cafile": (str,), "cups_timeout": (int, float),
        }
        for key, value in values.items():
            kind = kinds.get(key)
            if kind is None:
                raise ValueError(f"unknown CUPS setting {key!r}")
            if not isinstance(value, kind) or (isinstance(value, bool) and bool not in kind):
                raise ValueError(f"{key} has the wrong type ({type(value).__name__})")
        return cls(
            server=values.get("cups_server", "localhost:631"),
            user=values.get("cups_user") or None,
            password=values.get("cups_password"),
            tls=values.get("cups_tls", False),
            cafile=values.get("cups_cafile") or None,
            timeout=float(values.get("cups_timeout", 30.0)),
        )

    def backend(self, printers: Sequence[str]) -> CupsBackend:
        """A backend for this connection serving the CUPS queues ``printers``."""
        return CupsBackend(self.server, user=self.user, password=self.password, tls=self.tls,
                           cafile=self.cafile, printers=printers, timeout=self.timeout)
