"""Printer operations: Get-Printer-Attributes, administration, Identify-Printer, CUPS listings; policy."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from ops_helpers import ADMIN, BASE_URI, Call, build_service, make_request, operation_group

from ipp_wsgi.backends.base import PRINTER_IDLE, PRINTER_STOPPED
from ipp_wsgi.codec import AttributeGroup, Message, operations, status, tags
from ipp_wsgi.ops import Policy, RequestContext, dispatch
from ipp_wsgi.ops.policy import ADMIN_OPERATIONS
from ipp_wsgi.ops.service import Service


def _attributes(call: Call, *requested: str, path: str = "/ipp/print", **kwargs: object) -> AttributeGroup:
    group = operation_group(requested_attributes=list(requested)) if requested else operation_group()
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, group), path=path, **kwargs)
    assert response.code == status.SUCCESSFUL_OK
    assert response.printer is not None
    return response.printer


def test_all_attributes_are_complete_and_typed(call: Call) -> None:
    printer = _attributes(call)
    assert printer.value("printer-name") == "print"
    assert printer["printer-state"].tag == tags.ENUM and printer.value("printer-state") == PRINTER_IDLE
    assert printer.value("printer-is-accepting-jobs") is True
    assert printer.value("printer-uri-supported") == f"{BASE_URI}/ipp/print"
    assert printer.value("uri-security-supported") == "none"
    assert printer.value("printer-more-info") == "http://localhost:8631/ipp/print"
    assert printer.value("printer-uuid").startswith("urn:uuid:")
    assert "media-col-database" not in printer
    for name in ("ipp-versions-supported", "compression-supported", "media-col-ready", "printer-device-id",
                 "pwg-raster-document-type-supported", "document-format-supported", "printer-up-time"):
        assert name in printer


def _uuid_and_serial(service: Service, path: str = "/ipp/print") -> tuple[uuid.UUID, str]:
    """The printer-uuid a service answers for the printer at ``path``, and its printer-device-id's SN."""
    group = operation_group(BASE_URI + path, requested_attributes=["printer-uuid", "printer-device-id"])
    response = dispatch(make_request(operations.GET_PRINTER_ATTRIBUTES, group), io.BytesIO(b""),
                        RequestContext(BASE_URI, path), service)
    assert response.printer is not None
    fields = dict(f.split(":", 1) for f in response.printer.value("printer-device-id").split(";") if f)
    return uuid.UUID(response.printer.value("printer-uuid")), fields["SN"]


def test_printer_uuid_is_random_kept_in_the_store_and_shared_by_its_hosts(spool_dir: Path, store_url: str,
                                                                          service: Service) -> None:
    first, serial = _uuid_and_serial(service)
    assert first.version == 4 and serial == str(first)
    other, _ = _uuid_and_serial(service, "/ipp/other")
    assert other != first
    # A second host (or a restart) on the same store answers the same; another installation (a store of
    # its own) does not, though its printer has the same name.
    same_store = build_service(spool_dir, store_url, Policy.default())
    elsewhere = build_service(spool_dir.parent / "elsewhere", "sqlite", Policy.default())
    try:
        assert _uuid_and_serial(same_store) == (first, serial)
        assert _uuid_and_serial(elsewhere)[0] not in (first, other)
    finally:
        same_store.close()
        elsewhere.close()
    service.close()
    reopened = build_service(spool_dir, store_url, Policy.default())
    try:
        assert _uuid_and_serial(reopened) == (first, serial)
    finally:
        reopened.close()


def test_requested_group_keywords(call: Call) -> None:
    template = _attributes(call, "job-template")
    assert "copies-supported" in template and "media-col-default" in template
    assert all(name.endswith(("-default", "-supported", "-ready", "-database")) for name in template.names())
    assert "printer-name" not in template
    description = _attributes(call, "printer-description")
    assert "printer-name" in description and "copies-supported" not in description
    assert _attributes(call, "media-col-database").names() == ["media-col-database"]
    assert _attributes(call, "printer-state", "printer-name").names() == ["printer-name", "printer-state"]


def test_uris_follow_the_address_the_client_used(call: Call) -> None:
    printer = _attributes(call, "printer-uri-supported", "uri-security-supported", "printer-more-info",
                          secure=True, base_uri="ipps://print.example.com/mount")
    assert printer.value("printer-uri-supported") == "ipps://print.example.com/mount/ipp/print"
    assert printer.value("uri-security-supported") == "tls"
    assert printer.value("printer-more-info") == "https://print.example.com/mount/ipp/print"


def test_no_internal_paths_leak(call: Call, spool_dir: Path) -> None:
    printer = _attributes(call)
    text = repr([list(attr.values) for attr in printer.attributes()])
    assert str(spool_dir) not in text and "spool" not in text


