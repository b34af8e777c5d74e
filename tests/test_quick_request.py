"""Which requests the application calls quick (a server may run them on its event loop, ipp_wsgi.worker) or
local (short local work: a server may run them one after another on a thread of their own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ipp_wsgi.app import BODY_KEY, IppApplication
from ipp_wsgi.codec import Message, encode, operations
from ipp_wsgi.config import load_config
from ipp_wsgi.middleware import IppMiddleware
from ipp_wsgi.proxy import ProxySettings, ProxyUser

IPP = "application/ipp"
MIXED = """
[[printers]]
name = "local"
paths = ["/ipp/local"]

[[printers]]
name = "remote"
paths = ["/ipp/remote"]
backend = "lp"
"""


def environ(operation: int, path: str = "/ipp/print", content_type: str = IPP,
            **extra: Any) -> dict[str, Any]:
    """A POST environ carrying a whole (attribute-less) IPP request of ``operation`` under BODY_KEY."""
    body = encode(Message(operation, 7, (2, 0)))
    return {"REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type, "PATH_INFO": path, BODY_KEY: body,
            **extra}


def site(environ: Any, start_response: Any) -> list[bytes]:
    """A site without quick_request or local_request (never called)."""
    raise AssertionError("not called")


@pytest.fixture
def application(tmp_path: Path) -> Iterator[IppApplication]:
    app = IppApplication(load_config(spool_dir=tmp_path / "spool"))
    yield app
    app.close()


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[IppApplication]:
    config = tmp_path / "mixed.toml"
    config.write_text(MIXED)
    app = IppApplication(load_config(config, spool_dir=tmp_path / "spool"))
    yield app
    app.close()


@pytest.mark.parametrize("operation", [operations.GET_PRINTER_ATTRIBUTES, operations.GET_JOBS,
                                       operations.GET_JOB_ATTRIBUTES, operations.VALIDATE_JOB,
                                       operations.CUPS_GET_PRINTERS])
def test_reads_of_the_embedded_spooler_are_quick(application: IppApplication, operation: int) -> None:
    assert application.quick_request(environ(operation))
    assert application.quick_request(environ(operation, path="/"))
    assert application.quick_request(environ(operation, content_type="Application/IPP; charset=x"))


@pytest.mark.parametrize("operation", [operations.PRINT_JOB, operations.CREATE_JOB, operations.SEND_DOCUMENT,
                                       operations.CANCEL_JOB, operations.GET_NOTIFICATIONS,
                                       operations.IDENTIFY_PRINTER, 0x7FFF])
def test_writes_waits_and_unknown_operations_are_not(application: IppApplication, operation: int) -> None:
    assert not application.quick_request(environ(operation))


def test_a_request_not_whole_in_memory_or_not_ipp_is_not(application: IppApplication) -> None:
    request = environ(operations.GET_PRINTER_ATTRIBUTES)
    assert not application.quick_request({**request, BODY_KEY: None})
    assert not application.quick_request({k: v for k, v in request.items() if k != BODY_KEY})
    assert not application.quick_request({**request, BODY_KEY: request[BODY_KEY][:7]})
    assert not application.quick_request({**request, BODY_KEY: bytearray(request[BODY_KEY])})
    assert not application.quick_request({**request, "CONTENT_TYPE": "text/plain"})
    assert not application.quick_request({**request, "REQUEST_METHOD": "GET"})


def test_only_printers_whose_backend_reads_locally(mixed: IppApplication) -> None:
    gpa = operations.GET_PRINTER_ATTRIBUTES
    assert mixed.quick_request(environ(gpa, path="/ipp/local"))
    assert not mixed.quick_request(environ(gpa, path="/ipp/remote"))
    # "/" may concern any printer: the lp one reads through commands.
    assert not mixed.quick_request(environ(gpa, path="/"))


@pytest.mark.parametrize(("question", "operation"), [("quick_request", operations.GET_PRINTER_ATTRIBUTES),
                                                   ("local_request", operations.PRINT_JOB)])
def test_wrappers_pass_the_question_on(application: IppApplication, question: str, operation: int) -> None:
    request = environ(operation)
    settings = ProxySettings("X-Remote-User")
    assert getattr(ProxyUser(application, settings), question)(request)
    assert not getattr(ProxyUser(site, settings), question)(request)  # a site without the method
    middleware = IppMiddleware(site, ipp_app=application)
    assert getattr(middleware, question)(request)
    # The site's requests never are.
    assert not getattr(middleware, question)({**request, "PATH_INFO": "/blog"})


def test_the_middleware_passes_the_applications_no_on(application: IppApplication) -> None:
    assert not IppMiddleware(site, ipp_app=application).quick_request(environ(operations.PRINT_JOB))


@pytest.mark.parametrize("operation", [operations.PRINT_JOB, operations.CREATE_JOB, operations.SEND_DOCUMENT,
                                       operations.CANCEL_JOB, operations.GET_NOTIFICATIONS,
                                       operations.GET_PRINTER_ATTRIBUTES, 0x7FFF])
def test_every_request_to_the_embedded_spooler_is_local(application: IppApplication, operation: int) -> None:
    assert application.local_request(environ(operation))
    assert application.local_request(environ(operation, path="/"))


def test_a_local_request_is_whole_in_memory_ipp_to_a_local_backend(mixed: IppApplication) -> None:
    request = environ(operations.PRINT_JOB, path="/ipp/local")
    assert mixed.local_request(request)
    assert not mixed.local_request({**request, BODY_KEY: None})
    assert not mixed.local_request({k: v for k, v in request.items() if k != BODY_KEY})
    assert not mixed.local_request({**request, BODY_KEY: request[BODY_KEY][:7]})
    assert not mixed.local_request({**request, "CONTENT_TYPE": "text/plain"})
    # The lp backend runs commands: its requests, and those that may concern it ("/"), go to the pool.
    assert not mixed.local_request({**request, "PATH_INFO": "/ipp/remote"})
    assert not mixed.local_request({**request, "PATH_INFO": "/"})
