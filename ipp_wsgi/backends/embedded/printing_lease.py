"""Which process prints each printer: per-printer printing leases with fencing tokens, in the store.

Every process that may print runs one lease thread (:class:`~.processor.Processor`), which calls
:meth:`PrintingLeases.keep` every :data:`RENEW_SECONDS`: it renews the leases it holds (``expires = now +``
:data:`LEASE_SECONDS`) and takes each printer whose lease is free, expired, or held by a process of this
machine that died (so a standby process on the same machine takes over within about a second, without
waiting for the lease to run out). Taking a lease gives it the next fencing token and puts back in the
queue the jobs the old holder left printing on that printer: they print again from the start.

The printing thread of a printer conditions every write of a job's state on its lease
(:meth:`~.store.StoreTransaction.check_lease`), so a holder that was paused, or cut off, past its lease
changes nothing once another took over. A holder that could not renew its lease for
:data:`LEASE_SECONDS` - :data:`RENEW_SECONDS` gives it up at once (it stops that printer's delivery), so it
has stopped before the lease expires for the others. Before the new holder prints, it kills a delivery
process the old holder left running on this machine (:func:`~.processes.kill_delivery`); one on another
machine it cannot reach is given one more lease period to be stopped by its own holder.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ipp_wsgi.backends.base import JOB_PROCESSING
from ipp_wsgi.backends.embedded import observe, processes
from ipp_wsgi.backends.embedded.job_states import requeue, requeue_printing
from ipp_wsgi.backends.embedded.store import DeliveryProcess, LeaseLost, PrinterLease, Store, StoreTransaction

LEASE_SECONDS = 5.0
"""How long a printing lease lasts unless renewed."""
RENEW_SECONDS = 1.0
"""How often the lease thread renews its leases and tries to take the others."""
TAKEOVER_MESSAGE = "Printing again: the process that printed it stopped."
log = logging.getLogger(__name__)


def holder_name(token: str) -> str:
    """The lease holder name of this process: this machine, its pid, and ``token`` (a random string of
    the processor, so that two spoolers of one process are two holders)."""
    return f"{processes.host_id()}:{os.getpid()}:{token}"


def dead_here(holder: str) -> bool:
    """Whether ``holder`` (:func:`holder_name`) names a process of this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == processes.host_id() and pid.isdigit() and not processes.pid_alive(int(pid))


def takeable(lease: PrinterLease | None, now: float) -> bool:
    """Whether a lease may be taken now: never taken, given up, expired, or its holder died here."""
    return lease is None or lease.holder is None or lease.expires <= now or dead_here(lease.holder)


def requeue_orphans(tx: StoreTransaction, now: float) -> int:
    """Put back in the queue the jobs left processing under a lease that is no longer held (its holder
    gave it up, or died, or it expired): their printer's next holder prints them again. How many."""
    orphans = 0
    for job in tx.select_jobs((JOB_PROCESSING,)):
        lease = tx.lease(job.printer)
        if lease is None or lease.holder is None or lease.holder != job.holder \
                or lease.token != job.lease_token or takeable(lease, now):
            requeue(tx, job, "printing again after the spooler stopped")
            orphans += 1
    return orphans


@dataclass
class Taken:
    """A lease just taken, and the delivery its previous holder may have left running."""

    lease: PrinterLease
    previous: DeliveryProcess | None
    """The last delivery process of the lease, which its previous holder may have left running."""
    previous_stopped_by: float
    """When a previous holder that still runs (on another machine) has stopped its delivery for sure:
    one lease period after its lease expired."""
    lost: threading.Event = field(default_factory=threading.Event)
    """Set once this holder loses (or gives up) the lease."""


@dataclass
class _Held:
    lease: PrinterLease
    renewed: float
    """time.monotonic() just before its last renewal (or its taking) began."""
    lost: threading.Event


