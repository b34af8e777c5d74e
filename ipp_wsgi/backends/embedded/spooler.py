"""The embedded spooler: the default backend, printing to a directory, a device, a command or a network.

Jobs and printer state live in SQLite (:mod:`.store`), document data in it too when small and otherwise in
the spool directory (:mod:`.spool`), and worker threads of every process that opens the directory print them
(:mod:`.processor`). Several processes (gunicorn workers) may share one spool directory.

Get-Jobs order (:meth:`EmbeddedSpooler.jobs`): ended jobs (``completed``, ``canceled``, ``aborted``) most
recent first (descending job-id); every other selection, ``all`` included, in queue order: the order jobs
print in (highest priority first, Promote-Job above all, then ascending job-id).

Times (``created``, ``processing``, ``completed`` and the ``printer-*-time`` attributes) are Unix times, as
in CUPS: ``printer-up-time`` is the current Unix time so that every ``*-time`` attribute shares its clock.

``job-hold-until`` values other than ``no-hold`` hold a job until Release-Job (timed holds such as
``night`` are not scheduled). ``copies`` is kept as an attribute; each document is delivered once.
"""

from __future__ import annotations

import copy
import dataclasses
import errno
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from ipp_wsgi.backends.base import (
    JOB_ABORTED,
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
    TERMINAL_JOB_STATES,
    Backend,
    BackendError,
    Document,
    Event,
    Job,
    JobRequest,
    StoredDocument,
    Subscription,
    SubscriptionRequest,
)
from ipp_wsgi.backends.embedded import events as events_
from ipp_wsgi.backends.embedded import store as db_
from ipp_wsgi.backends.embedded.job_limits import SPOOL_AREA_FULL, SPOOL_FULL_MESSAGE, JobLimits
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.backends.embedded.printer_status import ACTIVE_JOB_STATES, printer_status
from ipp_wsgi.backends.embedded.processor import Processor, requeue_orphans, requeue_printing
from ipp_wsgi.backends.embedded.serialize import dumps_group, loads_group
from ipp_wsgi.backends.embedded.spool import Received, Spool, SpoolWriteError, open_source, pid_alive
from ipp_wsgi.backends.embedded.store import Store
from ipp_wsgi.codec import DELETE_ATTRIBUTE, Attribute, AttributeGroup, status, tags
from ipp_wsgi.codec.encoder import pre_encoded

log = logging.getLogger(__name__)

ENDED_JOB_STATES = (JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED)
WAITING_JOB_STATES = (JOB_PENDING, JOB_PENDING_HELD)

WHICH_JOBS: dict[str, tuple[int, ...]] = {
    "not-completed": ACTIVE_JOB_STATES,
    "completed": ENDED_JOB_STATES,
    "all": (*ACTIVE_JOB_STATES, *ENDED_JOB_STATES),
    "pending": (JOB_PENDING,),
    "pending-held": (JOB_PENDING_HELD,),
    "processing": (JOB_PROCESSING,),
    "processing-stopped": (JOB_PROCESSING_STOPPED,),
    "canceled": (JOB_CANCELED,),
    "aborted": (JOB_ABORTED,),
    "fetchable": (),
    "proof-print": (),
    "saved": (),
}
"""The job states each which-jobs keyword selects (this spooler keeps no fetchable/proof/saved jobs)."""

SETTABLE_PRINTER_ATTRIBUTES: dict[str, int] = {
    "printer-info": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-location": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-organization": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-organizational-unit": tags.TEXT_WITHOUT_LANGUAGE,
    "printer-geo-location": tags.URI,
    "printer-message-from-operator": tags.TEXT_WITHOUT_LANGUAGE,
}
"""Printer attributes Set-Printer-Attributes may change, with their value tags."""

DEFAULT_PRIORITY = 50
INCOMING_TIMEOUT_SECONDS = 900.0
EVENT_LIFE_SECONDS = 300
"""ippget-event-life: how long events stay fetchable (RFC 3996 asks for at least 15 seconds)."""


