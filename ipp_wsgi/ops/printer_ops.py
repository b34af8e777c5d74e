"""Printer operations: attributes, administration (pause/resume, enable/disable, purge, settings),
Identify-Printer, and the CUPS printer-listing extensions."""

from __future__ import annotations

from collections.abc import Callable

from ipp_wsgi.codec import UNSUPPORTED, Attribute, AttributeGroup, status, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.printer_attributes import printer_group
from ipp_wsgi.ops.printer_description import SETTABLE_PRINTER_ATTRIBUTES
from ipp_wsgi.ops.registry import Target, operation
from ipp_wsgi.ops.reply import OpError


@operation(ops.GET_PRINTER_ATTRIBUTES, Target.PRINTER)
def get_printer_attributes(call: Call) -> None:
    """The printer's attributes, as requested."""
    group = printer_group(call, call.target_printer, call.requested(), reusable=True)
    call.reply.add_group(tags.PRINTER_ATTRIBUTES, group)


def _admin(code: int, method: str, summary: str) -> None:
    """Register an operation that only calls backend ``method(printer)``."""

    def handler(call: Call) -> None:
        printer = call.target_printer
        action: Callable[[str], None] = getattr(printer.backend, method)
        action(printer.name)

    handler.__doc__ = summary
    handler.__name__ = method
    operation(code, Target.PRINTER, method)(handler)


_admin(ops.PAUSE_PRINTER, "pause_printer", "Stop processing jobs (they are still accepted).")
_admin(ops.RESUME_PRINTER, "resume_printer", "Start processing jobs again.")
_admin(ops.ENABLE_PRINTER, "enable_printer", "Start accepting jobs.")
_admin(ops.DISABLE_PRINTER, "disable_printer", "Stop accepting jobs (queued ones still print).")
_admin(ops.CUPS_ACCEPT_JOBS, "enable_printer", "CUPS-Accept-Jobs: start accepting jobs.")
_admin(ops.CUPS_REJECT_JOBS, "disable_printer", "CUPS-Reject-Jobs: stop accepting jobs.")
_admin(ops.PURGE_JOBS, "purge_jobs", "Remove every job of the printer, history included.")
_admin(ops.PAUSE_PRINTER_AFTER_CURRENT_JOB, "pause_printer",
       "Stop processing jobs once the job printing now is done (RFC 3998).")
_admin(ops.HOLD_NEW_JOBS, "hold_new_jobs", "Hold every new job until Release-Held-New-Jobs (RFC 3998).")
_admin(ops.RELEASE_HELD_NEW_JOBS, "release_held_new_jobs",
       "Stop holding new jobs and release those held (RFC 3998).")


@operation(ops.IDENTIFY_PRINTER, Target.PRINTER, "identify_printer")
def identify_printer(call: Call) -> None:
    """Make the printer show itself; unsupported identify-actions are reported and left out."""
    printer = call.target_printer
    supported = printer.description["identify-actions-supported"].values
    attr = call.operation.get("identify-actions")
    actions = [a for a in attr.values if a in supported] if attr is not None else []
    if attr is not None and len(actions) < len(attr):
        bad = [(t, v) for t, v in zip(attr.tags, attr.values, strict=True) if v not in supported]
        call.reply.add_unsupported(Attribute(attr.name, [t for t, _ in bad], [v for _, v in bad]))
    if not actions:
        actions = list(printer.description["identify-actions-default"].values)
    printer.backend.identify_printer(printer.name, actions, str(call.arg("message", "")))


_TEXT_LIMITS = {"printer-message-from-operator": 127}
"""Maximum lengths below text(1023) (PWG 5100.12: printer-message-from-operator is text(127))."""


@operation(ops.SET_PRINTER_ATTRIBUTES, Target.PRINTER, "set_printer_attributes")
def set_printer_attributes(call: Call) -> None:
    """Change settable description attributes: all of them or none (RFC 3380)."""
    printer = call.target_printer
    changes = call.request.printer or AttributeGroup()
    refused = [a for a in changes.attributes()
               if SETTABLE_PRINTER_ATTRIBUTES.get(a.name) not in (*a.tags,) or len(a) != 1
               or len(str(a.value)) > _TEXT_LIMITS.get(a.name, 1023)]
    if refused or not len(changes):
        for attr in refused:
            known = attr.name in printer.description
            unknown = Attribute(attr.name, [tags.UNSUPPORTED], [UNSUPPORTED])
            call.reply.add_unsupported(attr if known else unknown)
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE, "attributes not settable")
    printer.backend.set_printer_attributes(printer.name, changes)


@operation(ops.CUPS_GET_DEFAULT, Target.SERVER)
def cups_get_default(call: Call) -> None:
    """The default printer (the first configured)."""
    printer = call.service.default_printer
    if printer is None:
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, "no default printer")
    call.reply.add_group(tags.PRINTER_ATTRIBUTES, printer_group(call, printer, call.requested()))


@operation(ops.CUPS_GET_PRINTERS, Target.SERVER)
def cups_get_printers(call: Call) -> None:
    """Every printer, each with its own URIs (from ``first-printer-name``, up to ``limit``)."""
    printers = list(call.service.printers)
    first = call.arg("first-printer-name")
    if first is not None:
        names = [p.name for p in printers]
        printers = printers[names.index(first):] if first in names else []
    limit = call.arg("limit")
    if isinstance(limit, int) and limit > 0:
        printers = printers[:limit]
    requested = call.requested()
    for printer in printers:
        call.reply.add_group(tags.PRINTER_ATTRIBUTES, printer_group(call, printer, requested))


@operation(ops.CUPS_GET_CLASSES, Target.SERVER)
def cups_get_classes(call: Call) -> None:
    """No printer classes here: an empty successful answer, as a cupsd without classes gives (``lpstat -c``,
    ``-s`` and ``-t`` ask)."""


@operation(ops.GET_PRINTER_SUPPORTED_VALUES, Target.PRINTER)
def get_printer_supported_values(call: Call) -> None:
    """The values Set-Printer-Attributes accepts for settable ``xxx-supported`` attributes (RFC 3380).

    Every settable printer attribute here (printer-settable-attributes-supported) is a description
    attribute, none is an ``xxx-supported``: the printer group is empty, truthfully.
    """
    settable = AttributeGroup(a for a in call.target_printer.description.attributes()
                              if a.name.endswith("-supported") and a.name in SETTABLE_PRINTER_ATTRIBUTES)
    call.reply.add_group(tags.PRINTER_ATTRIBUTES, settable)
