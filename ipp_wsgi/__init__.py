"""ipp-wsgi: an IPP print server that lives inside a web server as WSGI middleware."""

from __future__ import annotations

__version__ = "0.1.0"