class EmbeddedSpooler(Backend):
    """Jobs of ``printers`` spooled in ``spool_dir``; ``start`` runs ``workers`` printing threads here.

    Ended jobs stay queryable (and restartable) for ``history_seconds`` and while among the
    ``history_jobs`` most recent ended jobs. A job that waits for documents (Create-Job) longer than
    ``incoming_timeout`` without one is aborted, as is one whose document upload died with its process.
    Events stay fetchable ``event_life`` seconds (:mod:`.events`). ``limits`` bounds the active jobs and
    the spool space (:mod:`.job_limits`).
    """

    local_reads = True  # state lives in SQLite (WAL: readers never wait on writers) and the spool directory
    local_writes = True  # printing happens in the processor's threads; requests only spool and record

    def __init__(self, spool_dir: Path, printers: Sequence[EmbeddedPrinter], *,
                 history_seconds: float = 86400, history_jobs: int = 1000, workers: int = 1,
                 start: bool = True, incoming_timeout: float = INCOMING_TIMEOUT_SECONDS,
                 event_life: int = EVENT_LIFE_SECONDS, limits: JobLimits | None = None) -> None:
        spool_dir.mkdir(parents=True, exist_ok=True)
        self._spool_dir = spool_dir
        self._limits = limits or JobLimits()
        self._state_cache: dict[tuple[int, str],
                                tuple[sqlite3.Connection, tuple[int, int], list[Attribute]]] = {}
        """(connection id, printer): the connection, its database version and the state attributes then."""
        self._printers = {p.name: p for p in printers}
        self._history_seconds = history_seconds
        self._history_jobs = history_jobs
        self._incoming_timeout = incoming_timeout
        self.event_life = event_life
        """ippget-event-life in seconds."""
        self._spool = Spool(spool_dir)
        self._store = Store(spool_dir / "jobs.sqlite3")
        now = time.time()
        with self._store.write() as db:
            for name in self._printers:
                db_.ensure_printer(db, name, now)
        output_dirs = {p.name: p.output_dir or spool_dir / "output" / p.name for p in printers}
        self._processor = Processor(self._store, self._spool, self._printers, output_dirs, workers,
                                    self.housekeeping)
        self._spool.remove_dead_temp_files()
        self._remove_orphan_documents()
        self.housekeeping()
        self._closed = False
        if start:
            self._processor.start()

    # -- life cycle

    def close(self) -> None:
        """Stop the printing threads (jobs they were printing go back to the queue) and close the store."""
        if self._closed:
            return
        self._closed = True
        self._processor.stop()
        self._store.close()

    def wait_printing(self, timeout: float | None = None) -> bool:
        """Wait until this process holds the printing lease and prints (:mod:`.printing_lease`); whether
        it does."""
        return self._processor.printing.wait(timeout)

    def process_pending(self) -> int:
        """Print every ready job in the calling thread; how many were printed (for ``start=False``)."""
        count = 0
        while printed := self._processor.process_next():
            count += printed
        return count

    def housekeeping(self) -> None:
        """Requeue jobs orphaned by dead processes, abort abandoned uploads, purge old history and events."""
        requeue_orphans(self._store, self._processor.token)
        self._abort_abandoned_uploads()
        self.purge_history()
        with self._store.write() as db:
            events_.purge(db, self.event_life, time.time())

    def purge_history(self) -> None:
        """Delete ended jobs older than the history window or beyond the history count, with their files."""
        cutoff = time.time() - self._history_seconds
        with self._store.write() as db:
            rows = db.execute("SELECT job_id, documents FROM jobs"
                              " WHERE completed IS NOT NULL AND completed < ?", (cutoff,)).fetchall()
            rows += db.execute("SELECT job_id, documents FROM jobs"
                               f" WHERE state IN ({_marks(ENDED_JOB_STATES)})"
                               " ORDER BY job_id DESC LIMIT -1 OFFSET ?",
                               (*ENDED_JOB_STATES, self._history_jobs)).fetchall()
            db_.delete_jobs(db, {row["job_id"] for row in rows})
        for row in rows:
            self._spool.remove_documents(row["job_id"], row["documents"])

    # -- printers

    def printers(self) -> Sequence[str]:
        """The configured printer names."""
        return list(self._printers)

    def printer_attributes(self, printer: str) -> AttributeGroup:
        """The configured description, Set-Printer-Attributes changes and the current status (a new group)."""
        config = self._printer(printer)
        # A new group over the shared, never-modified description attributes: no per-request deep copy.
        group = AttributeGroup(config.description.attributes())
        for attribute in self._state_attributes(printer):
            group.append(attribute)
        group.add("printer-up-time", int(time.time()), tag=tags.INTEGER)
        return group

    def printer_status(self, printer: str) -> Sequence[Attribute]:
        """Set-Printer-Attributes changes, status and notify capabilities: the same list while unchanged."""
        self._printer(printer)
        return self._state_attributes(printer)

    def _state_attributes(self, printer: str) -> list[Attribute]:
        """Set-Printer-Attributes changes, status and notify capabilities, encoded once: built again only
        when the database changed since this thread's connection last built them (or when the status
        depends on the free disk space)."""
        db = self._store.connection()
        version = db_.data_version(db)
        key = (id(db), printer)
        cached = self._state_cache.get(key)
        if (cached is not None and cached[0] is db and cached[1] == version
                and self._limits.min_free_bytes is None):
            return cached[2]
        with self._store.read() as db:
            row = db_.printer_row(db, printer)
            current = printer_status(db, printer)
            if self._limits.spool_full(db, self._spool_dir):
                reasons = tuple(r for r in current.reasons if r != "none")
                current = dataclasses.replace(current, reasons=(*reasons, SPOOL_AREA_FULL))
        assert row is not None
        group = db_.printer_overrides(row)
        current.add_to(group)
        group.add("queued-job-count", current.queued, tag=tags.INTEGER)
        for attribute in events_.capabilities(self.event_life).attributes():
            group.append(attribute)
        group.add("printer-state-change-time", int(row["state_change"]), tag=tags.INTEGER)
        group.add("printer-config-change-time", int(row["config_change"]), tag=tags.INTEGER)
        attributes: list[Attribute] = [*pre_encoded(group.attributes())]
        self._state_cache[key] = (db, version, attributes)
        return attributes

    def set_printer_attributes(self, printer: str, attributes: AttributeGroup) -> None:
        """Change printer-info, -location, -organization, -organizational-unit or -geo-location.

        Any other attribute: client-error-attributes-not-settable, and nothing changes. The out-of-band
        ``delete-attribute`` value returns an attribute to its configured value.
        """
        self._printer(printer)
        refused = [name for name in attributes if name not in SETTABLE_PRINTER_ATTRIBUTES]
        if refused:
            raise BackendError(status.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE,
                               f"not settable: {', '.join(refused)}")
        with self._store.write() as db:
            row = db_.printer_row(db, printer)
            assert row is not None
            overrides = db_.printer_overrides(row)
            for attribute in attributes.attributes():
                if attribute.value is DELETE_ATTRIBUTE:
                    overrides.pop(attribute.name)
                else:
                    tag = SETTABLE_PRINTER_ATTRIBUTES[attribute.name]
                    overrides.add(attribute.name, list(attribute.values), tag=tag)
            db_.update_printer(db, printer, overrides=dumps_group(overrides), config_change=time.time())

    def pause_printer(self, printer: str) -> None:
        """Stop starting jobs (a job printing now finishes); printer-state stopped."""
        self._set_printer_flag(printer, paused=1)

    def resume_printer(self, printer: str) -> None:
        """Start printing queued jobs again."""
        self._set_printer_flag(printer, paused=0)
        self._processor.wake()

    def enable_printer(self, printer: str) -> None:
        """Accept new jobs."""
        self._set_printer_flag(printer, accepting=1)

    def disable_printer(self, printer: str) -> None:
        """Refuse new jobs (server-error-not-accepting-jobs); queued jobs still print."""
        self._set_printer_flag(printer, accepting=0)

    def purge_jobs(self, printer: str) -> None:
        """Delete every job of ``printer`` (a job printing is stopped) and its documents."""
        self._printer(printer)
        with self._store.write() as db:
            rows = db.execute("SELECT job_id, documents FROM jobs WHERE printer = ?", (printer,)).fetchall()
            db_.delete_jobs(db, [row["job_id"] for row in rows])
        for row in rows:
            self._spool.remove_documents(row["job_id"], row["documents"])

    def identify_printer(self, printer: str, actions: Sequence[str], message: str) -> None:
        """Record and log the request: the embedded printer has no device to flash or beep."""
        self._printer(printer)
        with self._store.write() as db:
            db_.update_printer(db, printer, identified=time.time(), identify_message=message)
        # %r: the message is any client's text, its newlines and control characters must not forge log lines
        log.info("identify printer %s %r: %r", printer, list(actions), message)

    # -- jobs

    def validate_job(self, printer: str, request: JobRequest) -> None:
        """Succeed when ``printer`` exists and accepts jobs."""
        with self._store.read() as db:
            self._check_accepting(db, printer)

    def create_job(self, printer: str, request: JobRequest) -> Job:
        """A new job, pending (or pending-held for a ``job-hold-until``) with job-incoming until closed."""
        with self._store.write() as db:
            return db_.row_to_job(self._insert_job(db, printer, request, closed=False))

    def submit_job(self, printer: str, request: JobRequest, data: BinaryIO, document: Document) -> Job:
        """Spool the document first, then create the closed job with it in one transaction.

        A document that does not fully arrive (the stream's exception is raised as it is) or a refusal
        leaves no job and no file; job-ids are only taken by jobs that exist, so they stay increasing.
        """
        def refuse_early() -> None:
            # Refuse before reading a large document that cannot print (a small one is in memory already).
            # No transaction: the write below checks again.
            db = self._store.connection()
            self._check_accepting(db, printer)
            self._limits.check_job(db, request.owner)
            self._limits.check_space(db, self._spool_dir)

        received = self._receive(data, refuse_early)
        try:
            with self._store.write() as db:
                self._limits.check_space(db, self._spool_dir, received.size)
                row = self._insert_job(db, printer, request, closed=True, documents=1, octets=received.size)
                job_id = row["job_id"]
                db_.insert_document(db, job_id, 1, document.format, document.name, received.size,
                                    document.attributes)
                self._keep(db, received, job_id, 1)
                job = db_.row_to_job(row)
        except BaseException:
            self._spool.discard_received(received)
            raise
        self._sync_documents(received)
        self._processor.wake()
        return job

    def add_document(self, printer: str, job_id: int, data: BinaryIO, document: Document, last: bool) -> Job:
        """Stream ``data`` into the spool, then record it as the job's next document in one transaction.

        An error while reading ``data`` is raised as it is (the stream's own exception) and leaves nothing
        behind; a spool write failure is server-error-internal-error; a job that ended or was closed
        meanwhile is client-error-not-possible.
        """
        with self._store.write() as db:
            _check_open(self._job_row(db, printer, job_id))
            self._limits.check_space(db, self._spool_dir)
            db_.update_job(db, job_id, receiver_pid=os.getpid(), touched=time.time())
        try:
            received = self._receive(data)
        except BaseException:
            self._end_upload(job_id)
            raise
        try:
            job = self._record_document(printer, job_id, received, document, last)
        except BaseException:
            self._spool.discard_received(received)
            self._end_upload(job_id)
            raise
        if last:
            self._processor.wake()
        return job

    def close_job(self, printer: str, job_id: int) -> Job:
        """End the job's document list: it may print (a job without documents is aborted)."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has ended")
            if not row["closed"]:
                if row["documents"]:
                    db_.update_job(db, job_id, closed=1,
                                   reasons=_waiting_reasons(row["state"] == JOB_PENDING_HELD, True,
                                                            bool(row["held_new"])))
                else:
                    db_.update_job(db, job_id, closed=1, state=JOB_ABORTED, reasons=["job-data-insufficient"],
                                   message="The job has no documents.", completed=time.time())
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def get_job(self, printer: str | None, job_id: int) -> Job:
        """The job ``job_id`` (client-error-not-found when unknown or of another printer)."""
        with self._store.read() as db:
            return db_.row_to_job(self._job_row(db, printer, job_id))

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
        where, params = [f"state IN ({_marks(states)})"], list[object](states)
        if printer is not None:
            where.append("printer = ?")
            params.append(printer)
        if owner is not None:
            where.append("owner = ?")
            params.append(owner)
        order = "DESC" if set(states) <= set(ENDED_JOB_STATES) else "QUEUE"
        with self._store.read() as db:
            rows = db_.select_jobs(db, where, params, order, limit if limit and limit > 0 else None,
                                   max(first_index, 1) - 1)
        return [db_.row_to_job(row) for row in rows]

    def cancel_job(self, printer: str | None, job_id: int, reason: str = "job-canceled-by-user") -> Job:
        """End a job: canceled with ``reason``, or aborted when ``reason`` is ``aborted-by-system``.

        A job being printed stops (a running command is killed). Ended already: client-error-not-possible.
        """
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has already ended")
            state = JOB_ABORTED if reason == "aborted-by-system" else JOB_CANCELED
            db_.update_job(db, job_id, state=state, reasons=[reason], closed=1, completed=time.time())
            return db_.row_to_job(self._job_row(db, printer, job_id))

    def hold_job(self, printer: str | None, job_id: int, until: str = "indefinite") -> Job:
        """Hold a waiting job until Release-Job (``until`` ``no-hold`` releases it)."""
        return self._change_hold(printer, job_id, WAITING_JOB_STATES, until)

    def release_job(self, printer: str | None, job_id: int) -> Job:
        """Let a held job print (client-error-not-possible when it is not held)."""
        return self._change_hold(printer, job_id, (JOB_PENDING_HELD,), "no-hold")

    def restart_job(self, printer: str | None, job_id: int) -> Job:
        """Queue an ended job again with its retained documents (client-error-not-possible otherwise)."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] not in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only an ended job can be restarted")
            numbers = [doc["number"] for doc in db_.document_rows(db, job_id)]
            in_database = db_.documents_with_data(db, job_id)
            if not numbers or not all(n in in_database or self._spool.document_path(job_id, n).exists()
                                      for n in numbers):
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job's documents are no longer kept")
            db_.update_job(db, job_id, state=JOB_PENDING, reasons=["job-queued"], closed=1, processing=None,
                           completed=None, message="")
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def documents(self, printer: str | None, job_id: int) -> list[StoredDocument]:
        """The job's documents, received so far, in order."""
        with self._store.read() as db:
            self._job_row(db, printer, job_id)
            rows = db_.document_rows(db, job_id)
        return [StoredDocument(job_id=job_id, number=row["number"], format=row["format"], name=row["name"],
                               k_octets=(row["octets"] + 1023) // 1024,
                               attributes=loads_group(row["attributes"]), canceled=bool(row["canceled"]))
                for row in rows]

    def cancel_document(self, printer: str | None, job_id: int, number: int) -> StoredDocument:
        """Cancel a document of a job that has not ended: it is not printed (it stops if it is printing).
        A closed job whose documents are all canceled is canceled."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has ended")
            documents = {d["number"]: bool(d["canceled"]) for d in db_.document_rows(db, job_id)}
            if number not in documents:
                raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"job {job_id} has no document {number}")
            if documents[number]:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, f"document {number} is already canceled")
            db_.cancel_document(db, job_id, number)
            documents[number] = True
            if row["closed"] and all(documents.values()):
                db_.update_job(db, job_id, state=JOB_CANCELED, reasons=["job-canceled-by-user"],
                               completed=time.time(), worker_pid=None, worker_token=None, lease=None)
        return next(d for d in self.documents(printer, job_id) if d.number == number)

    def set_document_attributes(self, printer: str | None, job_id: int, number: int,
                                attributes: AttributeGroup) -> StoredDocument:
        """Change a document of a waiting job (``delete-attribute`` removes one); a job-config-changed."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is no longer waiting")
            found = [d for d in db_.document_rows(db, job_id) if d["number"] == number]
            if not found:
                raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"job {job_id} has no document {number}")
            stored, name = loads_group(found[0]["attributes"]), found[0]["name"]
            for attribute in attributes.attributes():
                if attribute.name == "document-name":
                    name = attribute.value
                elif attribute.value is DELETE_ATTRIBUTE:
                    stored.pop(attribute.name)
                else:
                    stored.append(copy.deepcopy(attribute))
            db_.update_document(db, job_id, number, name, stored)
            events_.record(db, "job-config-changed", row["printer"], job_id,
                           f"Document {number} of job {job_id} was changed.")
        return next(d for d in self.documents(printer, job_id) if d.number == number)

    def copy_job(self, printer: str | None, job_id: int, owner: str, attributes: AttributeGroup, *,
                 owner_authenticated: bool = False) -> Job:
        """Queue a copy of an ended job whose documents are still kept (else client-error-not-possible)."""
        with self._store.read() as db:
            row = self._job_row(db, printer, job_id)
            documents = db_.document_rows(db, job_id, with_data=True)
        if row["state"] not in TERMINAL_JOB_STATES:
            raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only an ended job can be reprocessed")
        copies: list[Received] = []
        try:
            for document in documents:
                try:
                    source = self._spool.document_source(job_id, document["number"], document["data"])
                    with open_source(source) as data:
                        copies.append(self._receive(data))
                except FileNotFoundError as exc:
                    raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE,
                                       "the job's documents are no longer kept") from exc
            if not documents:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has no documents")
            job = self._insert_copy(row, documents, copies, owner, owner_authenticated, attributes)
        except BaseException:
            for received in copies:
                self._spool.discard_received(received)
            raise
        self._processor.wake()
        return job

    def _insert_copy(self, row: sqlite3.Row, documents: list[sqlite3.Row], copies: list[Received], owner: str,
                     owner_authenticated: bool, changes: AttributeGroup) -> Job:
        attributes = loads_group(row["attributes"])
        for attribute in changes.attributes():
            attributes.append(copy.deepcopy(attribute))
        now = time.time()
        with self._store.write() as db:
            self._check_accepting(db, row["printer"])
            self._limits.check_job(db, owner)
            self._limits.check_space(db, self._spool_dir, row["octets"])
            name = changes.value("job-name", row["name"])
            job_id = db_.insert_job(
                db, printer=row["printer"], owner=owner, owner_authenticated=int(owner_authenticated),
                name=name, **_hold_state(attributes, False, True),
                created=now, touched=now, origin_host=row["origin_host"], closed=1, documents=len(documents),
                octets=row["octets"], priority=attributes.value("job-priority", DEFAULT_PRIORITY),
                attributes=attributes)["job_id"]
            for document, received in zip(documents, copies, strict=True):
                db_.insert_document(db, job_id, document["number"], document["format"], document["name"],
                                    document["octets"], loads_group(document["attributes"]))
                self._keep(db, received, job_id, document["number"])
            events_.record(db, "job-created", row["printer"], job_id, f"Job {job_id} created.", now)
            job = db_.row_to_job(self._job_row(db, None, job_id))
        self._sync_documents(*copies)
        return job

    def set_job_attributes(self, printer: str | None, job_id: int, attributes: AttributeGroup) -> Job:
        """Change a waiting job's attributes: ``job-name``, ``job-priority``, ``job-hold-until`` (which
        holds or releases it) and any template attribute; ``delete-attribute`` removes one.
        Not waiting: client-error-not-possible."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is no longer waiting")
            stored = loads_group(row["attributes"])
            changes: dict[str, object] = {}
            for attribute in attributes.attributes():
                if attribute.name == "job-name":
                    changes["name"] = attribute.value
                    continue
                if attribute.value is DELETE_ATTRIBUTE:
                    stored.pop(attribute.name)
                else:
                    stored.append(copy.deepcopy(attribute))
            held_new = bool(row["held_new"]) and "job-hold-until" not in attributes
            changes.update(attributes=stored, priority=stored.value("job-priority", DEFAULT_PRIORITY),
                           held_new=int(held_new), **_hold_state(stored, held_new, bool(row["closed"])))
            db_.update_job(db, job_id, **changes)
            events_.record(db, "job-config-changed", row["printer"], job_id, f"Job {job_id} was changed.")
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def move_job(self, printer: str | None, job_id: int, destination: str) -> Job:
        """Move a waiting job to ``destination``, which must accept jobs."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            self._check_accepting(db, destination)
            if row["state"] not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is no longer waiting")
            db_.update_job(db, job_id, printer=destination)
            job = db_.row_to_job(self._job_row(db, destination, job_id))
        self._processor.wake()
        return job

    def hold_new_jobs(self, printer: str) -> None:
        """Hold every job created from now on (job-held-for-release) until Release-Held-New-Jobs."""
        self._set_printer_flag(printer, hold_new=1)

    def release_held_new_jobs(self, printer: str) -> None:
        """Stop holding new jobs and release those held so far."""
        self._printer(printer)
        with self._store.write() as db:
            rows = db.execute("SELECT job_id, closed FROM jobs"
                              " WHERE printer = ? AND held_new = 1 AND state = ?",
                              (printer, JOB_PENDING_HELD)).fetchall()
            for row in rows:
                db_.update_job(db, row["job_id"], held_new=0,
                               **_hold_state(AttributeGroup(), False, bool(row["closed"])))
            db_.update_printer(db, printer, hold_new=0, state_change=time.time())
        self._processor.wake()

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
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] != JOB_PROCESSING:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only a printing job can be suspended")
            db_.update_job(db, job_id, state=JOB_PROCESSING_STOPPED, reasons=["job-suspended"],
                           message="Suspended by the operator.", worker_pid=None, worker_token=None,
                           lease=None)
            db_.update_printer(db, row["printer"], state_change=time.time())
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def resume_job(self, printer: str | None, job_id: int) -> Job:
        """Queue a suspended job again: it prints from its first document (client-error-not-possible when it
        is not suspended)."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if "job-suspended" not in db_.row_to_job(row).state_reasons:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is not suspended")
            db_.update_job(db, job_id, state=JOB_PENDING, reasons=["job-queued"], processing=None, message="")
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def shutdown_printer(self, printer: str) -> None:
        """Take the printer out of service until Startup-Printer: it stops printing (a job printing goes
        back to the queue) and accepting jobs; printer-state stopped with ``shutdown``."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as db:
            requeue_printing(db, printer, "The printer was shut down: the job prints again at startup.")
            db_.update_printer(db, printer, shutdown=1, state_change=now)
            events_.record(db, "printer-shutdown", printer, None, f"Printer {printer} was shut down.", now)

    def startup_printer(self, printer: str) -> None:
        """Bring a shut-down printer back into service (nothing changes for one that is not shut down)."""
        self._printer(printer)
        with self._store.write() as db:
            row = db_.printer_row(db, printer)
            if row is not None and row["shutdown"]:
                db_.update_printer(db, printer, shutdown=0, state_change=time.time())
        self._processor.wake()

    def restart_printer(self, printer: str) -> None:
        """Re-initialise the printer: a job printing goes back to the queue and prints again; queued jobs,
        pause and accepting state are kept. A shut-down printer: client-error-not-possible."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as db:
            row = db_.printer_row(db, printer)
            if row is None or row["shutdown"]:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the printer is shut down: start it up")
            requeue_printing(db, printer, "The printer restarted: the job prints again.")
            db_.update_printer(db, printer, state_change=now)
            events_.record(db, "printer-restarted", printer, None, f"Printer {printer} restarted.", now)
        self._processor.wake()

    # -- subscriptions

    def create_subscription(self, printer: str, request: SubscriptionRequest) -> Subscription:
        """A printer subscription, or a subscription of a job of ``printer`` that has not ended."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as db:
            if request.job_id is not None:
                row = self._job_row(db, printer, request.job_id)
                if row["state"] in TERMINAL_JOB_STATES:
                    raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has ended")
            subscription_id = events_.create(db, printer, request, now)
            return self._subscription(db, printer, subscription_id, now)

    def get_subscription(self, printer: str, subscription_id: int) -> Subscription:
        """The subscription (client-error-not-found once deleted, expired or aged out)."""
        self._printer(printer)
        now = time.time()
        with self._store.read() as db:
            return self._subscription(db, printer, subscription_id, now)

    def subscriptions(self, printer: str, job_id: int | None = None, owner: str | None = None,
                      limit: int | None = None) -> list[Subscription]:
        """Subscriptions of the printer, or of job ``job_id``, by ascending id."""
        self._printer(printer)
        with self._store.read() as db:
            if job_id is not None:
                self._job_row(db, printer, job_id)
            return events_.select(db, printer, job_id, owner, limit, time.time())

    def renew_subscription(self, printer: str, subscription_id: int, lease_duration: int) -> Subscription:
        """Restart a printer subscription's lease from now."""
        self._printer(printer)
        now = time.time()
        with self._store.write() as db:
            current = self._subscription(db, printer, subscription_id, now)
            if current.job_id is not None:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "a job subscription has no lease")
            events_.renew(db, subscription_id, lease_duration, now)
            return self._subscription(db, printer, subscription_id, now)

    def cancel_subscription(self, printer: str, subscription_id: int) -> None:
        """Delete the subscription and its events."""
        self._printer(printer)
        with self._store.write() as db:
            self._subscription(db, printer, subscription_id, time.time())
            events_.delete(db, [subscription_id])

    def events(self, printer: str, subscription_id: int, first_sequence: int = 1) -> list[Event]:
        """The subscription's kept events from ``first_sequence`` on."""
        self._printer(printer)
        with self._store.read() as db:
            self._subscription(db, printer, subscription_id, time.time())
            return events_.events(db, subscription_id, first_sequence)

    # -- helpers

    def _subscription(self, db: sqlite3.Connection, printer: str, subscription_id: int,
                      now: float) -> Subscription:
        found = events_.get(db, printer, subscription_id, now)
        if found is None:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no subscription {subscription_id}")
        return found

    def _printer(self, name: str) -> EmbeddedPrinter:
        printer = self._printers.get(name)
        if printer is None:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no printer {name!r}")
        return printer

    def _job_row(self, db: sqlite3.Connection, printer: str | None, job_id: int) -> sqlite3.Row:
        row = db_.job_row(db, job_id)
        if row is None or (printer is not None and row["printer"] != printer):
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id}")
        return row

    def _check_accepting(self, db: sqlite3.Connection, printer: str) -> sqlite3.Row:
        """The printer's state row, when it accepts jobs."""
        self._printer(printer)
        row = db_.printer_row(db, printer)
        if row is None or not row["accepting"] or row["shutdown"]:
            raise BackendError(status.SERVER_ERROR_NOT_ACCEPTING_JOBS, f"{printer} is not accepting jobs")
        return row

    def _set_printer_flag(self, printer: str, **flag: int) -> None:
        self._printer(printer)
        with self._store.write() as db:
            db_.update_printer(db, printer, state_change=time.time(), **flag)

    def _record_document(self, printer: str, job_id: int, received: Received, document: Document,
                         last: bool) -> Job:
        size = received.size
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            _check_open(row)
            self._limits.check_space(db, self._spool_dir, size)
            number = row["documents"] + 1
            db_.insert_document(db, job_id, number, document.format, document.name, size, document.attributes)
            db_.update_job(db, job_id, documents=number, octets=row["octets"] + size, touched=time.time(),
                           receiver_pid=None, closed=int(last),
                           reasons=_waiting_reasons(row["state"] == JOB_PENDING_HELD, last,
                                                    bool(row["held_new"])))
            self._keep(db, received, job_id, number)  # last, so only a failed COMMIT can orphan a file
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._sync_documents(received)
        return job

    def _insert_job(self, db: sqlite3.Connection, printer: str, request: JobRequest, *, closed: bool,
                    **columns: object) -> sqlite3.Row:
        """Insert a new job for ``request`` with its subscriptions and job-created event; its row."""
        printer_row = self._check_accepting(db, printer)
        self._limits.check_job(db, request.owner)
        attributes = request.attributes  # stored as text at once: the request's group is not kept
        now = time.time()
        held_new = bool(printer_row["hold_new"]) and not _hold_requested(attributes)
        row = db_.insert_job(
            db, printer=printer, owner=request.owner, owner_authenticated=int(request.owner_authenticated),
            name=request.name, held_new=int(held_new), **_hold_state(attributes, held_new, closed),
            closed=int(closed), created=now, touched=now, origin_host=request.origin_host,
            priority=attributes.value("job-priority", DEFAULT_PRIORITY), attributes=attributes, **columns)
        job_id: int = row["job_id"]
        for subscription in request.subscriptions:
            subscription.job_id = job_id
            events_.create(db, printer, subscription, now)
        events_.record(db, "job-created", printer, job_id, f"Job {job_id} created.", now)
        return row

    def _receive(self, data: BinaryIO, before_file: Callable[[], None] | None = None) -> Received:
        """Read ``data`` in full (:meth:`.Spool.receive`; a spool write failure: :func:`_spool_failure`)."""
        try:
            return self._spool.receive(data, before_file)
        except SpoolWriteError as exc:
            raise _spool_failure(exc) from exc

    def _keep(self, db: sqlite3.Connection, received: Received, job_id: int, number: int) -> None:
        """Keep a received document as document ``number`` of the job, within the transaction ``db``: its
        bytes in the database, or its temporary file under its document name (failure:
        :func:`_spool_failure`)."""
        if received.data is not None:
            db_.insert_document_data(db, job_id, number, received.data)
            return
        assert received.path is not None
        try:
            self._spool.keep(received.path, job_id, number)
        except OSError as exc:
            raise _spool_failure(exc) from exc

    def _sync_documents(self, *kept: Received) -> None:
        """Make the document files just kept durable, after their transaction (failure:
        :func:`_spool_failure`); documents kept in the database need nothing more."""
        if all(received.path is None for received in kept):
            return
        try:
            self._spool.sync()
        except OSError as exc:
            raise _spool_failure(exc) from exc

    def _end_upload(self, job_id: int) -> None:
        with self._store.write() as db:
            db.execute("UPDATE jobs SET receiver_pid = NULL WHERE job_id = ? AND receiver_pid = ?",
                       (job_id, os.getpid()))

    def _change_hold(self, printer: str | None, job_id: int, allowed: tuple[int, ...], until: str) -> Job:
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] not in allowed:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job cannot be held or released now")
            attributes = loads_group(row["attributes"])
            attributes.add("job-hold-until", until, tag=tags.KEYWORD)
            db_.update_job(db, job_id, attributes=attributes, held_new=0,
                           **_hold_state(attributes, False, bool(row["closed"])))
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def _reorder(self, printer: str | None, job_id: int, predecessor: int | None, text: str) -> Job:
        """Move a waiting job in the queue right after waiting job ``predecessor`` (first when None or when
        that job is not waiting but printing). The queue order is ``priority`` then job-id: the predecessor
        and every job ahead of it move up one, and the job takes the predecessor's old place plus a half."""
        with self._store.write() as db:
            row = self._job_row(db, printer, job_id)
            if row["state"] not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only a waiting job can be rescheduled")
            after = self._job_row(db, row["printer"], predecessor) if predecessor is not None else None
            if after is not None and (after["state"] in TERMINAL_JOB_STATES or predecessor == job_id):
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, f"job {predecessor} cannot precede it")
            waiting = f"printer = ? AND state IN ({_marks(WAITING_JOB_STATES)}) AND job_id != ?"
            params = (row["printer"], *WAITING_JOB_STATES, job_id)
            if after is None or after["state"] not in WAITING_JOB_STATES:
                top = db.execute(f"SELECT MAX(priority) FROM jobs WHERE {waiting}", params).fetchone()[0]
                priority = max(top if top is not None else row["priority"], row["priority"]) + 1
            else:
                mark = after["priority"]
                db.execute(f"UPDATE jobs SET priority = priority + 1 WHERE {waiting}"
                           " AND (priority > ? OR (priority = ? AND job_id <= ?))",
                           (*params, mark, mark, after["job_id"]))
                priority = mark + 0.5
            db_.update_job(db, job_id, priority=priority)
            events_.record(db, "printer-queue-order-changed", row["printer"], job_id, text)
            job = db_.row_to_job(self._job_row(db, printer, job_id))
        self._processor.wake()
        return job

    def _abort_abandoned_uploads(self) -> None:
        """Abort jobs still waiting for documents whose uploading process died or that timed out."""
        now = time.time()
        with self._store.write() as db:
            rows = db.execute("SELECT job_id, receiver_pid, touched FROM jobs"
                              f" WHERE state IN ({_marks(WAITING_JOB_STATES)}) AND closed = 0",
                              WAITING_JOB_STATES).fetchall()
            for row in rows:
                pid = row["receiver_pid"]
                idle = row["touched"] < now - self._incoming_timeout
                if (pid is not None and not pid_alive(pid)) or (pid is None and idle):
                    db_.update_job(db, row["job_id"], state=JOB_ABORTED, reasons=["aborted-by-system"],
                                   message="The job's documents never arrived.", closed=1, completed=now,
                                   receiver_pid=None)

    def _remove_orphan_documents(self) -> None:
        """Remove document files no job records (a crash between a purge and its file removal)."""
        with self._store.write() as db:
            rows = db.execute("SELECT job_id, number FROM documents")
            known = {(row["job_id"], row["number"]) for row in rows}
            for job_id, number, path in list(self._spool.stored_documents()):
                if (job_id, number) not in known:
                    self._spool.discard(path)


