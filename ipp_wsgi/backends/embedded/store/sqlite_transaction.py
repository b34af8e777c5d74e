"""One transaction of the SQLite store: printers, jobs and documents (subscriptions and events in
:mod:`.sqlite_subscriptions`, printing leases and device status in :mod:`.sqlite_leases`)."""

from __future__ import annotations

import functools
import io
import json
import sqlite3
from collections.abc import Iterable
from typing import Any, BinaryIO

from ipp_wsgi.backends.base import JOB_PENDING, TERMINAL_JOB_STATES
from ipp_wsgi.backends.embedded.serialize import dumps_group
from ipp_wsgi.backends.embedded.spool import Received, Spool
from ipp_wsgi.backends.embedded.store.documents import DocumentWriteError, ReceivedDocument
from ipp_wsgi.backends.embedded.store.records import (
    ACTIVE_JOB_STATES,
    DocumentRecord,
    JobChanges,
    JobRecord,
    NewJob,
    PrinterChanges,
    PrinterRecord,
    new_uuid,
)
from ipp_wsgi.backends.embedded.store.sqlite_leases import LeaseQueries
from ipp_wsgi.backends.embedded.store.sqlite_subscriptions import SubscriptionQueries
from ipp_wsgi.backends.embedded.store.transaction import ChangeListener, JobOrder
from ipp_wsgi.codec import AttributeGroup

_JOB_COLUMNS = ("job_id, printer, owner, name, state, reasons, message, created, processing, completed,"
                " octets, documents, closed, origin_host, priority, attributes, touched, worker_pid, holder,"
                " lease_token, receiver_pid, held_new, owner_authenticated, uuid, request_id")
"""The columns of a :class:`JobRecord`, in the order of its fields."""
_READY_COLUMNS = ", ".join(f"j.{name.strip()}" for name in _JOB_COLUMNS.split(","))
_PRINTER_COLUMNS = ("name, paused, accepting, state_change, config_change, overrides, identified,"
                    " identify_message, hold_new, shutdown, uuid")
_DOCUMENT_COLUMNS = "job_id, number, format, name, octets, attributes, canceled"
_ORDERS: dict[str, str] = {"queue": "priority DESC, job_id ASC", "newest": "job_id DESC"}
_ENDED = tuple(sorted(TERMINAL_JOB_STATES))
_SETTABLE_JOB = frozenset(JobChanges.__annotations__)
_SETTABLE_PRINTER = frozenset(PrinterChanges.__annotations__)


class SqliteReceived(ReceivedDocument):
    """A document the SQLite store received: in memory, or in a temporary file of the spool."""

    def __init__(self, received: Received) -> None:
        self.size = received.size
        self.received = received

    def open(self) -> BinaryIO:
        """Its bytes in memory, or its temporary file."""
        if self.received.data is not None:
            return io.BytesIO(self.received.data)
        assert self.received.path is not None
        return open(self.received.path, "rb")

    def discard(self) -> None:
        """Remove its temporary file, if it has one."""
        self.received.discard()


