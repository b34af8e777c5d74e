"""Job processing in one process: a lease thread, one printing thread per printer whose printing lease
this process holds, a wake-up listener, and the housekeeping heartbeat.

Every process that opens a spool's store may print, but each printer is printed by one process at a time,
the holder of its lease (:mod:`.printing_lease`); the others stand by and take over when it stops or dies.
A printer's one printing thread (:class:`~.printing.PrinterJobs`) prints its jobs one after the other in
queue order. Printing threads in the same process as request threads would take turns with them for the
GIL at every store call: ``ipp-wsgi serve`` starts a process of its own for printing (``ipp-wsgi
spooler``), which takes the leases before the workers start.

Idle printing threads wake when a job may be ready: a job queued in this process notifies them at once,
one queued by another process reaches them through the store (:meth:`~.store.Store.wake`, read here by a
listener thread), and they poll every :data:`POLL_SECONDS` anyway, so jobs never stall when no requests
arrive.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from ipp_wsgi.backends.embedded import printing_lease
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.backends.embedded.printing import BATCH_JOBS, Claimed, PrinterJobs, Wakeups
from ipp_wsgi.backends.embedded.printing_lease import PrintingLeases, Taken, holder_name
from ipp_wsgi.backends.embedded.store import LeaseLost, Store

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
LISTEN_SECONDS = 0.5
"""How long the wake-up listener waits between looks at whether the processor stops."""
HOUSEKEEPING_SECONDS = 2.0
GATHER_SECONDS = 0.01
"""After printing fewer than :data:`~.printing.BATCH_JOBS` jobs of a directory printer, its thread waits
this long before its next claim: the jobs of a burst then print in batches instead of one claim, one fsync
and one transaction each, racing their submissions for the GIL and the store. A job arriving alone is
claimed at once."""


class Processor:
    """The printing of ``printers`` from ``store`` in this process (``printing``: it may take printing
    leases; a process that never prints only keeps house), its threads all daemons."""

    def __init__(self, store: Store, printers: Mapping[str, EmbeddedPrinter], output_dirs: Mapping[str, Path],
                 printing: bool, housekeeping: Callable[[], None]) -> None:
        self.holder = holder_name(secrets.token_hex(8))
        self._store = store
        self._printers = printers
        self._output_dirs = output_dirs
        self._may_print = printing
        self._housekeeping = housekeeping
        self._leases = PrintingLeases(store, list(printers), self.holder)
        self._stop = threading.Event()
        self._wakeups = Wakeups()
        self._threads: list[threading.Thread] = []
        self._printing_threads: dict[str, threading.Thread] = {}
        self.printing = threading.Event()
        """Set while this process holds the printing lease of a printer."""
        self.leases_kept = threading.Event()
        """Set once the lease thread has kept the leases a first time: it took every lease it could (then
        :attr:`printing` is set) and left those that live holders keep (it stands by for them)."""

    def start(self) -> None:
        """Start the heartbeat thread and, when this process may print, the lease thread."""
        targets = [("heartbeat", self._heartbeat_loop)]
        if self._may_print:
            targets.append(("lease", self._lease_loop))
        self._threads = [threading.Thread(target=target, name=f"ipp-wsgi-spooler-{name}", daemon=True)
                         for name, target in targets]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Tell idle printing threads that a job may be ready: this process's, and other processes' through
        the store."""
        self._wakeups.notify()
        self._store.wake()

    def stop(self) -> None:
        """Stop the threads (interrupting deliveries) and give the leases up: the jobs this process was
        printing go back to the queue."""
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join()
        self._threads = []

    def process_next(self) -> int:
        """Print, in the calling thread, the next ready jobs of the first printer that has some and whose
        lease this process may take (taken for the while, then given back); how many (0: none).

        A directory printer's jobs are claimed :data:`~.printing.BATCH_JOBS` at a time (one fsync of the
        directory, one transaction to claim and one to end them); any other output prints one job."""
        for name in self._printers:
            if printed := self._print_borrowed(name, until_idle=False):
                return printed
        return 0

    def process_pending(self) -> int:
        """Print, in the calling thread, every ready job of the printers whose lease this process may take
        (each taken for the while, then given back); how many."""
        count = 0
        while printed := sum(self._print_borrowed(name, until_idle=True) for name in self._printers):
            count += printed
        return count

    def _print_borrowed(self, printer: str, until_idle: bool) -> int:
        """Print the next ready jobs of ``printer`` (``until_idle``: until none is ready) under its lease,
        borrowed for the while (none printed when another holder has it); how many."""
        taken = self._leases.borrow(printer)
        if taken is None:
            return 0
        count = 0
        try:
            jobs = self._printer_jobs(taken)
            if jobs.previous_ended():
                while printed := jobs.print_next([], claim_next=False)[0]:
                    count += printed
                    if not until_idle:
                        break
        finally:
            self._leases.release([printer])
        return count

    def _printer_jobs(self, taken: Taken) -> PrinterJobs:
        printer = self._printers[taken.lease.printer]
        return PrinterJobs(self._store, printer, self._output_dirs[printer.name], taken, self._stop)

    def _lease_loop(self) -> None:
        """Keep the leases (:meth:`.PrintingLeases.keep`) every :data:`~.printing_lease.RENEW_SECONDS`,
        starting a printing thread for each printer taken; once the processor stops, stop them and give
        the leases up."""
        listener: threading.Thread | None = None
        while not self._stop.is_set():
            busy = [name for name, thread in self._printing_threads.items() if thread.is_alive()]
            try:
                taken, lost = self._leases.keep(skip=busy)
                kept = True
            except Exception:  # the store may be unavailable for a while: the leases then lapse
                log.exception("keeping the printing leases failed")
                taken, lost, kept = [], [], False
            if lost:
                self._wakeups.notify()  # their printing threads stop now, not after a poll
            for lease in taken:
                self._start_printing(lease)
            if self._leases.held():
                if listener is None:
                    listener = threading.Thread(target=self._listen, name="ipp-wsgi-spooler-wake",
                                                daemon=True)
                    listener.start()
                    log.debug("process %d prints %s", os.getpid(), ", ".join(self._leases.held()))
                self.printing.set()
            else:
                self.printing.clear()
            if kept:
                self.leases_kept.set()
            self._stop.wait(printing_lease.RENEW_SECONDS)
        for thread in self._printing_threads.values():
            thread.join()
        if listener is not None:
            listener.join()
        self._leases.release()
        self.printing.clear()

    def _start_printing(self, taken: Taken) -> None:
        jobs = self._printer_jobs(taken)
        thread = threading.Thread(target=self._print_loop, args=(jobs,), daemon=True,
                                  name=f"ipp-wsgi-spooler-{jobs.printer.name}")
        self._printing_threads[jobs.printer.name] = thread
        thread.start()

    def _print_loop(self, jobs: PrinterJobs) -> None:
        """Print ``jobs``' printer until printing stops (the processor stops, or the lease is lost)."""
        if not jobs.previous_ended():
            return
        claimed: list[Claimed] = []
        while not jobs.stopping():
            seen = self._wakeups.seen()
            try:
                printed, batched, claimed = jobs.print_next(claimed, claim_next=True)
            except LeaseLost:
                log.warning("printing %s stops: another process took its printing lease over",
                            jobs.printer.name)
                jobs.lost.set()
                return
            except Exception:  # a printing thread must survive anything (a full disk, a locked store)
                log.exception("printing %s failed", jobs.printer.name)
                printed, batched, claimed = 0, False, []
            if printed:
                if batched and printed < BATCH_JOBS:
                    self._stop.wait(GATHER_SECONDS)
                continue
            self._wakeups.wait(seen, POLL_SECONDS, jobs.stopping)

    def _listen(self) -> None:
        """Pass the store's wake-ups (:meth:`~.store.Store.wake` of any process) on to the printing
        threads."""
        try:
            waiter = self._store.waiter()
        except OSError:  # no FIFO here (a file system without them): other processes' jobs wait a poll
            log.warning("no wake-up from other processes here: printing polls every %s s", POLL_SECONDS)
            return
        try:
            while not self._stop.is_set():
                if waiter.wait(LISTEN_SECONDS):
                    self._wakeups.notify()
        finally:
            waiter.close()

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HOUSEKEEPING_SECONDS):
            try:
                self._housekeeping()
            except Exception:
                log.exception("spooler housekeeping failed")
