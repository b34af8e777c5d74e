"""Operations on existing jobs: query, list, cancel, hold, release, restart, modify, move."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ipp_wsgi.backends import Backend, Job
from ipp_wsgi.backends.base import TERMINAL_JOB_STATES, BackendError
from ipp_wsgi.codec import AttributeGroup, status, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.admin_ops import current_job
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.job_attributes import add_job_reply, job_group
from ipp_wsgi.ops.printer_description import JOB_TEMPLATE, WHICH_JOBS
from ipp_wsgi.ops.registry import Target, operation
from ipp_wsgi.ops.reply import OpError
from ipp_wsgi.ops.service import PrinterEntry
from ipp_wsgi.ops.target import uri_path
from ipp_wsgi.ops.template import check_template

_SETTABLE = frozenset({*JOB_TEMPLATE, "job-name"})


def _printers_of(call: Call) -> list[PrinterEntry]:
    return [call.printer] if call.printer is not None else list(call.service.printers)


def _backends_of(call: Call) -> list[Backend]:
    """The backends of the target printer (of every printer for the server), each once."""
    return list({id(p.backend): p.backend for p in _printers_of(call)}.values())


def _jobs(call: Call, which: str, owner: str | None, limit: int | None = None,
          first_index: int = 1) -> list[tuple[PrinterEntry, Job]]:
    """Jobs of the target printer (every printer for the server), each with its printer."""
    found: list[tuple[PrinterEntry, Job]] = []
    name = call.printer.name if call.printer is not None else None
    for backend in _backends_of(call):
        for job in backend.jobs(name, which, owner, limit, first_index):
            entry = call.service.printer(job.printer)
            if entry is not None:
                found.append((entry, job))
    return found[:limit] if limit is not None else found


@operation(ops.GET_JOB_ATTRIBUTES, Target.JOB, "get_job")
def get_job_attributes(call: Call) -> None:
    """The attributes of one job."""
    call.reply.add_group(tags.JOB_ATTRIBUTES,
                         job_group(call, call.target_printer, call.target_job, call.requested()))


@operation(ops.GET_JOBS, Target.SERVER, "jobs")
def get_jobs(call: Call) -> None:
    """The jobs of a printer (or of every printer), filtered by which-jobs and my-jobs."""
    which = call.arg("which-jobs", "not-completed")
    if which not in WHICH_JOBS:
        call.reply.add_unsupported(call.operation["which-jobs"])
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, f"which-jobs {which!r}")
    limit = call.positive_integer("limit")
    first_index = call.positive_integer("first-index") or 1
    owner = call.user if call.arg("my-jobs") is True else None
    requested = call.requested(("job-id", "job-uri"))
    unchanged = _unchanged_state(call)  # read before the jobs are: a change meanwhile ends the reuse
    for entry, job in _jobs(call, str(which), owner, limit, first_index):
        call.reply.add_group(tags.JOB_ATTRIBUTES, job_group(call, entry, job, requested))
    call.reply.valid_while = unchanged


def _unchanged_state(call: Call) -> Callable[[], bool] | None:
    """A predicate true while every backend of the listed printers reports the state it has now, in the
    same second (job-printer-up-time), so that a poll of Get-Jobs is answered again from the answer cache;
    None when a backend reports no state version."""
    backends = _backends_of(call)
    versions = [backend.state_version() for backend in backends]
    if any(version is None for version in versions):
        return None
    second = int(time.time())

    def unchanged() -> bool:
        try:
            return (int(time.time()) == second
                    and all(b.state_version() == v for b, v in zip(backends, versions, strict=True)))
        except BackendError:  # the store unavailable now: build the answer, which will say so
            return False

    return unchanged


@operation(ops.CANCEL_JOB, Target.JOB, "cancel_job")
def cancel_job(call: Call) -> None:
    """Cancel one job (its owner or an administrator)."""
    call.target_printer.backend.cancel_job(call.target_printer.name, call.target_job.job_id)


def _cancel_each(call: Call, jobs: Iterable[tuple[PrinterEntry, Job]]) -> None:
    for entry, job in jobs:
        if job.state not in TERMINAL_JOB_STATES:
            entry.backend.cancel_job(entry.name, job.job_id)


def _listed_jobs(call: Call, admin: bool) -> list[tuple[PrinterEntry, Job]] | None:
    """The jobs named by ``job-ids`` (each must be the caller's unless ``admin``), or None when absent."""
    ids = call.operation.get("job-ids")
    if ids is None:
        return None
    if any(tag != tags.INTEGER for tag in ids.tags):
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "job-ids must be integers")
    found = []
    for job_id in ids.values:
        entry = call.target_printer
        job = entry.backend.get_job(entry.name, int(job_id))
        if not admin and not call.owns(job):
            raise OpError(call.service.policy.denied(call.context.remote_user),
                          f"job {job_id} belongs to another user")
        found.append((entry, job))
    return found


