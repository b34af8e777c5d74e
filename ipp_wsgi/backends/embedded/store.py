"""The SQLite job store shared by every process that uses one spool directory.

One connection per thread, WAL journal, a generous busy timeout. Every read-modify-write runs in
``BEGIN IMMEDIATE`` (:meth:`Store.write`), so two processes never lose each other's update; job-ids come
from ``INTEGER PRIMARY KEY AUTOINCREMENT`` and are therefore unique and increasing, never reused even
after a purge.

Writers queue for their turn on a lock of their own (:class:`_WriterQueue`: a thread lock, then an
``flock`` of the database's directory, shared by every process) before ``BEGIN IMMEDIATE``. SQLite's own wait
for a busy database is a sleep of up to 100 ms between retries, so under load writers slept more than
they wrote; the lock hands the turn over as soon as it is free. Correctness never rests on it: SQLite
still locks the database itself, whatever opens it.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ipp_wsgi.backends.base import Job
from ipp_wsgi.backends.embedded import events
from ipp_wsgi.backends.embedded.serialize import dumps_group, loads_group
from ipp_wsgi.codec import AttributeGroup

BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS printers (
    name TEXT PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0,
    accepting INTEGER NOT NULL DEFAULT 1,
    state_change REAL NOT NULL,
    config_change REAL NOT NULL,
    overrides TEXT NOT NULL DEFAULT '[]',
    identified REAL,
    identify_message TEXT NOT NULL DEFAULT '',
    hold_new INTEGER NOT NULL DEFAULT 0,
    shutdown INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY AUTOINCREMENT,
    printer TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    state INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    processing REAL,
    completed REAL,
    octets INTEGER NOT NULL DEFAULT 0,
    documents INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    origin_host TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 50,
    attributes TEXT NOT NULL,
    touched REAL NOT NULL,
    worker_pid INTEGER,
    worker_token TEXT,
    lease REAL,
    receiver_pid INTEGER,
    held_new INTEGER NOT NULL DEFAULT 0,
    owner_authenticated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, job_id);
CREATE INDEX IF NOT EXISTS jobs_by_printer_state ON jobs (printer, state, job_id);
CREATE INDEX IF NOT EXISTS jobs_by_completed ON jobs (completed) WHERE completed IS NOT NULL;
-- Get-Jobs of a printer in queue order reads its first rows in index order, not every job of the history.
CREATE INDEX IF NOT EXISTS jobs_in_queue_order ON jobs (printer, priority DESC, job_id);
-- The spooler's next jobs to print: the first pending jobs in printing order, not a sort of every
-- pending job.
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, priority DESC, job_id);
CREATE TABLE IF NOT EXISTS documents (
    job_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    format TEXT NOT NULL,
    name TEXT NOT NULL,
    octets INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    canceled INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, number)
) WITHOUT ROWID;
-- The bytes of small documents (spool.INLINE_BYTES), kept with their job. Larger ones are spool files.
CREATE TABLE IF NOT EXISTS document_data (
    job_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job_id, number)
);
"""

# Columns that update_job may set, so that no caller-built SQL reaches a statement.
_JOB_COLUMNS = frozenset({
    "printer", "name", "state", "reasons", "message", "processing", "completed", "octets", "documents",
    "closed", "priority", "attributes", "touched", "worker_pid", "worker_token", "lease", "receiver_pid",
    "held_new",
})
_PRINTER_COLUMNS = frozenset({"paused", "accepting", "state_change", "config_change", "overrides",
                              "identified", "identify_message", "hold_new", "shutdown"})
_ADDED_COLUMNS = {"printers": {"hold_new": "INTEGER NOT NULL DEFAULT 0",
                               "shutdown": "INTEGER NOT NULL DEFAULT 0"},
                  "documents": {"canceled": "INTEGER NOT NULL DEFAULT 0"},
                  "jobs": {"held_new": "INTEGER NOT NULL DEFAULT 0",
                           "owner_authenticated": "INTEGER NOT NULL DEFAULT 0"},
                  "subscriptions": {"owner_authenticated": "INTEGER NOT NULL DEFAULT 0"}}
"""Columns added since the first release: added to an older database when it is opened."""


class Store:
    """The database file ``<spool_dir>/jobs.sqlite3`` and this process's connections to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writers = _WriterQueue(path.parent)
        with self.write() as db:
            for statement in (_SCHEMA + events.SCHEMA).split(";"):
                if statement.strip():
                    db.execute(statement)
            for table, columns in _ADDED_COLUMNS.items():
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                for name, definition in columns.items():
                    if name not in present:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            # Under WAL, NORMAL syncs at checkpoints, not at every COMMIT: a committed transaction survives
            # any crash of the process (kill -9), only an OS crash or power cut may lose the last ones,
            # never the database's consistency. Small documents are committed with their job (spool.py);
            # larger ones are fsync'd files before their job is committed.
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (``BEGIN IMMEDIATE``), once it is this thread's turn to write
        (:class:`_WriterQueue`); committed unless an error escapes."""
        db = self.connection()
        with self._writers.turn():
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same snapshot."""
        db = self.connection()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this store opened (call once its threads have stopped)."""
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()
        self._writers.close()


