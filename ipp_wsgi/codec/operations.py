"""Operation-ids (RFC 8011, PWG 5100.x, CUPS extensions) as plain ints, with a name table.

The values come from the generated registry data (the IANA "operations-supported" enum values and
CUPS's operations table), looked up by name, so that none is typed by hand.
"""

from __future__ import annotations

from typing import Final

from ipp_wsgi.codec.registry import OPERATION_NAMES as _NAMES

OPERATION_NAMES: Final[dict[int, str]] = dict(_NAMES)
"""Every registered operation-id -> its name (``0x0002 -> "Print-Job"``)."""

_CODES: Final[dict[str, int]] = {name: code for code, name in OPERATION_NAMES.items()}


def _op(name: str) -> int:
    return _CODES[name]


PRINT_JOB: Final = _op("Print-Job")
PRINT_URI: Final = _op("Print-URI")
VALIDATE_JOB: Final = _op("Validate-Job")
CREATE_JOB: Final = _op("Create-Job")
SEND_DOCUMENT: Final = _op("Send-Document")
SEND_URI: Final = _op("Send-URI")
CANCEL_JOB: Final = _op("Cancel-Job")
GET_JOB_ATTRIBUTES: Final = _op("Get-Job-Attributes")
GET_JOBS: Final = _op("Get-Jobs")
GET_PRINTER_ATTRIBUTES: Final = _op("Get-Printer-Attributes")
HOLD_JOB: Final = _op("Hold-Job")
RELEASE_JOB: Final = _op("Release-Job")
RESTART_JOB: Final = _op("Restart-Job")
PAUSE_PRINTER: Final = _op("Pause-Printer")
RESUME_PRINTER: Final = _op("Resume-Printer")
PURGE_JOBS: Final = _op("Purge-Jobs")
SET_PRINTER_ATTRIBUTES: Final = _op("Set-Printer-Attributes")
SET_JOB_ATTRIBUTES: Final = _op("Set-Job-Attributes")
GET_PRINTER_SUPPORTED_VALUES: Final = _op("Get-Printer-Supported-Values")
CREATE_PRINTER_SUBSCRIPTIONS: Final = _op("Create-Printer-Subscriptions")
CREATE_JOB_SUBSCRIPTIONS: Final = _op("Create-Job-Subscriptions")
GET_SUBSCRIPTION_ATTRIBUTES: Final = _op("Get-Subscription-Attributes")
GET_SUBSCRIPTIONS: Final = _op("Get-Subscriptions")
RENEW_SUBSCRIPTION: Final = _op("Renew-Subscription")
CANCEL_SUBSCRIPTION: Final = _op("Cancel-Subscription")
GET_NOTIFICATIONS: Final = _op("Get-Notifications")
ENABLE_PRINTER: Final = _op("Enable-Printer")
DISABLE_PRINTER: Final = _op("Disable-Printer")
PAUSE_PRINTER_AFTER_CURRENT_JOB: Final = _op("Pause-Printer-After-Current-Job")
HOLD_NEW_JOBS: Final = _op("Hold-New-Jobs")
RELEASE_HELD_NEW_JOBS: Final = _op("Release-Held-New-Jobs")
RESTART_PRINTER: Final = _op("Restart-Printer")
SHUTDOWN_PRINTER: Final = _op("Shutdown-Printer")
STARTUP_PRINTER: Final = _op("Startup-Printer")
REPROCESS_JOB: Final = _op("Reprocess-Job")
CANCEL_CURRENT_JOB: Final = _op("Cancel-Current-Job")
SUSPEND_CURRENT_JOB: Final = _op("Suspend-Current-Job")
RESUME_JOB: Final = _op("Resume-Job")
PROMOTE_JOB: Final = _op("Promote-Job")
SCHEDULE_JOB_AFTER: Final = _op("Schedule-Job-After")
CANCEL_DOCUMENT: Final = _op("Cancel-Document")
GET_DOCUMENT_ATTRIBUTES: Final = _op("Get-Document-Attributes")
GET_DOCUMENTS: Final = _op("Get-Documents")
SET_DOCUMENT_ATTRIBUTES: Final = _op("Set-Document-Attributes")
CANCEL_JOBS: Final = _op("Cancel-Jobs")
CANCEL_MY_JOBS: Final = _op("Cancel-My-Jobs")
RESUBMIT_JOB: Final = _op("Resubmit-Job")
CLOSE_JOB: Final = _op("Close-Job")
IDENTIFY_PRINTER: Final = _op("Identify-Printer")
VALIDATE_DOCUMENT: Final = _op("Validate-Document")
GET_SYSTEM_ATTRIBUTES: Final = _op("Get-System-Attributes")
GET_PRINTERS: Final = _op("Get-Printers")
CUPS_GET_DEFAULT: Final = _op("CUPS-Get-Default")
CUPS_GET_PRINTERS: Final = _op("CUPS-Get-Printers")
CUPS_ADD_MODIFY_PRINTER: Final = _op("CUPS-Add-Modify-Printer")
CUPS_DELETE_PRINTER: Final = _op("CUPS-Delete-Printer")
CUPS_GET_CLASSES: Final = _op("CUPS-Get-Classes")
CUPS_ADD_MODIFY_CLASS: Final = _op("CUPS-Add-Modify-Class")
CUPS_DELETE_CLASS: Final = _op("CUPS-Delete-Class")
CUPS_ACCEPT_JOBS: Final = _op("CUPS-Accept-Jobs")
CUPS_REJECT_JOBS: Final = _op("CUPS-Reject-Jobs")
CUPS_SET_DEFAULT: Final = _op("CUPS-Set-Default")
CUPS_GET_DEVICES: Final = _op("CUPS-Get-Devices")
CUPS_GET_PPDS: Final = _op("CUPS-Get-PPDs")
CUPS_MOVE_JOB: Final = _op("CUPS-Move-Job")
CUPS_AUTHENTICATE_JOB: Final = _op("CUPS-Authenticate-Job")
CUPS_GET_PPD: Final = _op("CUPS-Get-PPD")
CUPS_GET_DOCUMENT: Final = _op("CUPS-Get-Document")
CUPS_CREATE_LOCAL_PRINTER: Final = _op("CUPS-Create-Local-Printer")


def op_name(code: int) -> str:
    """The registry name of an operation-id (``op_name(0x0002) == "Print-Job"``), or ``0xNNNN``."""
    return OPERATION_NAMES.get(code, f"0x{code:04X}")


def op_code(name: str) -> int | None:
    """The operation-id called ``name`` (``op_code("Print-Job") == 0x0002``), or None."""
    return _CODES.get(name)
