"""The small status page ``GET`` answers: each printer's URI, state and queued jobs, as HTML or text.

It shows only what any IPP client may ask anyway (printer-state, queued jobs); never spool paths, output
devices or commands.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from ipp_wsgi.backends.base import Backend, BackendError, Job
from ipp_wsgi.codec import AttributeGroup
from ipp_wsgi.ops.job_attributes import PRIVACY_SCOPE, private_names
from ipp_wsgi.ops.requested import JOB

if TYPE_CHECKING:
    from ipp_wsgi.ops.service import Service

_PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
_JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped", 7: "canceled",
               8: "aborted", 9: "completed"}


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the page shows of one printer."""

    name: str
    uri: str
    state: str
    reasons: tuple[str, ...] = ()
    accepting: bool | None = None
    jobs: list[Job] = field(default_factory=list)
    private: frozenset[str] = frozenset()
    """Job attributes (job-name, job-originating-user-name) the page may not show: it has no viewer to
    check against the printer's job-privacy-scope, so it shows them only when the scope is ``all``."""


# The Job fields the page shows and the job attributes whose privacy governs them.
_NAME, _OWNER = "job-name", "job-originating-user-name"
_PRIVATE_TEXT = "(private)"


def _private_fields(description: AttributeGroup) -> frozenset[str]:
    if description.value(PRIVACY_SCOPE, "all") == "all":
        return frozenset()
    private = private_names(description)
    return frozenset(name for name in (_NAME, _OWNER) if private.wants(name, JOB))


def collect(service: Service, base_uri: str, path: str = "/") -> list[PrinterStatus]:
    """The status of every printer (``path`` "/"), or of the printer configured at ``path``."""
    entries = [e for e in service.printers if path == "/" or path in e.paths]
    return [
        dataclasses.replace(_printer_status(entry.name, base_uri + entry.paths[0], entry.backend),
                            private=_private_fields(entry.description))
        for entry in entries
    ]


def _printer_status(name: str, uri: str, backend: Backend) -> PrinterStatus:
    try:
        attributes = backend.printer_attributes(name)
    except BackendError:
        return PrinterStatus(name, uri, "unknown")
    try:
        jobs = backend.jobs(name, "not-completed")
    except BackendError:
        jobs = []
    reasons = attributes.get("printer-state-reasons")
    return PrinterStatus(
        name=name,
        uri=uri,
        state=_PRINTER_STATES.get(attributes.value("printer-state", 0), "unknown"),
        reasons=tuple(str(r) for r in reasons) if reasons is not None else (),
        accepting=attributes.value("printer-is-accepting-jobs"),
        jobs=jobs,
    )


def _state_line(printer: PrinterStatus) -> str:
    accepting = {True: ", accepting jobs", False: ", not accepting jobs", None: ""}[printer.accepting]
    reasons = [r for r in printer.reasons if r != "none"]
    return printer.state + accepting + (f" ({', '.join(reasons)})" if reasons else "")


def _job_cells(job: Job, private: frozenset[str]) -> tuple[str, str, str, str, str]:
    return (str(job.job_id), _PRIVATE_TEXT if _NAME in private else job.name,
            _PRIVATE_TEXT if _OWNER in private else job.owner, _JOB_STATES.get(job.state, str(job.state)),
            f"{job.k_octets} KiB")


_JOB_HEADINGS = ("Job", "Name", "Owner", "State", "Size")


def printable(text: str) -> str:
    """``text`` with every character that is not printable (newlines, ESC, other controls, line and
    paragraph separators) written as a Python escape: a client's names cannot forge lines or drive the
    reader's terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def render_text(printers: list[PrinterStatus]) -> str:
    """The page as plain text; client-supplied strings made :func:`printable`."""
    lines: list[str] = []
    for printer in printers:
        lines += [f"printer {printer.name}: {_state_line(printer)}", f"  uri: {printer.uri}"]
        lines += [_job_line(job, printer.private) for job in printer.jobs] or ["  no queued jobs"]
    return "\n".join(lines or ["no printers"]) + "\n"


def _job_line(job: Job, private: frozenset[str]) -> str:
    return f"  job {' | '.join(printable(cell) for cell in _job_cells(job, private))}"


def render_html(printers: list[PrinterStatus]) -> str:
    """The page as a small HTML document."""
    sections = "".join(_printer_html(printer) for printer in printers) or "<p>No printers.</p>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ipp-wsgi</title></head>\n"
        f"<body><h1>Printers</h1>\n{sections}</body></html>\n"
    )


def _printer_html(printer: PrinterStatus) -> str:
    if printer.jobs:
        head = "".join(f"<th>{h}</th>" for h in _JOB_HEADINGS)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in _job_cells(job, printer.private)) + "</tr>\n"
            for job in printer.jobs
        )
        jobs = f"<table><tr>{head}</tr>\n{rows}</table>\n"
    else:
        jobs = "<p>No queued jobs.</p>\n"
    return (
        f"<h2>{escape(printer.name)}</h2>\n<p>{escape(_state_line(printer))}<br>"
        f"<code>{escape(printer.uri)}</code></p>\n{jobs}"
    )