class SqliteTransaction(SubscriptionQueries, LeaseQueries):
    """A transaction on connection ``db``; document files live in ``spool``."""

    def __init__(self, db: sqlite3.Connection, spool: Spool, listener: ChangeListener) -> None:
        super().__init__(listener)
        self.db = db
        self._spool = spool
        self._kept_files = False
        self._removed: list[tuple[int, int]] = []
        """(job-id, document count) of deleted jobs, whose files go once the transaction commits."""

    def committed(self) -> None:
        """After COMMIT: make the document files kept durable, remove those of deleted jobs, tell the
        observers of the job changes."""
        try:
            for job_id, count in self._removed:
                self._spool.remove_documents(job_id, count)
            if self._kept_files:
                try:
                    self._spool.sync()
                except OSError as exc:
                    raise DocumentWriteError(exc.errno, f"cannot write to the spool: {exc.strerror}") from exc
        finally:
            super().committed()

    # -- printers

    def ensure_printer(self, name: str, now: float) -> None:
        self.db.execute("INSERT OR IGNORE INTO printers (name, state_change, config_change, uuid)"
                        " VALUES (?, ?, ?, ?)", (name, now, now, new_uuid()))

    def printer(self, name: str, *, for_update: bool = False) -> PrinterRecord | None:
        row = self.db.execute(f"SELECT {_PRINTER_COLUMNS} FROM printers WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        return PrinterRecord(row[0], bool(row[1]), bool(row[2]), row[3], row[4], row[5], row[6], row[7],
                             bool(row[8]), bool(row[9]), row[10])

    def _set_printer(self, name: str, changes: PrinterChanges) -> None:
        values: dict[str, Any] = dict(changes)
        if "overrides" in values:
            values["overrides"] = dumps_group(values["overrides"])
        _update(self.db, "printers", "name", name, _SETTABLE_PRINTER, values)

    def active_job_counts(self, printer: str) -> dict[int, int]:
        marks = ", ".join("?" for _ in ACTIVE_JOB_STATES)
        return dict(self.db.execute(
            f"SELECT state, COUNT(*) FROM jobs WHERE printer = ? AND state IN ({marks}) GROUP BY state",
            (printer, *ACTIVE_JOB_STATES)).fetchall())

    # -- jobs

    def insert_job(self, job: NewJob) -> JobRecord:
        row = self.db.execute(
            "INSERT INTO jobs (printer, owner, name, state, reasons, created, touched, attributes, priority,"
            " closed, origin_host, held_new, owner_authenticated, documents, octets, uuid, request_id)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_JOB_COLUMNS}",
            (job.printer, job.owner, job.name, job.state, json.dumps(list(job.reasons)), job.created,
             job.created, dumps_group(job.attributes), job.priority, job.closed, job.origin_host,
             job.held_new, job.owner_authenticated, job.documents, job.octets, new_uuid(),
             job.request_id)).fetchone()
        return _job(row)

    def job(self, job_id: int, *, for_update: bool = False) -> JobRecord | None:
        row = self.db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _job(row) if row is not None else None

    def _set_job(self, job_id: int, changes: JobChanges) -> None:
        values: dict[str, Any] = dict(changes)
        if "reasons" in values:
            values["reasons"] = json.dumps(list(values["reasons"]))
        if "attributes" in values:
            values["attributes"] = dumps_group(values["attributes"])
        _update(self.db, "jobs", "job_id", job_id, _SETTABLE_JOB, values)

    def select_jobs(self, states: Iterable[int], *, printer: str | None = None, owner: str | None = None,
                    closed: bool | None = None, held_new: bool | None = None, order: JobOrder = "queue",
                    limit: int | None = None, offset: int = 0) -> list[JobRecord]:
        states = tuple(states)
        where, params = [f"state IN ({_marks(states)})"], list[object](states)
        for column, value in (("printer", printer), ("owner", owner), ("closed", closed),
                              ("held_new", held_new)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = (f"SELECT {_JOB_COLUMNS} FROM jobs WHERE {' AND '.join(where)} ORDER BY {_ORDERS[order]}"
               " LIMIT ? OFFSET ?")
        return [_job(row) for row in self.db.execute(sql, [*params, -1 if limit is None else limit, offset])]

    def count_active_jobs(self, owner: str | None = None) -> int:
        sql = f"SELECT COUNT(*) FROM jobs WHERE state IN ({_marks(ACTIVE_JOB_STATES)})"
        if owner is None:
            (count,) = self.db.execute(sql, ACTIVE_JOB_STATES).fetchone()
        else:
            (count,) = self.db.execute(sql + " AND owner = ?", (*ACTIVE_JOB_STATES, owner)).fetchone()
        return int(count)

    def spool_bytes(self) -> int:
        (total,) = self.db.execute("SELECT COALESCE(SUM(octets), 0) FROM jobs").fetchone()
        return int(total)

    def ready_jobs(self, printer: str, limit: int) -> list[JobRecord]:
        rows = self.db.execute(
            f"SELECT {_READY_COLUMNS} FROM jobs j JOIN printers p ON p.name = j.printer"
            " WHERE j.printer = ? AND j.state = ? AND j.closed = 1 AND p.paused = 0 AND p.shutdown = 0"
            " ORDER BY j.priority DESC, j.job_id LIMIT ?", (printer, JOB_PENDING, limit))
        return [_job(row) for row in rows]

    def expired_history(self, completed_before: float, keep: int) -> list[int]:
        old = self.db.execute("SELECT job_id FROM jobs WHERE completed IS NOT NULL AND completed < ?",
                              (completed_before,)).fetchall()
        beyond = self.db.execute(f"SELECT job_id FROM jobs WHERE state IN ({_marks(_ENDED)})"
                                 " ORDER BY job_id DESC LIMIT -1 OFFSET ?", (*_ENDED, keep)).fetchall()
        return sorted({job_id for (job_id,) in old + beyond})

    def top_priority(self, printer: str, states: Iterable[int], excluding: int) -> float | None:
        states = tuple(states)
        (top,) = self.db.execute(f"SELECT MAX(priority) FROM jobs WHERE printer = ? AND state IN"
                                 f" ({_marks(states)}) AND job_id != ?",
                                 (printer, *states, excluding)).fetchone()
        return None if top is None else float(top)

    def raise_priorities(self, printer: str, states: Iterable[int], excluding: int,
                         through: JobRecord) -> None:
        states = tuple(states)
        self.db.execute("UPDATE jobs SET priority = priority + 1 WHERE printer = ?"
                        f" AND state IN ({_marks(states)}) AND job_id != ?"
                        " AND (priority > ? OR (priority = ? AND job_id <= ?))",
                        (printer, *states, excluding, through.priority, through.priority, through.job_id))

    def end_upload(self, job_id: int, receiver_pid: int) -> None:
        self.db.execute("UPDATE jobs SET receiver_pid = NULL WHERE job_id = ? AND receiver_pid = ?",
                        (job_id, receiver_pid))

    def delete_jobs(self, job_ids: Iterable[int]) -> None:
        ids = json.dumps(list(job_ids))
        chosen = "job_id IN (SELECT value FROM json_each(?))"
        self._removed += self.db.execute(f"SELECT job_id, documents FROM jobs WHERE {chosen}",
                                         (ids,)).fetchall()
        for table in ("document_data", "documents", "jobs"):
            self.db.execute(f"DELETE FROM {table} WHERE {chosen}", (ids,))

    # -- documents

    def add_document(self, job_id: int, number: int, format_: str, name: str, attributes: AttributeGroup,
                     received: ReceivedDocument) -> None:
        assert isinstance(received, SqliteReceived)
        kept = received.received
        self.db.execute("INSERT INTO documents (job_id, number, format, name, octets, attributes)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (job_id, number, format_, name, received.size, dumps_group(attributes)))
        if kept.data is not None:
            self.db.execute("INSERT INTO document_data (job_id, number, data) VALUES (?, ?, ?)",
                            (job_id, number, kept.data))
            return
        assert kept.path is not None
        try:
            self._spool.keep(kept.path, job_id, number)
        except OSError as exc:
            raise DocumentWriteError(exc.errno, f"cannot write to the spool: {exc.strerror}") from exc
        self._kept_files = True

    def documents(self, job_id: int, *, with_data: bool = False) -> list[DocumentRecord]:
        if with_data:
            rows = self.db.execute("SELECT d.job_id, d.number, d.format, d.name, d.octets, d.attributes,"
                                   " d.canceled, x.data FROM documents d LEFT JOIN document_data x"
                                   " ON x.job_id = d.job_id AND x.number = d.number"
                                   " WHERE d.job_id = ? ORDER BY d.number", (job_id,))
        else:
            rows = self.db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE job_id = ?"
                                   " ORDER BY number", (job_id,))
        return [_document(row) for row in rows]

    def document(self, job_id: int, number: int) -> DocumentRecord | None:
        row = self.db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE job_id = ? AND number = ?",
                              (job_id, number)).fetchone()
        return _document(row) if row is not None else None

    def cancel_document(self, job_id: int, number: int) -> None:
        self.db.execute("UPDATE documents SET canceled = 1 WHERE job_id = ? AND number = ?", (job_id, number))

    def update_document(self, job_id: int, number: int, name: str, attributes: AttributeGroup) -> None:
        self.db.execute("UPDATE documents SET name = ?, attributes = ? WHERE job_id = ? AND number = ?",
                        (name, dumps_group(attributes), job_id, number))

    def document_kept(self, job_id: int, number: int) -> bool:
        row = self.db.execute("SELECT 1 FROM document_data WHERE job_id = ? AND number = ?",
                              (job_id, number)).fetchone()
        return row is not None or self._spool.document_path(job_id, number).exists()

    def inline_documents(self) -> dict[tuple[int, int], bytes]:
        """Every document the database keeps, by (job-id, number)."""
        rows = self.db.execute("SELECT job_id, number, data FROM document_data")
        return {(job_id, number): bytes(data) for job_id, number, data in rows}

    def document_keys(self) -> set[tuple[int, int]]:
        """(job-id, number) of every document recorded."""
        rows = self.db.execute("SELECT job_id, number FROM documents")
        return {(job_id, number) for job_id, number in rows}


def _job(row: tuple[Any, ...]) -> JobRecord:
    return JobRecord(row[0], row[1], row[2], row[3], row[4], _reasons(row[5]), row[6], row[7], row[8], row[9],
                     row[10], row[11], row[12] == 1, row[13], row[14], row[15], row[16], row[17], row[18],
                     row[19], row[20], row[21] == 1, row[22] == 1, row[23], row[24])


def _document(row: tuple[Any, ...]) -> DocumentRecord:
    data = row[7] if len(row) > 7 else None
    return DocumentRecord(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), data)


@functools.lru_cache(maxsize=256)  # a handful of distinct job-state-reasons lists
def _reasons(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _marks(values: tuple[object, ...]) -> str:
    return ", ".join("?" for _ in values)


def _update(db: sqlite3.Connection, table: str, key: str, key_value: Any, allowed: frozenset[str],
            values: dict[str, Any]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not columns of {table}: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE {key} = ?", [*values.values(), key_value])

