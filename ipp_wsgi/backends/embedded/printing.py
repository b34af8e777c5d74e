"""Printing one printer's jobs under its printing lease: one job at a time, in queue order.

Jobs are claimed atomically (one write transaction turns them from pending to processing and stamps them
with the lease they were claimed under), and every write of a job's state by the printing thread (claim,
device report, end) is fenced by the lease (:meth:`~.store.StoreTransaction.check_lease`): once the lease
is lost it changes nothing, and the thread stops printing that printer (:class:`PrinterJobs`).

A document whose network output fails with a retryable error is delivered again after a back-off, as the
printer's :class:`~.printer.RetryPolicy` says, while the job stays ``processing`` (its job-state-message and
the device's printer-state-reasons tell why); once the attempts are spent the job is aborted. Its
documents stay in every case, so Restart-Job can print it again.

A delivery stops within :data:`STOP_CHECK_SECONDS` once its job is no longer this lease's to print
(cancelled, suspended by Suspend-Current-Job, put back in the queue by Shutdown- or Restart-Printer or a
takeover), its document was cancelled by Cancel-Document (the job goes on with its next document), the
lease was lost, or the processor stops; a cancelled document is never delivered. A ``command`` output's
process is recorded with the lease before it gets the document (:meth:`PrinterJobs._started`), so that
whoever takes the lease over can kill it, should this process die.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED, JOB_PROCESSING
from ipp_wsgi.backends.embedded import observe, processes
from ipp_wsgi.backends.embedded.delivery import Report
from ipp_wsgi.backends.embedded.outputs import Delivery, DeliveryError, DeliveryStopped, Progress, deliver
from ipp_wsgi.backends.embedded.outputs_net import CONNECTING, OFFLINE
from ipp_wsgi.backends.embedded.printer import DEVICE_SCHEMES, OUTPUT_DIRECTORY, EmbeddedPrinter
from ipp_wsgi.backends.embedded.printing_lease import Taken
from ipp_wsgi.backends.embedded.spool import fsync_dir
from ipp_wsgi.backends.embedded.store import (
    DeliveryProcess,
    DocumentRecord,
    JobRecord,
    LeaseLost,
    Store,
    StoreTransaction,
)

log = logging.getLogger(__name__)

OTHER_ERROR = "other-error"
"""printer-state-reasons of an output that failed a job (as PAPPL reports a device error)."""
_NOT_FAULTS = frozenset({CONNECTING})

_PRINTING, _DOCUMENT_CANCELED, _JOB_STOPPED = "printing", "document-canceled", "job-stopped"
"""What :meth:`PrinterJobs._state` says of a document being printed."""

STOP_CHECK_SECONDS = 0.2
BATCH_JOBS = 16
"""Most jobs of a directory printer claimed at once: their outputs are made durable by one fsync of the
directory, and they are claimed and finished in one transaction each."""
KILL_SECONDS = 5.0
"""How long a new holder waits for a delivery left running to die, between checks of its own stop."""


class Wakeups:
    """Tells idle printing threads that a job may be ready (a count, so that a wake-up that comes between
    a thread's look at the queue and its wait is not missed)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def seen(self) -> int:
        """The count now: pass it to :meth:`wait`."""
        return self._count

    def notify(self) -> None:
        """Wake every waiting thread."""
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float, stopping: Callable[[], bool]) -> None:
        """Wait at most ``timeout`` seconds for a wake-up after ``seen`` (none once ``stopping()``: a stop
        notifies too)."""
        with self._changed:
            self._changed.wait_for(lambda: self._count != seen or stopping(), timeout)


class Claimed(NamedTuple):
    """A job as claimed, and its documents (with the bytes the store keeps with the job)."""

    job: JobRecord
    documents: list[DocumentRecord]


class Outcome(NamedTuple):
    """How a printed job ends; ``started``: when its printing began (its time-at-processing: a job
    claimed in a batch waits for those before it)."""

    started: float
    state: int = JOB_COMPLETED
    reasons: tuple[str, ...] = ("job-completed-successfully",)
    message: str = ""

    device_fault: bool = False
    """The job ended because the printer's output failed (shown in printer-state-reasons until a job
    prints again)."""

    def aborted(self, message: str, device_fault: bool = True) -> Outcome:
        """The same job aborted because its output failed (``device_fault``: the output itself, not the
        job's documents)."""
        return self._replace(state=JOB_ABORTED, reasons=("aborted-by-system",), message=message,
                             device_fault=device_fault)


