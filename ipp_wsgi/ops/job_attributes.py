"""A job's attributes as clients see them: the spooler's :class:`~ipp_wsgi.backends.Job`, URIs, times;
without its private values for callers who may not see them (:mod:`ipp_wsgi.ops.privacy`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ipp_wsgi.backends import Job
from ipp_wsgi.codec import NO_VALUE, AttributeGroup, tags
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.privacy import hide_private_values, sees_private_values
from ipp_wsgi.ops.requested import JOB, Requested
from ipp_wsgi.ops.service import PrinterEntry


def _time_value(when: float | None) -> tuple[Any, int]:
    # Seconds since the epoch, as CUPS does: printer-up-time is the current time, so both agree.
    return (NO_VALUE, tags.NO_VALUE) if when is None else (int(when), tags.INTEGER)


def _date_time_value(when: float | None) -> tuple[Any, int]:
    if when is None:
        return NO_VALUE, tags.NO_VALUE
    return datetime.fromtimestamp(int(when), UTC), tags.DATE_TIME


def add_time(group: AttributeGroup, event: str, when: float | None) -> None:
    """Add ``time-at-<event>`` and ``date-time-at-<event>`` (no-value when ``when`` is None)."""
    group.add(f"time-at-{event}", *_time_value(when))
    group.add(f"date-time-at-{event}", *_date_time_value(when))


_Value = Callable[[Call, PrinterEntry, Job], "tuple[Any, int] | None"]
_STATUS: tuple[tuple[str, _Value], ...] = (
    ("job-id", lambda call, printer, job: (job.job_id, tags.INTEGER)),
    ("job-uri", lambda call, printer, job: (call.job_uri(printer, job.job_id), tags.URI)),
    ("job-printer-uri", lambda call, printer, job: (call.printer_uri(printer), tags.URI)),
    ("job-uuid", lambda call, printer, job: (job.uuid, tags.URI) if job.uuid else None),
    ("job-name", lambda call, printer, job: (job.name, tags.NAME_WITHOUT_LANGUAGE)),
    ("job-state", lambda call, printer, job: (job.state, tags.ENUM)),
    ("job-state-reasons", lambda call, printer, job: (job.state_reasons or ["none"], tags.KEYWORD)),
    ("job-state-message", lambda call, printer, job: (job.state_message, tags.TEXT_WITHOUT_LANGUAGE)),
    ("job-originating-user-name", lambda call, printer, job: (job.owner, tags.NAME_WITHOUT_LANGUAGE)),
    ("job-originating-host-name",
     lambda call, printer, job: (job.origin_host, tags.NAME_WITHOUT_LANGUAGE) if job.origin_host else None),
    ("job-printer-up-time", lambda call, printer, job: (int(time.time()), tags.INTEGER)),
    ("time-at-creation", lambda call, printer, job: _time_value(job.created)),
    ("date-time-at-creation", lambda call, printer, job: _date_time_value(job.created)),
    ("time-at-processing", lambda call, printer, job: _time_value(job.processing)),
    ("date-time-at-processing", lambda call, printer, job: _date_time_value(job.processing)),
    ("time-at-completed", lambda call, printer, job: _time_value(job.completed)),
    ("date-time-at-completed", lambda call, printer, job: _date_time_value(job.completed)),
    ("job-k-octets", lambda call, printer, job: (job.k_octets, tags.INTEGER)),
    ("job-impressions", lambda call, printer, job: (NO_VALUE, tags.NO_VALUE) if job.impressions is None
     else (job.impressions, tags.INTEGER)),
    ("job-impressions-completed", lambda call, printer, job: (job.impressions_completed, tags.INTEGER)),
    ("number-of-documents", lambda call, printer, job: (job.documents, tags.INTEGER)),
)
"""The job status attributes, in the order a response lists them, each with how to work out its value
(None: the job has none)."""


def job_attributes(call: Call, printer: PrinterEntry, job: Job,
                   requested: Requested | None = None) -> AttributeGroup:
    """Every attribute of ``job``, or (``requested`` given) only those it asks for, in the same order (what
    :func:`~ipp_wsgi.ops.requested.select` would keep): only the values a response carries are worked out
    (Get-Jobs asks for two attributes of up to thousands of jobs)."""
    g = AttributeGroup()
    for name, value in _STATUS if requested is None else _requested_status(requested):
        built = value(call, printer, job)
        if built is not None:
            g.add(name, *built)
    if requested is None or _may_want_stored(requested):
        for attr in job.attributes.attributes():
            if attr.name not in g and (requested is None or requested.wants(attr.name, JOB)):
                g.append(attr)
    return g


_ALWAYS_BUILT = frozenset(name for name, _ in _STATUS) - {"job-originating-host-name"}
"""The status attributes every job has (a stored attribute of one of these names is never shown)."""


@functools.lru_cache(maxsize=256)
def _may_want_stored(requested: Requested) -> bool:
    """Whether ``requested`` may ask for an attribute kept with the job: when not, the job's stored
    attributes are not even decoded (:class:`~ipp_wsgi.backends.embedded.serialize.StoredGroup`)."""
    return requested.everything or bool(requested.groups) or not requested.names <= _ALWAYS_BUILT


@functools.lru_cache(maxsize=256)  # a few distinct requested-attributes lists recur in every Get-Jobs
def _requested_status(requested: Requested) -> tuple[tuple[str, _Value], ...]:
    return tuple((name, value) for name, value in _STATUS if requested.wants(name, JOB))


def job_group(call: Call, printer: PrinterEntry, job: Job, requested: Requested) -> AttributeGroup:
    """The attributes of ``job`` the client asked for and may see."""
    group = job_attributes(call, printer, job, requested)
    if not sees_private_values(call, printer.description, job):
        hide_private_values(group, printer.description)
    return group


SUBMIT_REPLY = ("job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message")
"""The job attributes a job-creation response carries (RFC 8011 section 4.2.1.2)."""


def add_job_reply(call: Call, printer: PrinterEntry, job: Job) -> None:
    """Add the job group of a Print-Job / Create-Job / Send-Document response."""
    requested = Requested(frozenset(SUBMIT_REPLY))
    call.reply.add_group(tags.JOB_ATTRIBUTES, job_group(call, printer, job, requested))
