"""The ``lp`` backend: jobs submitted with ``lp`` (the document streamed into its standard input), queried
with ``lpstat``, cancelled with ``cancel``, held and released with ``lp -i``, moved with ``lpmove``.

What ``lpstat`` cannot say, the backend cannot know: job names, and whether an ended job completed, was
cancelled or aborted (``lpstat -W completed`` lists them alike: all are reported ``completed``). A job is
``pending-held`` when its alerts include ``job-hold-until-specified``, ``processing`` while ``lpstat -p``
shows its printer printing it, ``pending`` otherwise. Printer description attributes come from the
configuration; this backend adds the status ``lpstat -p -a`` shows. A job's job-uuid is derived from
what identifies it on its spooler (:meth:`LpBackend.job_uuid`): the same in every answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, BinaryIO

from ipp_wsgi.backends.base import (
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    PRINTER_IDLE,
    PRINTER_PROCESSING,
    PRINTER_STOPPED,
    TERMINAL_JOB_STATES,
    Backend,
    BackendError,
    Document,
    Job,
    JobRequest,
)
from ipp_wsgi.backends.lp import parse
from ipp_wsgi.backends.lp.commands import LpCommands
from ipp_wsgi.codec import AttributeGroup, Collection, Range, Resolution, status, tags

_WHICH = {"not-completed": "not-completed", "completed": "completed"}
"""which-jobs keywords lpstat -W takes itself; the others are filtered from ``-W all``."""

_STATES = {
    "pending": {JOB_PENDING}, "pending-held": {JOB_PENDING_HELD}, "processing": {JOB_PROCESSING},
    "completed": {JOB_COMPLETED}, "canceled": {JOB_CANCELED},
}
_HELD = "job-hold-until-specified"


def option_value(value: Any) -> str:
    """One attribute value as ``lp -o name=value`` writes it (collections as ``{member=value ...}``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Range):
        return f"{value.lower}-{value.upper}"
    if isinstance(value, Resolution):
        unit = "dpi" if value.units == 3 else "dpcm"
        return f"{value.xres}{unit}" if value.xres == value.yres else f"{value.xres}x{value.yres}{unit}"
    if isinstance(value, Collection):
        members = (f"{a.name}={','.join(option_value(v) for v in a.values)}" for a in value.attributes())
        return "{" + " ".join(members) + "}"
    return str(value)


def options(attributes: AttributeGroup) -> list[str]:
    """``-o name=value`` arguments for job template attributes."""
    argv: list[str] = []
    for attr in attributes.attributes():
        argv += ["-o", f"{attr.name}={','.join(option_value(v) for v in attr.values)}"]
    return argv


