"""A printer's status as the job store says it: state, reasons, message, accepting, queued jobs, and what
its device reported (:mod:`.device_status`, recorded by a network output).

Read by Get-Printer-Attributes and by every printer event (so an event shows the state it announces).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ipp_wsgi.backends.base import (
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
    PRINTER_IDLE,
    PRINTER_PROCESSING,
    PRINTER_STOPPED,
)
from ipp_wsgi.backends.embedded.device_status import device_status
from ipp_wsgi.codec import AttributeGroup, tags

ACTIVE_JOB_STATES = (JOB_PENDING, JOB_PENDING_HELD, JOB_PROCESSING, JOB_PROCESSING_STOPPED)


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


def printer_status(db: sqlite3.Connection, printer: str) -> PrinterStatus:
    """The status of ``printer`` (whose state row must exist) within the caller's transaction."""
    row = db.execute("SELECT paused, accepting, hold_new, shutdown FROM printers WHERE name = ?",
                     (printer,)).fetchone()
    marks = ", ".join("?" for _ in ACTIVE_JOB_STATES)
    counts = dict(db.execute(
        f"SELECT state, COUNT(*) FROM jobs WHERE printer = ? AND state IN ({marks}) GROUP BY state",
        (printer, *ACTIVE_JOB_STATES)).fetchall())
    paused, processing = bool(row["paused"]), counts.get(JOB_PROCESSING, 0) > 0
    shutdown = bool(row["shutdown"])  # Shutdown-Printer: out of service until Startup-Printer
    state = PRINTER_PROCESSING if processing else PRINTER_STOPPED if paused or shutdown else PRINTER_IDLE
    reasons = ["moving-to-paused" if processing else "paused"] if paused else []
    if shutdown:
        reasons.append("shutdown")
    if row["hold_new"]:
        reasons.append("hold-new-jobs")
    device_reasons, device_message = device_status(db, printer)
    reasons.extend(r for r in device_reasons if r not in reasons)
    message = device_message or ("Printing." if processing else "Shut down." if shutdown
                                 else "Paused." if paused else "Ready.")
    return PrinterStatus(state, tuple(reasons or ["none"]), message, bool(row["accepting"]) and not shutdown,
                         sum(counts.values()))
