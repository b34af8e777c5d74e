"""The embedded spooler's job states: which-jobs selections, the state and reasons of a waiting job, and a
printing job put back in the queue (logic only: the store reads and writes)."""

from __future__ import annotations

from typing import NamedTuple

from ipp_wsgi.backends.base import (
    JOB_ABORTED,
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
)
from ipp_wsgi.backends.embedded.store import ACTIVE_JOB_STATES, JobRecord, StoreTransaction
from ipp_wsgi.codec import AttributeGroup

ENDED_JOB_STATES = (JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED)
WAITING_JOB_STATES = (JOB_PENDING, JOB_PENDING_HELD)
DEFAULT_PRIORITY = 50

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


class WaitingState(NamedTuple):
    """job-state and job-state-reasons of a job that waits to print."""

    state: int
    reasons: list[str]


def hold_requested(attributes: AttributeGroup) -> bool:
    """Whether the job's ``job-hold-until`` holds it."""
    until = attributes.value("job-hold-until")
    return until is not None and until != "no-hold"


def hold_state(attributes: AttributeGroup, held_new: bool, closed: bool) -> WaitingState:
    """The state of a waiting job: held for its job-hold-until or by Hold-New-Jobs (``held_new``), or
    queued; ``closed``: it has all its documents."""
    held = held_new or hold_requested(attributes)
    return WaitingState(JOB_PENDING_HELD if held else JOB_PENDING, waiting_reasons(held, closed, held_new))


def waiting_reasons(held: bool, closed: bool, for_release: bool = False) -> list[str]:
    """job-state-reasons of a job that waits to print (``for_release``: held by Hold-New-Jobs)."""
    reasons = [] if closed else ["job-incoming"]
    if held:
        reasons.append("job-held-for-release" if for_release else "job-hold-until-specified")
    elif closed:
        reasons.append("job-queued")
    return reasons


def requeue(tx: StoreTransaction, job: JobRecord, message: str) -> None:
    """Put a processing job back in the queue: whoever prints it sees that and stops, and it prints again
    from the start."""
    tx.update_job(job.job_id, before=job, state=JOB_PENDING, reasons=["job-queued"], processing=None,
                  message=message, worker_pid=None, holder=None, lease_token=None)


def requeue_printing(tx: StoreTransaction, printer: str, message: str) -> None:
    """Put every job ``printer`` is printing back in the queue (Shutdown- and Restart-Printer, a takeover
    of its printing lease)."""
    for job in tx.select_jobs((JOB_PROCESSING,), printer=printer):
        requeue(tx, job, message)
