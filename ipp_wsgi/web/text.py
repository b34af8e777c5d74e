"""The status page as plain text (``GET /?format=text``, or ``Accept: text/plain``): one line per printer,
its URI, one line per queued job. Strings that come from clients are made :func:`printable`."""

from __future__ import annotations

from ipp_wsgi.web.views import JobView, PrinterView

PRIVATE_TEXT = "(private)"


def printable(text: str) -> str:
    """``text`` with every character that is not printable (newlines, ESC, other controls, line and
    paragraph separators) written as a Python escape: a client's names cannot forge lines or drive the
    reader's terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def state_line(printer: PrinterView) -> str:
    """``idle, accepting jobs (reasons...)``."""
    accepting = ", accepting jobs" if printer.accepting else ", not accepting jobs"
    if printer.state == "unknown":
        accepting = ""
    return printer.state + accepting + (f" ({', '.join(printer.reasons)})" if printer.reasons else "")


def job_cells(job: JobView) -> tuple[str, str, str, str, str]:
    """Job-id, name, owner, state and size as the page prints them."""
    name = job.name if job.name is not None else PRIVATE_TEXT
    owner = job.owner if job.owner is not None else PRIVATE_TEXT
    return str(job.job_id), name, owner, job.state, f"{job.k_octets} KiB"


def render_text(printers: list[tuple[PrinterView, list[JobView]]]) -> str:
    """The page: each printer with its queued jobs."""
    lines: list[str] = []
    for printer, jobs in printers:
        lines += [f"printer {printer.name}: {state_line(printer)}",
                  f"  uri: {printer.uris[0] if printer.uris else ''}"]
        lines += [f"  job {' | '.join(printable(cell) for cell in job_cells(job))}" for job in jobs] \
            or ["  no queued jobs"]
    return "\n".join(lines or ["no printers"]) + "\n"
