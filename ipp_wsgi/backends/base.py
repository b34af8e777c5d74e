"""The spooler interface: what an operation handler may ask of a print service.

Shaped like PAPI (the Solaris listener's spooler API, see the README's architecture section): printers
are listed, queried, modified, paused/resumed (stop/start *processing*) and enabled/disabled (stop/start
*accepting* jobs); jobs are validated, created, fed documents as streams, queried, listed, modified,
moved, cancelled, held, released and restarted.

Rules every backend follows:

- Printers are named by their configured name (``"print"``), jobs by an ``int`` job-id unique within the
  backend. Backends know nothing of URIs, HTTP or WSGI: the operation layer builds every URI.
- Attributes travel as :class:`~ipp_wsgi.codec.AttributeGroup`; the operation layer has already checked
  the request against the printer's ``*-supported`` values before a backend sees it.
- A document arrives as a binary stream (already decompressed) that the backend reads once, in chunks,
  until EOF; it is never held whole in memory.
- A failure is a :class:`BackendError` carrying the IPP status code the client should get.
- :class:`Backend` answers every call with server-error-operation-not-supported, so a backend overrides
  only what its spooler can do; :meth:`Backend.supports` tells the operation layer which those are.

A new backend is one module in this package plus its tests.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import BinaryIO

from ipp_wsgi.codec import Attribute, AttributeGroup, status

# job-state values (RFC 8011 section 5.3.7)
JOB_PENDING = 3
JOB_PENDING_HELD = 4
JOB_PROCESSING = 5
JOB_PROCESSING_STOPPED = 6
JOB_CANCELED = 7
JOB_ABORTED = 8
JOB_COMPLETED = 9
TERMINAL_JOB_STATES = frozenset({JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED})

# printer-state values (RFC 8011 section 5.4.11)
PRINTER_IDLE = 3
PRINTER_PROCESSING = 4
PRINTER_STOPPED = 5


class BackendError(Exception):
    """A spooler refusal or failure, with the IPP status code to answer."""

    def __init__(self, status_code: int, message: str = "") -> None:
        super().__init__(message or f"status 0x{status_code:04x}")
        self.status = status_code
        self.message = message


def not_supported() -> BackendError:
    """The error of an operation this backend cannot do."""
    return BackendError(status.SERVER_ERROR_OPERATION_NOT_SUPPORTED, "not supported by this print service")


@dataclass(slots=True)
class Job:
    """A job as the spooler knows it.

    ``attributes`` holds the job's template and description attributes other than those given as fields
    (for example ``copies``, ``media``, ``document-format``, ``job-originating-user-name``); it never
    holds URIs.
    """

    job_id: int
    printer: str
    owner: str
    name: str
    state: int
    state_reasons: list[str]
    created: float
    processing: float | None = None
    completed: float | None = None
    k_octets: int = 0
    documents: int = 0
    origin_host: str = ""
    state_message: str = ""
    attributes: AttributeGroup = field(default_factory=AttributeGroup)
    owner_authenticated: bool = False
    """True when the web server had authenticated ``owner`` (REMOTE_USER) when the job was created: then
    only that authenticated user (or an administrator) may manage it, never a caller merely claiming the
    name in requesting-user-name."""
    uuid: str = ""
    """Its job-uuid (a ``urn:uuid:`` URI; empty: the spooler knows none)."""
    impressions: int | None = None
    """job-impressions: the impressions of its documents, without copies (None: not known)."""
    impressions_completed: int = 0
    """job-impressions-completed: the impressions it has made so far, copies included."""


@dataclass(slots=True)
class JobRequest:
    """What a job-creation request asks for, after the operation layer checked it."""

    owner: str
    name: str
    origin_host: str = ""
    attributes: AttributeGroup = field(default_factory=AttributeGroup)
    """Job template attributes to keep with the job (copies, media, sides, job-hold-until, ...)."""
    owner_authenticated: bool = False
    """True when ``owner`` is the authenticated REMOTE_USER (kept as :attr:`Job.owner_authenticated`)."""
    subscriptions: list[SubscriptionRequest] = field(default_factory=list)
    """Job subscriptions to create with the job (``job_id`` is filled in), before its job-created event."""
    request_id: str = ""
    """The id of the request that creates the job (its log lines), kept with the job by a backend that
    logs the job's later changes (the embedded spooler)."""


@dataclass(slots=True)
class Document:
    """The description of one document of a job; its data comes separately as a stream."""

    format: str = "application/octet-stream"
    name: str = ""
    attributes: AttributeGroup = field(default_factory=AttributeGroup)


