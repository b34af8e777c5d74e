"""The embedded spooler's document operations: Send-Document, the documents of a job, and copies of a job
(:class:`DocumentOperations`, a part of :class:`~.spooler.EmbeddedSpooler`).

A document is received in full first (:meth:`~.store.Store.receive`, in bounded memory), then recorded with
its job in one write transaction: a document that does not fully arrive leaves nothing behind.
"""

from __future__ import annotations

import copy
import os
import time
from typing import BinaryIO

from ipp_wsgi.backends.base import (
    JOB_CANCELED,
    JOB_PENDING_HELD,
    TERMINAL_JOB_STATES,
    BackendError,
    Document,
    Job,
    StoredDocument,
)
from ipp_wsgi.backends.embedded import events as events_
from ipp_wsgi.backends.embedded import impressions
from ipp_wsgi.backends.embedded.job_states import (
    DEFAULT_PRIORITY,
    WAITING_JOB_STATES,
    hold_state,
    waiting_reasons,
)
from ipp_wsgi.backends.embedded.spooler_core import SpoolerCore, apply_changes, check_open, spool_errors
from ipp_wsgi.backends.embedded.store import (
    DocumentRecord,
    JobRecord,
    NewJob,
    ReceivedDocument,
    open_document,
)
from ipp_wsgi.codec import AttributeGroup, status


