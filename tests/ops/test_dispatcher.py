"""Validate once, then route: the checks of ``dispatch`` in order, and the shape of its responses."""

from __future__ import annotations

import pytest
from ops_helpers import PRINTER_URI, Call, make_request, operation_group

from ipp_wsgi.codec import AttributeGroup, Collection, Message, operations, status, tags
from ipp_wsgi.ops import error_response
from ipp_wsgi.ops import registry as op_registry
from ipp_wsgi.ops.registry import Target


def _first_names(response: Message) -> list[str]:
    return response.operation.names()[:2]


@pytest.mark.parametrize("version", [(1, 0), (1, 1), (2, 0), (2, 1), (2, 2)])
def test_supported_versions_are_answered_in_the_request_version(call: Call, version: tuple[int, int]) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, version=version))
    assert response.code == status.SUCCESSFUL_OK
    assert response.version == version


@pytest.mark.parametrize("version", [(0, 0), (3, 0), (1, 2)])
def test_other_versions_are_not_supported(call: Call, version: tuple[int, int]) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, version=version))
    assert response.code == status.SERVER_ERROR_VERSION_NOT_SUPPORTED
    assert response.printer is None


def test_request_id_zero_is_a_bad_request(call: Call) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, request_id=0))
    assert response.code == status.CLIENT_ERROR_BAD_REQUEST


def test_response_echoes_request_id_and_starts_with_charset_and_language(call: Call) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, request_id=4242))
    assert response.request_id == 4242
    assert _first_names(response) == ["attributes-charset", "attributes-natural-language"]
    assert response.groups[0][0] == tags.OPERATION_ATTRIBUTES


def _group_without(*names: str) -> AttributeGroup:
    group = operation_group()
    for name in names:
        del group[name]
    return group


@pytest.mark.parametrize("missing", [("attributes-charset",), ("attributes-natural-language",),
                                     ("attributes-charset", "attributes-natural-language")])
def test_missing_charset_or_language_is_a_bad_request(call: Call, missing: tuple[str, ...]) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, _group_without(*missing)))
    assert response.code == status.CLIENT_ERROR_BAD_REQUEST
    assert _first_names(response) == ["attributes-charset", "attributes-natural-language"]
    assert response.operation.value("status-message")


def test_language_before_charset_is_a_bad_request(call: Call) -> None:
    group = AttributeGroup()
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("printer-uri", PRINTER_URI, tags.URI)
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, group))
    assert response.code == status.CLIENT_ERROR_BAD_REQUEST


def test_operation_group_must_come_first(call: Call) -> None:
    groups = [(tags.JOB_ATTRIBUTES, AttributeGroup()), (tags.OPERATION_ATTRIBUTES, operation_group())]
    request = Message(operations.GET_PRINTER_ATTRIBUTES, 1, (2, 0), groups)
    assert call(request).code == status.CLIENT_ERROR_BAD_REQUEST
    assert call(Message(operations.GET_PRINTER_ATTRIBUTES, 1)).code == status.CLIENT_ERROR_BAD_REQUEST


def test_unsupported_charset(call: Call) -> None:
    group = operation_group()
    group.add("attributes-charset", "iso-8859-1", tags.CHARSET)
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, group))
    assert response.code == status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED


def test_us_ascii_is_supported(call: Call) -> None:
    group = operation_group()
    group.add("attributes-charset", "US-ASCII", tags.CHARSET)
    assert call(make_request(operations.GET_PRINTER_ATTRIBUTES, group)).code == status.SUCCESSFUL_OK


def test_missing_printer_uri_is_a_bad_request(call: Call) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, operation_group(None)))
    assert response.code == status.CLIENT_ERROR_BAD_REQUEST


@pytest.mark.parametrize("uri", ["ipp://localhost:8631/ipp/nope", "ipp://localhost/printers/nope",
                                 "mailto:someone@example.com"])
def test_unknown_printer_is_not_found(call: Call, uri: str) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, operation_group(uri)))
    assert response.code == status.CLIENT_ERROR_NOT_FOUND


@pytest.mark.parametrize("uri", ["ipp://localhost/printers/print", "ipps://print.example.com:443/ipp/print/",
                                 "ipp://127.0.0.1:8631/ipp/other"])
def test_printer_uri_host_is_ignored_and_every_path_resolves(call: Call, uri: str) -> None:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES, operation_group(uri)))
    assert response.code == status.SUCCESSFUL_OK
    assert response.printer is not None
    assert response.printer.value("printer-name") == uri.rstrip("/").rsplit("/", 1)[1]


def test_mount_prefix_is_stripped_from_target_uris(call: Call) -> None:
    request = make_request(operations.GET_PRINTER_ATTRIBUTES, operation_group("ipp://h/cups/ipp/print"))
    response = call(request, base_uri="ipp://h/cups")
    assert response.code == status.SUCCESSFUL_OK
    assert response.printer is not None
    assert response.printer.value("printer-uri-supported") == "ipp://h/cups/ipp/print"


@pytest.mark.parametrize("code", [operations.PRINT_URI, operations.SEND_URI, 0x0099, 0x3FFF])
def test_unimplemented_operations_are_not_supported(call: Call, code: int) -> None:
    response = call(make_request(code))
    assert response.code == status.SERVER_ERROR_OPERATION_NOT_SUPPORTED
    assert _first_names(response) == ["attributes-charset", "attributes-natural-language"]


def test_handler_bug_is_logged_and_answered_internal_error(call: Call, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def broken(_call: object) -> None:
        raise RuntimeError("boom")

    original = op_registry.OPERATIONS[operations.GET_PRINTER_ATTRIBUTES]
    monkeypatch.setitem(op_registry.OPERATIONS, operations.GET_PRINTER_ATTRIBUTES,
                        op_registry.Operation(original.code, broken, Target.PRINTER, ()))
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES))
    assert response.code == status.SERVER_ERROR_INTERNAL_ERROR
    assert "boom" in caplog.text


def test_error_response_shape() -> None:
    response = error_response(9, status.CLIENT_ERROR_NOT_FOUND, "gone", (1, 1))
    assert (response.request_id, response.code, response.version) == (9, 0x0406, (1, 1))
    names = ["attributes-charset", "attributes-natural-language", "status-message"]
    assert response.operation.names() == names
    assert response.operation["attributes-charset"].tag == tags.CHARSET
    assert response.operation.value("status-message") == "gone"


def test_requested_attributes_that_are_not_keywords_are_a_bad_request(call: Call) -> None:
    group = operation_group()
    group.add("requested-attributes", Collection(), tags.BEG_COLLECTION)
    assert call(make_request(operations.GET_JOBS, group)).code == status.CLIENT_ERROR_BAD_REQUEST


@pytest.mark.parametrize("printer_uri", [None, "ipp://localhost/printers/nowhere"])
def test_an_unsupported_operation_is_not_supported_whatever_its_target(call: Call,
                                                                      printer_uri: str | None) -> None:
    """RFC 8011 4.1.8 comes before 4.1.5: no printer-uri, or an unknown one, does not hide it (lpstat sends
    CUPS-Get-Classes without one and gave up on the bad-request it got)."""
    response = call(make_request(0x4007, operation_group(printer_uri)))  # CUPS-Get-Devices: not offered
    assert response.code == status.SERVER_ERROR_OPERATION_NOT_SUPPORTED


def test_cups_get_classes_answers_as_a_cupsd_without_classes(call: Call) -> None:
    response = call(make_request(operations.CUPS_GET_CLASSES, operation_group(None)))
    assert response.code == status.SUCCESSFUL_OK
    assert response.groups_of(tags.PRINTER_ATTRIBUTES) == []
