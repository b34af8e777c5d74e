"""Printers described by their backend (``backend = "cups"``): capabilities and status come from the
backend, URIs and operations-supported from us, and job templates are checked against the backend's
``*-supported`` values."""

from __future__ import annotations

import io
from collections.abc import Sequence

from ops_helpers import BASE_URI, PRINTER_URI, make_request, operation_group

from ipp_wsgi.backends import Backend, BackendError, Job, JobRequest
from ipp_wsgi.backends.base import PRINTER_STOPPED
from ipp_wsgi.codec import AttributeGroup, Message, Range, operations, status, tags
from ipp_wsgi.ops import Policy, RequestContext, Service, dispatch
from ipp_wsgi.ops.service import PrinterEntry


class DescribingBackend(Backend):
    """A spooler that describes its printer itself and can only validate jobs."""

    def __init__(self) -> None:
        self.state = 3
        self.asked = 0
        self.validated: list[JobRequest] = []

    def printers(self) -> Sequence[str]:
        return ["print"]

    def printer_attributes(self, printer: str) -> AttributeGroup:
        if printer != "print":
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND)
        self.asked += 1
        group = AttributeGroup()
        group.add("printer-name", "print", tags.NAME_WITHOUT_LANGUAGE)
        group.add("printer-state", self.state, tags.ENUM)
        group.add("printer-make-and-model", "Backend Model 1", tags.TEXT_WITHOUT_LANGUAGE)
        group.add("media-supported", ["iso_a4_210x297mm"], tags.KEYWORD)
        group.add("copies-supported", Range(1, 5), tags.RANGE_OF_INTEGER)
        group.add("document-format-supported", ["application/pdf"], tags.MIME_MEDIA_TYPE)
        group.add("document-format-default", "application/pdf", tags.MIME_MEDIA_TYPE)
        group.add("operations-supported", [0x3FFF], tags.ENUM)  # a backend's own list never leaks
        return group

    def validate_job(self, printer: str, request: JobRequest) -> None:
        self.validated.append(request)

    def get_job(self, printer: str | None, job_id: int) -> Job:
        raise BackendError(status.CLIENT_ERROR_NOT_FOUND)


def _service(backend: Backend) -> Service:
    entry = PrinterEntry("print", ("/ipp/print",), backend, described_by_backend=True)
    return Service([entry], Policy.default(["root"]))


def _call(service: Service, request: Message) -> Message:
    return dispatch(request, io.BytesIO(), RequestContext(BASE_URI, "/ipp/print"), service)


def test_attributes_come_from_the_backend_with_our_uris_and_operations() -> None:
    backend = DescribingBackend()
    service = _service(backend)
    backend.state = PRINTER_STOPPED
    answer = _call(service, make_request(operations.GET_PRINTER_ATTRIBUTES))
    printer = answer.printer
    assert answer.code == status.SUCCESSFUL_OK and printer is not None
    assert printer.value("printer-make-and-model") == "Backend Model 1"
    assert printer.value("printer-state") == PRINTER_STOPPED
    assert list(printer["media-supported"].values) == ["iso_a4_210x297mm"]
    assert printer.value("printer-uri-supported") == PRINTER_URI
    assert printer.value("uri-security-supported") == "none"
    assert printer.value("uri-authentication-supported") == "requesting-user-name"
    offered = set(printer["operations-supported"].values)
    assert {operations.GET_PRINTER_ATTRIBUTES, operations.VALIDATE_JOB} <= offered
    assert operations.PRINT_JOB not in offered and 0x3FFF not in offered
    assert "gzip" in printer["compression-supported"].values  # we decompress before the backend sees it


def test_status_is_fresh_on_every_get_printer_attributes() -> None:
    backend = DescribingBackend()
    service = _service(backend)
    for state in (3, PRINTER_STOPPED, 3):
        backend.state = state
        printer = _call(service, make_request(operations.GET_PRINTER_ATTRIBUTES)).printer
        assert printer is not None and printer.value("printer-state") == state


def test_job_template_is_checked_against_the_backend_values() -> None:
    backend = DescribingBackend()
    service = _service(backend)
    job = AttributeGroup()
    job.add("media", "na_letter_8.5x11in", tags.KEYWORD)  # in our static default, not the backend's
    job.add("copies", 9, tags.INTEGER)
    request = make_request(operations.VALIDATE_JOB, operation_group(requesting_user_name="alice"), job)
    answer = _call(service, request)
    assert answer.code == status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert answer.unsupported is not None
    assert {"media", "copies"} <= set(answer.unsupported)
    kept = [("media" in r.attributes, "copies" in r.attributes) for r in backend.validated]
    assert kept == [(False, False)]
    backend.validated.clear()
    fine = AttributeGroup()
    fine.add("media", "iso_a4_210x297mm", tags.KEYWORD)
    fine.add("copies", 5, tags.INTEGER)
    request = make_request(operations.VALIDATE_JOB, operation_group(requesting_user_name="alice"), fine)
    assert _call(service, request).code == status.SUCCESSFUL_OK
    assert [r.attributes.value("media") for r in backend.validated] == ["iso_a4_210x297mm"]


def test_capabilities_are_reused_for_a_while() -> None:
    backend = DescribingBackend()
    entry = _service(backend).printers[0]
    first = entry.description
    assert entry.description is first and backend.asked == 1
    entry.current()
    assert backend.asked == 2


def test_an_unreachable_backend_is_an_ipp_error() -> None:
    class Unreachable(DescribingBackend):
        def printer_attributes(self, printer: str) -> AttributeGroup:
            raise BackendError(status.SERVER_ERROR_SERVICE_UNAVAILABLE, "CUPS is down")

    answer = _call(_service(Unreachable()), make_request(operations.GET_PRINTER_ATTRIBUTES))
    assert answer.code == status.SERVER_ERROR_SERVICE_UNAVAILABLE