_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def _spool_failure(exc: OSError) -> BackendError:
    """The answer to a failed spool write: a full disk or quota is server-error-temporary-error (the job
    may succeed later), anything else server-error-internal-error. The message never names a path."""
    if exc.errno in _DISK_FULL:
        return BackendError(status.SERVER_ERROR_TEMPORARY_ERROR, SPOOL_FULL_MESSAGE)
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__  # strerror may hold a path
    return BackendError(status.SERVER_ERROR_INTERNAL_ERROR, f"Cannot write to the spool: {reason}.")


def _check_open(row: sqlite3.Row) -> None:
    """Refuse a document for a job that ended or was closed."""
    if row["state"] in TERMINAL_JOB_STATES or row["closed"]:
        raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job accepts no more documents")


def _hold_requested(attributes: AttributeGroup) -> bool:
    until = attributes.value("job-hold-until")
    return until is not None and until != "no-hold"


def _hold_state(attributes: AttributeGroup, held_new: bool, closed: bool) -> dict[str, object]:
    """job-state and job-state-reasons of a waiting job: held for its job-hold-until or by Hold-New-Jobs."""
    held = held_new or _hold_requested(attributes)
    return {"state": JOB_PENDING_HELD if held else JOB_PENDING,
            "reasons": _waiting_reasons(held, closed, held_new)}


def _waiting_reasons(held: bool, closed: bool, for_release: bool = False) -> list[str]:
    """job-state-reasons of a job that waits to print (``for_release``: held by Hold-New-Jobs)."""
    reasons = [] if closed else ["job-incoming"]
    if held:
        reasons.append("job-held-for-release" if for_release else "job-hold-until-specified")
    elif closed:
        reasons.append("job-queued")
    return reasons


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)
