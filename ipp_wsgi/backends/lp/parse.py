"""The output of ``lpstat`` (C locale) and ``lp`` read into plain values.

``lpstat -o`` lists a job per line (``dest-id  user  size  date``), ``-l`` adds tab-indented detail lines
(``Alerts: job-hold-until-specified``); ``-p`` says per printer ``printer P is idle.``, ``printer P now
printing P-12.`` or ``printer P disabled since ...`` (the reason on the next, indented line); ``-a`` says
``P accepting requests since ...`` or ``P not accepting requests since ...``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

_JOB = re.compile(r"^(?P<dest>\S+)-(?P<id>\d+)\s+(?P<user>\S+)?\s+(?P<size>\d+)\s+(?P<date>.*)$")
_PRINTER = re.compile(r"^printer (?P<name>\S+) (?:(?P<idle>is idle)|now printing (?P<job>\S+)-(?P<id>\d+)"
                      r"|(?P<disabled>disabled))")
_ACCEPTING = re.compile(r"^(?P<name>\S+) (?P<not>not )?accepting requests")
_REQUEST_ID = re.compile(r"request id is (?P<dest>\S+)-(?P<id>\d+)")
_DATE_FORMATS = ("%a %b %d %H:%M:%S %Y", "%a %d %b %Y %I:%M:%S %p %Z", "%b %d %H:%M")


@dataclass(slots=True)
class ListedJob:
    """A job as ``lpstat -l -o`` shows it."""

    printer: str
    job_id: int
    owner: str
    size: int
    """Bytes."""
    created: float
    alerts: list[str] = field(default_factory=list)
    status: str = ""


@dataclass(slots=True)
class PrinterStatus:
    """A printer as ``lpstat -p -a`` shows it."""

    name: str
    enabled: bool = True
    printing: int | None = None
    """The job-id printing now."""
    accepting: bool = True
    reason: str = ""
    """Why it is disabled or rejecting jobs, as the administrator said."""


def request_id(output: str) -> tuple[str, int]:
    """The destination and job-id in ``lp``'s ``request id is P-12 (1 file(s))``; ValueError if absent."""
    found = _REQUEST_ID.search(output)
    if found is None:
        raise ValueError(f"no request id in lp's answer {output.strip()!r}")
    return found.group("dest"), int(found.group("id"))


def _date(text: str) -> float:
    for fmt in _DATE_FORMATS:
        try:
            parsed = time.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return time.mktime(parsed) if parsed.tm_year > 1900 else 0.0
    return 0.0


def jobs(output: str) -> list[ListedJob]:
    """The jobs of an ``lpstat [-l] -o`` listing, in its order."""
    listed: list[ListedJob] = []
    for line in output.splitlines():
        found = _JOB.match(line)
        if found is not None:
            listed.append(ListedJob(found.group("dest"), int(found.group("id")), found.group("user") or "",
                                    int(found.group("size")), _date(found.group("date"))))
        elif listed and line.startswith("\t"):
            key, _, value = line.strip().partition(": ")
            if key == "Alerts":
                listed[-1].alerts = [a for a in value.split() if a != "none"]
            elif key == "Status":
                listed[-1].status = value.strip()
    return listed


def printers(output: str) -> dict[str, PrinterStatus]:
    """The printers of an ``lpstat -p -a`` answer by name (``-p`` and ``-a`` lines merged)."""
    found: dict[str, PrinterStatus] = {}
    last: PrinterStatus | None = None
    for line in output.splitlines():
        if line.startswith("\t") and last is not None:
            last.reason = last.reason or line.strip()
            continue
        last = None
        if match := _PRINTER.match(line):
            last = found.setdefault(match.group("name"), PrinterStatus(match.group("name")))
            last.enabled = match.group("disabled") is None
            last.printing = int(match.group("id")) if match.group("id") else None
            if last.enabled:
                last = None  # indented lines after an enabled printer are not a reason
        elif match := _ACCEPTING.match(line):
            last = found.setdefault(match.group("name"), PrinterStatus(match.group("name")))
            last.accepting = match.group("not") is None
            if last.accepting:
                last = None
    return found
