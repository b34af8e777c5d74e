"""Printing leases and device status: the SQL queries both SQL stores share (SQLite's
:class:`.SqliteTransaction`, PostgreSQL's :class:`.PgTransaction`).

Every write transaction of either store is exclusive (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-level advisory lock, :mod:`.pg`), so the fence (:meth:`LeaseQueries.check_lease`) read at its
start holds until its COMMIT: no other process can take the lease in between. PostgreSQL also locks the
lease's row (:attr:`~.sql_db.SqlQueries.ROW_LOCK`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ipp_wsgi.backends.embedded.store.records import DeliveryProcess, PrinterLease
from ipp_wsgi.backends.embedded.store.sql_db import SqlQueries
from ipp_wsgi.backends.embedded.store.transaction import LeaseLost

_LEASE_COLUMNS = "printer, holder, token, expires, delivery_host, delivery_pgid, delivery_started"
_HELD = "printer = ? AND holder = ? AND token = ?"


class LeaseQueries(SqlQueries):
    """Printing leases and device status of a transaction on the connection ``db``."""

    def lease(self, printer: str, *, for_update: bool = False) -> PrinterLease | None:
        row = self.db.execute(f"SELECT {_LEASE_COLUMNS} FROM printer_leases WHERE printer = ?"
                              f"{self.locked(for_update)}", (printer,)).fetchone()
        return _lease(row) if row is not None else None

    def take_lease(self, printer: str, holder: str, expires: float) -> PrinterLease:
        row = self.db.execute(
            "INSERT INTO printer_leases (printer, holder, token, expires) VALUES (?, ?, 1, ?)"
            " ON CONFLICT (printer) DO UPDATE SET holder = excluded.holder, token = printer_leases.token + 1,"
            f" expires = excluded.expires RETURNING {_LEASE_COLUMNS}", (printer, holder, expires)).fetchone()
        return _lease(row)

    def renew_lease(self, lease: PrinterLease, now: float, expires: float) -> PrinterLease | None:
        row = self.db.execute(f"UPDATE printer_leases SET expires = ? WHERE {_HELD} AND expires > ?"
                              f" RETURNING {_LEASE_COLUMNS}", (expires, *_key(lease), now)).fetchone()
        return _lease(row) if row is not None else None

    def release_lease(self, lease: PrinterLease) -> None:
        self.db.execute(f"UPDATE printer_leases SET holder = NULL, expires = 0 WHERE {_HELD}", _key(lease))

    def check_lease(self, lease: PrinterLease, now: float) -> None:
        held = self.db.execute(f"SELECT 1 FROM printer_leases WHERE {_HELD} AND expires > ?"
                               f"{self.locked(True)}", (*_key(lease), now)).fetchone()
        if held is None:
            raise LeaseLost(lease.printer)

    def record_delivery(self, lease: PrinterLease, delivery: DeliveryProcess, now: float) -> None:
        cursor = self.db.execute(f"UPDATE printer_leases SET delivery_host = ?, delivery_pgid = ?,"
                                 f" delivery_started = ? WHERE {_HELD} AND expires > ?",
                                 (delivery.host, delivery.pgid, delivery.started, *_key(lease), now))
        if cursor.rowcount != 1:
            raise LeaseLost(lease.printer)

    # -- device status

    def device_status(self, printer: str) -> tuple[list[str], str]:
        row = self.db.execute("SELECT reasons, message FROM device_status WHERE printer = ?",
                              (printer,)).fetchone()
        if row is None:
            return [], ""
        reasons: list[str] = json.loads(row[0])
        return reasons, str(row[1])

    def set_device_status(self, printer: str, reasons: Sequence[str], message: str, now: float) -> None:
        self.db.execute("INSERT INTO device_status (printer, reasons, message, changed) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (printer) DO UPDATE SET reasons = excluded.reasons,"
                        " message = excluded.message, changed = excluded.changed",
                        (printer, json.dumps(list(reasons)), message, now))


def _key(lease: PrinterLease) -> tuple[str, str | None, int]:
    return lease.printer, lease.holder, lease.token


def _lease(row: tuple[Any, ...]) -> PrinterLease:
    delivery = DeliveryProcess(row[4], row[5], row[6]) if row[4] is not None else None
    return PrinterLease(row[0], row[1], row[2], row[3], delivery)
