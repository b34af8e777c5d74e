"""Where the browser pages live: the configuration's ``[web]`` table."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Paths of the read-only pages, the administration pages and the metrics; "" turns off the last two.

    ``explicit`` says the configuration had a ``[web]`` table: :class:`~ipp_wsgi.middleware.IppMiddleware`
    serves the pages only then, since the defaults (``/``, ``/admin``, ``/metrics``) belong to the site it
    wraps.
    """

    path: str = "/"
    admin_path: str = "/admin"
    metrics_path: str = "/metrics"
    secret: str = ""
    """Key of the forms' CSRF tokens (several hosts serving one site need the same); "" means a random
    key kept in the spool directory (``web-secret``)."""
    page_size: int = DEFAULT_PAGE_SIZE
    """Jobs per page of the job list."""
    explicit: bool = False