class LpBackend(Backend):
    """The printers ``printers`` (None: every destination ``lpstat -a`` lists) of the spooler the System V
    commands reach (``server`` for ``-h``; None: the system's default)."""

    def __init__(self, server: str | None = None, *, printers: Sequence[str] | None = None,
                 timeout: float = 30.0, commands: LpCommands | None = None) -> None:
        self.commands = commands or LpCommands(server, timeout)
        self.allowed = tuple(printers) if printers is not None else None

    def _check(self, printer: str) -> str:
        if self.allowed is not None and printer not in self.allowed:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no printer {printer!r}")
        return printer

    # -- printers
    def printers(self) -> Sequence[str]:
        """The served destinations."""
        if self.allowed is not None:
            return list(self.allowed)
        return list(parse.printers(self.commands.run("lpstat", "-a")))

    def printer_attributes(self, printer: str) -> AttributeGroup:
        """printer-state, -state-reasons, -state-message, -is-accepting-jobs and queued-job-count."""
        name = self._check(printer)
        output = self.commands.run("lpstat", "-p", name, "-a", name, "-o", name)
        found = parse.printers(output).get(name)
        if found is None:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no printer {printer!r}")
        state = PRINTER_PROCESSING if found.printing else PRINTER_IDLE
        group = AttributeGroup()
        group.add("printer-state", state if found.enabled else PRINTER_STOPPED, tags.ENUM)
        group.add("printer-state-reasons", "none" if found.enabled else "paused", tags.KEYWORD)
        group.add("printer-state-message", found.reason, tags.TEXT_WITHOUT_LANGUAGE)
        group.add("printer-is-accepting-jobs", found.accepting, tags.BOOLEAN)
        group.add("queued-job-count", len(parse.jobs(output)), tags.INTEGER)
        return group

    # -- jobs
    def submit_job(self, printer: str, request: JobRequest, data: BinaryIO, document: Document) -> Job:
        """``lp -d printer -t name -U owner -o ...`` with the document on its standard input."""
        argv = ["-d", self._check(printer), "-U", request.owner, *options(request.attributes)]
        if request.name:
            argv += ["-t", request.name]
        if document.format and document.format != "application/octet-stream":
            argv += ["-o", f"document-format={document.format}"]
        output = self.commands.run("lp", *argv, data=data)
        try:
            _, job_id = parse.request_id(output)
        except ValueError as exc:
            raise BackendError(status.SERVER_ERROR_INTERNAL_ERROR, str(exc)) from None
        job = self.get_job(printer, job_id)
        job.name = request.name
        return job

    def _listed(self, which: str) -> tuple[list[parse.ListedJob], set[int]]:
        """The jobs ``lpstat -W which`` lists (all destinations) and the job-ids printing now."""
        output = self.commands.run("lpstat", "-p", "-l", "-W", which, "-o")
        printing = {p.printing for p in parse.printers(output).values() if p.printing is not None}
        return [j for j in parse.jobs(output) if self.allowed is None or j.printer in self.allowed], printing

    def _job(self, listed: parse.ListedJob, printing: set[int], ended: set[int]) -> Job:
        if listed.job_id in ended:
            state = JOB_COMPLETED
        elif listed.job_id in printing:
            state = JOB_PROCESSING
        else:
            state = JOB_PENDING_HELD if _HELD in listed.alerts else JOB_PENDING
        reasons = [a for a in listed.alerts if state != JOB_PENDING_HELD or a == _HELD] or (
            ["job-completed-successfully"] if state == JOB_COMPLETED else [])
        return Job(job_id=listed.job_id, printer=listed.printer, owner=listed.owner, name="", state=state,
                   state_reasons=reasons, created=listed.created, k_octets=(listed.size + 1023) // 1024,
                   documents=1, state_message=listed.status, uuid=self.job_uuid(listed))

    def job_uuid(self, listed: parse.ListedJob) -> str:
        """A name-based UUID (version 5) of the spooler, job-id and creation time: the spooler keeps no
        job-uuid that ``lpstat`` shows, and these stay the same while the job exists (its printer may
        change, by lpmove), yet differ for a job-id the spooler reuses after its history was reset."""
        server = self.commands.server or "default"
        name = f"ipp-wsgi:lp:{server}:{listed.job_id}:{int(listed.created)}"
        return uuid.uuid5(uuid.NAMESPACE_URL, name).urn

    def _all(self) -> list[Job]:
        listed, printing = self._listed("all")
        ended = {j.job_id for j in self._listed("completed")[0]}
        return [self._job(j, printing, ended) for j in listed]

    def get_job(self, printer: str | None, job_id: int) -> Job:
        """The job as ``lpstat -W all`` shows it."""
        job = next((j for j in self._all() if j.job_id == job_id), None)
        if job is None or (printer is not None and job.printer != printer):
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id}")
        return job

    def jobs(self, printer: str | None, which: str = "not-completed", owner: str | None = None,
             limit: int | None = None, first_index: int = 1) -> list[Job]:
        """Jobs by ``lpstat``, oldest first."""
        if which in _WHICH:
            listed, printing = self._listed(_WHICH[which])
            ended = {j.job_id for j in listed} if which == "completed" else set()
            found = [self._job(j, printing, ended) for j in listed]
        else:
            wanted = _STATES.get(which, set()) if which != "all" else None
            found = [j for j in self._all() if wanted is None or j.state in wanted]
        found = [j for j in found if (printer is None or j.printer == printer)
                 and (owner is None or j.owner == owner)]
        found.sort(key=lambda j: j.job_id)
        found = found[first_index - 1:]
        return found if limit is None else found[:limit]

    def _unended(self, printer: str | None, job_id: int) -> Job:
        job = self.get_job(printer, job_id)
        if job.state in TERMINAL_JOB_STATES:
            raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, f"job {job_id} has ended")
        return job

    def cancel_job(self, printer: str | None, job_id: int, reason: str = "job-canceled-by-user") -> Job:
        """``cancel job-id`` (the job is then reported canceled; lpstat later lists it as completed)."""
        job = self._unended(printer, job_id)
        self.commands.run("cancel", str(job_id))
        job.state, job.state_reasons = JOB_CANCELED, [reason]
        return job

    def hold_job(self, printer: str | None, job_id: int, until: str = "indefinite") -> Job:
        """``lp -i job-id -H hold`` (or the job-hold-until keyword ``until``)."""
        self._unended(printer, job_id)
        self.commands.run("lp", "-i", str(job_id), "-H", "hold" if until == "indefinite" else until)
        return self.get_job(printer, job_id)

    def release_job(self, printer: str | None, job_id: int) -> Job:
        """``lp -i job-id -H resume``."""
        self._unended(printer, job_id)
        self.commands.run("lp", "-i", str(job_id), "-H", "resume")
        return self.get_job(printer, job_id)

    def move_job(self, printer: str | None, job_id: int, destination: str) -> Job:
        """``lpmove job-id destination``."""
        self._unended(printer, job_id)
        self.commands.run("lpmove", str(job_id), self._check(destination))
        return self.get_job(None, job_id)
