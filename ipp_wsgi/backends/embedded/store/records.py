"""What the job store hands out and takes in: typed, immutable records of jobs, documents, printers,
subscribers and printing leases, and the changes a transaction may make to them.

Attribute groups are kept as the text :func:`~ipp_wsgi.backends.embedded.serialize.dumps_group` writes and
decoded only when asked for (:meth:`JobRecord.attributes`): most reads of a job only check its state.

Records are typed named tuples: as immutable as frozen dataclasses, and ten times cheaper to build (jobs
are read by the thousand: Get-Jobs, the printing threads).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple, TypedDict

from ipp_wsgi.backends.base import (
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
    Job,
)
from ipp_wsgi.backends.embedded.serialize import StoredGroup, loads_group
from ipp_wsgi.codec import AttributeGroup

_IMPRESSIONS = '"job-impressions"'
"""How job-impressions stands in a stored attributes text (:func:`.dumps_group`, JSON)."""

ACTIVE_JOB_STATES = (JOB_PENDING, JOB_PENDING_HELD, JOB_PROCESSING, JOB_PROCESSING_STOPPED)
"""The states of a job that has not ended."""


def new_uuid() -> str:
    """A new printer-uuid or job-uuid: a random (version 4) UUID as a ``urn:uuid:`` URI (RFC 4122), made
    by a store when it creates a printer's state or a job."""
    return uuid.uuid4().urn


class JobRecord(NamedTuple):
    """A job as the store keeps it."""

    job_id: int
    printer: str
    owner: str
    name: str
    state: int
    reasons: tuple[str, ...]
    message: str
    created: float
    processing: float | None
    completed: float | None
    octets: int
    """Bytes of its documents."""
    documents: int
    """How many documents it has received."""
    closed: bool
    """No more documents will come (Print-Job, or the last Send-Document, or Close-Job)."""
    origin_host: str
    priority: float
    """Queue order: higher first, then ascending job-id (fractions come from Schedule-Job-After)."""
    attributes_text: str
    """The job's attributes as stored (:meth:`attributes` decodes them)."""
    touched: float
    """When a document last arrived (or the job was created)."""
    worker_pid: int | None
    """The process printing it, for the administrator's eyes (``processing`` jobs only)."""
    holder: str | None
    """The printing lease holder that claimed it (:class:`PrinterLease` ``holder``)."""
    lease_token: int | None
    """The fencing token of that lease when it claimed the job."""
    receiver_pid: int | None
    """The process receiving a document for it right now (Send-Document), if any."""
    held_new: bool
    """Held by Hold-New-Jobs (job-held-for-release) rather than by its job-hold-until."""
    owner_authenticated: bool
    uuid: str
    """Its job-uuid (``urn:uuid:``, random, made by the store when it inserted the job)."""
    request_id: str = ""
    """The request id of the request that created it (its log lines carry it); ``""``: unknown."""

    def attributes(self) -> AttributeGroup:
        """The job's attributes (a new group, the caller may change it)."""
        return loads_group(self.attributes_text)

    def to_job(self) -> Job:
        """The :class:`~ipp_wsgi.backends.base.Job` this record describes (its attributes decoded when
        first used: only a job whose pages were counted is decoded here, for its job-impressions)."""
        attributes = StoredGroup(self.attributes_text)
        impressions = attributes.value("job-impressions") if _IMPRESSIONS in self.attributes_text else None
        if type(impressions) is not int:
            impressions = None
        return Job(
            job_id=self.job_id, printer=self.printer, owner=self.owner, name=self.name, state=self.state,
            state_reasons=list(self.reasons), created=self.created, processing=self.processing,
            completed=self.completed, k_octets=(self.octets + 1023) // 1024, documents=self.documents,
            origin_host=self.origin_host, state_message=self.message, attributes=attributes,
            owner_authenticated=self.owner_authenticated, uuid=self.uuid, impressions=impressions,
            impressions_completed=impressions_completed(attributes, self.state, impressions),
        )


