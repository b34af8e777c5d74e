"""The IPP answer as sent: its HTTP headers, and pre-encoded description attributes arriving intact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from werkzeug.middleware.lint import LintMiddleware

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import Message, decode, encode, operations, tags
from ipp_wsgi.config import load_config
from ipp_wsgi.ops.printer_description import build_description

HOST = "localhost:8631"


@pytest.fixture
def application(tmp_path: Path) -> Iterator[IppApplication]:
    application = IppApplication(load_config(spool_dir=tmp_path / "spool"))
    yield application
    application.close()


def _get_printer_attributes(requested: list[str]) -> bytes:
    message = Message(operations.GET_PRINTER_ATTRIBUTES, 9, (2, 0))
    message.operation.add("attributes-charset", "utf-8", tags.CHARSET)
    message.operation.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    message.operation.add("printer-uri", f"ipp://{HOST}/ipp/print", tags.URI)
    message.operation.add("requested-attributes", requested, tags.KEYWORD)
    return encode(message)


_KEPT_BY_THE_STORE = {"printer-uuid", "printer-device-id"}
"""What the embedded store overrides: its own printer-uuid, and printer-device-id's SN: that follows it."""


def test_ipp_answer_headers(application: IppApplication) -> None:
    client = webtest.TestApp(LintMiddleware(application), extra_environ={"HTTP_HOST": HOST})
    response = client.post("/ipp/print", _get_printer_attributes(["printer-state"]),
                           content_type="application/ipp")
    assert response.status_int == 200
    assert response.headers["Content-Type"] == "application/ipp"
    assert response.headers["Content-Length"] == str(len(response.body))
    assert response.headers["Cache-Control"] == "no-cache"
    assert decode(response.body).request_id == 9


def test_description_attributes_arrive_as_configured(application: IppApplication) -> None:
    client = webtest.TestApp(LintMiddleware(application), extra_environ={"HTTP_HOST": HOST})
    (config,) = application.config.printers
    expected = build_description(config.name, config.description)
    for _ in range(2):  # the second answer is built from what the first one cached
        body = client.post("/ipp/print", _get_printer_attributes(["all", "media-col-database"]),
                           content_type="application/ipp").body
        printer = decode(body).printer
        assert printer is not None
        for attribute in expected.attributes():
            if attribute.name not in _KEPT_BY_THE_STORE:
                assert printer[attribute.name] == attribute, attribute.name
        uuid = printer.value("printer-uuid").removeprefix("urn:uuid:")
        assert uuid != expected.value("printer-uuid").removeprefix("urn:uuid:")  # the store's UUID
        configured = expected.value("printer-device-id").split(";")
        assert printer.value("printer-device-id").split(";") == [
            f"SN:{uuid}" if field.startswith("SN:") else field for field in configured]