class DocumentOperations(SpoolerCore):
    """Documents: added to a job, listed, canceled and changed; a job copied with its documents."""

    def add_document(self, printer: str, job_id: int, data: BinaryIO, document: Document, last: bool) -> Job:
        """Receive ``data`` in full, then record it as the job's next document in one transaction.

        An error while reading ``data`` is raised as it is (the stream's own exception) and leaves nothing
        behind; a spool write failure is server-error-internal-error; a job that ended or was closed
        meanwhile is client-error-not-possible.
        """
        with self._store.write() as tx:
            check_open(self._job(tx, printer, job_id, for_update=True))
            self._limits.check_space(tx, self._spool_dir)
            tx.update_job(job_id, receiver_pid=os.getpid(), touched=time.time())
        try:
            received = self._receive(data)
        except BaseException:
            self._end_upload(job_id)
            raise
        try:
            job = self._record_document(printer, job_id, received, document, last)
        except BaseException:
            received.discard()
            self._end_upload(job_id)
            raise
        if last:
            self._processor.wake()
        return job

    def documents(self, printer: str | None, job_id: int) -> list[StoredDocument]:
        """The job's documents, received so far, in order."""
        with self._store.read() as tx:
            self._job(tx, printer, job_id)
            found = tx.documents(job_id)
        return [StoredDocument(job_id=job_id, number=d.number, format=d.format, name=d.name,
                               k_octets=(d.octets + 1023) // 1024, attributes=d.attributes(),
                               canceled=d.canceled)
                for d in found]

    def cancel_document(self, printer: str | None, job_id: int, number: int) -> StoredDocument:
        """Cancel a document of a job that has not ended: it is not printed (it stops if it is printing).
        A closed job whose documents are all canceled is canceled."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state in TERMINAL_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has ended")
            canceled = {d.number: d.canceled for d in tx.documents(job_id)}
            if number not in canceled:
                raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"job {job_id} has no document {number}")
            if canceled[number]:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, f"document {number} is already canceled")
            tx.cancel_document(job_id, number)
            canceled[number] = True
            if job.closed and all(canceled.values()):
                tx.update_job(job_id, before=job, state=JOB_CANCELED, reasons=["job-canceled-by-user"],
                              completed=time.time(), worker_pid=None, holder=None, lease_token=None)
        return next(d for d in self.documents(printer, job_id) if d.number == number)

    def set_document_attributes(self, printer: str | None, job_id: int, number: int,
                                attributes: AttributeGroup) -> StoredDocument:
        """Change a document of a waiting job (``delete-attribute`` removes one); a job-config-changed."""
        with self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            if job.state not in WAITING_JOB_STATES:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job is no longer waiting")
            found = tx.document(job_id, number)
            if found is None:
                raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"job {job_id} has no document {number}")
            stored = found.attributes()
            name = apply_changes(stored, attributes, "document-name", found.name)
            tx.update_document(job_id, number, name, stored)
            events_.record(tx, "job-config-changed", job.printer, job_id,
                           f"Document {number} of job {job_id} was changed.")
        return next(d for d in self.documents(printer, job_id) if d.number == number)

    def copy_job(self, printer: str | None, job_id: int, owner: str, attributes: AttributeGroup, *,
                 owner_authenticated: bool = False) -> Job:
        """Queue a copy of an ended job whose documents are still kept (else client-error-not-possible)."""
        with self._store.read() as tx:
            job = self._job(tx, printer, job_id)
            documents = tx.documents(job_id, with_data=True)
        if job.state not in TERMINAL_JOB_STATES:
            raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "only an ended job can be reprocessed")
        copies: list[ReceivedDocument] = []
        try:
            for document in documents:
                try:
                    with open_document(self._store.document_source(document)) as data:
                        copies.append(self._receive(data))
                except FileNotFoundError as exc:
                    raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE,
                                       "the job's documents are no longer kept") from exc
            if not documents:
                raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job has no documents")
            copied = self._insert_copy(job, documents, copies, owner, owner_authenticated, attributes)
        except BaseException:
            for received in copies:
                received.discard()
            raise
        self._processor.wake()
        return copied

    def _insert_copy(self, job: JobRecord, documents: list[DocumentRecord], copies: list[ReceivedDocument],
                     owner: str, owner_authenticated: bool, changes: AttributeGroup) -> Job:
        attributes = job.attributes()
        for attribute in changes.attributes():
            attributes.append(copy.deepcopy(attribute))
        now = time.time()
        with spool_errors(), self._store.write() as tx:
            self._check_accepting(tx, job.printer)
            self._limits.check_job(tx, owner)
            self._limits.check_space(tx, self._spool_dir, job.octets)
            state, reasons = hold_state(attributes, False, True)
            copied = tx.insert_job(NewJob(
                printer=job.printer, owner=owner, name=changes.value("job-name", job.name), state=state,
                reasons=reasons, created=now, attributes=attributes,
                priority=attributes.value("job-priority", DEFAULT_PRIORITY), closed=True,
                origin_host=job.origin_host, owner_authenticated=owner_authenticated,
                documents=len(documents), octets=job.octets))
            for document, received in zip(documents, copies, strict=True):
                tx.add_document(copied.job_id, document.number, document.format, document.name,
                                document.attributes(), received)
            events_.record(tx, "job-created", job.printer, copied.job_id, f"Job {copied.job_id} created.",
                           now)
        return copied.to_job()

    def _record_document(self, printer: str, job_id: int, received: ReceivedDocument, document: Document,
                         last: bool) -> Job:
        pages = impressions.count(received, document.format)
        with spool_errors(), self._store.write() as tx:
            job = self._job(tx, printer, job_id, for_update=True)
            check_open(job)
            self._limits.check_space(tx, self._spool_dir, received.size)
            number = job.documents + 1
            attributes = job.attributes()
            impressions.add(attributes, pages)
            tx.update_job(job_id, before=job, documents=number, octets=job.octets + received.size,
                          touched=time.time(), receiver_pid=None, closed=last, attributes=attributes,
                          reasons=waiting_reasons(job.state == JOB_PENDING_HELD, last, job.held_new))
            recorded = self._job(tx, printer, job_id).to_job()
            # Last, so that only a failed COMMIT can leave its bytes without a job.
            tx.add_document(job_id, number, document.format, document.name, document.attributes, received)
        return recorded

    def _end_upload(self, job_id: int) -> None:
        with self._store.write() as tx:
            tx.end_upload(job_id, os.getpid())