@dataclass(slots=True)
class StoredDocument:
    """One document of a job as the spooler keeps it (PWG 5100.5 document object)."""

    job_id: int
    number: int
    """document-number: 1 for the first document of the job."""
    format: str
    name: str
    k_octets: int
    attributes: AttributeGroup = field(default_factory=AttributeGroup)
    canceled: bool = False
    """True once Cancel-Document canceled it (document-state canceled): it is not printed."""


@dataclass(slots=True)
class SubscriptionRequest:
    """What a Create-*-Subscriptions request (or a job-creation request's subscription group) asks for,
    after the operation layer checked it: only the ``ippget`` pull method reaches a backend."""

    owner: str
    events: list[str]
    job_id: int | None = None
    """The job of a job subscription; None for a printer subscription."""
    lease_duration: int = 0
    """Seconds until a printer subscription expires (0: never); job subscriptions last as long as the job."""
    time_interval: int = 0
    attributes: AttributeGroup = field(default_factory=AttributeGroup)
    """Further notify-* attributes to keep and report (notify-user-data, notify-charset, ...)."""
    owner_authenticated: bool = False
    """True when ``owner`` is the authenticated REMOTE_USER (kept as
    :attr:`Subscription.owner_authenticated`)."""


@dataclass(slots=True)
class Subscription:
    """A subscription object (RFC 3995) as the spooler keeps it."""

    subscription_id: int
    printer: str
    owner: str
    events: list[str]
    job_id: int | None
    lease_duration: int
    expires: float | None
    """Unix time the lease ends (None: no lease, as for job subscriptions)."""
    time_interval: int
    sequence: int
    """notify-sequence-number of the newest event of this subscription (0: none yet)."""
    ended: bool
    """True once no further event can come (its job ended); it is kept for ippget-event-life."""
    attributes: AttributeGroup = field(default_factory=AttributeGroup)
    owner_authenticated: bool = False
    """True when the web server had authenticated ``owner`` when the subscription was made: then only that
    authenticated user (or an administrator) may read, renew or cancel it (as
    :attr:`Job.owner_authenticated`)."""


@dataclass(slots=True)
class Event:
    """One event notification of one subscription: the event and what its object looked like then.

    ``attributes`` holds the object's state at the time (job-state, job-state-reasons, job-name for job
    events; printer-state, printer-state-reasons, printer-is-accepting-jobs for every event).
    """

    subscription_id: int
    sequence: int
    event: str
    time: float
    printer: str
    job_id: int | None
    text: str
    attributes: AttributeGroup = field(default_factory=AttributeGroup)


# Methods whose default implementation only calls other methods: supported when those are.
_COMPOSED_DEFAULTS: dict[str, tuple[str, ...]] = {"submit_job": ("create_job", "add_document")}


