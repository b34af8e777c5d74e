"""A printer's status as the job store says it: state, reasons, message, accepting, queued jobs, and what
its device reported (recorded by the output that talks to it).

Read by Get-Printer-Attributes and by every printer event (so an event shows the state it announces).
"""

from __future__ import annotations

from dataclasses import dataclass

from ipp_wsgi.backends.base import JOB_PROCESSING, PRINTER_IDLE, PRINTER_PROCESSING, PRINTER_STOPPED
from ipp_wsgi.backends.embedded.store import PrinterRecord, StoreTransaction
from ipp_wsgi.codec import AttributeGroup, tags


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What printer-state, printer-state-reasons, printer-state-message, printer-is-accepting-jobs and
    queued-job-count report."""

    state: int
    reasons: tuple[str, ...]
    message: str
    accepting: bool
    queued: int

    def add_to(self, group: AttributeGroup) -> None:
        """Add the state attributes (not queued-job-count) to ``group``."""
        group.add("printer-state", self.state, tag=tags.ENUM)
        group.add("printer-state-reasons", list(self.reasons), tag=tags.KEYWORD)
        group.add("printer-state-message", self.message, tag=tags.TEXT_WITHOUT_LANGUAGE)
        group.add("printer-is-accepting-jobs", self.accepting, tag=tags.BOOLEAN)
        group.add("printer-alert", [_alert(r) for r in self.reasons], tag=tags.OCTET_STRING)
        group.add("printer-alert-description", [f"{self.message} ({r})" for r in self.reasons],
                  tag=tags.TEXT_WITHOUT_LANGUAGE)


def _alert(reason: str) -> bytes:
    """A PWG 5100.9 printer-alert value for one printer-state-reasons keyword; printer-alert-description
    names the reason (no Printer MIB alert code fits a virtual printer's conditions: code=other)."""
    severity = "other"
    if reason.endswith("-error"):
        severity = "critical"
    elif reason.endswith("-warning"):
        severity = "warning"
    return f"code=other;severity={severity};group=generalPrinter".encode()


def printer_status(tx: StoreTransaction, printer: str, record: PrinterRecord | None = None) -> PrinterStatus:
    """The status of ``printer`` (whose state the store must hold; ``record``: as just read in ``tx``)."""
    row = record if record is not None else tx.printer(printer)
    assert row is not None, printer
    counts = tx.active_job_counts(printer)
    paused, processing = row.paused, counts.get(JOB_PROCESSING, 0) > 0
    shutdown = row.shutdown  # Shutdown-Printer: out of service until Startup-Printer
    state = PRINTER_PROCESSING if processing else PRINTER_STOPPED if paused or shutdown else PRINTER_IDLE
    reasons = ["moving-to-paused" if processing else "paused"] if paused else []
    if shutdown:
        reasons.append("shutdown")
    if row.hold_new:
        reasons.append("hold-new-jobs")
    device_reasons, device_message = tx.device_status(printer)
    reasons.extend(r for r in device_reasons if r not in reasons)
    message = device_message or ("Printing." if processing else "Shut down." if shutdown
                                 else "Paused." if paused else "Ready.")
    return PrinterStatus(state, tuple(reasons or ["none"]), message, row.accepting and not shutdown,
                         sum(counts.values()))
