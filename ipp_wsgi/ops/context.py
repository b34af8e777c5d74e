"""What an operation handler knows of the request besides its IPP message.

Built by the WSGI layer from the environ; handlers never see the environ itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The caller and the addresses of one IPP request.

    ``base_uri`` is the scheme, host, port and mount prefix the client used, e.g.
    ``"ipp://localhost:8631"`` or ``"ipps://print.example.com/cups"`` (``ipps`` when the web server
    terminated TLS); every URI in a response is ``base_uri`` + a path. ``path`` is the request's path
    below the mount prefix (``"/ipp/print"``, ``"/"``, ``"/admin/"``): policy is chosen by it.
    """

    base_uri: str
    path: str
    remote_user: str | None = None
    """The user the web server authenticated (``REMOTE_USER``), None when anonymous."""
    remote_addr: str = ""
    """The client's address (``REMOTE_ADDR``): job-originating-host-name."""
    secure: bool = False
    """True when the request came over TLS."""
    max_document_bytes: int | None = None
    """The most document bytes a request may carry, after decompression (None: no limit)."""
    request_id: str = ""
    """The request's id in the server's log lines (the ``X-Request-Id`` it answers with)."""
