"""One transaction of an SQL store: the queries of printers, jobs and documents' records that SQLite's
:class:`.SqliteTransaction` and PostgreSQL's :class:`.PgTransaction` share (subscriptions and events in
:mod:`.sql_subscriptions`, printing leases and device status in :mod:`.sql_leases`). Where a document's
bytes live is each store's own."""

from __future__ import annotations

import functools
import json
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from ipp_wsgi.backends.base import JOB_PENDING, TERMINAL_JOB_STATES
from ipp_wsgi.backends.embedded.serialize import dumps_group
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
from ipp_wsgi.backends.embedded.store.sql_db import Database
from ipp_wsgi.backends.embedded.store.sql_definitions import DefinitionQueries
from ipp_wsgi.backends.embedded.store.sql_leases import LeaseQueries
from ipp_wsgi.backends.embedded.store.sql_subscriptions import SubscriptionQueries
from ipp_wsgi.backends.embedded.store.transaction import JobOrder
from ipp_wsgi.codec import AttributeGroup

JOB_COLUMNS = ("job_id, printer, owner, name, state, reasons, message, created, processing, completed,"
               " octets, documents, closed, origin_host, priority, attributes, touched, worker_pid, holder,"
               " lease_token, receiver_pid, held_new, owner_authenticated, uuid, request_id")
"""The columns of a :class:`JobRecord`, in the order of its fields."""
READY_COLUMNS = ", ".join(f"j.{name.strip()}" for name in JOB_COLUMNS.split(","))
""":data:`JOB_COLUMNS` of the jobs ``j`` of a join."""
_PRINTER_COLUMNS = ("name, paused, accepting, state_change, config_change, overrides, identified,"
                    " identify_message, hold_new, shutdown, uuid")
DOCUMENT_COLUMNS = "job_id, number, format, name, octets, attributes, canceled"
"""The columns of a :class:`DocumentRecord` but its ``data``, in the order of its fields."""
_ORDERS: dict[str, str] = {"queue": "priority DESC, job_id ASC", "newest": "job_id DESC"}
_ENDED = tuple(sorted(TERMINAL_JOB_STATES))
_SETTABLE_JOB = frozenset(JobChanges.__annotations__)
_SETTABLE_PRINTER = frozenset(PrinterChanges.__annotations__)