class _WriterQueue:
    """Whose turn it is to write: one thread of this process at a time (a thread lock), then one process
    at a time (``flock`` of the directory ``path``, released by the kernel when its holder dies, even by
    kill -9; a directory, so that the spool holds no extra file, and never the database file, whose
    SQLite locks any close() of it by this process would drop)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._pid = -1
        self._fd = -1
        self._lock = threading.Lock()
        self._owner: int | None = None
        """The thread whose turn it is."""

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this thread's turn to write; it lasts while the block runs."""
        if self._owner == threading.get_ident():
            yield  # a write within a write: its BEGIN IMMEDIATE fails as it always did, it must not hang
            return
        with self._lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._owner = threading.get_ident()
            try:
                yield
            finally:
                self._owner = None
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _file(self) -> int:
        # Opened per process: a descriptor inherited through fork() would share its lock with the parent.
        if self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        """Close the directory (a later :meth:`turn` opens it again)."""
        with self._lock:
            if self._pid == os.getpid():
                os.close(self._fd)
            self._pid, self._fd = -1, -1


# -- printers

def ensure_printer(db: sqlite3.Connection, name: str, now: float) -> None:
    """Create the state row of a configured printer if it has none yet."""
    db.execute("INSERT OR IGNORE INTO printers (name, state_change, config_change) VALUES (?, ?, ?)",
               (name, now, now))


