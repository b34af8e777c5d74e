"""A job's attributes as clients see them: the spooler's :class:`~ipp_wsgi.backends.Job`, URIs, times."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ipp_wsgi.backends import Job
from ipp_wsgi.codec import NO_VALUE, AttributeGroup, tags
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.requested import JOB, Requested, select
from ipp_wsgi.ops.service import PrinterEntry


def add_time(group: AttributeGroup, event: str, when: float | None) -> None:
    # Seconds since the epoch, as CUPS does: printer-up-time is the current time, so both agree.
    if when is None:
        group.add(f"time-at-{event}", NO_VALUE, tags.NO_VALUE)
        group.add(f"date-time-at-{event}", NO_VALUE, tags.NO_VALUE)
    else:
        group.add(f"time-at-{event}", int(when), tags.INTEGER)
        group.add(f"date-time-at-{event}", datetime.fromtimestamp(int(when), UTC), tags.DATE_TIME)


def job_attributes(call: Call, printer: PrinterEntry, job: Job) -> AttributeGroup:
    """Every attribute of ``job``."""
    g = AttributeGroup()
    g.add("job-id", job.job_id, tags.INTEGER)
    g.add("job-uri", call.job_uri(printer, job.job_id), tags.URI)
    g.add("job-printer-uri", call.printer_uri(printer), tags.URI)
    g.add("job-name", job.name, tags.NAME_WITHOUT_LANGUAGE)
    g.add("job-state", job.state, tags.ENUM)
    g.add("job-state-reasons", job.state_reasons or ["none"], tags.KEYWORD)
    g.add("job-state-message", job.state_message, tags.TEXT_WITHOUT_LANGUAGE)
    g.add("job-originating-user-name", job.owner, tags.NAME_WITHOUT_LANGUAGE)
    if job.origin_host:
        g.add("job-originating-host-name", job.origin_host, tags.NAME_WITHOUT_LANGUAGE)
    g.add("job-printer-up-time", int(time.time()), tags.INTEGER)
    add_time(g, "creation", job.created)
    add_time(g, "processing", job.processing)
    add_time(g, "completed", job.completed)
    g.add("job-k-octets", job.k_octets, tags.INTEGER)
    g.add("number-of-documents", job.documents, tags.INTEGER)
    for attr in job.attributes.attributes():
        if attr.name not in g:
            g.append(attr)
    return g


def job_group(call: Call, printer: PrinterEntry, job: Job, requested: Requested) -> AttributeGroup:
    """The attributes of ``job`` the client asked for."""
    return select(job_attributes(call, printer, job), requested, JOB)


SUBMIT_REPLY = ("job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message")
"""The job attributes a job-creation response carries (RFC 8011 section 4.2.1.2)."""


def add_job_reply(call: Call, printer: PrinterEntry, job: Job) -> None:
    """Add the job group of a Print-Job / Create-Job / Send-Document response."""
    requested = Requested(frozenset(SUBMIT_REPLY))
    call.reply.add_group(tags.JOB_ATTRIBUTES, job_group(call, printer, job, requested))