def impressions_completed(attributes: AttributeGroup, state: int, impressions: int | None) -> int:
    """job-impressions-completed of a job in ``state`` whose documents make ``impressions``: all of them
    times its copies once it completed (its output took every document whole), none before (a canceled
    or aborted job's partial output is not known)."""
    if state != JOB_COMPLETED or impressions is None:
        return 0
    copies = attributes.value("copies", 1)
    return impressions * (copies if type(copies) is int and copies > 0 else 1)


class NewJob(NamedTuple):
    """A job to insert (:meth:`~.base.StoreTransaction.insert_job`); the store gives it its job-id and
    job-uuid."""

    printer: str
    owner: str
    name: str
    state: int
    reasons: Sequence[str]
    created: float
    attributes: AttributeGroup
    priority: float
    closed: bool = False
    origin_host: str = ""
    held_new: bool = False
    owner_authenticated: bool = False
    documents: int = 0
    octets: int = 0
    request_id: str = ""


class JobChanges(TypedDict, total=False):
    """The fields :meth:`~.base.StoreTransaction.update_job` may change (those given are changed)."""

    printer: str
    name: str
    state: int
    reasons: Sequence[str]
    message: str
    processing: float | None
    completed: float | None
    octets: int
    documents: int
    closed: bool
    priority: float
    attributes: AttributeGroup
    touched: float
    worker_pid: int | None
    holder: str | None
    lease_token: int | None
    receiver_pid: int | None
    held_new: bool


class DocumentRecord(NamedTuple):
    """One document of a job. ``data``: its bytes, when the store handed them along with the record (a
    small document the store keeps with its job, read with ``with_data``); else read them through
    :meth:`~.base.Store.document_source`."""

    job_id: int
    number: int
    format: str
    name: str
    octets: int
    attributes_text: str
    canceled: bool
    data: bytes | None = None

    def attributes(self) -> AttributeGroup:
        """The document's attributes (a new group)."""
        return loads_group(self.attributes_text)


class PrinterRecord(NamedTuple):
    """A printer's state as the store keeps it (its configuration lives in the configuration file)."""

    name: str
    paused: bool
    accepting: bool
    state_change: float
    config_change: float
    overrides_text: str
    """The attributes set by Set-Printer-Attributes, as stored (:meth:`overrides` decodes them)."""
    identified: float | None
    identify_message: str
    hold_new: bool
    shutdown: bool
    uuid: str
    """Its printer-uuid (``urn:uuid:``, random, made by the store with the printer's state: one per
    installation, the same for every host of the store, kept across restarts)."""

    def overrides(self) -> AttributeGroup:
        """The attributes set through Set-Printer-Attributes (a new group)."""
        return loads_group(self.overrides_text)


class PrinterChanges(TypedDict, total=False):
    """The fields :meth:`~.base.StoreTransaction.update_printer` may change."""

    paused: bool
    accepting: bool
    state_change: float
    config_change: float
    overrides: AttributeGroup
    identified: float
    identify_message: str
    hold_new: bool
    shutdown: bool


class Subscriber(NamedTuple):
    """A live subscription an event may reach, and the notify-events it asked for."""

    subscription_id: int
    events: frozenset[str]


class DeliveryProcess(NamedTuple):
    """A delivery running in a process of its own (a ``command`` output, in a session of its own): what
    tells it from any other process, even after its pid is reused."""

    host: str
    """:func:`~ipp_wsgi.backends.embedded.processes.host_id` of the machine it runs on."""
    pgid: int
    """Its process group (the command's pid: it leads a session of its own)."""
    started: int
    """Its start time in clock ticks after boot (``/proc/PID/stat``)."""


class PrinterLease(NamedTuple):
    """Who prints a printer's jobs: ``holder`` until ``expires`` (Unix time); ``token`` grows by one on
    every change of holder (the fencing token); ``delivery``: the last delivery process its holder
    started."""

    printer: str
    holder: str | None
    token: int
    expires: float
    delivery: DeliveryProcess | None = None

    def held_by(self, holder: str, now: float) -> bool:
        """Whether ``holder`` holds this lease and it has not expired at ``now``."""
        return self.holder == holder and self.expires > now
