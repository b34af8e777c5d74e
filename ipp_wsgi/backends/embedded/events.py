"""Subscriptions and their events (RFC 3995), kept in the job store so every process sees them: which
subscriptions an event reaches and what it says (the store does the reading and writing).

An event is recorded in the same transaction as the state change it announces (the store calls
:class:`Notifier`, its :class:`~.store.ChangeListener`), and copied at once to every live subscription it
matches, each copy numbered by that subscription's own notify-sequence-number. Clients fetch the copies
with Get-Notifications (``ippget``); they are kept ``event_life`` seconds (ippget-event-life). A job
subscription ends with its job; a printer subscription ends when its lease runs out; ended subscriptions
are deleted once their last events have aged out.
"""

from __future__ import annotations

import time

from ipp_wsgi.backends.base import JOB_PROCESSING_STOPPED, PRINTER_STOPPED, TERMINAL_JOB_STATES
from ipp_wsgi.backends.embedded.printer_status import printer_status
from ipp_wsgi.backends.embedded.store import StoreTransaction
from ipp_wsgi.codec import AttributeGroup, Range, tags

SELECTED_BY: dict[str, frozenset[str]] = {
    "job-created": frozenset({"job-created", "job-state-changed"}),
    "job-completed": frozenset({"job-completed", "job-state-changed"}),
    "job-state-changed": frozenset({"job-state-changed"}),
    "job-stopped": frozenset({"job-stopped"}),
    "job-config-changed": frozenset({"job-config-changed"}),
    "printer-state-changed": frozenset({"printer-state-changed"}),
    "printer-stopped": frozenset({"printer-stopped", "printer-state-changed"}),
    "printer-config-changed": frozenset({"printer-config-changed"}),
    "printer-queue-order-changed": frozenset({"printer-queue-order-changed"}),
    "printer-shutdown": frozenset({"printer-shutdown"}),
    "printer-restarted": frozenset({"printer-restarted"}),
}
"""Each event this spooler generates -> the notify-events keywords whose subscriptions receive it.

``job-stopped``, ``printer-shutdown`` and ``printer-restarted`` come with the job-state-changed or
printer-state-changed event of the same change, so each is selected only by its own keyword: a
``*-state-changed`` subscription gets one event per change."""

EVENTS_SUPPORTED = tuple(sorted({k for keys in SELECTED_BY.values() for k in keys}))
"""notify-events-supported: exactly the events generated."""

LEASE_DEFAULT = 86400
LEASE_MAX = 67108863
"""notify-lease-duration upper bound (RFC 3995's 2**26 - 1 seconds, about two years)."""


def capabilities(event_life: int) -> AttributeGroup:
    """The printer attributes that describe this spooler's subscriptions (notify-*, ippget-event-life)."""
    group = AttributeGroup()
    group.add("notify-events-supported", list(EVENTS_SUPPORTED), tags.KEYWORD)
    group.add("notify-events-default", ["job-completed"], tags.KEYWORD)
    group.add("notify-lease-duration-supported", Range(0, LEASE_MAX), tags.RANGE_OF_INTEGER)
    group.add("notify-lease-duration-default", LEASE_DEFAULT, tags.INTEGER)
    group.add("notify-max-events-supported", len(EVENTS_SUPPORTED), tags.INTEGER)
    group.add("notify-pull-method-supported", ["ippget"], tags.KEYWORD)
    group.add("ippget-event-life", event_life, tags.INTEGER)
    return group


def record(tx: StoreTransaction, event: str, printer: str, job_id: int | None, text: str,
           now: float | None = None) -> None:
    """Record ``event`` for every live subscription of ``printer`` it matches (job events: printer
    subscriptions and those of the job; printer events: every subscription of the printer)."""
    now = time.time() if now is None else now
    selecting = SELECTED_BY[event]
    subscribers = [s.subscription_id for s in tx.subscribers(printer, job_id, now) if selecting & s.events]
    if not subscribers:
        return
    attributes = AttributeGroup()
    printer_status(tx, printer).add_to(attributes)
    job = tx.job(job_id) if job_id is not None else None
    if job is not None:
        attributes.add("job-state", job.state, tags.ENUM)
        attributes.add("job-state-reasons", list(job.reasons) or ["none"], tags.KEYWORD)
        attributes.add("job-name", job.name, tags.NAME_WITHOUT_LANGUAGE)
    for subscription_id in subscribers:
        tx.add_event(subscription_id, event, now, printer, job_id, text, attributes)


class Notifier:
    """The events of the store's changes (:class:`~.store.ChangeListener`)."""

    def job_state_changed(self, tx: StoreTransaction, job_id: int, printer: str, state: int,
                          now: float) -> None:
        """The events of a job entering ``state``; a job that ended ends its subscriptions."""
        ended = state in TERMINAL_JOB_STATES
        event = "job-completed" if ended else "job-state-changed"
        text = f"Job {job_id} {_STATE_WORDS.get(state, 'changed state')}."
        record(tx, event, printer, job_id, text, now)
        if state == JOB_PROCESSING_STOPPED:
            record(tx, "job-stopped", printer, job_id, text, now)
        if ended:
            tx.end_job_subscriptions(job_id, now)

    def printer_state_changed(self, tx: StoreTransaction, printer: str, now: float) -> None:
        """A printer-state-changed event (printer-stopped when the printer is stopped now). Whether it is
        stopped is only worked out when a subscription of the printer lives: it counts the printer's
        active jobs."""
        if not tx.has_subscribers(printer, now):
            return
        if printer_status(tx, printer).state == PRINTER_STOPPED:
            record(tx, "printer-stopped", printer, None, f"Printer {printer} stopped.", now)
        else:
            record(tx, "printer-state-changed", printer, None, f"Printer {printer} changed state.", now)

    def printer_config_changed(self, tx: StoreTransaction, printer: str, now: float) -> None:
        """A printer-config-changed event."""
        record(tx, "printer-config-changed", printer, None, f"Printer {printer} was configured.", now)


_STATE_WORDS = {3: "is pending", 4: "is held", 5: "is printing", 6: "stopped", 7: "was canceled",
                8: "was aborted", 9: "completed"}
