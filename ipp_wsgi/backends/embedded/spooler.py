"""The embedded spooler: the default backend, printing to a directory, a device, a command or a network.

Jobs, documents, printers' state, subscriptions and printing leases live in a job store (:mod:`.store`:
SQLite under the spool directory, the default), and the printing threads of whichever process holds each
printer's printing lease print them (:mod:`.processor`). Several processes (gunicorn workers, ``ipp-wsgi
spooler``) may share one store.

The operations are grouped by what they act on: :mod:`.spooler_printers`, :mod:`.spooler_jobs`,
:mod:`.spooler_documents` and :mod:`.spooler_subscriptions`; this module puts them together and runs the
spooler's life: opening the store, housekeeping, closing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ipp_wsgi.backends.base import JOB_ABORTED
from ipp_wsgi.backends.embedded import observe
from ipp_wsgi.backends.embedded.events import Notifier
from ipp_wsgi.backends.embedded.job_limits import JobLimits
from ipp_wsgi.backends.embedded.job_states import WAITING_JOB_STATES
from ipp_wsgi.backends.embedded.output_check import default_output_dir
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.backends.embedded.printing_lease import requeue_orphans
from ipp_wsgi.backends.embedded.processes import pid_alive
from ipp_wsgi.backends.embedded.processor import Processor
from ipp_wsgi.backends.embedded.spooler_documents import DocumentOperations
from ipp_wsgi.backends.embedded.spooler_jobs import JobOperations
from ipp_wsgi.backends.embedded.spooler_printers import PrinterOperations
from ipp_wsgi.backends.embedded.spooler_subscriptions import SubscriptionOperations
from ipp_wsgi.backends.embedded.store import open_store

INCOMING_TIMEOUT_SECONDS = 900.0
EVENT_LIFE_SECONDS = 300
"""ippget-event-life: how long events stay fetchable (RFC 3996 asks for at least 15 seconds)."""


class EmbeddedSpooler(PrinterOperations, JobOperations, DocumentOperations, SubscriptionOperations):
    """Jobs of ``printers`` kept in the job store ``store`` (a URL: ``"sqlite"`` for the SQLite database
    of ``spool_dir``); with ``start``, this process prints the printers whose printing lease it holds
    (unless ``printing`` is false: it then never prints, it only keeps house).

    Ended jobs stay queryable (and restartable) for ``history_seconds`` and while among the
    ``history_jobs`` most recent ended jobs. A job that waits for documents (Create-Job) longer than
    ``incoming_timeout`` without one is aborted, as is one whose document upload died with its process.
    Events stay fetchable ``event_life`` seconds (:mod:`.events`). ``limits`` bounds the active jobs and
    the spool space (:mod:`.job_limits`).

    A store that cannot be opened raises :class:`~.store.StoreUnavailable`.
    """

    local_writes = True  # printing happens in the processor's threads; requests only spool and record

    def __init__(self, spool_dir: Path, printers: Sequence[EmbeddedPrinter], *, store: str,
                 history_seconds: float = 86400, history_jobs: int = 1000, printing: bool = True,
                 start: bool = True, incoming_timeout: float = INCOMING_TIMEOUT_SECONDS,
                 event_life: int = EVENT_LIFE_SECONDS, limits: JobLimits | None = None) -> None:
        self._spool_dir = spool_dir
        self._limits = limits or JobLimits()
        self._state_cache = {}
        self._printers = {p.name: p for p in printers}
        self._history_seconds = history_seconds
        self._history_jobs = history_jobs
        self._incoming_timeout = incoming_timeout
        self.event_life = event_life
        self._store = open_store(store, spool_dir, Notifier())
        self.local_reads = self._store.local  # a local store's reads never wait (SQLite's WAL: on no writer)
        # A store over the network (PostgreSQL) makes every write wait for it: such requests go to the
        # request threads, not one after another on a thread of their own.
        self.local_writes = self._store.local
        try:
            spool_dir.mkdir(parents=True, exist_ok=True)  # the outputs' folders are under it
            now = time.time()
            with self._store.write() as tx:
                for name in self._printers:
                    tx.ensure_printer(name, now)
            output_dirs = {p.name: p.output_dir or default_output_dir(spool_dir, p.name) for p in printers}
            self._processor = Processor(self._store, self._printers, output_dirs, printing, self.housekeeping)
            self._store.recover()
            self.housekeeping()
        except BaseException:
            self._store.close()
            raise
        self._closed = False
        if start:
            self._processor.start()

    def close(self) -> None:
        """Stop printing (jobs being printed go back to the queue) and close the store."""
        if self._closed:
            return
        self._closed = True
        self._processor.stop()
        self._store.close()

    def wait_printing(self, timeout: float | None = None) -> bool:
        """Wait until this process holds a printer's printing lease and prints it (:mod:`.printing_lease`);
        whether it does."""
        return self._processor.printing.wait(timeout)

    def wait_leases_kept(self, timeout: float | None = None) -> bool:
        """Wait until this process has kept the printing leases once: it took every lease it could (and
        prints those printers, :meth:`wait_printing`) and left those that another live process keeps (it
        stands by for them, and takes them over should that process stop); whether it has."""
        return self._processor.leases_kept.wait(timeout)

    def process_pending(self) -> int:
        """Print every ready job in the calling thread; how many were printed (for ``start=False``)."""
        return self._processor.process_pending()

    def housekeeping(self) -> None:
        """Requeue jobs whose printing lease is gone, abort abandoned uploads, purge old history and
        events."""
        with observe.timed("housekeeping"), self._store.write() as tx:
            requeue_orphans(tx, time.time())
        self._abort_abandoned_uploads()
        self.purge_history()
        with self._store.write() as tx:
            tx.purge_events(self.event_life, time.time())

    def purge_history(self) -> None:
        """Delete ended jobs older than the history window or beyond the history count, with their
        documents."""
        cutoff = time.time() - self._history_seconds
        with self._store.write() as tx:
            tx.delete_jobs(tx.expired_history(cutoff, self._history_jobs))

    def _abort_abandoned_uploads(self) -> None:
        """Abort jobs still waiting for documents whose uploading process died or that timed out."""
        now = time.time()
        with self._store.write() as tx:
            for job in tx.select_jobs(WAITING_JOB_STATES, closed=False):
                pid = job.receiver_pid
                idle = job.touched < now - self._incoming_timeout
                if (pid is not None and not pid_alive(pid)) or (pid is None and idle):
                    tx.update_job(job.job_id, before=job, state=JOB_ABORTED, reasons=["aborted-by-system"],
                                  message="The job's documents never arrived.", closed=True, completed=now,
                                  receiver_pid=None)
