"""IppMiddleware: IPP requests to the IPP application, everything else to the wrapped site unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from test_app import HOST, IPP, ipp_request
from werkzeug.middleware.lint import LintMiddleware

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import decode, encode, operations, status
from ipp_wsgi.config import load_config
from ipp_wsgi.middleware import IppMiddleware


class Site:
    """A WSGI site that records the environ it got and answers "site"."""

    def __init__(self) -> None:
        self.environs: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.environs.append(environ)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(4 + len(body)))])
        return [b"site", body]


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def middleware(site: Site, tmp_path: Path) -> Iterator[IppMiddleware]:
    middleware = IppMiddleware(site, load_config(spool_dir=tmp_path / "spool"))
    yield middleware
    middleware.ipp_app.close()


@pytest.fixture
def client(middleware: IppMiddleware) -> webtest.TestApp:
    return webtest.TestApp(LintMiddleware(middleware), extra_environ={"HTTP_HOST": HOST})


@pytest.mark.parametrize("path", ["/ipp/print", "/printers/print", "/", "/admin/"])
def test_ipp_requests_go_to_ipp(client: webtest.TestApp, site: Site, path: str) -> None:
    response = client.post(path, encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES)), content_type=IPP)
    assert decode(response.body).code == status.SUCCESSFUL_OK
    assert site.environs == []


def test_get_goes_to_the_site(client: webtest.TestApp, site: Site) -> None:
    response = client.get("/ipp/print?x=1", headers={"X-Custom": "yes"})
    assert response.body == b"site"
    (environ,) = site.environs
    seen = (environ["PATH_INFO"], environ["QUERY_STRING"], environ["HTTP_X_CUSTOM"])
    assert seen == ("/ipp/print", "x=1", "yes")


def test_other_posts_reach_the_site_with_their_body(client: webtest.TestApp, site: Site) -> None:
    assert client.post("/ipp/print", b"form=1", content_type="text/plain").body == b"siteform=1"
    assert client.post("/blog", b"ipp?", content_type=IPP).body == b"siteipp?"
    assert len(site.environs) == 2


def test_configured_paths_replace_the_defaults(site: Site, tmp_path: Path) -> None:
    application = IppApplication(load_config(spool_dir=tmp_path / "spool"))
    try:
        middleware = IppMiddleware(site, paths=["/print-here"], ipp_app=application)
        client = webtest.TestApp(LintMiddleware(middleware), extra_environ={"HTTP_HOST": HOST})
        request = encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES))
        assert client.post("/", request, content_type=IPP).body.startswith(b"site")
        assert decode(client.post("/print-here", request, content_type=IPP).body).request_id == 1
    finally:
        application.close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/", True), ("", True), ("/ipp/print", True), ("/ipp/print/", True), ("/ipp/print/12", True),
     ("/admin", True), ("/admin/x", True), ("/ipp", False), ("/ipp/printer", False), ("/other", False)],
)
def test_is_ipp_path(middleware: IppMiddleware, path: str, expected: bool) -> None:
    assert middleware.is_ipp_path(path) is expected