def _own_jobs(call: Call) -> list[tuple[PrinterEntry, Job]]:
    """The caller's jobs not ended (an anonymous caller's exclude an authenticated namesake's)."""
    return [(entry, job) for entry, job in _jobs(call, "not-completed", call.user) if call.owns(job)]


@operation(ops.CANCEL_MY_JOBS, Target.PRINTER, "jobs", "cancel_job")
def cancel_my_jobs(call: Call) -> None:
    """Cancel the caller's jobs (those listed in job-ids, else all not completed)."""
    listed = _listed_jobs(call, admin=False)
    _cancel_each(call, listed if listed is not None else _own_jobs(call))


@operation(ops.CANCEL_JOBS, Target.SERVER, "jobs", "cancel_job")
def cancel_jobs(call: Call) -> None:
    """Cancel jobs (what ``cancel -a`` sends): every job for an administrator, else the caller's own."""
    admin = call.service.policy.is_admin(call.context.remote_user)
    listed = _listed_jobs(call, admin) if call.printer is not None else None
    if listed is None:
        listed = _jobs(call, "not-completed", None) if admin else _own_jobs(call)
    _cancel_each(call, listed)


@operation(ops.HOLD_JOB, Target.JOB, "hold_job")
def hold_job(call: Call) -> None:
    """Hold a pending job until released (or until ``job-hold-until``)."""
    until = call.arg("job-hold-until", "indefinite")
    supported = call.target_printer.description["job-hold-until-supported"].values
    if until not in supported or until == "no-hold":
        call.reply.add_unsupported(call.operation["job-hold-until"])
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, f"job-hold-until {until!r}")
    call.target_printer.backend.hold_job(call.target_printer.name, call.target_job.job_id, str(until))


@operation(ops.RELEASE_JOB, Target.JOB, "release_job")
def release_job(call: Call) -> None:
    """Release a held job."""
    call.target_printer.backend.release_job(call.target_printer.name, call.target_job.job_id)


@operation(ops.RESTART_JOB, Target.JOB, "restart_job")
def restart_job(call: Call) -> None:
    """Print an ended job again."""
    call.target_printer.backend.restart_job(call.target_printer.name, call.target_job.job_id)


@operation(ops.SET_JOB_ATTRIBUTES, Target.JOB, "set_job_attributes")
def set_job_attributes(call: Call) -> None:
    """Change a job's template attributes or name: all of them or none (RFC 3380)."""
    accepted, unsupported = check_template(call.request.job, call.target_printer.description, _SETTABLE)
    if unsupported or not len(accepted):
        for attr in unsupported:
            call.reply.add_unsupported(attr)
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, "nothing settable to set")
    call.target_printer.backend.set_job_attributes(call.target_printer.name, call.target_job.job_id, accepted)


@operation(ops.CUPS_MOVE_JOB, Target.JOB, "move_job")
def cups_move_job(call: Call) -> None:
    """Move a pending job to the printer named by ``job-printer-uri``."""
    destination_uri = call.arg("job-printer-uri")
    if destination_uri is None:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing job-printer-uri")
    destination = call.service.printer_for_path(uri_path(destination_uri, call.context))
    if destination is None or destination.backend is not call.target_printer.backend:
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"cannot move a job to {destination_uri}")
    call.target_printer.backend.move_job(call.target_printer.name, call.target_job.job_id, destination.name)


@operation(ops.CANCEL_CURRENT_JOB, Target.PRINTER, "jobs", "cancel_job")
def cancel_current_job(call: Call) -> None:
    """Cancel the job the printer is printing (RFC 3998); ``job-id``, when given, must name it."""
    printer = call.target_printer
    printer.backend.cancel_job(printer.name, current_job(call).job_id, "job-canceled-by-operator")


@operation(ops.PROMOTE_JOB, Target.JOB, "promote_job")
def promote_job(call: Call) -> None:
    """Make a waiting job the next to print (PWG 5100.11)."""
    call.target_printer.backend.promote_job(call.target_printer.name, call.target_job.job_id)


@operation(ops.REPROCESS_JOB, Target.JOB, "copy_job")
def reprocess_job(call: Call) -> None:
    """Print a copy of an ended job under a new job-id (PWG 5100.11; an operator's operation)."""
    printer, job = call.target_printer, call.target_job
    copied = printer.backend.copy_job(printer.name, job.job_id, job.owner, AttributeGroup(),
                                      owner_authenticated=job.owner_authenticated)
    add_job_reply(call, printer, copied)


@operation(ops.RESUBMIT_JOB, Target.JOB, "copy_job")
def resubmit_job(call: Call) -> None:
    """Print a copy of one's ended job under a new job-id, with changed template attributes (PWG 5100.11):
    all of the changes or none."""
    printer, job = call.target_printer, call.target_job
    accepted, unsupported = check_template(call.request.job, printer.description, _SETTABLE)
    if unsupported:
        for attr in unsupported:
            call.reply.add_unsupported(attr)
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, "unsupported job attributes")
    copied = printer.backend.copy_job(printer.name, job.job_id, call.user, accepted,
                                      owner_authenticated=call.context.remote_user is not None)
    add_job_reply(call, printer, copied)