class Backend:
    """The base print service: every call answers server-error-operation-not-supported."""

    local_reads: bool = False
    """True when reading printer, job and subscription state needs no network, no command and no wait
    (only local files): read-only requests are then cheap enough to run on a server's event loop."""
    local_writes: bool = False
    """True when every operation, changes of state included, does short local work only (files, a local
    database; no network, no command, no wait) once its document is in hand: a server may then run such
    requests one after another on a thread of their own
    (:meth:`ipp_wsgi.app.IppApplication.local_request`)."""

    def supports(self, method: str) -> bool:
        """True when this backend implements ``method``: overrides it, or (for a method whose default is
        composed of others, like :meth:`submit_job`) implements what the default calls."""
        if getattr(type(self), method, None) is not getattr(Backend, method, None):
            return True
        composed_of = _COMPOSED_DEFAULTS.get(method)
        return composed_of is not None and all(self.supports(part) for part in composed_of)

    def close(self) -> None:
        """Release what the backend holds (threads, connections). Safe to call more than once."""

    def state_version(self) -> Hashable | None:
        """A value, cheap to read, that changes whenever the state of jobs, documents, printers or
        subscriptions changes (whoever changed it: another process, another host); None when the backend has
        none. Answers built from that state may be given again while it stays the same."""
        return None

    # -- printers
    def printers(self) -> Sequence[str]:
        """The names of the printers this backend serves."""
        raise not_supported()

    def printer_attributes(self, printer: str) -> AttributeGroup:
        """Description and status attributes of ``printer`` (printer-state, printer-state-reasons,
        printer-is-accepting-jobs, queued-job-count, ...), without URIs, as a new group the caller may change
        (add, replace or remove attributes; the Attribute objects may be shared, never change them in place).
        Unknown printer: client-error-not-found.
        """
        raise not_supported()

    def printer_status(self, printer: str) -> Sequence[Attribute]:
        """The attributes of ``printer`` that change while it runs (state, reasons, accepting, queued jobs,
        settable description changes; not printer-up-time), as one sequence that stays the same object for
        as long as none of them changes, so that callers may reuse what they build from it. Optional: the
        operation layer adds them to the printer's configured description. Unknown printer:
        client-error-not-found.
        """
        raise not_supported()

    def set_printer_attributes(self, printer: str, attributes: AttributeGroup) -> None:
        """Change settable printer attributes."""
        raise not_supported()

    def pause_printer(self, printer: str) -> None:
        """Stop processing jobs (printer-state stopped); jobs are still accepted."""
        raise not_supported()

    def resume_printer(self, printer: str) -> None:
        """Start processing jobs again."""
        raise not_supported()

    def enable_printer(self, printer: str) -> None:
        """Start accepting jobs (printer-is-accepting-jobs true)."""
        raise not_supported()

    def disable_printer(self, printer: str) -> None:
        """Stop accepting jobs; jobs already queued still print."""
        raise not_supported()

    def purge_jobs(self, printer: str) -> None:
        """Remove every job of ``printer``, finished or not, from the spooler and its history."""
        raise not_supported()

    def identify_printer(self, printer: str, actions: Sequence[str], message: str) -> None:
        """Make the printer show itself (``actions``: display, flash, sound, speak)."""
        raise not_supported()

    def hold_new_jobs(self, printer: str) -> None:
        """Hold jobs created from now on until :meth:`release_held_new_jobs` (RFC 3998)."""
        raise not_supported()

    def release_held_new_jobs(self, printer: str) -> None:
        """Stop holding new jobs and release the jobs held so far."""
        raise not_supported()

    def shutdown_printer(self, printer: str) -> None:
        """Take the printer out of service (printer-state stopped, reason ``shutdown``, not accepting jobs)
        until :meth:`startup_printer`; a job printing goes back to the queue (RFC 3998)."""
        raise not_supported()

    def startup_printer(self, printer: str) -> None:
        """Bring a shut-down printer back into service (nothing to do when it is not shut down)."""
        raise not_supported()

    def restart_printer(self, printer: str) -> None:
        """Re-initialise the printer: a job printing goes back to the queue and starts again; queued jobs
        are kept. A shut-down printer: client-error-not-possible (only :meth:`startup_printer` helps)."""
        raise not_supported()

    # -- jobs
    def validate_job(self, printer: str, request: JobRequest) -> None:
        """Check that a job could be created now, creating nothing."""
        raise not_supported()

    def create_job(self, printer: str, request: JobRequest) -> Job:
        """Create a job that will receive documents through :meth:`add_document`."""
        raise not_supported()

    def add_document(self, printer: str, job_id: int, data: BinaryIO, document: Document, last: bool) -> Job:
        """Store one document read from ``data`` until EOF; ``last`` closes the job (it may then print).

        Data is only committed once fully read: a failure leaves no partial document behind.
        """
        raise not_supported()

    def submit_job(self, printer: str, request: JobRequest, data: BinaryIO, document: Document) -> Job:
        """Create a closed job whose one document is read from ``data`` until EOF (Print-Job).

        A half-received document never becomes a job: when reading ``data`` fails (the stream's own
        exception is raised as it is) or the spooler refuses it, no job is left behind. The default is
        :meth:`create_job` then :meth:`add_document`, cancelling the job (aborted-by-system) when the
        document fails, so a backend that cannot do better leaves at most an aborted job; a backend that can
        (the embedded spooler) overrides it to spool the document first and create job and document at once.
        """
        job = self.create_job(printer, request)
        try:
            return self.add_document(printer, job.job_id, data, document, True)
        except BaseException:
            with suppress(BackendError):  # the document's error is the answer
                self.cancel_job(printer, job.job_id, "aborted-by-system")
            raise

    def close_job(self, printer: str, job_id: int) -> Job:
        """Close a job without adding a document (Close-Job, or Send-Document with no data and last)."""
        raise not_supported()

    def get_job(self, printer: str | None, job_id: int) -> Job:
        """The job ``job_id`` (of ``printer`` when given). Unknown: client-error-not-found."""
        raise not_supported()

    def jobs(
        self,
        printer: str | None,
        which: str = "not-completed",
        owner: str | None = None,
        limit: int | None = None,
        first_index: int = 1,
    ) -> list[Job]:
        """Jobs of ``printer`` (all printers when None), ``which`` being a which-jobs keyword
        (``not-completed``, ``completed``, ``all``, ``pending``, ``pending-held``, ``processing``,
        ``processing-stopped``, ``canceled``, ``aborted``, ``fetchable``, ``proof-print``, ``saved``),
        only ``owner``'s when given; ordered as Get-Jobs answers them, from the 1-based ``first_index``.
        """
        raise not_supported()

    def cancel_job(self, printer: str | None, job_id: int, reason: str = "job-canceled-by-user") -> Job:
        """Cancel a job that has not ended (client-error-not-possible if it has)."""
        raise not_supported()

    def hold_job(self, printer: str | None, job_id: int, until: str = "indefinite") -> Job:
        """Hold a pending job (pending-held)."""
        raise not_supported()

    def release_job(self, printer: str | None, job_id: int) -> Job:
        """Release a held job (pending)."""
        raise not_supported()

    def restart_job(self, printer: str | None, job_id: int) -> Job:
        """Print an ended job again from its retained documents."""
        raise not_supported()

    def documents(self, printer: str | None, job_id: int) -> list[StoredDocument]:
        """The documents of a job in document-number order."""
        raise not_supported()

    def set_document_attributes(self, printer: str | None, job_id: int, number: int,
                                attributes: AttributeGroup) -> StoredDocument:
        """Change a waiting job's document ``number``: ``document-name`` and template attributes."""
        raise not_supported()

    def copy_job(self, printer: str | None, job_id: int, owner: str, attributes: AttributeGroup, *,
                 owner_authenticated: bool = False) -> Job:
        """A new job (new job-id, owned by ``owner``, authenticated or not) printing the retained documents
        of an ended job, its template attributes changed by ``attributes`` (Reprocess-Job, Resubmit-Job of
        PWG 5100.11)."""
        raise not_supported()

    def set_job_attributes(self, printer: str | None, job_id: int, attributes: AttributeGroup) -> Job:
        """Change a job's template attributes (and job-name) before it prints."""
        raise not_supported()

    def promote_job(self, printer: str | None, job_id: int) -> Job:
        """Make a waiting job the next one to print (PWG 5100.11 Promote-Job)."""
        raise not_supported()

    def schedule_job_after(self, printer: str | None, job_id: int, predecessor: int | None) -> Job:
        """Move a waiting job in the queue to print right after job ``predecessor`` (next when None or when
        that job is printing) (RFC 3998 Schedule-Job-After)."""
        raise not_supported()

    def suspend_job(self, printer: str | None, job_id: int) -> Job:
        """Stop printing a processing job: processing-stopped with ``job-suspended`` until :meth:`resume_job`
        (RFC 3998 Suspend-Current-Job). Not processing: client-error-not-possible."""
        raise not_supported()

    def resume_job(self, printer: str | None, job_id: int) -> Job:
        """Queue a suspended job again (RFC 3998 Resume-Job). Not suspended: client-error-not-possible."""
        raise not_supported()

    def cancel_document(self, printer: str | None, job_id: int, number: int) -> StoredDocument:
        """Cancel document ``number`` of a job that has not ended: it is skipped when the job prints (stops
        if it is printing); the job is canceled once all its documents are (PWG 5100.5 Cancel-Document)."""
        raise not_supported()

    def move_job(self, printer: str | None, job_id: int, destination: str) -> Job:
        """Move a pending job to another printer of this backend."""
        raise not_supported()

    # -- subscriptions (RFC 3995, ippget pull delivery of RFC 3996)
    def create_subscription(self, printer: str, request: SubscriptionRequest) -> Subscription:
        """A new subscription of ``printer`` (of one of its jobs when ``request.job_id`` is set)."""
        raise not_supported()

    def get_subscription(self, printer: str, subscription_id: int) -> Subscription:
        """Subscription ``subscription_id`` of ``printer``. Unknown or expired: client-error-not-found."""
        raise not_supported()

    def subscriptions(self, printer: str, job_id: int | None = None, owner: str | None = None,
                      limit: int | None = None) -> list[Subscription]:
        """Subscriptions of ``printer`` by ascending id: printer subscriptions, or those of job ``job_id``
        when given (ended ones included while kept); only ``owner``'s when given."""
        raise not_supported()

    def renew_subscription(self, printer: str, subscription_id: int, lease_duration: int) -> Subscription:
        """Restart a printer subscription's lease (client-error-not-possible for a job subscription)."""
        raise not_supported()

    def cancel_subscription(self, printer: str, subscription_id: int) -> None:
        """Delete a subscription and its pending events."""
        raise not_supported()

    def events(self, printer: str, subscription_id: int, first_sequence: int = 1) -> list[Event]:
        """The kept events of a subscription from sequence number ``first_sequence`` on, oldest first."""
        raise not_supported()
