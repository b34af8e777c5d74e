"""``ipp_wsgi.wsgi:application``: the module-level application, configured from $IPP_WSGI_CONFIG."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import webtest
from test_app import IPP, ipp_request
from werkzeug.middleware.lint import LintMiddleware

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import decode, encode, operations, status

Loader = Callable[[], IppApplication]


@pytest.fixture
def load_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Loader]:
    """Import ipp_wsgi.wsgi afresh (with the environment the test set); close its application after."""
    monkeypatch.setenv("IPP_WSGI_SPOOL_DIR", str(tmp_path / "spool"))
    loaded: list[IppApplication] = []

    def load() -> IppApplication:
        monkeypatch.delitem(sys.modules, "ipp_wsgi.wsgi", raising=False)
        application = importlib.import_module("ipp_wsgi.wsgi").application
        assert isinstance(application, IppApplication)
        loaded.append(application)
        return application

    yield load
    for application in loaded:
        application.close()


def test_embedded_defaults_without_config(load_module: Loader, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.delenv("IPP_WSGI_CONFIG", raising=False)
    application = load_module()
    assert [p.name for p in application.config.printers] == ["print"]
    assert application.config.spool_dir == tmp_path / "spool"


def test_config_file_from_the_environment(load_module: Loader, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    config = tmp_path / "office.toml"
    config.write_text('[[printers]]\nname = "office"\npaths = ["/ipp/office"]\n')
    monkeypatch.setenv("IPP_WSGI_CONFIG", str(config))
    application = load_module()
    client = webtest.TestApp(LintMiddleware(application), extra_environ={"HTTP_HOST": "localhost:8631"})
    request = encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES, "ipp://localhost:8631/ipp/office"))
    answer = decode(client.post("/ipp/office", request, content_type=IPP).body)
    assert answer.code == status.SUCCESSFUL_OK
    assert answer.printer is not None and answer.printer.value("printer-name") == "office"
