"""A printer's attributes as clients see them: static description, backend status, per-request values."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ipp_wsgi.backends.base import PRINTER_IDLE
from ipp_wsgi.codec import Attribute, AttributeGroup, tags
from ipp_wsgi.codec.encoder import EncodedGroup
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.registry import operations_supported
from ipp_wsgi.ops.requested import PRINTER, Requested, select
from ipp_wsgi.ops.service import PrinterEntry

# printer-icons (IPP Everywhere requires one) is this path below the printer's path; the WSGI layer serves it.
ICON_SUFFIX = "/icon.png"

_CACHE_MAX = 64
"""Printer attribute groups kept per printer (one per request URI base and path in use), and selections
kept per group (one per requested-attributes in use)."""


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


def _add_request_values(g: AttributeGroup, call: Call, entry: PrinterEntry, now: int | None = None) -> None:
    now = int(time.time()) if now is None else now
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



@dataclass(slots=True)
class _Built:
    """A printer's attributes built for one status object, request URI base and path, and second."""

    entry: PrinterEntry
    status: object
    second: int
    group: AttributeGroup
    selections: dict[Requested, EncodedGroup] = field(default_factory=dict)
    """What was selected from ``group``, encoded, by what was requested."""

    def is_current(self) -> bool:
        """True while the printer's status object and the second are the ones this was built for."""
        return (int(time.time()) == self.second
                and self.entry.backend.printer_status(self.entry.name) is self.status)


def printer_group(call: Call, entry: PrinterEntry, requested: Requested,
                  reusable: bool = False) -> AttributeGroup:
    """The attributes of printer ``entry`` the client asked for (backend values override the static
    description; the group may be shared, frozen: never change it).

    ``reusable``: this group is all the answer depends on besides the request, so the reply may be reused
    while the group would be built the same (:attr:`~ipp_wsgi.ops.reply.Reply.valid_while`).
    """
    built = _built(call, entry)
    if built is None:
        return select(_build(call, entry, _status(entry).attributes()), requested, PRINTER)
    if reusable:
        call.reply.valid_while = built.is_current
    selected = built.selections.get(requested)
    if selected is None:
        selected = EncodedGroup(select(built.group, requested, PRINTER).attributes())
        if len(built.selections) < _CACHE_MAX:
            built.selections[requested] = selected
    return selected


def _built(call: Call, entry: PrinterEntry) -> _Built | None:
    """The printer's attributes as built for this request's URI base and path in this second, or None
    when the backend does not report its status as an object that stays the same while the status does
    (:meth:`~ipp_wsgi.backends.Backend.printer_status`): then they are built for each request."""
    if entry.described_by_backend or not entry.backend.supports("printer_status"):
        return None
    status = entry.backend.printer_status(entry.name)
    now = int(time.time())
    context = call.context
    key = (context.base_uri, context.secure, context.path)
    cache = entry.attributes_cache
    built: _Built | None = cache.get(key)
    if built is None or built.status is not status or built.second != now:
        built = _Built(entry, status, now, _build(call, entry, status, now))
        if len(cache) >= _CACHE_MAX:
            cache.clear()  # the path and Host header are the client's to choose: keep the cache bounded
        cache[key] = built
    return built


def _serial_from_uuid(g: AttributeGroup) -> None:
    """Make the ``SN:`` of printer-device-id the printer-uuid's, when the backend keeps a printer-uuid of
    its own (the description's is only a fallback): the Windows IPP Class Driver tells printers apart by
    it."""
    device_id, printer_uuid = g.value("printer-device-id", None), g.value("printer-uuid", None)
    if not isinstance(device_id, str) or not isinstance(printer_uuid, str):
        return
    serial = printer_uuid.removeprefix("urn:uuid:")
    fields = [f for f in device_id.split(";") if f and not f.startswith("SN:")]
    changed = ";".join([*fields, f"SN:{serial}"]) + ";"
    if changed != device_id:
        g.add("printer-device-id", changed, tags.TEXT_WITHOUT_LANGUAGE)


def _build(call: Call, entry: PrinterEntry, status: Iterable[Attribute],
           now: int | None = None) -> AttributeGroup:
    """The printer's description, then ``status`` (and printer-up-time ``now``), defaults and the values
    that depend on the request."""
    g = AttributeGroup(entry.current().attributes())
    for attr in status:
        g.append(attr)
    _serial_from_uuid(g)
    if now is not None:
        g.add("printer-up-time", now, tags.INTEGER)
    _add_defaults(g, call.service.started)
    _add_request_values(g, call, entry, now)
    return g