def printer_row(db: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The state row of printer ``name``."""
    row: sqlite3.Row | None = db.execute("SELECT * FROM printers WHERE name = ?", (name,)).fetchone()
    return row


def update_printer(db: sqlite3.Connection, name: str, **values: Any) -> None:
    """Set columns of printer ``name``'s row; a new ``state_change`` or ``config_change`` time records the
    printer-state-changed (or printer-stopped) or printer-config-changed event."""
    _update(db, "printers", "name", name, _PRINTER_COLUMNS, values)
    if "state_change" in values:
        events.printer_changed(db, name, values["state_change"])
    if "config_change" in values:
        events.record(db, "printer-config-changed", name, None, f"Printer {name} was configured.",
                      values["config_change"])


def data_version(db: sqlite3.Connection) -> tuple[int, int]:
    """A value that changes whenever the database may have changed since ``db`` last asked: another
    connection (of any process) committed (``PRAGMA data_version``), or ``db`` itself changed rows."""
    (version,) = db.execute("PRAGMA data_version").fetchone()
    return int(version), db.total_changes


def printer_overrides(row: sqlite3.Row) -> AttributeGroup:
    """The attributes set through Set-Printer-Attributes."""
    return loads_group(row["overrides"])


# -- jobs

def insert_job(db: sqlite3.Connection, **values: Any) -> sqlite3.Row:
    """Insert a job row (``reasons`` as a list, ``attributes`` as a group) and return it as inserted, with
    its new job-id and the columns' defaults."""
    values = _encoded(values)
    names = sorted(values)
    columns = ", ".join(names)
    marks = ", ".join("?" for _ in names)
    row: sqlite3.Row = db.execute(f"INSERT INTO jobs ({columns}) VALUES ({marks}) RETURNING *",
                                  [values[n] for n in names]).fetchone()
    return row


def job_row(db: sqlite3.Connection, job_id: int) -> sqlite3.Row | None:
    """The row of job ``job_id``."""
    row: sqlite3.Row | None = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return row


def update_job(db: sqlite3.Connection, job_id: int, *, known: Any = None, **values: Any) -> None:
    """Set columns of job ``job_id``'s row (``reasons`` as a list, ``attributes`` as a group); a change of
    ``state`` records the job's job-state-changed (or job-completed) event. ``known``: a mapping (or row)
    of the job's ``state`` and ``printer`` before, when the caller has just read them (one query less)."""
    before = known
    if "state" in values and before is None:
        before = db.execute("SELECT state, printer FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    _update(db, "jobs", "job_id", job_id, _JOB_COLUMNS, _encoded(values))
    if "state" in values and before is not None and before["state"] != values["state"]:
        printer = values.get("printer", before["printer"])
        events.job_state_changed(db, job_id, printer, values["state"], time.time())


def select_jobs(db: sqlite3.Connection, where: Sequence[str], params: Sequence[Any], order: str,
                limit: int | None, offset: int) -> list[sqlite3.Row]:
    """Job rows matching every condition of ``where``, ordered by ``order``: ``ASC``/``DESC`` job-id, or
    ``QUEUE`` (the printing order: priority, then job-id)."""
    orders = {"ASC": "job_id ASC", "DESC": "job_id DESC", "QUEUE": "priority DESC, job_id ASC"}
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT * FROM jobs {clause} ORDER BY {orders[order]} LIMIT ? OFFSET ?"
    return list(db.execute(sql, [*params, -1 if limit is None else limit, offset]))


def row_to_job(row: sqlite3.Row) -> Job:
    """The :class:`Job` a row describes."""
    return Job(
        job_id=row["job_id"], printer=row["printer"], owner=row["owner"], name=row["name"],
        state=row["state"], state_reasons=list(_reasons(row["reasons"])), created=row["created"],
        processing=row["processing"], completed=row["completed"], k_octets=(row["octets"] + 1023) // 1024,
        documents=row["documents"], origin_host=row["origin_host"], state_message=row["message"],
        attributes=loads_group(row["attributes"]), owner_authenticated=bool(row["owner_authenticated"]),
    )


@functools.lru_cache(maxsize=256)  # a handful of distinct job-state-reasons lists
def _reasons(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def insert_document(db: sqlite3.Connection, job_id: int, number: int, format_: str, name: str, octets: int,
                    attributes: AttributeGroup) -> None:
    """Record document ``number`` of a job."""
    db.execute("INSERT INTO documents (job_id, number, format, name, octets, attributes)"
               " VALUES (?, ?, ?, ?, ?, ?)", (job_id, number, format_, name, octets, dumps_group(attributes)))


def document_rows(db: sqlite3.Connection, job_id: int, *, with_data: bool = False) -> list[sqlite3.Row]:
    """A job's document rows in document order; ``with_data`` adds a ``data`` column, the bytes of a
    document kept in the database (None for one kept as a file)."""
    if with_data:
        return list(db.execute("SELECT d.*, x.data AS data FROM documents d"
                               " LEFT JOIN document_data x ON x.job_id = d.job_id AND x.number = d.number"
                               " WHERE d.job_id = ? ORDER BY d.number", (job_id,)))
    return list(db.execute("SELECT * FROM documents WHERE job_id = ? ORDER BY number", (job_id,)))


def insert_document_data(db: sqlite3.Connection, job_id: int, number: int, data: bytes) -> None:
    """Keep the bytes of document ``number`` of a job in the database."""
    db.execute("INSERT INTO document_data (job_id, number, data) VALUES (?, ?, ?)", (job_id, number, data))


def documents_with_data(db: sqlite3.Connection, job_id: int) -> set[int]:
    """The numbers of a job's documents whose bytes the database keeps."""
    return {row[0] for row in db.execute("SELECT number FROM document_data WHERE job_id = ?", (job_id,))}


def update_document(db: sqlite3.Connection, job_id: int, number: int, name: str,
                    attributes: AttributeGroup) -> None:
    """Set the name and attributes of document ``number`` of a job."""
    db.execute("UPDATE documents SET name = ?, attributes = ? WHERE job_id = ? AND number = ?",
               (name, dumps_group(attributes), job_id, number))


def cancel_document(db: sqlite3.Connection, job_id: int, number: int) -> None:
    """Mark document ``number`` of a job canceled (Cancel-Document): it is no longer printed."""
    db.execute("UPDATE documents SET canceled = 1 WHERE job_id = ? AND number = ?", (job_id, number))


def delete_jobs(db: sqlite3.Connection, job_ids: Iterable[int]) -> None:
    """Delete jobs, their document rows and the documents kept in the database (not their files)."""
    ids = [(job_id,) for job_id in job_ids]
    db.executemany("DELETE FROM document_data WHERE job_id = ?", ids)
    db.executemany("DELETE FROM documents WHERE job_id = ?", ids)
    db.executemany("DELETE FROM jobs WHERE job_id = ?", ids)


def _encoded(values: dict[str, Any]) -> dict[str, Any]:
    """Job column values with ``reasons`` and ``attributes`` turned into their stored text."""
    encoded = dict(values)
    if "reasons" in encoded:
        encoded["reasons"] = json.dumps(encoded["reasons"])
    if "attributes" in encoded:
        encoded["attributes"] = dumps_group(encoded["attributes"])
    return encoded


def _update(db: sqlite3.Connection, table: str, key: str, key_value: Any, allowed: frozenset[str],
            values: dict[str, Any]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not columns of {table}: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in values)
    db.execute(f"UPDATE {table} SET {assignments} WHERE {key} = ?", [*values.values(), key_value])
