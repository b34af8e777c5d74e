"""IPP status codes (RFC 8011 section 5.4.15 and extensions) as plain ints, with a name table.

The values come from the generated registry data (the IANA "Status Codes" registry), looked up by name,
so that none is typed by hand.
"""

from __future__ import annotations

from typing import Final

from ipp_wsgi.codec.registry import STATUS_NAMES as _NAMES

STATUS_NAMES: Final[dict[int, str]] = dict(_NAMES)
"""Every registered status code -> its name (``0x0400 -> "client-error-bad-request"``)."""

_CODES: Final[dict[str, int]] = {name: code for code, name in STATUS_NAMES.items()}


def _status(name: str) -> int:
    return _CODES[name]


SUCCESSFUL_OK: Final = _status("successful-ok")
SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES: Final = _status(
    "successful-ok-ignored-or-substituted-attributes"
)
SUCCESSFUL_OK_CONFLICTING_ATTRIBUTES: Final = _status("successful-ok-conflicting-attributes")
SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS: Final = _status("successful-ok-ignored-subscriptions")
SUCCESSFUL_OK_TOO_MANY_EVENTS: Final = _status("successful-ok-too-many-events")
CLIENT_ERROR_BAD_REQUEST: Final = _status("client-error-bad-request")
CLIENT_ERROR_FORBIDDEN: Final = _status("client-error-forbidden")
CLIENT_ERROR_NOT_AUTHENTICATED: Final = _status("client-error-not-authenticated")
CLIENT_ERROR_NOT_AUTHORIZED: Final = _status("client-error-not-authorized")
CLIENT_ERROR_NOT_POSSIBLE: Final = _status("client-error-not-possible")
CLIENT_ERROR_TIMEOUT: Final = _status("client-error-timeout")
CLIENT_ERROR_NOT_FOUND: Final = _status("client-error-not-found")
CLIENT_ERROR_GONE: Final = _status("client-error-gone")
CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE: Final = _status("client-error-request-entity-too-large")
CLIENT_ERROR_REQUEST_VALUE_TOO_LONG: Final = _status("client-error-request-value-too-long")
CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED: Final = _status("client-error-document-format-not-supported")
CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED: Final = _status(
    "client-error-attributes-or-values-not-supported"
)
CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED: Final = _status("client-error-uri-scheme-not-supported")
CLIENT_ERROR_CHARSET_NOT_SUPPORTED: Final = _status("client-error-charset-not-supported")
CLIENT_ERROR_CONFLICTING_ATTRIBUTES: Final = _status("client-error-conflicting-attributes")
CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED: Final = _status("client-error-compression-not-supported")
CLIENT_ERROR_COMPRESSION_ERROR: Final = _status("client-error-compression-error")
CLIENT_ERROR_DOCUMENT_FORMAT_ERROR: Final = _status("client-error-document-format-error")
CLIENT_ERROR_DOCUMENT_ACCESS_ERROR: Final = _status("client-error-document-access-error")
CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE: Final = _status("client-error-attributes-not-settable")
CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS: Final = _status("client-error-ignored-all-subscriptions")
CLIENT_ERROR_TOO_MANY_SUBSCRIPTIONS: Final = _status("client-error-too-many-subscriptions")
CLIENT_ERROR_NOT_FETCHABLE: Final = _status("client-error-not-fetchable")
SERVER_ERROR_INTERNAL_ERROR: Final = _status("server-error-internal-error")
SERVER_ERROR_OPERATION_NOT_SUPPORTED: Final = _status("server-error-operation-not-supported")
SERVER_ERROR_SERVICE_UNAVAILABLE: Final = _status("server-error-service-unavailable")
SERVER_ERROR_VERSION_NOT_SUPPORTED: Final = _status("server-error-version-not-supported")
SERVER_ERROR_DEVICE_ERROR: Final = _status("server-error-device-error")
SERVER_ERROR_TEMPORARY_ERROR: Final = _status("server-error-temporary-error")
SERVER_ERROR_NOT_ACCEPTING_JOBS: Final = _status("server-error-not-accepting-jobs")
SERVER_ERROR_BUSY: Final = _status("server-error-busy")
SERVER_ERROR_JOB_CANCELED: Final = _status("server-error-job-canceled")
SERVER_ERROR_MULTIPLE_DOCUMENT_JOBS_NOT_SUPPORTED: Final = _status(
    "server-error-multiple-document-jobs-not-supported"
)
SERVER_ERROR_PRINTER_IS_DEACTIVATED: Final = _status("server-error-printer-is-deactivated")
SERVER_ERROR_TOO_MANY_JOBS: Final = _status("server-error-too-many-jobs")
SERVER_ERROR_TOO_MANY_DOCUMENTS: Final = _status("server-error-too-many-documents")


def status_name(code: int) -> str:
    """The registry name of a status code (``status_name(0x0400) == "client-error-bad-request"``)."""
    return STATUS_NAMES.get(code, f"0x{code:04X}")


def status_code(name: str) -> int | None:
    """The status code called ``name`` (``status_code("successful-ok") == 0``), or None."""
    return _CODES.get(name)
