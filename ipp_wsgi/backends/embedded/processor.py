"""Job processing: worker threads claim pending jobs and deliver their documents.

One process of those sharing the spool directory prints at a time, the holder of the printing lease
(:mod:`.printing_lease`); the others stand by and take over when it exits. Its workers claim a job
atomically (one ``BEGIN IMMEDIATE`` turns it from pending to processing and stamps it with this
processor's pid, token and a lease that a heartbeat renews), so each job is processed once. A job left
``processing`` by a process that died, or whose lease ran out, is put back in the queue by
:func:`requeue_orphans` and printed again. Workers wake on a notification (from another process: the
FIFO of :class:`~.printing_lease.WakeSignal`) and otherwise poll, so jobs never stall when no requests
arrive.

A document whose network output fails with a retryable error is delivered again after a back-off, as the
printer's :class:`~.printer.RetryPolicy` says, while the job stays ``processing`` (its job-state-message and
the device's printer-state-reasons tell why); once the attempts are spent the job is aborted. Its spool
files stay in every case, so Restart-Job can print it again.

A delivery stops within :data:`STOP_CHECK_SECONDS` once its job is no longer this worker's to print
(cancelled, suspended by Suspend-Current-Job, put back in the queue by Shutdown- or Restart-Printer) or its
document was cancelled by Cancel-Document, in which case the job goes on with its next document; a
cancelled document is never delivered.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED, JOB_PENDING, JOB_PROCESSING
from ipp_wsgi.backends.embedded import store as db_
from ipp_wsgi.backends.embedded.delivery import Report
from ipp_wsgi.backends.embedded.device_status import device_status, ensure_table, set_device_status
from ipp_wsgi.backends.embedded.outputs import Delivery, DeliveryError, DeliveryStopped, Progress, deliver
from ipp_wsgi.backends.embedded.outputs_net import OFFLINE
from ipp_wsgi.backends.embedded.printer import DEVICE_SCHEMES, OUTPUT_DIRECTORY, OUTPUT_FILE, EmbeddedPrinter
from ipp_wsgi.backends.embedded.printing_lease import STANDBY_SECONDS, PrintingLease, WakeSignal
from ipp_wsgi.backends.embedded.spool import Spool, fsync_dir, pid_alive
from ipp_wsgi.backends.embedded.store import Store

log = logging.getLogger(__name__)

_PRINTING, _DOCUMENT_CANCELED, _JOB_STOPPED = "printing", "document-canceled", "job-stopped"
"""What :meth:`Processor._state` says of a document being printed."""

POLL_SECONDS = 0.2
LEASE_SECONDS = 30.0
HEARTBEAT_SECONDS = 2.0
STOP_CHECK_SECONDS = 0.2
BATCH_JOBS = 16
"""Most jobs of a directory printer claimed at once (:meth:`Processor.process_next`)."""
GATHER_SECONDS = 0.01
"""After printing fewer than :data:`BATCH_JOBS` jobs of a directory printer, a worker waits this long before
its next claim: the jobs of a burst then print in batches instead of one claim, one fsync and one
transaction each, racing their submissions for the GIL and the database. A job arriving alone is claimed
at once."""


class Processor:
    """One heartbeat/housekeeping thread, and ``workers`` job threads once this process holds the printing
    lease (a standby thread tries to take it), all daemons."""

    def __init__(self, store: Store, spool: Spool, printers: Mapping[str, EmbeddedPrinter],
                 output_dirs: Mapping[str, Path], workers: int, housekeeping: Callable[[], None]) -> None:
        self.token = secrets.token_hex(8)
        self._store = store
        self._spool = spool
        self._printers = printers
        self._output_dirs = output_dirs
        self._workers = workers
        self._housekeeping = housekeeping
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._lease = PrintingLease(spool.root)
        self._wake_signal = WakeSignal(spool.root)
        self.printing = threading.Event()
        """Set once this process holds the printing lease and its job threads run."""
        with store.write() as db:
            ensure_table(db)

    def start(self) -> None:
        """Start the heartbeat thread and the thread that takes the printing lease (then prints)."""
        targets = (("heartbeat", self._heartbeat_loop), ("lease", self._lease_loop))
        self._threads = [threading.Thread(target=target, name=f"ipp-wsgi-spooler-{name}", daemon=True)
                         for name, target in targets]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Tell idle workers that a job may be ready: this process's (waiting on the FIFO, or on the
        condition where the FIFO could not be opened), or the printing process's."""
        with self._wake:
            self._wake.notify_all()
        self._wake_signal.send()

    def stop(self) -> None:
        """Stop the threads (interrupting jobs) and put this processor's unfinished jobs back in the queue."""
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join()
        self._threads = []
        self._wake_signal.close()
        self._lease.release()
        self.printing.clear()
        with self._store.write() as db:
            for row in db.execute("SELECT job_id FROM jobs WHERE state = ? AND worker_token = ?",
                                  (JOB_PROCESSING, self.token)).fetchall():
                _requeue(db, row["job_id"], "")

    def process_next(self) -> int:
        """Claim the next ready jobs and print them; how many (0 when none was ready).

        Jobs of a printer that writes to a directory are claimed :data:`BATCH_JOBS` at a time: their
        outputs are made durable by one fsync of the directory, and they are claimed and finished in one
        transaction each, not one per job. Any other output prints one job per claim.
        """
        return self._process([], claim_next=False)[0]

    def _process(self, claimed: list[_Claimed], claim_next: bool) -> tuple[int, bool, list[_Claimed]]:
        """Print ``claimed`` (claim the next ready jobs when empty): how many jobs were printed, whether they
        were claimed as a batch (a directory printer's), and, when ``claim_next`` and they were not, the
        jobs claimed next by the transaction that finished them (one transaction per job, not two)."""
        claimed = claimed or self._claim()
        if not claimed:
            return 0, False, []
        claimed_at = time.monotonic()
        printer = self._printers[claimed[0][0]["printer"]]
        outcomes = [(job["job_id"], self._run(printer, job, documents, claimed_at))
                    for job, documents in claimed]
        if printer.output == OUTPUT_DIRECTORY and any(outcome is not None for _, outcome in outcomes):
            try:
                fsync_dir(self._output_dirs[printer.name])
            except OSError as exc:
                message = f"cannot write output: {exc.strerror or exc}"
                outcomes = [(job_id, outcome.aborted(message) if outcome is not None else None)
                            for job_id, outcome in outcomes]
        batched = printer.output == OUTPUT_DIRECTORY
        following = self._finish(printer.name, outcomes, claim_next and not batched)
        return len(claimed), batched, following

    def _lease_loop(self) -> None:
        """Stand by until this process holds the printing lease, then run the job threads and the wake-up
        listener until the processor stops."""
        if not self._workers:
            return  # a process configured not to print never takes the lease
        while not self._lease.try_acquire():
            if self._stop.wait(STANDBY_SECONDS):
                return
        try:
            self._wake_signal.listen()
        except OSError:  # no FIFO here (a file system without them): other processes' jobs wait a poll
            log.warning("no wake-up FIFO in %s: printing polls every %s s", self._spool.root, POLL_SECONDS)
        threads = [threading.Thread(target=self._work_loop, name=f"ipp-wsgi-spooler-{index}", daemon=True)
                   for index in range(self._workers)]
        for thread in threads:
            thread.start()
        self.printing.set()
        log.debug("process %d prints the jobs of %s", os.getpid(), self._spool.root)
        self._stop.wait()
        self._wake_signal.send()  # ends the job threads' waits
        for thread in threads:
            thread.join()

    def _idle_wait(self) -> None:
        """Wait for a wake-up, at most :data:`POLL_SECONDS`."""
        if self._wake_signal.listening:
            self._wake_signal.wait(POLL_SECONDS)
            return
        with self._wake:
            self._wake.wait(POLL_SECONDS)

    def _work_loop(self) -> None:
        claimed: list[_Claimed] = []
        while not self._stop.is_set():
            try:
                printed, batched, claimed = self._process(claimed, claim_next=True)
            except Exception:  # a worker must survive anything (a full disk, a locked database)
                log.exception("job processing failed")
                printed, batched, claimed = 0, False, []
            if printed:
                if batched and printed < BATCH_JOBS:
                    self._stop.wait(GATHER_SECONDS)
                continue
            self._idle_wait()

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with self._store.write() as db:
                    db.execute("UPDATE jobs SET lease = ? WHERE state = ? AND worker_token = ?",
                               (time.time() + LEASE_SECONDS, JOB_PROCESSING, self.token))
                self._housekeeping()
            except Exception:
                log.exception("spooler housekeeping failed")

    def _claim(self) -> list[_Claimed]:
        """:meth:`_claim_in` a transaction of its own."""
        with self._store.write() as db:
            return self._claim_in(db)

    def _claim_in(self, db: sqlite3.Connection) -> list[_Claimed]:
        """Take the next ready job, with the ready jobs after it up to :data:`BATCH_JOBS` when its printer
        writes to a directory: each job's row, as claimed, and its document rows with their ``data`` (at
        most :data:`BATCH_JOBS` times :data:`.spool.INLINE_BYTES` in memory)."""
        rows = _ready(db, list(self._printers), BATCH_JOBS)
        if not rows:
            return []
        now = time.time()
        printer: str = rows[0]["printer"]
        if self._printers[printer].output == OUTPUT_DIRECTORY:
            rows = [row for row in rows if row["printer"] == printer]
        else:
            rows = rows[:1]
        claimed = []
        for row in rows:
            job_id: int = row["job_id"]
            db_.update_job(db, job_id, known={"state": JOB_PENDING, "printer": row["printer"]},
                           state=JOB_PROCESSING, reasons=["job-printing"], processing=now, message="",
                           worker_pid=os.getpid(), worker_token=self.token, lease=now + LEASE_SECONDS)
            job = db_.job_row(db, job_id)
            assert job is not None
            claimed.append(_Claimed(job, db_.document_rows(db, job_id, with_data=True)))
        db_.update_printer(db, printer, state_change=now)
        return claimed

    def _run(self, printer: EmbeddedPrinter, job: sqlite3.Row, documents: list[sqlite3.Row],
             claimed_at: float) -> _Outcome | None:
        """Print the job's documents: how it ends, or None when it was canceled, suspended, requeued or
        taken over meanwhile (that change stands). ``claimed_at``: the monotonic time of the claim, when the
        job was known to be this worker's to print."""
        started = time.time()
        report = self._reporter(job["job_id"], printer.name)
        try:
            for doc in documents:
                if not self._print_document(printer, job, doc, report, claimed_at):
                    return None
        except DeliveryError as exc:
            return _Outcome(started).aborted(str(exc))
        if printer.output in DEVICE_SCHEMES:
            report([], "")
        return _Outcome(started)

    def _print_document(self, printer: EmbeddedPrinter, job: sqlite3.Row, doc: sqlite3.Row,
                        report: Report, claimed_at: float) -> bool:
        """Deliver one document of the job (skipped when canceled); False when the job must stop here."""
        job_id, number = job["job_id"], doc["number"]
        if doc["canceled"]:  # by Cancel-Document before the claim
            return True
        progress = Progress(self._stop_check(job_id, number, claimed_at), report)
        source = self._spool.document_source(job_id, number, doc["data"])
        item = Delivery(job_id, number, doc["format"], source,
                        owner=job["owner"], job_name=job["name"], document_name=doc["name"])
        try:
            progress.check()
            if isinstance(source, Path) and not source.exists():
                raise DeliveryError(f"document {number} is no longer in the spool")
            self._deliver(printer, item, progress)
        except DeliveryStopped:
            return not self._stop.is_set() and self._state(job_id, number) == _DOCUMENT_CANCELED
        return True

    def _deliver(self, printer: EmbeddedPrinter, item: Delivery, progress: Progress) -> None:
        """Deliver one document, retrying retryable failures after a back-off until the attempts are spent."""
        attempts = printer.retry.attempts
        for attempt in itertools.count(1):
            try:
                deliver(printer, self._output_dirs[printer.name], item, progress)
                return
            except DeliveryError as exc:
                if not exc.retryable:
                    raise
                if attempt >= attempts:
                    progress.report([OFFLINE], str(exc))
                    tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
                    raise DeliveryError(f"{exc} (gave up after {tries})") from exc
                delay = printer.retry.delay_before(attempt)
                progress.report([OFFLINE], f"{exc}; trying again in {delay:g} s"
                                           f" (attempt {attempt + 1} of {attempts})")
                self._back_off(delay, progress)

    def _back_off(self, seconds: float, progress: Progress) -> None:
        """Wait ``seconds``, or less when the job is cancelled or the processor stops (DeliveryStopped)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            progress.check()
            self._stop.wait(min(left, STOP_CHECK_SECONDS))
        progress.check()

    def _reporter(self, job_id: int, printer: str) -> Callable[[Sequence[str], str], None]:
        """Record a device report: the printer's device status, and the job's job-state-message."""

        def report(reasons: Sequence[str], message: str) -> None:
            with self._store.write() as db:
                set_device_status(db, printer, reasons, message)
                row = db_.job_row(db, job_id)
                if row is not None and row["state"] == JOB_PROCESSING and row["worker_token"] == self.token:
                    db_.update_job(db, job_id, message=message)

        return report

    def _stop_check(self, job_id: int, number: int, claimed_at: float) -> Callable[[], bool]:
        """A cheap test of "stop printing this document": the job was cancelled, suspended or taken over, the
        document was cancelled (Cancel-Document), or we are stopping. The database is asked at most every
        :data:`STOP_CHECK_SECONDS`, counted from the claim (``claimed_at``, monotonic), which saw the job
        ours: a small document printed at once costs no query."""
        last = [claimed_at, False]

        def stopped() -> bool:
            if self._stop.is_set():
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
        with self._store.read() as db:
            row = db_.job_row(db, job_id)
            if row is None or row["state"] != JOB_PROCESSING or row["worker_token"] != self.token:
                return _JOB_STOPPED
            canceled = db.execute("SELECT canceled FROM documents WHERE job_id = ? AND number = ?",
                                  (job_id, number)).fetchone()
        return _DOCUMENT_CANCELED if canceled is None or canceled["canceled"] else _PRINTING

    def _finish(self, printer: str, outcomes: list[tuple[int, _Outcome | None]],
                claim_next: bool) -> list[_Claimed]:
        """End each job that has an outcome and is still this processor's, then, when ``claim_next`` and the
        processor is not stopping, claim the next ready jobs (:meth:`_claim_in`); one transaction.

        A local device (``file`` output) that printed a job works: what it reported before is cleared.
        The printer's state-change is recorded unless the next job claimed is its own (it stays processing).
        """
        now = time.time()
        with self._store.write() as db:
            ended = completed = False
            for job_id, outcome in outcomes:
                row = db_.job_row(db, job_id) if outcome is not None else None
                if outcome is None or row is None or row["state"] != JOB_PROCESSING \
                        or row["worker_token"] != self.token:
                    continue  # cancelled or purged meanwhile: that change stands
                db_.update_job(db, job_id, known=row, state=outcome.state, reasons=list(outcome.reasons),
                               message=outcome.message, processing=outcome.started, completed=now,
                               worker_pid=None, worker_token=None, lease=None)
                ended = True
                completed = completed or outcome.state == JOB_COMPLETED
            if completed and self._printers[printer].output == OUTPUT_FILE and device_status(db, printer)[0]:
                set_device_status(db, printer, [], "")
            following = self._claim_in(db) if claim_next and not self._stop.is_set() else []
            if ended and not (following and following[0].job["printer"] == printer):
                db_.update_printer(db, printer, state_change=now)
            return following


def _ready(db: sqlite3.Connection, printers: list[str], limit: int) -> list[sqlite3.Row]:
    """The first ``limit`` jobs of ``printers`` ready to print, in queue order (job-id and printer)."""
    marks = ", ".join("?" for _ in printers)
    return db.execute(
        "SELECT j.job_id, j.printer FROM jobs j JOIN printers p ON p.name = j.printer"
        " WHERE j.state = ? AND j.closed = 1 AND p.paused = 0 AND p.shutdown = 0"
        f" AND j.printer IN ({marks})"
        " ORDER BY j.priority DESC, j.job_id LIMIT ?", [JOB_PENDING, *printers, limit]).fetchall()


class _Claimed(NamedTuple):
    """A job as claimed: its row and its document rows (with their ``data``)."""

    job: sqlite3.Row
    documents: list[sqlite3.Row]


class _Outcome(NamedTuple):
    """How a printed job ends; ``started``: when its printing began (its time-at-processing: a job
    claimed in a batch waits for those before it)."""

    started: float
    state: int = JOB_COMPLETED
    reasons: tuple[str, ...] = ("job-completed-successfully",)
    message: str = ""

    def aborted(self, message: str) -> _Outcome:
        """The same job aborted because its output failed."""
        return self._replace(state=JOB_ABORTED, reasons=("aborted-by-system",), message=message)


def requeue_orphans(store: Store, own_token: str | None) -> int:
    """Put back in the queue the jobs left processing by a dead process or past their lease."""
    now = time.time()
    requeued = 0
    with store.write() as db:
        rows = db.execute("SELECT job_id, worker_pid, worker_token, lease FROM jobs WHERE state = ?",
                          (JOB_PROCESSING,)).fetchall()
        for row in rows:
            if row["worker_token"] == own_token:
                continue
            if (row["lease"] or 0) < now or row["worker_pid"] is None or not pid_alive(row["worker_pid"]):
                _requeue(db, row["job_id"], "printing again after the spooler stopped")
                requeued += 1
    return requeued


def requeue_printing(db: sqlite3.Connection, printer: str, message: str) -> None:
    """Put the jobs ``printer`` is printing back in the queue, within the caller's transaction: their
    workers see it and stop, and they print again from the start (Shutdown- and Restart-Printer)."""
    for row in db.execute("SELECT job_id FROM jobs WHERE printer = ? AND state = ?",
                          (printer, JOB_PROCESSING)).fetchall():
        _requeue(db, row["job_id"], message)


def _requeue(db: sqlite3.Connection, job_id: int, message: str) -> None:
    db_.update_job(db, job_id, state=JOB_PENDING, reasons=["job-queued"], processing=None, message=message,
                   worker_pid=None, worker_token=None, lease=None)
