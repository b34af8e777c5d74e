"""The ``cups`` backend: the jobs live in a CUPS server, spoken to over IPP (TCP, TLS or its Unix socket)."""

from __future__ import annotations

from ipp_wsgi.backends.cups.backend import CupsBackend
from ipp_wsgi.backends.cups.connection import CUPS_KEYS, CupsConnection
from ipp_wsgi.backends.cups.transport import CupsServer

__all__ = ["CUPS_KEYS", "CupsBackend", "CupsConnection", "CupsServer"]