def test_operations_supported_lists_exactly_what_is_enabled_at_the_path(spool_dir: Path,
                                                                       store_url: str) -> None:
    service = build_service(spool_dir, store_url, Policy.solaris([ADMIN]))
    try:
        def supported(path: str) -> set[int]:
            context = RequestContext(BASE_URI, path)
            request = make_request(operations.GET_PRINTER_ATTRIBUTES)
            response = dispatch(request, io.BytesIO(), context, service)
            assert response.printer is not None
            return set(response.printer["operations-supported"].values)

        at_root, at_admin = supported("/ipp/print"), supported("/admin")
        assert operations.PRINT_JOB in at_root and not at_root & ADMIN_OPERATIONS
        assert at_admin >= ADMIN_OPERATIONS and at_root < at_admin
        context = RequestContext(BASE_URI, "/ipp/print", remote_user=ADMIN)
        response = dispatch(make_request(operations.PAUSE_PRINTER), io.BytesIO(), context, service)
        assert response.code == status.SERVER_ERROR_OPERATION_NOT_SUPPORTED
    finally:
        service.close()


def _admin_op(call: Call, code: int, remote_user: str | None) -> Message:
    return call(make_request(code), user=remote_user)


@pytest.mark.parametrize(("remote_user", "expected"), [
    (None, status.CLIENT_ERROR_NOT_AUTHENTICATED),
    ("alice", status.CLIENT_ERROR_NOT_AUTHORIZED),
    (ADMIN, status.SUCCESSFUL_OK),
])
def test_administration_needs_an_admin(call: Call, remote_user: str | None, expected: int) -> None:
    assert _admin_op(call, operations.PAUSE_PRINTER, remote_user).code == expected


def test_administration_is_forbidden_without_admins(spool_dir: Path, store_url: str) -> None:
    service = build_service(spool_dir, store_url, Policy.default())
    try:
        context = RequestContext(BASE_URI, "/ipp/print", remote_user="alice")
        response = dispatch(make_request(operations.PAUSE_PRINTER), io.BytesIO(), context, service)
        assert response.code == status.CLIENT_ERROR_FORBIDDEN
    finally:
        service.close()


def test_pause_resume_disable_enable(call: Call) -> None:
    assert _admin_op(call, operations.PAUSE_PRINTER, ADMIN).code == status.SUCCESSFUL_OK
    assert _attributes(call, "printer-state").value("printer-state") == PRINTER_STOPPED
    assert _attributes(call, "printer-is-accepting-jobs").value("printer-is-accepting-jobs") is True
    assert _admin_op(call, operations.RESUME_PRINTER, ADMIN).code == status.SUCCESSFUL_OK
    assert _attributes(call, "printer-state").value("printer-state") == PRINTER_IDLE
    assert _admin_op(call, operations.CUPS_REJECT_JOBS, ADMIN).code == status.SUCCESSFUL_OK
    assert _attributes(call, "printer-is-accepting-jobs").value("printer-is-accepting-jobs") is False
    assert _admin_op(call, operations.ENABLE_PRINTER, ADMIN).code == status.SUCCESSFUL_OK
    assert _attributes(call, "printer-is-accepting-jobs").value("printer-is-accepting-jobs") is True


def test_set_printer_attributes(call: Call) -> None:
    changes = AttributeGroup()
    changes.add("printer-location", "Room 101", tags.TEXT_WITHOUT_LANGUAGE)
    request = make_request(operations.SET_PRINTER_ATTRIBUTES)
    request.groups.append((tags.PRINTER_ATTRIBUTES, changes))
    assert call(request, user=ADMIN).code == status.SUCCESSFUL_OK
    assert _attributes(call, "printer-location").value("printer-location") == "Room 101"
    refused = AttributeGroup()
    refused.add("printer-name", "renamed", tags.NAME_WITHOUT_LANGUAGE)
    request = make_request(operations.SET_PRINTER_ATTRIBUTES)
    request.groups.append((tags.PRINTER_ATTRIBUTES, refused))
    response = call(request, user=ADMIN)
    assert response.code == status.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE
    assert response.unsupported is not None and "printer-name" in response.unsupported


def test_identify_printer_reports_unsupported_actions(call: Call) -> None:
    response = call(make_request(operations.IDENTIFY_PRINTER, operation_group(identify_actions=["sound"])))
    assert response.code == status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert response.unsupported is not None and response.unsupported.value("identify-actions") == "sound"
    plain = call(make_request(operations.IDENTIFY_PRINTER, operation_group(identify_actions=["display"])))
    assert plain.code == status.SUCCESSFUL_OK


def test_cups_get_printers_gives_each_printer_its_own_uri(call: Call) -> None:
    group = operation_group(None, requested_attributes=["printer-name", "printer-uri-supported"])
    response = call(make_request(operations.CUPS_GET_PRINTERS, group), path="/")
    assert response.code == status.SUCCESSFUL_OK
    listed = [(p.value("printer-name"), p.value("printer-uri-supported"))
              for p in response.groups_of(tags.PRINTER_ATTRIBUTES)]
    assert listed == [("print", f"{BASE_URI}/ipp/print"), ("other", f"{BASE_URI}/ipp/other")]
    limited = call(make_request(operations.CUPS_GET_PRINTERS, operation_group(None, limit=1)), path="/")
    assert len(limited.groups_of(tags.PRINTER_ATTRIBUTES)) == 1


def test_cups_get_default(call: Call) -> None:
    group = operation_group(None, requested_attributes=["printer-name"])
    response = call(make_request(operations.CUPS_GET_DEFAULT, group), path="/")
    assert response.code == status.SUCCESSFUL_OK
    assert response.printer is not None and response.printer.names() == ["printer-name"]
    assert response.printer.value("printer-name") == "print"
