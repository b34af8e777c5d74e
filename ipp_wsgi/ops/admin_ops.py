"""The rest of RFC 3998 administration: Shutdown-, Startup- and Restart-Printer, Suspend-Current-Job,
Resume-Job and Schedule-Job-After; and Cancel-Document (PWG 5100.5).

Each handler checks what the request names and leaves the state change (and its events) to the backend;
a backend that cannot do one does not offer it (:mod:`~ipp_wsgi.ops.registry`).
"""

from __future__ import annotations

from ipp_wsgi.backends import Job
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.codec import status
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.registry import Target, operation
from ipp_wsgi.ops.reply import OpError


def current_job(call: Call) -> Job:
    """The job the target printer is printing; ``job-id``, when given, must name it (RFC 3998: else
    client-error-not-possible, as when nothing is printing)."""
    printer = call.target_printer
    printing = printer.backend.jobs(printer.name, "processing")
    wanted = call.positive_integer("job-id")
    if wanted is not None:
        printing = [job for job in printing if job.job_id == wanted]
    if not printing:
        raise OpError(status.CLIENT_ERROR_NOT_POSSIBLE, "no such job is printing")
    return printing[0]


@operation(ops.SHUTDOWN_PRINTER, Target.PRINTER, "shutdown_printer")
def shutdown_printer(call: Call) -> None:
    """Take the printer out of service (stopped, ``shutdown``, not accepting) until Startup-Printer."""
    call.target_printer.backend.shutdown_printer(call.target_printer.name)


@operation(ops.STARTUP_PRINTER, Target.PRINTER, "startup_printer")
def startup_printer(call: Call) -> None:
    """Bring a shut-down printer back into service."""
    call.target_printer.backend.startup_printer(call.target_printer.name)


@operation(ops.RESTART_PRINTER, Target.PRINTER, "restart_printer")
def restart_printer(call: Call) -> None:
    """Re-initialise the printer: the job printing starts again, queued jobs are kept."""
    call.target_printer.backend.restart_printer(call.target_printer.name)


@operation(ops.SUSPEND_CURRENT_JOB, Target.PRINTER, "jobs", "suspend_job")
def suspend_current_job(call: Call) -> None:
    """Stop the job the printer is printing (processing-stopped, ``job-suspended``) until Resume-Job."""
    printer = call.target_printer
    printer.backend.suspend_job(printer.name, current_job(call).job_id)


@operation(ops.RESUME_JOB, Target.JOB, "resume_job")
def resume_job(call: Call) -> None:
    """Queue a suspended job again."""
    call.target_printer.backend.resume_job(call.target_printer.name, call.target_job.job_id)


@operation(ops.SCHEDULE_JOB_AFTER, Target.JOB, "schedule_job_after")
def schedule_job_after(call: Call) -> None:
    """Move a waiting job to print right after ``predecessor-job-id`` (next when absent)."""
    printer, job = call.target_printer, call.target_job
    printer.backend.schedule_job_after(printer.name, job.job_id, call.positive_integer("predecessor-job-id"))


@operation(ops.CANCEL_DOCUMENT, Target.JOB, "cancel_document")
def cancel_document(call: Call) -> None:
    """Cancel document ``document-number`` of a job: it is not printed (PWG 5100.5)."""
    number = call.positive_integer("document-number")
    if number is None:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing document-number")
    call.target_printer.backend.cancel_document(call.target_printer.name, call.target_job.job_id, number)
