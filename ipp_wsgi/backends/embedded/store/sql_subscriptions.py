"""Subscriptions and their events (RFC 3995): the SQL queries both SQL stores share (SQLite's
:class:`.SqliteTransaction`, PostgreSQL's :class:`.PgTransaction`)."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from ipp_wsgi.backends.base import Event, Subscription, SubscriptionRequest
from ipp_wsgi.backends.embedded.serialize import dumps_group, loads_group
from ipp_wsgi.backends.embedded.store.records import Subscriber
from ipp_wsgi.backends.embedded.store.sql_db import SqlQueries
from ipp_wsgi.codec import AttributeGroup

_LIVE = "ended IS NULL AND (expires IS NULL OR expires > ?)"
_SUBSCRIPTION_COLUMNS = ("subscription_id, printer, owner, events, job_id, lease_duration, expires,"
                         " time_interval, sequence, ended, attributes, owner_authenticated")


class SubscriptionQueries(SqlQueries):
    """Subscriptions and events of a transaction on the connection ``db``."""

    def create_subscription(self, printer: str, request: SubscriptionRequest, now: float) -> int:
        job = request.job_id is not None
        expires = now + request.lease_duration if not job and request.lease_duration else None
        (subscription_id,) = self.db.execute(
            "INSERT INTO subscriptions (printer, job_id, owner, events, lease_duration, expires,"
            " time_interval, attributes, owner_authenticated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING subscription_id",
            (printer, request.job_id, request.owner, json.dumps(request.events),
             0 if job else request.lease_duration, expires, request.time_interval,
             dumps_group(request.attributes), request.owner_authenticated)).fetchone()
        return int(subscription_id)

    def subscription(self, printer: str, subscription_id: int, now: float) -> Subscription | None:
        row = self.db.execute(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE subscription_id = ?"
                              " AND printer = ? AND (expires IS NULL OR expires > ?)",
                              (subscription_id, printer, now)).fetchone()
        return _subscription(row) if row is not None else None

    def select_subscriptions(self, printer: str, job_id: int | None, owner: str | None, limit: int | None,
                             now: float) -> list[Subscription]:
        where = ["printer = ? AND (expires IS NULL OR expires > ?)", "job_id IS NOT DISTINCT FROM ?"]
        params: list[object] = [printer, now, job_id]
        if owner is not None:
            where.append("owner = ?")
            params.append(owner)
        sql = (f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {' AND '.join(where)}"
               " ORDER BY subscription_id LIMIT ?")
        return [_subscription(row) for row in self.db.execute(sql, [*params, self.limit(limit)])]

    def renew_subscription(self, subscription_id: int, lease_duration: int, now: float) -> None:
        self.db.execute("UPDATE subscriptions SET lease_duration = ?, expires = ? WHERE subscription_id = ?",
                        (lease_duration, now + lease_duration if lease_duration else None, subscription_id))

    def delete_subscriptions(self, subscription_ids: Sequence[int]) -> None:
        ids = [(i,) for i in subscription_ids]
        self.db.executemany("DELETE FROM events WHERE subscription_id = ?", ids)
        self.db.executemany("DELETE FROM subscriptions WHERE subscription_id = ?", ids)

    def subscribers(self, printer: str, job_id: int | None, now: float) -> list[Subscriber]:
        sql = f"SELECT subscription_id, events FROM subscriptions WHERE printer = ? AND {_LIVE}"
        if job_id is None:  # a printer event: every subscription of the printer
            rows = self.db.execute(sql, (printer, now))
        else:
            rows = self.db.execute(sql + " AND (job_id IS NULL OR job_id = ?)", (printer, now, job_id))
        return [Subscriber(subscription_id, _events(events)) for subscription_id, events in rows]

    def has_subscribers(self, printer: str, now: float) -> bool:
        live = self.db.execute(f"SELECT 1 FROM subscriptions WHERE printer = ? AND {_LIVE} LIMIT 1",
                               (printer, now))
        return live.fetchone() is not None

    def add_event(self, subscription_id: int, event: str, now: float, printer: str, job_id: int | None,
                  text: str, attributes: AttributeGroup) -> int:
        (sequence,) = self.db.execute("UPDATE subscriptions SET sequence = sequence + 1"
                                      " WHERE subscription_id = ? RETURNING sequence",
                                      (subscription_id,)).fetchone()
        self.db.execute("INSERT INTO events (subscription_id, sequence, event, time, printer, job_id, text,"
                        " attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (subscription_id, sequence, event, now, printer, job_id, text,
                         dumps_group(attributes)))
        return int(sequence)

    def end_job_subscriptions(self, job_id: int, now: float) -> None:
        self.db.execute("UPDATE subscriptions SET ended = ? WHERE job_id = ? AND ended IS NULL",
                        (now, job_id))

    def events(self, subscription_id: int, first_sequence: int) -> list[Event]:
        rows = self.db.execute("SELECT subscription_id, sequence, event, time, printer, job_id, text,"
                               " attributes FROM events WHERE subscription_id = ? AND sequence >= ?"
                               " ORDER BY sequence",
                               (subscription_id, first_sequence))
        return [Event(row[0], row[1], row[2], row[3], row[4], row[5], row[6], loads_group(row[7]))
                for row in rows]

    def purge_events(self, event_life: float, now: float) -> None:
        self.db.execute("DELETE FROM events WHERE time < ?", (now - event_life,))
        gone = [row[0] for row in self.db.execute(
            "SELECT subscription_id FROM subscriptions WHERE expires <= ? OR ended < ?",
            (now, now - event_life))]
        self.delete_subscriptions(gone)


def _subscription(row: tuple[Any, ...]) -> Subscription:
    return Subscription(
        subscription_id=row[0], printer=row[1], owner=row[2], events=json.loads(row[3]), job_id=row[4],
        lease_duration=row[5], expires=row[6], time_interval=row[7], sequence=row[8],
        ended=row[9] is not None, attributes=loads_group(row[10]), owner_authenticated=bool(row[11]))


@functools.lru_cache(maxsize=256)  # subscriptions share a few notify-events lists
def _events(text: str) -> frozenset[str]:
    return frozenset(json.loads(text))
