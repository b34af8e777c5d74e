"""Subscriptions and their events (RFC 3995), kept in the job store so every process sees them.

An event is recorded in the same transaction as the state change it announces (:mod:`.store` calls
:func:`job_state_changed`, :func:`printer_changed` and :func:`record`), and copied at once to every
live subscription it matches, each copy numbered by that subscription's own notify-sequence-number.
Clients fetch the copies with Get-Notifications (``ippget``); they are kept ``event_life`` seconds
(ippget-event-life). A job subscription ends with its job; a printer subscription ends when its lease
runs out; ended subscriptions are deleted once their last events have aged out.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from ipp_wsgi.backends.base import (
    JOB_PROCESSING_STOPPED,
    PRINTER_STOPPED,
    TERMINAL_JOB_STATES,
    Event,
    Subscription,
    SubscriptionRequest,
)
from ipp_wsgi.backends.embedded.printer_status import printer_status
from ipp_wsgi.backends.embedded.serialize import dumps_group, loads_group
from ipp_wsgi.codec import AttributeGroup, Range, tags

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id INTEGER PRIMARY KEY AUTOINCREMENT,
    printer TEXT NOT NULL,
    job_id INTEGER,
    owner TEXT NOT NULL,
    events TEXT NOT NULL,
    lease_duration INTEGER NOT NULL,
    expires REAL,
    time_interval INTEGER NOT NULL DEFAULT 0,
    sequence INTEGER NOT NULL DEFAULT 0,
    ended REAL,
    attributes TEXT NOT NULL,
    owner_authenticated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS subscriptions_by_printer ON subscriptions (printer, job_id);
CREATE TABLE IF NOT EXISTS events (
    subscription_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    event TEXT NOT NULL,
    time REAL NOT NULL,
    printer TEXT NOT NULL,
    job_id INTEGER,
    text TEXT NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (subscription_id, sequence)
) WITHOUT ROWID;
"""

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


_LIVE = "ended IS NULL AND (expires IS NULL OR expires > ?)"


def create(db: sqlite3.Connection, printer: str, request: SubscriptionRequest, now: float) -> int:
    """Insert a subscription; its id."""
    expires = now + request.lease_duration if request.job_id is None and request.lease_duration else None
    cursor = db.execute(
        "INSERT INTO subscriptions (printer, job_id, owner, events, lease_duration, expires, time_interval,"
        " attributes, owner_authenticated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (printer, request.job_id, request.owner, json.dumps(request.events),
         0 if request.job_id is not None else request.lease_duration, expires, request.time_interval,
         dumps_group(request.attributes), int(request.owner_authenticated)))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def get(db: sqlite3.Connection, printer: str, subscription_id: int, now: float) -> Subscription | None:
    """The subscription, unless it is unknown, of another printer, expired, or ended and aged out."""
    row = db.execute("SELECT * FROM subscriptions WHERE subscription_id = ? AND printer = ?"
                     " AND (expires IS NULL OR expires > ?)", (subscription_id, printer, now)).fetchone()
    return _subscription(row) if row is not None else None


def select(db: sqlite3.Connection, printer: str, job_id: int | None, owner: str | None, limit: int | None,
           now: float) -> list[Subscription]:
    """Unexpired subscriptions of ``printer``: printer subscriptions, or job ``job_id``'s (kept for
    ippget-event-life after the job ended)."""
    where = ["printer = ? AND (expires IS NULL OR expires > ?)", "job_id IS ?"]
    params: list[object] = [printer, now, job_id]
    if owner is not None:
        where.append("owner = ?")
        params.append(owner)
    sql = f"SELECT * FROM subscriptions WHERE {' AND '.join(where)} ORDER BY subscription_id LIMIT ?"
    return [_subscription(row) for row in db.execute(sql, [*params, -1 if limit is None else limit])]


def renew(db: sqlite3.Connection, subscription_id: int, lease_duration: int, now: float) -> None:
    """Restart a printer subscription's lease."""
    db.execute("UPDATE subscriptions SET lease_duration = ?, expires = ? WHERE subscription_id = ?",
               (lease_duration, now + lease_duration if lease_duration else None, subscription_id))


def delete(db: sqlite3.Connection, subscription_ids: Sequence[int]) -> None:
    """Delete subscriptions and their events."""
    ids = [(i,) for i in subscription_ids]
    db.executemany("DELETE FROM events WHERE subscription_id = ?", ids)
    db.executemany("DELETE FROM subscriptions WHERE subscription_id = ?", ids)