class SqlTransaction(SubscriptionQueries, LeaseQueries, DefinitionQueries):
    """The queries of an SQL store's transaction on ``db`` but those of documents' bytes."""

    JOB_SELECT: ClassVar[str] = JOB_COLUMNS
    """What a query of jobs selects: :data:`JOB_COLUMNS` (a store may read some through an expression)."""
    READY_SELECT: ClassVar[str] = READY_COLUMNS
    """:attr:`JOB_SELECT` of the jobs ``j`` of a join."""

    # -- printers

    def ensure_printer(self, name: str, now: float) -> None:
        self.db.execute("INSERT INTO printers (name, state_change, config_change, uuid) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (name) DO NOTHING", (name, now, now, new_uuid()))

    def printer(self, name: str, *, for_update: bool = False) -> PrinterRecord | None:
        row = self.db.execute(f"SELECT {_PRINTER_COLUMNS} FROM printers WHERE name = ?"
                              f"{self.locked(for_update)}", (name,)).fetchone()
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
        return dict(self.db.execute(
            f"SELECT state, COUNT(*) FROM jobs WHERE printer = ? AND state IN ({marks(ACTIVE_JOB_STATES)})"
            " GROUP BY state", (printer, *ACTIVE_JOB_STATES)).fetchall())

    # -- jobs

    def insert_job(self, job: NewJob) -> JobRecord:
        row = self.db.execute(
            "INSERT INTO jobs (printer, owner, name, state, reasons, created, touched, attributes, priority,"
            " closed, origin_host, held_new, owner_authenticated, documents, octets, uuid, request_id)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {self.JOB_SELECT}",
            (job.printer, job.owner, job.name, job.state, json.dumps(list(job.reasons)), job.created,
             job.created, dumps_group(job.attributes), job.priority, job.closed, job.origin_host,
             job.held_new, job.owner_authenticated, job.documents, job.octets, new_uuid(),
             job.request_id)).fetchone()
        return _job(row)

    def job(self, job_id: int, *, for_update: bool = False) -> JobRecord | None:
        row = self.db.execute(f"SELECT {self.JOB_SELECT} FROM jobs WHERE job_id = ?{self.locked(for_update)}",
                              (job_id,)).fetchone()
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
        where, params = [f"state IN ({marks(states)})"], list[object](states)
        for column, value in (("printer", printer), ("owner", owner), ("closed", closed),
                              ("held_new", held_new)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = (f"SELECT {self.JOB_SELECT} FROM jobs WHERE {' AND '.join(where)} ORDER BY {_ORDERS[order]}"
               " LIMIT ? OFFSET ?")
        return [_job(row) for row in self.db.execute(sql, [*params, self.limit(limit), offset])]

    def count_active_jobs(self, owner: str | None = None) -> int:
        sql = f"SELECT COUNT(*) FROM jobs WHERE state IN ({marks(ACTIVE_JOB_STATES)})"
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
            f"SELECT {self.READY_SELECT} FROM jobs j JOIN printers p ON p.name = j.printer"
            " WHERE j.printer = ? AND j.state = ? AND j.closed = 1 AND p.paused = 0 AND p.shutdown = 0"
            " ORDER BY j.priority DESC, j.job_id LIMIT ?", (printer, JOB_PENDING, limit))
        return [_job(row) for row in rows]

    def expired_history(self, completed_before: float, keep: int) -> list[int]:
        old = self.db.execute("SELECT job_id FROM jobs WHERE completed IS NOT NULL AND completed < ?",
                              (completed_before,)).fetchall()
        beyond = self.db.execute(f"SELECT job_id FROM jobs WHERE state IN ({marks(_ENDED)})"
                                 " ORDER BY job_id DESC LIMIT ? OFFSET ?",
                                 (*_ENDED, self.NO_LIMIT, keep)).fetchall()
        return sorted({job_id for (job_id,) in old + beyond})

    def top_priority(self, printer: str, states: Iterable[int], excluding: int) -> float | None:
        states = tuple(states)
        (top,) = self.db.execute(f"SELECT MAX(priority) FROM jobs WHERE printer = ? AND state IN"
                                 f" ({marks(states)}) AND job_id != ?",
                                 (printer, *states, excluding)).fetchone()
        return None if top is None else float(top)

    def raise_priorities(self, printer: str, states: Iterable[int], excluding: int,
                         through: JobRecord) -> None:
        states = tuple(states)
        self.db.execute("UPDATE jobs SET priority = priority + 1 WHERE printer = ?"
                        f" AND state IN ({marks(states)}) AND job_id != ?"
                        " AND (priority > ? OR (priority = ? AND job_id <= ?))",
                        (printer, *states, excluding, through.priority, through.priority, through.job_id))

    def end_upload(self, job_id: int, receiver_pid: int) -> None:
        self.db.execute("UPDATE jobs SET receiver_pid = NULL WHERE job_id = ? AND receiver_pid = ?",
                        (job_id, receiver_pid))

    # -- documents' records

    def documents(self, job_id: int, *, with_data: bool = False) -> list[DocumentRecord]:
        if with_data:
            return [document(row) for row in self._documents_with_data(job_id)]
        rows = self.db.execute(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE job_id = ?"
                               " ORDER BY number", (job_id,))
        return [document(row) for row in rows]

    @abstractmethod
    def _documents_with_data(self, job_id: int) -> Iterable[tuple[Any, ...]]:
        """The rows of a job's documents, in order, each with the bytes the store keeps with the job
        (NULL for the others): :data:`DOCUMENT_COLUMNS`, then ``data``."""

    def document(self, job_id: int, number: int) -> DocumentRecord | None:
        row = self.db.execute(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE job_id = ? AND number = ?",
                              (job_id, number)).fetchone()
        return document(row) if row is not None else None

    def cancel_document(self, job_id: int, number: int) -> None:
        self.db.execute("UPDATE documents SET canceled = 1 WHERE job_id = ? AND number = ?", (job_id, number))

    def update_document(self, job_id: int, number: int, name: str, attributes: AttributeGroup) -> None:
        self.db.execute("UPDATE documents SET name = ?, attributes = ? WHERE job_id = ? AND number = ?",
                        (name, dumps_group(attributes), job_id, number))

    def record_document(self, job_id: int, number: int, format_: str, name: str, size: int,
                        attributes: AttributeGroup) -> None:
        """Insert the record of a document (its bytes are the caller's)."""
        self.db.execute("INSERT INTO documents (job_id, number, format, name, octets, attributes)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (job_id, number, format_, name, size, dumps_group(attributes)))

    def document_keys(self) -> set[tuple[int, int]]:
        """(job-id, number) of every document recorded."""
        rows = self.db.execute("SELECT job_id, number FROM documents")
        return {(job_id, number) for job_id, number in rows}


def _job(row: tuple[Any, ...]) -> JobRecord:
    return JobRecord(row[0], row[1], row[2], row[3], row[4], _reasons(row[5]), row[6], row[7], row[8], row[9],
                     row[10], row[11], row[12] == 1, row[13], row[14], row[15], row[16], row[17], row[18],
                     row[19], row[20], row[21] == 1, row[22] == 1, row[23], row[24])


def document(row: tuple[Any, ...]) -> DocumentRecord:
    """The record of a row of :data:`DOCUMENT_COLUMNS` (and ``data``, when there is one more)."""
    data = row[7] if len(row) > 7 else None
    return DocumentRecord(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), data)


@functools.lru_cache(maxsize=256)  # a handful of distinct job-state-reasons lists
def _reasons(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def marks(values: tuple[object, ...]) -> str:
    """The placeholders of ``values``."""
    return ", ".join("?" for _ in values)


def _update(db: Database, table: str, key: str, key_value: Any, allowed: frozenset[str],
            values: dict[str, Any]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not columns of {table}: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE {key} = ?", [*values.values(), key_value])