class PrinterJobs:
    """The jobs of ``printer`` printed under ``taken``'s lease, to ``output_dir`` for a directory output.
    ``stop``: the processor stops; the lease's ``lost`` event: this holder lost it."""

    def __init__(self, store: Store, printer: EmbeddedPrinter, output_dir: Path, taken: Taken,
                 stop: threading.Event) -> None:
        self._store = store
        self.printer = printer
        self._output_dir = output_dir
        self._taken = taken
        self._lease = taken.lease
        self._stop = stop
        self.lost = taken.lost

    def stopping(self) -> bool:
        """Whether printing must stop: the processor stops, or the lease was lost."""
        return self._stop.is_set() or self.lost.is_set()

    def previous_ended(self) -> bool:
        """Wait until the delivery the lease's previous holder may have left running has ended: killed,
        when on this machine; else given one more lease period to be stopped by its own holder. False when
        printing must stop meanwhile."""
        delivery = self._taken.previous
        if delivery is None:
            return not self.stopping()
        if delivery.host == processes.host_id():
            while not processes.kill_group(delivery.pgid, delivery.started, KILL_SECONDS):
                log.warning("printing %s waits: delivery process group %d does not die", self.printer.name,
                            delivery.pgid)
                if self.stopping():
                    return False
            return not self.stopping()
        wait = self._taken.previous_stopped_by - time.time()
        return not (wait > 0 and self._stop.wait(wait)) and not self.stopping()

    def print_next(self, claimed: list[Claimed], claim_next: bool) -> tuple[int, bool, list[Claimed]]:
        """Print ``claimed`` (claim the next ready jobs when empty): how many jobs were printed, whether they
        were claimed as a batch (a directory printer's), and, when ``claim_next`` and they were not, the
        jobs claimed next by the transaction that finished them (one transaction per job, not two).
        :class:`~.store.LeaseLost` once the lease is lost."""
        if not claimed:
            now = time.time()
            with observe.timed("claim"), self._store.write() as tx:
                tx.check_lease(self._lease, now)
                claimed = self._claim(tx, now, continuing=False)
        if not claimed:
            return 0, False, []
        claimed_at = time.monotonic()
        outcomes = [(c.job.job_id, self._run(c.job, c.documents, claimed_at)) for c in claimed]
        batched = self.printer.output == OUTPUT_DIRECTORY
        if batched and any(outcome is not None for _, outcome in outcomes):
            try:
                fsync_dir(self._output_dir)
            except OSError as exc:
                message = f"cannot write output: {exc.strerror or exc}"
                observe.delivery_failed(self.printer.name, False, message)
                outcomes = [(job_id, outcome.aborted(message) if outcome is not None else None)
                            for job_id, outcome in outcomes]
        following = self._finish(outcomes, claim_next and not batched)
        return len(claimed), batched, following

    def _claim(self, tx: StoreTransaction, now: float, continuing: bool) -> list[Claimed]:
        """Take the next ready job, with those after it up to :data:`BATCH_JOBS` for a directory printer
        (their documents' bytes in memory: at most that many small documents), in a transaction fenced by
        the lease. ``continuing``: the printer has just finished a job, its state stays processing."""
        ready = tx.ready_jobs(self.printer.name, BATCH_JOBS if self.printer.output == OUTPUT_DIRECTORY else 1)
        claimed = []
        for job in ready:
            pid, holder, token = os.getpid(), self._lease.holder, self._lease.token
            tx.update_job(job.job_id, before=job, state=JOB_PROCESSING, reasons=["job-printing"],
                          processing=now, message="", worker_pid=pid, holder=holder, lease_token=token)
            as_claimed = job._replace(state=JOB_PROCESSING, reasons=("job-printing",), processing=now,
                                      message="", worker_pid=pid, holder=holder, lease_token=token)
            claimed.append(Claimed(as_claimed, tx.documents(job.job_id, with_data=True)))
        if claimed and not continuing:
            tx.update_printer(self.printer.name, state_change=now)
        return claimed

    def _run(self, job: JobRecord, documents: list[DocumentRecord], claimed_at: float) -> Outcome | None:
        """Print the job's documents: how it ends, or None when it was canceled, suspended, requeued or
        taken over meanwhile (that change stands). ``claimed_at``: the monotonic time of the claim, when the
        job was known to be this lease's to print."""
        started = time.time()
        report = self._reporter(job.job_id)
        try:
            for document in documents:
                if not self._print_document(job, document, report, claimed_at):
                    return None
        except DeliveryError as exc:
            return Outcome(started).aborted(str(exc), exc.device_fault)
        if self.printer.output in DEVICE_SCHEMES:
            report([], "")
        return Outcome(started)

    def _print_document(self, job: JobRecord, document: DocumentRecord, report: Report,
                        claimed_at: float) -> bool:
        """Deliver one document of the job (skipped when canceled); False when the job must stop here."""
        if document.canceled:  # by Cancel-Document before the claim
            return True
        number = document.number
        progress = Progress(self._stop_check(job.job_id, number, claimed_at), report, self._started)
        source = self._store.document_source(document)
        item = Delivery(job.job_id, number, document.format, source, owner=job.owner, job_name=job.name,
                        document_name=document.name)
        try:
            progress.check()
            if isinstance(source, Path) and not source.exists():
                raise DeliveryError(f"document {number} is no longer in the spool", device_fault=False)
            self._deliver(item, progress)
        except DeliveryStopped:
            return not self.stopping() and self._state(job.job_id, number) == _DOCUMENT_CANCELED
        return True

    def _deliver(self, item: Delivery, progress: Progress) -> None:
        """Deliver one document, retrying retryable failures after a back-off until the attempts are spent."""
        attempts = self.printer.retry.attempts
        for attempt in itertools.count(1):
            try:
                deliver(self.printer, self._output_dir, item, progress)
                return
            except DeliveryError as exc:
                observe.delivery_failed(self.printer.name, exc.retryable, str(exc))
                if not exc.retryable:
                    raise
                if attempt >= attempts:
                    progress.report([OFFLINE], str(exc))
                    tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
                    raise DeliveryError(f"{exc} (gave up after {tries})") from exc
                delay = self.printer.retry.delay_before(attempt)
                progress.report([OFFLINE], f"{exc}; trying again in {delay:g} s"
                                           f" (attempt {attempt + 1} of {attempts})")
                self._back_off(delay, progress)
                observe.delivery_retried(self.printer.name)

    def _back_off(self, seconds: float, progress: Progress) -> None:
        """Wait ``seconds``, or less when the job is cancelled or printing stops (DeliveryStopped)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            progress.check()
            self._stop.wait(min(left, STOP_CHECK_SECONDS))
        progress.check()

    def _started(self, pid: int) -> None:
        """Record the delivery process ``pid`` with the lease (DeliveryStopped when the lease is lost)."""
        started = processes.start_time(pid)
        if started is None:
            return  # it is gone already (or no /proc here): nothing could be killed later anyway
        try:
            with observe.timed("record_delivery"), self._store.write() as tx:
                delivery = DeliveryProcess(processes.host_id(), pid, started)
                tx.record_delivery(self._lease, delivery, time.time())
        except LeaseLost:
            self.lost.set()
            raise DeliveryStopped from None

    def _reporter(self, job_id: int) -> Callable[[Sequence[str], str], None]:
        """Record a device report: the printer's device status, and the job's job-state-message (fenced:
        once the lease is lost a report changes nothing, and printing stops)."""

        def report(reasons: Sequence[str], message: str) -> None:
            now = time.time()
            try:
                with observe.timed("report"), self._store.write() as tx:
                    tx.check_lease(self._lease, now)
                    set_device_status(tx, self.printer.name, reasons, message, now)
                    job = tx.job(job_id)
                    if job is not None and self._ours(job):
                        tx.update_job(job_id, message=message)
            except LeaseLost:
                self.lost.set()

        return report

    def _stop_check(self, job_id: int, number: int, claimed_at: float) -> Callable[[], bool]:
        """A cheap test of "stop printing this document": printing stops, the job is no longer this lease's
        to print, or the document was cancelled (Cancel-Document). The store is asked at most every
        :data:`STOP_CHECK_SECONDS`, counted from the claim (``claimed_at``, monotonic), which saw the job
        ours: a small document printed at once costs no query."""
        last = [claimed_at, False]

        def stopped() -> bool:
            if self.stopping():
                return True
            now = time.monotonic()
            if now - last[0] >= STOP_CHECK_SECONDS:
                last[0] = now
                last[1] = self._state(job_id, number) != _PRINTING
            return bool(last[1])

        return stopped

    def _state(self, job_id: int, number: int) -> str:
        """Whether document ``number`` of job ``job_id`` is still ours to print, was canceled alone, or the
        job itself stopped being ours to print."""
        with observe.timed("check"), self._store.read() as tx:
            job = tx.job(job_id)
            if job is None or not self._ours(job):
                return _JOB_STOPPED
            document = tx.document(job_id, number)
        return _DOCUMENT_CANCELED if document is None or document.canceled else _PRINTING

    def _ours(self, job: JobRecord) -> bool:
        """Whether ``job`` is being printed under this lease."""
        return (job.state == JOB_PROCESSING and job.holder == self._lease.holder
                and job.lease_token == self._lease.token)

    def _finish(self, outcomes: list[tuple[int, Outcome | None]], claim_next: bool) -> list[Claimed]:
        """End each job that has an outcome and is still this lease's, then, when ``claim_next`` and
        printing goes on, claim the next ready jobs (:meth:`_claim`); one fenced transaction.

        The device status follows the last job that ended: an output that failed it is reported
        (:func:`device_fault`) until a job prints again, which clears what the device reported before.
        The printer's state-change is recorded unless it goes on with its next job (it stays processing).
        """
        now = time.time()
        name = self.printer.name
        with observe.timed("finish"), self._store.write() as tx:
            tx.check_lease(self._lease, now)
            ended = False
            last: Outcome | None = None
            for job_id, outcome in outcomes:
                job = tx.job(job_id) if outcome is not None else None
                if outcome is None or job is None or not self._ours(job):
                    continue  # cancelled or purged meanwhile: that change stands
                tx.update_job(job_id, before=job, state=outcome.state, reasons=list(outcome.reasons),
                              message=outcome.message, processing=outcome.started, completed=now,
                              worker_pid=None, holder=None, lease_token=None)
                ended = True
                if outcome.state == JOB_COMPLETED or outcome.device_fault:
                    last = outcome
            if last is not None:
                device_fault(tx, name, last.message if last.device_fault else None, now)
            following = self._claim(tx, now, continuing=ended) if claim_next and not self.stopping() else []
            if ended and not following:
                tx.update_printer(name, state_change=now)
            return following


def device_fault(tx: StoreTransaction, printer: str, message: str | None, now: float) -> None:
    """After a job ended: its output failed with ``message`` (reported as ``other-error``, unless the
    device reported a fault of its own already, as a network output does), or, None, it printed (what the
    device reported is cleared)."""
    reported = tx.device_status(printer)[0]
    if message is None:
        if reported:
            set_device_status(tx, printer, [], "", now)
    elif not _faults(reported):
        set_device_status(tx, printer, [OTHER_ERROR], message, now)


def set_device_status(tx: StoreTransaction, printer: str, reasons: Sequence[str], message: str,
                      now: float) -> None:
    """Record what ``printer``'s device reports; a fault that starts is logged once (a warning), and once
    when it ends (however many processes print, whatever the retries). A fault lasts while the output
    connects again (``connecting-to-device`` beside it), until the device reports otherwise."""
    before = _faults(tx.device_status(printer)[0])
    after = _faults(reasons)
    if reasons and not after:
        reasons, after = [*reasons, *before], before
    tx.set_device_status(printer, reasons, message, now)
    if after and after != before:
        log.warning("printer %s: %s (%s)", printer, message, ", ".join(after))
    elif before and not after:
        log.info("printer %s: its output works again", printer)


def _faults(reasons: Sequence[str]) -> list[str]:
    return [reason for reason in reasons if reason not in _NOT_FAULTS]
