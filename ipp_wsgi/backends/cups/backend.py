"""The ``cups`` backend: every call forwarded to a CUPS server over IPP; the jobs live in CUPS.

Job-ids, job and printer states and attributes come from CUPS; URIs never leave this module (the
operation layer builds ours). CUPS's refusals become :class:`BackendError` with the status CUPS gave.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from typing import BinaryIO
from urllib.parse import quote

from ipp_wsgi.backends.base import Backend, BackendError, Document, Job, JobRequest
from ipp_wsgi.backends.cups.convert import job_from_group, printer_group, queue_name
from ipp_wsgi.backends.cups.transport import CupsClient, CupsServer
from ipp_wsgi.codec import AttributeGroup, Message, operations, status, tags

CUPS_WHICH_JOBS = frozenset({
    "not-completed", "completed", "all", "pending", "pending-held", "processing", "processing-stopped",
    "canceled", "aborted",
})
"""which-jobs keywords CUPS understands; it keeps no fetchable, proof-print or saved jobs."""

_ADMIN_PATH = "/admin/"
_JOBS_PATH = "/jobs/"


class CupsBackend(Backend):
    """Forwards to the CUPS server ``server`` (``host:port``, or the path of its Unix socket).

    ``user`` is the requesting-user-name of printer administration (pause, enable, ...), of queries and
    of job changes; with ``password`` it is also sent as HTTP Basic credentials, or, without one over a
    Unix socket, as CUPS's ``PeerCred`` (then it must be the user this process runs as). Unset, job
    changes are made as the job's owner and the rest as the user this process runs as. Job submissions
    (Validate-Job, Create-Job, Send-Document, Close-Job) always go as the job's owner without
    credentials: CUPS would make the authenticated user the owner. ``printers`` limits which CUPS queues
    are served (None: every queue). ``tls`` speaks HTTPS to a TCP server, trusting the system's
    certificates or those in the PEM file ``cafile``.
    """

    def __init__(
        self,
        server: str = "localhost:631",
        *,
        user: str | None = None,
        password: str | None = None,
        tls: bool = False,
        cafile: str | None = None,
        printers: Sequence[str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.server = CupsServer.parse(server, tls, cafile)
        self.client = CupsClient(self.server, timeout, user, password)
        self.user = user
        self.allowed = tuple(printers) if printers is not None else None

    # -- addressing
    def _printer_uri(self, printer: str) -> str:
        if self.allowed is not None and printer not in self.allowed:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no printer {printer!r}")
        return f"ipp://{self.server.uri_host}/printers/{quote(printer, safe='')}"

    def _server_uri(self) -> str:
        return f"ipp://{self.server.uri_host}/"

    def _job_uri(self, job_id: int) -> str:
        return f"ipp://{self.server.uri_host}/jobs/{job_id}"

    def _admin(self) -> str:
        return self.user or getpass.getuser()

    def _printer_request(self, operation: int, printer: str, user: str) -> Message:
        return self.client.new_request(operation, ("printer-uri", self._printer_uri(printer)), user)

    def _printer_path(self, printer: str) -> str:
        return f"/printers/{quote(printer, safe='')}"

    # -- printers
    def printers(self) -> Sequence[str]:
        """The configured queues, or every queue CUPS has."""
        if self.allowed is not None:
            return list(self.allowed)
        request = self.client.new_request(operations.CUPS_GET_PRINTERS, ("printer-uri", self._server_uri()),
                                          self._admin())
        request.operation.add("requested-attributes", ["printer-name"], tag=tags.KEYWORD)
        answer = self.client.send("/", request)
        return [str(group.value("printer-name")) for group in answer.groups_of(tags.PRINTER_ATTRIBUTES)
                if group.value("printer-name")]

    def printer_attributes(self, printer: str) -> AttributeGroup:
        """CUPS's description and status of the queue, without its URIs and internals."""
        request = self._printer_request(operations.GET_PRINTER_ATTRIBUTES, printer, self._admin())
        request.operation.add("requested-attributes", ["all"], tag=tags.KEYWORD)
        answer = self.client.send(self._printer_path(printer), request)
        return printer_group(answer.printer or AttributeGroup())

    def _printer_admin(self, operation: int, printer: str) -> None:
        self.client.send(_ADMIN_PATH, self._printer_request(operation, printer, self._admin()))

    def pause_printer(self, printer: str) -> None:
        """Pause-Printer."""
        self._printer_admin(operations.PAUSE_PRINTER, printer)

    def resume_printer(self, printer: str) -> None:
        """Resume-Printer."""
        self._printer_admin(operations.RESUME_PRINTER, printer)

    def enable_printer(self, printer: str) -> None:
        """CUPS-Accept-Jobs."""
        self._printer_admin(operations.CUPS_ACCEPT_JOBS, printer)

    def disable_printer(self, printer: str) -> None:
        """CUPS-Reject-Jobs."""
        self._printer_admin(operations.CUPS_REJECT_JOBS, printer)

    def purge_jobs(self, printer: str) -> None:
        """Purge-Jobs: CUPS cancels every job of the queue and forgets its history."""
        self._printer_admin(operations.PURGE_JOBS, printer)

    # -- job creation
    def _submission(self, operation: int, printer: str, request: JobRequest) -> Message:
        message = self._printer_request(operation, printer, request.owner)
        message.operation.add("job-name", request.name, tag=tags.NAME_WITHOUT_LANGUAGE)
        if len(request.attributes):
            message.add_group(tags.JOB_ATTRIBUTES, AttributeGroup(request.attributes.attributes()))
        return message

    def validate_job(self, printer: str, request: JobRequest) -> None:
        """Validate-Job."""
        message = self._submission(operations.VALIDATE_JOB, printer, request)
        self.client.send(self._printer_path(printer), message, authenticate=False)

    def create_job(self, printer: str, request: JobRequest) -> Job:
        """Create-Job; the job as CUPS then describes it."""
        message = self._submission(operations.CREATE_JOB, printer, request)
        answer = self.client.send(self._printer_path(printer), message, authenticate=False)
        job_id = (answer.job or AttributeGroup()).value("job-id")
        if type(job_id) is not int:
            raise BackendError(status.SERVER_ERROR_INTERNAL_ERROR, "CUPS did not say which job it created")
        return self.get_job(printer, job_id)

    def add_document(self, printer: str, job_id: int, data: BinaryIO, document: Document, last: bool) -> Job:
        """Send-Document, the data streamed from ``data`` as it is read."""
        job = self.get_job(printer, job_id)
        message = self._job_request(operations.SEND_DOCUMENT, job, job.owner)
        group = message.operation
        group.add("document-format", document.format, tag=tags.MIME_MEDIA_TYPE)
        if document.name:
            group.add("document-name", document.name, tag=tags.NAME_WITHOUT_LANGUAGE)
        group.add("last-document", last, tag=tags.BOOLEAN)
        self.client.send(self._printer_path(job.printer), message, data, authenticate=False)
        return self.get_job(job.printer, job_id)

    def close_job(self, printer: str, job_id: int) -> Job:
        """Close-Job."""
        job = self.get_job(printer, job_id)
        message = self._job_request(operations.CLOSE_JOB, job, job.owner)
        self.client.send(self._printer_path(job.printer), message, authenticate=False)
        return self.get_job(job.printer, job_id)

    # -- jobs
    def _job_request(self, operation: int, job: Job, user: str) -> Message:
        # printer-uri + job-id: CUPS refuses job-uri for some operations (Close-Job).
        message = self._printer_request(operation, job.printer, user)
        message.operation.add("job-id", job.job_id, tag=tags.INTEGER)
        return message

    def get_job(self, printer: str | None, job_id: int) -> Job:
        """Get-Job-Attributes (client-error-not-found for a job of another or an unserved printer)."""
        request = self.client.new_request(operations.GET_JOB_ATTRIBUTES, ("job-uri", self._job_uri(job_id)),
                                          self._admin())
        request.operation.add("requested-attributes", ["all"], tag=tags.KEYWORD)
        job = job_from_group(self.client.send(_JOBS_PATH, request).job or AttributeGroup())
        if (printer is not None and job.printer != printer) or not self._serves(job.printer):
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id}")
        return job

    def _serves(self, printer: str) -> bool:
        return self.allowed is None or printer in self.allowed

    def jobs(
        self,
        printer: str | None,
        which: str = "not-completed",
        owner: str | None = None,
        limit: int | None = None,
        first_index: int = 1,
    ) -> list[Job]:
        """Get-Jobs, in CUPS's order."""
        if which not in CUPS_WHICH_JOBS:
            return []
        target = self._printer_uri(printer) if printer is not None else self._server_uri()
        request = self.client.new_request(operations.GET_JOBS, ("printer-uri", target),
                                          owner or self._admin())
        group = request.operation
        group.add("which-jobs", which, tag=tags.KEYWORD)
        group.add("requested-attributes", ["all"], tag=tags.KEYWORD)
        if owner is not None:
            group.add("my-jobs", True, tag=tags.BOOLEAN)
        filtered = printer is None and self.allowed is not None  # limit and index apply after filtering
        if not filtered:
            if limit is not None:
                group.add("limit", limit, tag=tags.INTEGER)
            if first_index > 1:
                group.add("first-index", first_index, tag=tags.INTEGER)
        answer = self.client.send(_JOBS_PATH, request)
        jobs = [job_from_group(g) for g in answer.groups_of(tags.JOB_ATTRIBUTES)]
        if not filtered:
            return jobs
        jobs = [job for job in jobs if self._serves(job.printer)][first_index - 1:]
        return jobs if limit is None else jobs[:limit]

    def _change(self, job: Job, message: Message) -> Job:
        """Send a request that changes ``job``; the job as it is afterwards."""
        self.client.send(_JOBS_PATH, message)
        return self.get_job(None, job.job_id)

    def _job_change(self, operation: int, printer: str | None, job_id: int) -> tuple[Job, Message]:
        """The job (checked to be ``printer``'s) and a request that changes it as its owner or our user."""
        job = self.get_job(printer, job_id)
        return job, self._job_request(operation, job, self.user or job.owner)

    def cancel_job(self, printer: str | None, job_id: int, reason: str = "job-canceled-by-user") -> Job:
        """Cancel-Job (CUPS picks the job-state-reasons itself)."""
        return self._change(*self._job_change(operations.CANCEL_JOB, printer, job_id))

    def hold_job(self, printer: str | None, job_id: int, until: str = "indefinite") -> Job:
        """Hold-Job until ``until`` (a job-hold-until keyword)."""
        job, message = self._job_change(operations.HOLD_JOB, printer, job_id)
        message.operation.add("job-hold-until", until, tag=tags.KEYWORD)
        return self._change(job, message)

    def release_job(self, printer: str | None, job_id: int) -> Job:
        """Release-Job."""
        return self._change(*self._job_change(operations.RELEASE_JOB, printer, job_id))

    def restart_job(self, printer: str | None, job_id: int) -> Job:
        """Restart-Job (CUPS can only when it kept the job's files: ``PreserveJobFiles``)."""
        return self._change(*self._job_change(operations.RESTART_JOB, printer, job_id))

    def set_job_attributes(self, printer: str | None, job_id: int, attributes: AttributeGroup) -> Job:
        """Set-Job-Attributes."""
        job, message = self._job_change(operations.SET_JOB_ATTRIBUTES, printer, job_id)
        message.add_group(tags.JOB_ATTRIBUTES, AttributeGroup(attributes.attributes()))
        return self._change(job, message)

    def move_job(self, printer: str | None, job_id: int, destination: str) -> Job:
        """CUPS-Move-Job to the queue ``destination``."""
        job, message = self._job_change(operations.CUPS_MOVE_JOB, printer, job_id)
        group = message.add_group(tags.JOB_ATTRIBUTES)
        group.add("job-printer-uri", self._printer_uri(destination), tag=tags.URI)
        return self._change(job, message)


__all__ = ["CupsBackend", "queue_name"]
