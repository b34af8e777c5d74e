"""One transaction of a job store (:class:`StoreTransaction`): the reads and intent methods the spooler's
operation logic and printing threads use, on records (:mod:`.records`).

A job's state change records its job events, and a printer's ``state_change`` or ``config_change`` its
printer events, in the same transaction: the store calls its :class:`ChangeListener` (the spooler's
:mod:`~ipp_wsgi.backends.embedded.events`), which reads and writes through the same transaction.

The printing leases (:class:`~.records.PrinterLease`) say which process prints each printer; the printing
threads condition each of their writes on their lease (:meth:`StoreTransaction.check_lease`, which raises
:class:`LeaseLost`).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, Unpack

from ipp_wsgi.backends.base import Event, Subscription, SubscriptionRequest
from ipp_wsgi.backends.embedded import observe
from ipp_wsgi.backends.embedded.observe import JobChange
from ipp_wsgi.backends.embedded.store.documents import ReceivedDocument
from ipp_wsgi.backends.embedded.store.records import (
    DeliveryProcess,
    DocumentRecord,
    JobChanges,
    JobRecord,
    NewJob,
    PrinterChanges,
    PrinterLease,
    PrinterRecord,
    Subscriber,
)
from ipp_wsgi.codec import AttributeGroup

JobOrder = Literal["queue", "newest"]
"""``queue``: the printing order (priority, then ascending job-id); ``newest``: descending job-id."""


class LeaseLost(Exception):
    """A printing lease is no longer held by whoever wrote under it (:meth:`StoreTransaction.check_lease`):
    its transaction must change nothing."""


class ChangeListener(Protocol):
    """Told of the changes that make events, inside the transaction that makes them."""

    def job_state_changed(self, tx: StoreTransaction, job_id: int, printer: str, state: int,
                          now: float) -> None:
        """Job ``job_id`` of ``printer`` entered ``state``."""

    def printer_state_changed(self, tx: StoreTransaction, printer: str, now: float) -> None:
        """The state of ``printer`` may have changed."""

    def printer_config_changed(self, tx: StoreTransaction, printer: str, now: float) -> None:
        """``printer`` was configured (Set-Printer-Attributes)."""


class _NoListener:
    def job_state_changed(self, tx: StoreTransaction, job_id: int, printer: str, state: int,
                          now: float) -> None:
        pass

    def printer_state_changed(self, tx: StoreTransaction, printer: str, now: float) -> None:
        pass

    def printer_config_changed(self, tx: StoreTransaction, printer: str, now: float) -> None:
        pass


NO_LISTENER: ChangeListener = _NoListener()
"""A listener that records nothing (a store opened only to read, as a test or a tool does)."""


class StoreTransaction(ABC):
    """One transaction of a :class:`~.base.Store`: reads and intent methods. ``now`` arguments are Unix
    times."""

    def __init__(self, listener: ChangeListener) -> None:
        self._listener = listener
        self._job_changes: list[JobChange] = []
        """The job state changes of this transaction, for the spooler's observers once it committed."""

    def committed(self) -> None:
        """Call once the transaction committed: its job state changes reach the spooler's observers
        (:mod:`~ipp_wsgi.backends.embedded.observe`). A store that overrides it calls it too."""
        changes, self._job_changes = self._job_changes, []
        for change in changes:
            observe.job_changed(change)

    # -- printers

    @abstractmethod
    def printer_definitions(self) -> dict[str, str]:
        """Every printer's stored definition (canonical JSON, :mod:`.definitions`), by name."""

    @abstractmethod
    def set_printer_definition(self, printer: str, definition: str | None) -> None:
        """Store ``printer``'s definition (None: remove it)."""

    @abstractmethod
    def live_lease_holders(self, now: float) -> list[str]:
        """The holders of printing leases that have not expired at ``now``."""

    @abstractmethod
    def ensure_printer(self, name: str, now: float) -> None:
        """Create the state of a configured printer if it has none yet, with a new random printer-uuid
        (:func:`~.records.new_uuid`)."""

    @abstractmethod
    def printer(self, name: str, *, for_update: bool = False) -> PrinterRecord | None:
        """The state of printer ``name``."""

    def update_printer(self, name: str, **changes: Unpack[PrinterChanges]) -> None:
        """Change printer ``name``; a new ``state_change`` or ``config_change`` time records the
        printer's printer-state-changed (or printer-stopped) or printer-config-changed event."""
        self._set_printer(name, changes)
        if "state_change" in changes:
            self._listener.printer_state_changed(self, name, changes["state_change"])
        if "config_change" in changes:
            self._listener.printer_config_changed(self, name, changes["config_change"])

    @abstractmethod
    def _set_printer(self, name: str, changes: PrinterChanges) -> None:
        """Write ``changes`` to printer ``name`` (nothing else)."""

    @abstractmethod
    def active_job_counts(self, printer: str) -> dict[int, int]:
        """How many jobs of ``printer`` are in each active state (pending, held, processing, stopped)."""

    @abstractmethod
    def device_status(self, printer: str) -> tuple[list[str], str]:
        """The printer-state-reasons and message last reported for ``printer``'s device (``[]``, ``""``:
        none)."""

    @abstractmethod
    def set_device_status(self, printer: str, reasons: Sequence[str], message: str, now: float) -> None:
        """Record what ``printer``'s device reports (``reasons`` empty: nothing to report)."""

    # -- jobs

    @abstractmethod
    def insert_job(self, job: NewJob) -> JobRecord:
        """Insert a job; it as inserted, with its job-id (unique and increasing, never reused) and a new
        random job-uuid (:func:`~.records.new_uuid`)."""

    @abstractmethod
    def job(self, job_id: int, *, for_update: bool = False) -> JobRecord | None:
        """Job ``job_id``."""

    def update_job(self, job_id: int, *, before: JobRecord | None = None,
                   **changes: Unpack[JobChanges]) -> None:
        """Change job ``job_id``; a change of ``state`` records its job-state-changed (or job-completed)
        event. ``before``: the job as the caller just read it in this transaction (saves a read)."""
        state = changes.get("state")
        if state is not None and before is None:
            before = self.job(job_id)
        self._set_job(job_id, changes)
        if state is not None and before is not None and before.state != state:
            printer = changes.get("printer", before.printer)
            self._listener.job_state_changed(self, job_id, printer, state, time.time())
            self._job_changes.append(JobChange(job_id, printer, state,
                                               tuple(changes.get("reasons", before.reasons)),
                                               changes.get("message", before.message), before.owner,
                                               before.request_id))

    @abstractmethod
    def _set_job(self, job_id: int, changes: JobChanges) -> None:
        """Write ``changes`` to job ``job_id`` (nothing else)."""

    @abstractmethod
    def select_jobs(self, states: Iterable[int], *, printer: str | None = None, owner: str | None = None,
                    closed: bool | None = None, held_new: bool | None = None, order: JobOrder = "queue",
                    limit: int | None = None, offset: int = 0) -> list[JobRecord]:
        """Jobs in one of ``states`` matching every filter given, in ``order``, ``offset`` skipped."""

    @abstractmethod
    def count_active_jobs(self, owner: str | None = None) -> int:
        """Jobs of every printer (of ``owner``, when given) that have not ended."""

    @abstractmethod
    def spool_bytes(self) -> int:
        """Bytes of every job's documents, ended jobs' included."""

    @abstractmethod
    def ready_jobs(self, printer: str, limit: int) -> list[JobRecord]:
        """The first ``limit`` jobs of ``printer`` ready to print, in queue order: pending and closed, the
        printer neither paused nor shut down."""

    @abstractmethod
    def expired_history(self, completed_before: float, keep: int) -> list[int]:
        """Ended jobs that completed before ``completed_before``, or beyond the ``keep`` most recent
        ended jobs."""

    @abstractmethod
    def top_priority(self, printer: str, states: Iterable[int], excluding: int) -> float | None:
        """The highest priority of ``printer``'s jobs in ``states`` other than ``excluding``."""

    @abstractmethod
    def raise_priorities(self, printer: str, states: Iterable[int], excluding: int,
                         through: JobRecord) -> None:
        """Move up by one the priority of ``printer``'s jobs in ``states`` (but ``excluding``) that print
        before ``through``, and of ``through`` itself."""

    @abstractmethod
    def end_upload(self, job_id: int, receiver_pid: int) -> None:
        """Forget that process ``receiver_pid`` receives a document for the job (if it still does)."""

    @abstractmethod
    def delete_jobs(self, job_ids: Iterable[int]) -> None:
        """Delete jobs and their documents' records and bytes (the bytes once the transaction commits)."""

    # -- documents

    @abstractmethod
    def add_document(self, job_id: int, number: int, format_: str, name: str, attributes: AttributeGroup,
                     received: ReceivedDocument) -> None:
        """Record document ``number`` of a job and keep its bytes (durable once :meth:`Store.write`
        returns). Call it last in the transaction: only its commit then can fail after the bytes moved."""

    @abstractmethod
    def documents(self, job_id: int, *, with_data: bool = False) -> list[DocumentRecord]:
        """A job's documents in order; ``with_data``: with the bytes of those the store keeps with the
        job (:attr:`~.records.DocumentRecord.data`)."""

    @abstractmethod
    def document(self, job_id: int, number: int) -> DocumentRecord | None:
        """Document ``number`` of a job (without its bytes)."""

    @abstractmethod
    def cancel_document(self, job_id: int, number: int) -> None:
        """Mark a document canceled (Cancel-Document): it is not printed."""

    @abstractmethod
    def update_document(self, job_id: int, number: int, name: str, attributes: AttributeGroup) -> None:
        """Set a document's name and attributes."""

    @abstractmethod
    def document_kept(self, job_id: int, number: int) -> bool:
        """Whether the bytes of a job's document are still kept."""

    # -- subscriptions and events

    @abstractmethod
    def create_subscription(self, printer: str, request: SubscriptionRequest, now: float) -> int:
        """Insert a subscription (a job subscription has no lease); its id."""

    @abstractmethod
    def subscription(self, printer: str, subscription_id: int, now: float) -> Subscription | None:
        """The subscription, unless unknown, of another printer, or expired."""

    @abstractmethod
    def select_subscriptions(self, printer: str, job_id: int | None, owner: str | None, limit: int | None,
                             now: float) -> list[Subscription]:
        """Unexpired subscriptions of ``printer`` (of job ``job_id``, or printer subscriptions when None),
        by ascending id."""

    @abstractmethod
    def renew_subscription(self, subscription_id: int, lease_duration: int, now: float) -> None:
        """Restart a subscription's lease from ``now`` (0: no expiry)."""

    @abstractmethod
    def delete_subscriptions(self, subscription_ids: Sequence[int]) -> None:
        """Delete subscriptions and their events."""

    @abstractmethod
    def subscribers(self, printer: str, job_id: int | None, now: float) -> list[Subscriber]:
        """Live subscriptions an event of ``printer`` (of job ``job_id``, None: a printer event) may reach:
        the printer's, and the job's."""

    @abstractmethod
    def has_subscribers(self, printer: str, now: float) -> bool:
        """Whether ``printer`` has a live subscription at all."""

    @abstractmethod
    def add_event(self, subscription_id: int, event: str, now: float, printer: str, job_id: int | None,
                  text: str, attributes: AttributeGroup) -> int:
        """Give the subscription its next notify-sequence-number and keep the event under it; the
        number."""

    @abstractmethod
    def end_job_subscriptions(self, job_id: int, now: float) -> None:
        """End the subscriptions of a job that ended."""

    @abstractmethod
    def events(self, subscription_id: int, first_sequence: int) -> list[Event]:
        """The kept events of a subscription from ``first_sequence`` on."""

    @abstractmethod
    def purge_events(self, event_life: float, now: float) -> None:
        """Drop events older than ``event_life``, and subscriptions expired or ended longer ago."""

    # -- printing leases

    @abstractmethod
    def lease(self, printer: str, *, for_update: bool = False) -> PrinterLease | None:
        """The printing lease of ``printer`` (None: never taken)."""

    @abstractmethod
    def take_lease(self, printer: str, holder: str, expires: float) -> PrinterLease:
        """Give ``printer``'s lease to ``holder`` until ``expires``, with the next fencing token; the
        lease as taken (its last ``delivery`` is kept: the new holder must see it ended)."""

    @abstractmethod
    def renew_lease(self, lease: PrinterLease, now: float, expires: float) -> PrinterLease | None:
        """Extend ``lease`` to ``expires`` if its holder still holds it with its token and it has not
        expired at ``now``; else None (the holder must take it again, with a new token)."""

    @abstractmethod
    def release_lease(self, lease: PrinterLease) -> None:
        """Give ``lease`` up, if its holder still holds it with its token."""

    @abstractmethod
    def check_lease(self, lease: PrinterLease, now: float) -> None:
        """The fence: raise :class:`LeaseLost` unless ``lease``'s holder still holds it with its token and
        it has not expired at ``now``; a store with row locks keeps the lease locked until the end of the
        transaction, so no other holder takes it meanwhile."""

    @abstractmethod
    def record_delivery(self, lease: PrinterLease, delivery: DeliveryProcess, now: float) -> None:
        """Remember ``delivery`` as the last one the holder of ``lease`` started (fenced as
        :meth:`check_lease`)."""
