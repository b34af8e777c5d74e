"""Serve IPP from an existing WSGI site, on the same port.

IPP requests (``POST`` with ``Content-Type: application/ipp`` to an IPP path) go to an
:class:`~ipp_wsgi.app.IppApplication`; every other request reaches the wrapped site untouched::

    from ipp_wsgi import IppMiddleware
    application = IppMiddleware(site_application)                 # embedded defaults
    application = IppMiddleware(site_application, load_config("/etc/ipp-wsgi.toml"))

The IPP paths are, by default, ``/`` (where CUPS clients post), ``/admin`` (``cancel -a``) and every
configured printer path; a path matches itself and everything below it (``/ipp/print/5``), except ``/``
which matches only itself. Pass ``paths`` to choose others.

The browser pages (:mod:`ipp_wsgi.web`) and the metrics are served only when the configuration has a
``[web]`` table saying where (``path = "/printing"``, ``admin_path = "/printing/admin"``, ...): their
default places (``/``, ``/admin/``, ``/metrics``) belong to the wrapped site. Then every request for one
of those pages (or for a printer's own path, its ``printer-more-info``) goes to ipp-wsgi.

PasteDeploy (Pyramid, Paste) loads it as a filter, from the ``paste.filter_factory`` entry point::

    [filter:ipp]
    use = egg:ipp-wsgi
    # Both optional: without them, the embedded defaults and the default IPP paths.
    config = /etc/ipp-wsgi.toml
    paths = / /admin /ipp/print

    [pipeline:main]
    pipeline = ipp mysite
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from ipp_wsgi.app import IppApplication, is_ipp_request
from ipp_wsgi.config import Config, load_config

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CUPS_PATHS = ("/", "/admin")
"""Where CUPS clients (lp, lpstat, cancel) post: a CUPS server's root and its admin path."""


class IppMiddleware:
    """Route IPP requests to ``ipp_app`` (an :class:`IppApplication` of ``config`` unless given) and
    everything else to ``app``."""

    def __init__(
        self,
        app: WSGIApplication,
        config: Config | None = None,
        paths: Iterable[str] | None = None,
        *,
        ipp_app: IppApplication | None = None,
    ) -> None:
        self.app = app
        self.ipp_app = ipp_app if ipp_app is not None else IppApplication(config)
        if paths is None:
            printer_paths = [p for printer in self.ipp_app.config.printers for p in printer.paths]
            paths = [*CUPS_PATHS, *printer_paths]
        self.paths = frozenset(p.rstrip("/") or "/" for p in paths)
        self.pages = self.ipp_app.config.web.explicit
        """True when the configuration says where the browser pages live: then they are served."""

    def is_ipp_path(self, path: str) -> bool:
        """True when ``path`` is one of :attr:`paths` or below one of them (other than ``/``)."""
        if path in ("", "/"):
            return "/" in self.paths
        parts = path.rstrip("/").split("/")
        return any("/".join(parts[:i]) in self.paths for i in range(2, len(parts) + 1))

    def quick_request(self, environ: WSGIEnvironment) -> bool:
        """The IPP application's :meth:`~ipp_wsgi.app.IppApplication.quick_request` for IPP requests to IPP
        paths; False for the site's requests (their cost is unknown)."""
        return self.is_ipp_path(environ.get("PATH_INFO", "")) and self.ipp_app.quick_request(environ)

    def local_request(self, environ: WSGIEnvironment) -> bool:
        """The IPP application's :meth:`~ipp_wsgi.app.IppApplication.local_request` for IPP requests to IPP
        paths; False for the site's requests."""
        return self.is_ipp_path(environ.get("PATH_INFO", "")) and self.ipp_app.local_request(environ)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if is_ipp_request(environ):
            if self.is_ipp_path(environ.get("PATH_INFO", "")):
                return self.ipp_app(environ, start_response)
        elif self.pages and self.ipp_app.serves_page(environ):
            return self.ipp_app(environ, start_response)
        return self.app(environ, start_response)


FILTER_OPTIONS = frozenset({"config", "paths"})
"""The keys :func:`filter_factory` reads from a PasteDeploy ``[filter:...]`` section."""


def filter_factory(
    global_conf: Mapping[str, str], **local_conf: str
) -> Callable[[WSGIApplication], IppMiddleware]:
    """PasteDeploy's ``paste.filter_factory``: ``config`` is the path of a TOML configuration (the
    embedded defaults when absent), ``paths`` the IPP paths, separated by whitespace (the defaults when
    absent). The configuration is read at once, so a bad file fails when the .ini is loaded.
    """
    unknown = set(local_conf) - FILTER_OPTIONS
    if unknown:
        raise ValueError(f"ipp-wsgi filter: unknown option(s) {', '.join(sorted(unknown))}")
    config = load_config(local_conf.get("config") or None)
    paths = local_conf["paths"].split() if "paths" in local_conf else None

    def ipp_filter(app: WSGIApplication) -> IppMiddleware:
        return IppMiddleware(app, config, paths)

    return ipp_filter
