"""A job's attributes as clients see them: the spooler's :class:`~ipp_wsgi.backends.Job`, URIs, times.

Private values (PWG 5100.13 ``job-privacy-attributes`` and ``job-privacy-scope``, CUPS's JobPrivateValues
and JobPrivateAccess) are left out for callers who may not see them: the printer description says which
attributes are private and who may see them, the configuration's ``[jobs]`` table sets both.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ipp_wsgi.backends import Job
from ipp_wsgi.codec import NO_VALUE, AttributeGroup, tags
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.requested import JOB, Requested, parse_requested, select
from ipp_wsgi.ops.service import PrinterEntry

PRIVACY_ATTRIBUTES = "job-privacy-attributes"
PRIVACY_SCOPE = "job-privacy-scope"
PRIVACY_SCOPES = ("default", "owner", "all", "none")
"""job-privacy-scope: ``default`` and ``owner``: the job's owner and administrators see private values;
``all``: everyone does (no privacy); ``none``: administrators only."""
DEFAULT_PRIVATE = frozenset({"job-name", "job-originating-host-name", "job-originating-user-name",
                             "job-originating-user-uri", "phone"})
"""The private attributes of job-privacy-attributes ``default`` (CUPS's JobPrivateValues default)."""
ALWAYS_PUBLIC = frozenset({"job-id", "job-uri", "job-printer-uri", "job-state", "job-state-reasons"})
"""What anyone may see of any job, even with job-privacy-attributes ``all``: how to name it, its state."""


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
    """The attributes of ``job`` the client asked for and may see."""
    group = select(job_attributes(call, printer, job), requested, JOB)
    if not sees_private_values(call, printer.description, job):
        hide_private_values(group, printer.description)
    return group


def sees_private_values(call: Call, description: AttributeGroup, job: Job) -> bool:
    """True when the caller may see ``job``'s private values, as the printer's job-privacy-scope says."""
    scope = description.value(PRIVACY_SCOPE, "all")
    if scope == "all":
        return True
    if call.service.policy.is_admin(call.context.remote_user):
        return True
    return scope != "none" and call.owns(job)


def private_names(description: AttributeGroup) -> Requested:
    """The job attributes the printer's job-privacy-attributes make private (as a :class:`Requested`:
    attribute names, group keywords ``job-description``/``job-template``, or ``all``)."""
    attr = description.get(PRIVACY_ATTRIBUTES)
    values = [str(v) for v in attr.values] if attr is not None else ["none"]
    names = [v for v in values if v not in ("none", "default")]
    if "default" in values:
        names.extend(DEFAULT_PRIVATE)
    return parse_requested(names)


def hide_private_values(group: AttributeGroup, description: AttributeGroup) -> None:
    """Remove from a job's attribute ``group`` those the printer's job-privacy-attributes make private
    (for a caller who may not see them: :func:`sees_private_values`)."""
    private = private_names(description)
    for name in [name for name in group if name not in ALWAYS_PUBLIC and private.wants(name, JOB)]:
        group.pop(name)


SUBMIT_REPLY = ("job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message")
"""The job attributes a job-creation response carries (RFC 8011 section 4.2.1.2)."""


def add_job_reply(call: Call, printer: PrinterEntry, job: Job) -> None:
    """Add the job group of a Print-Job / Create-Job / Send-Document response."""
    requested = Requested(frozenset(SUBMIT_REPLY))
    call.reply.add_group(tags.JOB_ATTRIBUTES, job_group(call, printer, job, requested))
