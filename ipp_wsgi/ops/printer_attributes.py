"""A printer's attributes as clients see them: static description, backend status, per-request values."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ipp_wsgi.backends.base import PRINTER_IDLE
from ipp_wsgi.codec import AttributeGroup, tags
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.registry import operations_supported
from ipp_wsgi.ops.requested import PRINTER, Requested, select
from ipp_wsgi.ops.service import PrinterEntry

# printer-icons (IPP Everywhere requires one) is this path below the printer's path; the WSGI layer serves it.
ICON_SUFFIX = "/icon.png"


def _status(entry: PrinterEntry) -> AttributeGroup:
    """The backend's view (state, reasons, accepting, queued jobs, settable description changes)."""
    if entry.described_by_backend or not entry.backend.supports("printer_attributes"):
        return AttributeGroup()  # a describing backend's status is already in entry.current()
    return entry.backend.printer_attributes(entry.name)


def _add_defaults(g: AttributeGroup, started: float) -> None:
    """Status attributes a backend did not give."""
    defaults = (
        ("printer-state", PRINTER_IDLE, tags.ENUM),
        ("printer-state-reasons", ["none"], tags.KEYWORD),
        ("printer-state-message", "", tags.TEXT_WITHOUT_LANGUAGE),
        ("printer-is-accepting-jobs", True, tags.BOOLEAN),
        ("queued-job-count", 0, tags.INTEGER),
        ("printer-state-change-time", int(started), tags.INTEGER),
    )
    for name, value, tag in defaults:
        if name not in g:
            g.add(name, value, tag)
    if "printer-state-change-date-time" not in g:
        when = datetime.fromtimestamp(g.value("printer-state-change-time"), UTC)
        g.add("printer-state-change-date-time", when, tags.DATE_TIME)


def _add_request_values(g: AttributeGroup, call: Call, entry: PrinterEntry) -> None:
    now = time.time()
    started = int(call.service.started)
    secure = call.context.secure or call.context.base_uri.startswith("ipps:")
    g.add("printer-uri-supported", call.printer_uri(entry), tags.URI)
    g.add("uri-security-supported", "tls" if secure else "none", tags.KEYWORD)
    g.add("uri-authentication-supported", entry.uri_authentication, tags.KEYWORD)
    # The status page (any GET) describes the printer and its (virtual) supply.
    g.add("printer-more-info", call.http_uri(entry.path), tags.URI)
    g.add("printer-supply-info-uri", call.http_uri(entry.path), tags.URI)
    g.add("printer-icons", call.http_uri(entry.path + ICON_SUFFIX), tags.URI)
    g.add("printer-up-time", int(now), tags.INTEGER)
    g.add("printer-current-time", datetime.fromtimestamp(int(now), UTC), tags.DATE_TIME)
    if "printer-config-change-time" not in g:
        g.add("printer-config-change-time", started, tags.INTEGER)
    changed = g.value("printer-config-change-time")
    g.add("printer-config-change-date-time", datetime.fromtimestamp(changed, UTC), tags.DATE_TIME)
    g.add("operations-supported", operations_supported(call, entry), tags.ENUM)



def printer_attributes(call: Call, entry: PrinterEntry) -> AttributeGroup:
    """Every attribute of printer ``entry`` (backend values override the static description)."""
    g = AttributeGroup(entry.current().attributes())
    for attr in _status(entry).attributes():
        g.append(attr)
    _add_defaults(g, call.service.started)
    _add_request_values(g, call, entry)
    return g


def printer_group(call: Call, entry: PrinterEntry, requested: Requested) -> AttributeGroup:
    """The attributes of printer ``entry`` the client asked for."""
    return select(printer_attributes(call, entry), requested, PRINTER)