def events(db: sqlite3.Connection, subscription_id: int, first_sequence: int) -> list[Event]:
    """The kept events of a subscription from ``first_sequence`` on."""
    rows = db.execute("SELECT * FROM events WHERE subscription_id = ? AND sequence >= ? ORDER BY sequence",
                      (subscription_id, first_sequence))
    return [Event(subscription_id=row["subscription_id"], sequence=row["sequence"], event=row["event"],
                  time=row["time"], printer=row["printer"], job_id=row["job_id"], text=row["text"],
                  attributes=loads_group(row["attributes"])) for row in rows]


def purge(db: sqlite3.Connection, event_life: float, now: float) -> None:
    """Drop events older than ``event_life``, and subscriptions expired or ended longer ago than that."""
    db.execute("DELETE FROM events WHERE time < ?", (now - event_life,))
    gone = [row[0] for row in db.execute(
        "SELECT subscription_id FROM subscriptions WHERE expires <= ? OR ended < ?", (now, now - event_life))]
    delete(db, gone)


def record(db: sqlite3.Connection, event: str, printer: str, job_id: int | None, text: str,
           now: float | None = None) -> None:
    """Record ``event`` for every live subscription of ``printer`` it matches (job events: printer
    subscriptions and those of the job; printer events: every subscription of the printer)."""
    now = time.time() if now is None else now
    subscribers = [
        row for row in db.execute(
            f"SELECT subscription_id, events FROM subscriptions WHERE printer = ? AND {_LIVE}"
            " AND (job_id IS NULL OR job_id = ? OR ? IS NULL)", (printer, now, job_id, job_id))
        if SELECTED_BY[event] & set(json.loads(row["events"]))
    ]
    if not subscribers:
        return
    attributes = AttributeGroup()
    printer_status(db, printer).add_to(attributes)
    if job_id is not None:
        job = db.execute("SELECT state, reasons, name FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        attributes.add("job-state", job["state"], tags.ENUM)
        attributes.add("job-state-reasons", json.loads(job["reasons"]) or ["none"], tags.KEYWORD)
        attributes.add("job-name", job["name"], tags.NAME_WITHOUT_LANGUAGE)
    stored = dumps_group(attributes)
    for row in subscribers:
        sequence = db.execute("UPDATE subscriptions SET sequence = sequence + 1 WHERE subscription_id = ?"
                              " RETURNING sequence", (row["subscription_id"],)).fetchone()[0]
        db.execute("INSERT INTO events (subscription_id, sequence, event, time, printer, job_id, text,"
                   " attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (row["subscription_id"], sequence, event, now, printer, job_id, text, stored))


def job_state_changed(db: sqlite3.Connection, job_id: int, printer: str, state: int, now: float) -> None:
    """The events of a job entering ``state``; a job that ended ends its subscriptions."""
    ended = state in TERMINAL_JOB_STATES
    event = "job-completed" if ended else "job-state-changed"
    text = f"Job {job_id} {_STATE_WORDS.get(state, 'changed state')}."
    record(db, event, printer, job_id, text, now)
    if state == JOB_PROCESSING_STOPPED:
        record(db, "job-stopped", printer, job_id, text, now)
    if ended:
        db.execute("UPDATE subscriptions SET ended = ? WHERE job_id = ? AND ended IS NULL", (now, job_id))


def printer_changed(db: sqlite3.Connection, printer: str, now: float) -> None:
    """A printer-state-changed event (printer-stopped when the printer is stopped now). Whether it is stopped
    is only worked out when a subscription of the printer lives: it counts the printer's active jobs."""
    live = db.execute(f"SELECT 1 FROM subscriptions WHERE printer = ? AND {_LIVE} LIMIT 1", (printer, now))
    if live.fetchone() is None:
        return
    if printer_status(db, printer).state == PRINTER_STOPPED:
        record(db, "printer-stopped", printer, None, f"Printer {printer} stopped.", now)
    else:
        record(db, "printer-state-changed", printer, None, f"Printer {printer} changed state.", now)


_STATE_WORDS = {3: "is pending", 4: "is held", 5: "is printing", 6: "stopped", 7: "was canceled",
                8: "was aborted", 9: "completed"}


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        subscription_id=row["subscription_id"], printer=row["printer"], owner=row["owner"],
        events=json.loads(row["events"]), job_id=row["job_id"], lease_duration=row["lease_duration"],
        expires=row["expires"], time_interval=row["time_interval"], sequence=row["sequence"],
        ended=row["ended"] is not None, attributes=loads_group(row["attributes"]),
        owner_authenticated=bool(row["owner_authenticated"]))
