"""IppMiddleware: IPP requests to the IPP application, everything else to the wrapped site unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from paste.deploy import loadapp
from test_app import HOST, IPP, ipp_request
from werkzeug.middleware.lint import LintMiddleware

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import decode, encode, operations, status
from ipp_wsgi.config import ConfigError, load_config
from ipp_wsgi.middleware import IppMiddleware, filter_factory


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


# -- the example site (deploy/middleware) with and without the middleware ---------------------------
# (tests/integration/test_middleware_site.py sends the same requests to it under gunicorn)
EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "deploy" / "middleware"
SITE_REQUESTS = [
    ("GET", "/", None, None),
    ("HEAD", "/", None, None),
    ("GET", "/hello/bob?x=1", None, None),
    ("GET", "/ipp/print", None, None),
    ("GET", "/missing", None, None),
    ("PUT", "/echo", None, None),
    ("DELETE", "/echo", None, None),
    ("POST", "/echo", b"a=1&b=2", "application/x-www-form-urlencoded"),
    ("POST", "/echo", b"\x02\x00\x00\x0b\x00\x00\x00\x01\x03", IPP),
    ("POST", "/ipp/print", b"not ipp", "text/plain"),
]


@pytest.fixture
def example_site(monkeypatch: pytest.MonkeyPatch) -> Any:
    """deploy/middleware/example_site.py's WSGI application."""
    monkeypatch.syspath_prepend(str(EXAMPLE_DIR))
    import example_site

    return example_site.site


def site_response(app: Any, method: str, path: str, body: bytes | None,
                  content_type: str | None) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status, header list, body) of ``app``'s answer to one request, through LintMiddleware."""
    client = webtest.TestApp(LintMiddleware(app), extra_environ={"HTTP_HOST": HOST})
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.request(path, method=method, body=body or b"", headers=headers, expect_errors=True)
    return response.status, response.headerlist, response.body


@pytest.mark.parametrize(("method", "path", "body", "content_type"), SITE_REQUESTS)
def test_the_site_answers_the_same_with_the_middleware(example_site: Any, tmp_path: Path, method: str,
                                                       path: str, body: bytes | None,
                                                       content_type: str | None) -> None:
    wrapped = IppMiddleware(example_site, load_config(spool_dir=tmp_path / "spool"))
    try:
        alone = site_response(example_site, method, path, body, content_type)
        assert site_response(wrapped, method, path, body, content_type) == alone
    finally:
        wrapped.ipp_app.close()


def test_the_example_site_serves_ipp_on_the_same_port(example_site: Any, tmp_path: Path) -> None:
    wrapped = IppMiddleware(example_site, load_config(spool_dir=tmp_path / "spool"))
    try:
        client = webtest.TestApp(LintMiddleware(wrapped), extra_environ={"HTTP_HOST": HOST})
        response = client.post("/ipp/print", encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES)),
                               content_type=IPP)
        assert response.content_type == IPP
        assert decode(response.body).code == status.SUCCESSFUL_OK
        assert client.get("/").body.startswith(b"<!doctype html>")
    finally:
        wrapped.ipp_app.close()


# -- PasteDeploy -------------------------------------------------------------------------------------
def write_config(tmp_path: Path) -> Path:
    """An ipp-wsgi configuration with one printer at /ipp/office, spooling in tmp_path."""
    path = tmp_path / "ipp-wsgi.toml"
    path.write_text(f'spool_dir = "{tmp_path / "spool"}"\n\n[[printers]]\nname = "office"\n')
    return path


def test_filter_factory_as_paste_calls_it(site: Site, tmp_path: Path) -> None:
    """PasteDeploy calls filter_factory(global_conf, **section) and then the filter with the app."""
    make_filter = filter_factory({"here": str(tmp_path)}, config=str(write_config(tmp_path)),
                                 paths="/ /ipp/office")
    middleware = make_filter(site)
    try:
        assert middleware.app is site
        assert middleware.paths == {"/", "/ipp/office"}
        assert [printer.name for printer in middleware.ipp_app.config.printers] == ["office"]
    finally:
        middleware.ipp_app.close()


def test_filter_factory_defaults(site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IPP_WSGI_SPOOL_DIR", str(tmp_path / "spool"))
    middleware = filter_factory({})(site)
    try:
        defaults = IppMiddleware(site, ipp_app=middleware.ipp_app)
        assert middleware.paths == defaults.paths
        assert "/ipp/print" in middleware.paths
    finally:
        middleware.ipp_app.close()


@pytest.mark.parametrize(("options", "error"), [
    ({"colour": "blue"}, ValueError),
    ({"config": "/nonexistent/ipp-wsgi.toml"}, ConfigError),
])
def test_filter_factory_refuses_bad_options(options: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        filter_factory({}, **options)


def test_paste_deploy_loads_the_filter_from_its_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            example_site: Any) -> None:
    """The real PasteDeploy, from deploy/middleware/example.ini with this test's configuration."""
    ini = (EXAMPLE_DIR / "example.ini").read_text()
    shipped = "config = /etc/ipp-wsgi/ipp-wsgi.toml"
    assert shipped in ini
    (tmp_path / "example.ini").write_text(ini.replace(shipped, f"config = {write_config(tmp_path)}"))
    application = loadapp(f"config:{tmp_path / 'example.ini'}")
    try:
        assert isinstance(application, IppMiddleware)
        assert application.app is example_site
        client = webtest.TestApp(LintMiddleware(application), extra_environ={"HTTP_HOST": HOST})
        request = ipp_request(operations.GET_PRINTER_ATTRIBUTES, printer_uri=f"ipp://{HOST}/ipp/office")
        answer = decode(client.post("/ipp/office", encode(request), content_type=IPP).body)
        assert answer.code == status.SUCCESSFUL_OK
        assert answer.printer is not None and answer.printer.value("printer-name") == "office"
        assert client.get("/hello/paste").body == b"Hello, paste!\n"
    finally:
        application.ipp_app.close()
