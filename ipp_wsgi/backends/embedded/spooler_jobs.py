"""The embedded spooler's job operations: creating jobs, listing and changing them, and their place in the
queue (:class:`JobOperations`, a part of :class:`~.spooler.EmbeddedSpooler`).

Get-Jobs order (:meth:`JobOperations.jobs`): ended jobs (``completed``, ``canceled``, ``aborted``) most
recent first (descending job-id); every other selection, ``all`` included, in queue order: the order jobs
print in (highest priority first, Promote-Job above all, then ascending job-id).

``job-hold-until`` values other than ``no-hold`` hold a job until Release-Job (timed holds such as
``night`` are not scheduled). ``copies`` is kept as an attribute; each document is delivered once.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import BinaryIO

from ipp_wsgi.backends.base import (
    JOB_ABORTED,
    JOB_CANCELED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
    TERMINAL_JOB_STATES,
    BackendError,
    Document,
    Job,
    JobRequest,
)
from ipp_wsgi.backends.embedded import events as events_
from ipp_wsgi.backends.embedded import impressions, observe
from ipp_wsgi.backends.embedded.job_states import (
    DEFAULT_PRIORITY,
    ENDED_JOB_STATES,
    WAITING_JOB_STATES,
    WHICH_JOBS,
    hold_requested,
    hold_state,
    waiting_reasons,
)
from ipp_wsgi.backends.embedded.spooler_core import SpoolerCore, apply_changes, spool_errors
from ipp_wsgi.backends.embedded.store import JobOrder, JobRecord, NewJob, StoreTransaction
from ipp_wsgi.codec import AttributeGroup, status, tags


class JobOperations(SpoolerCore):
    """Jobs: created, submitted, listed, changed, held, released, restarted, moved and reordered."""

    def validate_job(self, printer: str, request: JobRequest) -> None:
        """Succeed when ``printer`` exists and accepts jobs."""
        with self._store.read() as tx:
            self._check_accepting(tx, printer)

    def create_job(self, printer: str, request: JobRequest) -> Job:
        """A new job, pending (or pending-held for a ``job-hold-until``) with job-incoming until closed."""
        with observe.timed("create_job"), self._store.write() as tx:
            return self._insert_job(tx, printer, request, closed=False).to_job()

    def submit_job(self, printer: str, request: JobRequest, data: BinaryIO, document: Document) -> Job:
        """Receive the document first, then create the closed job with it in one transaction.

        A document that does not fully arrive (the stream's exception is raised as it is) or a refusal
        leaves no job and no document; job-ids are only taken by jobs that exist, so they stay increasing.
        """
        def refuse_early() -> None:
            # Refuse before reading a large document that cannot print (a small one is in memory already).
            # The write below checks again.
            with self._store.read() as tx:
                self._check_accepting(tx, printer)
                self._limits.check_job(tx, request.owner)
                self._limits.check_space(tx, self._spool_dir)

        received = self._receive(data, refuse_early)
        try:
            pages = impressions.count(received, document.format)
            with spool_errors(), observe.timed("submit_job"), self._store.write() as tx:
                self._limits.check_space(tx, self._spool_dir, received.size)
                job = self._insert_job(tx, printer, request, closed=True, documents=1, octets=received.size,
                                       pages=pages)
                tx.add_document(job.job_id, 1, document.format, document.name, document.attributes, received)
        except BaseException:
            received.discard()
            raise
        self._processor.wake()
        return job.to_job()

    def close_job(self, printer: str, job_id: int) -> Job:
        """End the job's document list: it may print (a job without documents is aborted)."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has ended")
            if not job.closed and job.documents:
                tx.update_job(job_id, before=job, closed=True,
                              reasons=waiting_reasons(job.state == JOB_PENDING_HELD, True, job.held_new))
            elif not job.closed:
                tx.update_job(job_id, before=job, closed=True, state=JOB_ABORTED,
                              reasons=["job-data-insufficient"], message="The job has no documents.",
                              completed=time.time())
            closed = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return closed

    def state_version(self) -> Hashable:
        """The store's change counter (:meth:`~.store.Store.version`)."""
        return self._store.version()

    def get_job(self, printer: str | None, job_id: int) -> Job:
        """The job ``job_id`` (client-error-not-found when unknown or of another printer)."""
        with self._store.read() as tx:
            return self._job(tx, printer, job_id).to_job()

    def jobs(self, printer: str | None, which: str = "not-completed", owner: str | None = None,
             limit: int | None = None, first_index: int = 1) -> list[Job]:
        """Jobs selected by which-jobs ``which``; ended jobs newest first, other selections in queue order."""
        if printer is not None:
            self._printer(printer)
        states = WHICH_JOBS.get(which)
        if states is None:
            raise BackendError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                               f"which-jobs {which!r}")
        if not states:
            return []
        order: JobOrder = "newest" if set(states) <= set(ENDED_JOB_STATES) else "queue"
        with self._store.read() as tx:
            found = tx.select_jobs(states, printer=printer, owner=owner, order=order,
                                   limit=limit if limit and limit > 0 else None,
                                   offset=max(first_index, 1) - 1)
        return [job.to_job() for job in found]

    def cancel_job(self, printer: str | None, job_id: int, reason: str = "job-canceled-by-user") -> Job:
        """End a job: canceled with ``reason``, or aborted when ``reason`` is ``aborted-by-system``.

        A job being printed stops (a running command is killed). Ended already: client-error-not-possible.
        """
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has already ended")
            state = JOB_ABORTED if reason == "aborted-by-system" else JOB_CANCELED
            tx.update_job(job_id, before=job, state=state, reasons=[reason], closed=True,
                          completed=time.time())
            return self._job(tx, printer, job_id).to_job()

    def hold_job(self, printer: str | None, job_id: int, until: str = "indefinite") -> Job:
        """Hold a waiting job until Release-Job (``until`` ``no-hold`` releases it)."""
        return self._change_hold(printer, job_id, WAITING_JOB_STATES, until)

    def release_job(self, printer: str | None, job_id: int) -> Job:
        """Let a held job print (client-error-not-possible when it is not held)."""
        return self._change_hold(printer, job_id, (JOB_PENDING_HELD,), "no-hold")

    def restart_job(self, printer: str | None, job_id: int) -> Job:
        """Queue an ended job again with its retained documents (client-error-not-possible otherwise)."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state not in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only an ended job can be restarted")
            numbers = [document.number for document in tx.documents(job_id)]
            if not numbers or not all(tx.document_kept(job_id, number) for number in numbers):
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job's documents are no longer kept")
            tx.update_job(job_id, before=job, state=JOB_PENDING, reasons=["job-queued"], closed=True,
                          processing=None, completed=None, message="")
            restarted = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return restarted

    def set_job_attributes(self, printer: str | None, job_id: int, attributes: AttributeGroup) -> Job:
        """Change a waiting job's attributes: ``job-name``, ``job-priority``, ``job-hold-until`` (which
        holds or releases it) and any template attribute; ``delete-attribute`` removes one.
        Not waiting: client-error-not-possible."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is no longer waiting")
            stored = job.attributes()
            name = apply_changes(stored, attributes, "job-name", job.name)
            held_new = job.held_new and "job-hold-until" not in attributes
            state, reasons = hold_state(stored, held_new, job.closed)
            tx.update_job(job_id, before=job, name=name, attributes=stored, held_new=held_new, state=state,
                          reasons=reasons, priority=stored.value("job-priority", DEFAULT_PRIORITY))
            events_.record(tx, "job-config-changed", job.printer, job_id, f"Job {job_id} was changed.")
            changed = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return changed

    def move_job(self, printer: str | None, job_id: int, destination: str) -> Job:
        """Move a waiting job to ``destination``, which must accept jobs."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            self._check_accepting(tx, destination)
            if job.state not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is no longer waiting")
            tx.update_job(job_id, before=job, printer=destination)
            moved = self._job(tx, destination, job_id).to_job()
        self._processor.wake()
        return moved

    def promote_job(self, printer: str | None, job_id: int) -> Job:
        """Make a waiting job the next to print (ahead of every priority), a printer-queue-order-changed."""
        return self._reorder(printer, job_id, None, f"Job {job_id} was promoted.")

    def schedule_job_after(self, printer: str | None, job_id: int, predecessor: int | None) -> Job:
        """Make a waiting job print right after waiting job ``predecessor`` (next when None or when that job
        is printing); a printer-queue-order-changed. A predecessor that ended: client-error-not-possible."""
        text = f"Job {job_id} was scheduled after job {predecessor}." if predecessor else \
            f"Job {job_id} was scheduled next."
        return self._reorder(printer, job_id, predecessor, text)

    def suspend_job(self, printer: str | None, job_id: int) -> Job:
        """Stop printing a processing job (its output stops): processing-stopped with job-suspended until
        Resume-Job; the printer goes on with the next job."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state != JOB_PROCESSING:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only a printing job can be suspended")
            tx.update_job(job_id, before=job, state=JOB_PROCESSING_STOPPED, reasons=["job-suspended"],
                          message="Suspended by the operator.", worker_pid=None, holder=None,
                          lease_token=None)
            tx.update_printer(job.printer, state_change=time.time())
            suspended = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return suspended

    def resume_job(self, printer: str | None, job_id: int) -> Job:
        """Queue a suspended job again: it prints from its first document (client-error-not-possible when it
        is not suspended)."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if "job-suspended" not in job.reasons:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is not suspended")
            tx.update_job(job_id, before=job, state=JOB_PENDING, reasons=["job-queued"], processing=None,
                          message="")
            resumed = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return resumed

    def _insert_job(self, tx: StoreTransaction, printer: str, request: JobRequest, *, closed: bool,
                    documents: int = 0, octets: int = 0, pages: int | None = 0) -> JobRecord:
        """Insert a new job for ``request`` with its subscriptions and job-created event; it as inserted.
        ``pages``: the impressions of its documents (:mod:`.impressions`)."""
        accepting = self._check_accepting(tx, printer)
        self._limits.check_job(tx, request.owner)
        attributes = AttributeGroup(request.attributes.attributes())  # stored as text at once
        impressions.add(attributes, pages)
        now = time.time()
        held_new = accepting.hold_new and not hold_requested(attributes)
        state, reasons = hold_state(attributes, held_new, closed)
        job = tx.insert_job(NewJob(
            printer=printer, owner=request.owner, name=request.name, state=state, reasons=reasons,
            created=now, attributes=attributes, priority=attributes.value("job-priority", DEFAULT_PRIORITY),
            closed=closed,
            origin_host=request.origin_host, held_new=held_new,
            owner_authenticated=request.owner_authenticated, documents=documents, octets=octets,
            request_id=request.request_id))
        for subscription in request.subscriptions:
            subscription.job_id = job.job_id
            tx.create_subscription(printer, subscription, now)
        events_.record(tx, "job-created", printer, job.job_id, f"Job {job.job_id} created.", now)
        return job

    def _change_hold(self, printer: str | None, job_id: int, allowed: tuple[int, ...], until: str) -> Job:
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state not in allowed:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job cannot be held or released now")
            attributes = job.attributes()
            attributes.add("job-hold-until", until, tag=tags.KEYWORD)
            state, reasons = hold_state(attributes, False, job.closed)
            tx.update_job(job_id, before=job, attributes=attributes, held_new=False, state=state,
                          reasons=reasons)
            changed = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return changed

    def _reorder(self, printer: str | None, job_id: int, predecessor: int | None, text: str) -> Job:
        """Move a waiting job in the queue right after waiting job ``predecessor`` (first when None or when
        that job is not waiting but printing). The queue order is ``priority`` then job-id: the predecessor
        and every job ahead of it move up one, and the job takes the predecessor's old place plus a half."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only a waiting job can be rescheduled")
            after = self._job(tx, job.printer, predecessor) if predecessor is not None else None
            if after is not None and (after.state in TERMINAL_JOB_STATES or predecessor == job_id):
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, f"job {predecessor} cannot precede it")
            if after is None or after.state not in WAITING_JOB_STATES:
                top = tx.top_priority(job.printer, WAITING_JOB_STATES, job_id)
                priority = max(top if top is not None else job.priority, job.priority) + 1
            else:
                tx.raise_priorities(job.printer, WAITING_JOB_STATES, job_id, after)
                priority = after.priority + 0.5
            tx.update_job(job_id, before=job, priority=priority)
            events_.record(tx, "printer-queue-order-changed", job.printer, job_id, text)
            reordered = self._job(tx, printer, job_id).to_job()
        self._processor.wake()
        return reordered