class PrintingLeases:
    """The leases of ``printers`` that ``holder`` takes and keeps in ``store``."""

    def __init__(self, store: Store, printers: Sequence[str], holder: str) -> None:
        self._store = store
        self._printers = list(printers)
        self.holder = holder
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def held(self) -> list[str]:
        """The printers whose lease this holder holds (as far as it knows)."""
        with self._lock:
            return list(self._held)

    def keep(self, skip: Iterable[str] = ()) -> tuple[list[Taken], list[str]]:
        """One round: renew the leases held, take the printers that may be taken (not those of ``skip``);
        the leases taken and the printers whose lease was lost."""
        lost = self._give_up_stale()
        now, started = time.time(), time.monotonic()
        skipped = set(skip)
        with self._lock:
            held = dict(self._held)
        with self._store.read() as tx:
            wanted = [p for p in self._printers if p not in held and p not in skipped
                      and takeable(tx.lease(p), now)]
        if not held and not wanted:
            return [], lost
        taken: list[Taken] = []
        with observe.timed("keep_leases"), self._store.write() as tx:
            renewed = {p: tx.renew_lease(h.lease, now, now + LEASE_SECONDS) for p, h in held.items()}
            for printer in wanted:
                found = self._take(tx, printer, now)
                if found is not None:
                    taken.append(found)
        with self._lock:
            for printer, lease in renewed.items():
                if printer not in self._held:
                    continue
                if lease is None:
                    lost.append(printer)
                    self._drop(printer)
                else:
                    self._held[printer] = _Held(lease, started, self._held[printer].lost)
            for found in taken:
                self._held[found.lease.printer] = _Held(found.lease, started, found.lost)
        for found in taken:
            observe.lease_held(found.lease.printer, True)
        return taken, lost

    def borrow(self, printer: str) -> Taken | None:
        """Take ``printer``'s lease now, if it may be taken (a spooler that prints in the calling thread);
        :meth:`release` gives it back."""
        now, started = time.time(), time.monotonic()
        with self._store.write() as tx:
            found = self._take(tx, printer, now)
        if found is not None:
            with self._lock:
                self._held[printer] = _Held(found.lease, started, found.lost)
            observe.lease_held(printer, True)
        return found

    def release(self, printers: Iterable[str] | None = None, message: str = "") -> None:
        """Give up the leases of ``printers`` (None: all held), putting the jobs this holder was printing
        on them back in the queue with ``message``."""
        with self._lock:
            chosen = list(self._held) if printers is None else [p for p in printers if p in self._held]
            leases = [self._drop(printer) for printer in chosen]
        if not leases:
            return
        now = time.time()
        with observe.timed("release_leases"), self._store.write() as tx:
            for lease in leases:
                try:
                    tx.check_lease(lease, now)
                except LeaseLost:
                    continue  # taken over: the new holder requeued its jobs
                requeue_printing(tx, lease.printer, message)
                tx.release_lease(lease)

    def _take(self, tx: StoreTransaction, printer: str, now: float) -> Taken | None:
        previous = tx.lease(printer, for_update=True)
        if not takeable(previous, now):
            return None
        lease = tx.take_lease(printer, self.holder, now + LEASE_SECONDS)
        requeue_printing(tx, printer, TAKEOVER_MESSAGE)
        if previous is not None and previous.holder is not None:
            log.info("printing %s, taken over from %s", printer, previous.holder)
        expired = previous.expires if previous is not None and previous.holder is not None else 0.0
        return Taken(lease, lease.delivery, expired + LEASE_SECONDS)

    def _give_up_stale(self) -> list[str]:
        """Give up the leases not renewed for LEASE_SECONDS - RENEW_SECONDS (this process was paused, or
        the store could not be reached): their printers stop printing at once; and those whose printing
        thread found them lost (a fenced write failed)."""
        limit = time.monotonic() - (LEASE_SECONDS - RENEW_SECONDS)
        with self._lock:
            stale = [printer for printer, held in self._held.items()
                     if held.renewed < limit or held.lost.is_set()]
            for printer in stale:
                self._drop(printer)
        for printer in stale:
            log.warning("printing %s stops: its printing lease was lost or could not be renewed in time",
                        printer)
        return stale

    def _drop(self, printer: str) -> PrinterLease:
        held = self._held.pop(printer)
        held.lost.set()
        observe.lease_held(printer, False)
        return held.lease
