"""The SQLite store's schema, as numbered migrations run when a store is opened.

``PRAGMA user_version`` holds the number of the last migration applied. :func:`migrate` runs the missing
ones in the write transaction that opens the store (``BEGIN IMMEDIATE``), so processes that open one
database at once apply each migration once: the first takes the write lock, the others then find the
database up to date. Migration 1 is the schema of the releases before numbered migrations: it creates
what is missing and adds the columns those releases added one by one, so any older database reaches it.
"""

from __future__ import annotations

import sqlite3

from ipp_wsgi.backends.embedded.store.records import new_uuid

_SCHEMA_1 = """
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
-- What each printer's device reports (a network output, or a local device that failed).
CREATE TABLE IF NOT EXISTS device_status (
    printer TEXT PRIMARY KEY,
    reasons TEXT NOT NULL,
    message TEXT NOT NULL,
    changed REAL NOT NULL
);
"""

_ADDED_COLUMNS_1 = {"printers": {"hold_new": "INTEGER NOT NULL DEFAULT 0",
                                 "shutdown": "INTEGER NOT NULL DEFAULT 0"},
                    "documents": {"canceled": "INTEGER NOT NULL DEFAULT 0"},
                    "jobs": {"held_new": "INTEGER NOT NULL DEFAULT 0",
                             "owner_authenticated": "INTEGER NOT NULL DEFAULT 0"},
                    "subscriptions": {"owner_authenticated": "INTEGER NOT NULL DEFAULT 0"}}
"""Columns the releases before migration 1 added to their first schema."""

_SCHEMA_2 = """
-- Which process prints each printer (printing_lease.py), with the fencing token that grows with every
-- change of holder, and the last delivery process its holder started.
CREATE TABLE printer_leases (
    printer TEXT PRIMARY KEY,
    holder TEXT,
    token INTEGER NOT NULL,
    expires REAL NOT NULL,
    delivery_host TEXT,
    delivery_pgid INTEGER,
    delivery_started INTEGER
) WITHOUT ROWID;
-- A processing job records the lease it was claimed under, not a lease of its own.
ALTER TABLE jobs RENAME COLUMN worker_token TO holder;
ALTER TABLE jobs RENAME COLUMN lease TO lease_token;
UPDATE jobs SET lease_token = NULL;
-- Each printer's printing thread reads its own next jobs in printing order.
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs (printer, state, priority DESC, job_id);
"""


_SCHEMA_3 = """
-- Each printer's printer-uuid and each job's job-uuid (urn:uuid:...), random (version 4) and made once:
-- one per installation, shared by every host of the store, never the same on two installations.
ALTER TABLE printers ADD COLUMN uuid TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN uuid TEXT NOT NULL DEFAULT ''
"""


def _migration_1(db: sqlite3.Connection) -> None:
    _run(db, _SCHEMA_1)
    for table, columns in _ADDED_COLUMNS_1.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns.items():
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def _migration_2(db: sqlite3.Connection) -> None:
    _run(db, _SCHEMA_2)


def _migration_3(db: sqlite3.Connection) -> None:
    _run(db, _SCHEMA_3)
    for table, key in (("printers", "name"), ("jobs", "job_id")):
        keys = [row[0] for row in db.execute(f"SELECT {key} FROM {table}")]
        db.executemany(f"UPDATE {table} SET uuid = ? WHERE {key} = ?",
                       [(new_uuid(), value) for value in keys])


_SHOWN_TABLES = ("printers", "jobs", "documents", "document_data", "subscriptions", "events", "device_status")
"""The tables of what answers show: every write to them counts in ``store_generation`` (migration 4);
``printer_leases`` is not among them, so that the lease renewals of every second change nothing a
client sees (:meth:`.SqliteStore.version`)."""


def _migration_4(db: sqlite3.Connection) -> None:
    """The change counter, and the triggers that count every row written to :data:`_SHOWN_TABLES`."""
    db.execute("CREATE TABLE store_generation (n INTEGER NOT NULL)")
    db.execute("INSERT INTO store_generation (n) VALUES (0)")
    for table in _SHOWN_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_{event.lower()}_counted AFTER {event} ON {table}"
                       " BEGIN UPDATE store_generation SET n = n + 1; END")


def _migration_5(db: sqlite3.Connection) -> None:
    """A job keeps the request id of the request that created it, for the spooler's log lines."""
    db.execute("ALTER TABLE jobs ADD COLUMN request_id TEXT NOT NULL DEFAULT ''")


def _migration_6(db: sqlite3.Connection) -> None:
    """Each printer's definition every host must agree on (definitions.py)."""
    db.execute("CREATE TABLE printer_definitions (printer TEXT PRIMARY KEY, definition TEXT NOT NULL)")

MIGRATIONS = (_migration_1, _migration_2, _migration_3, _migration_4, _migration_5, _migration_6)
"""Migration N is ``MIGRATIONS[N - 1]``."""


def migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations the database lacks, inside the caller's write transaction."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        raise sqlite3.DatabaseError(f"the job database is of a newer release (schema {version})")
    for number in range(version + 1, len(MIGRATIONS) + 1):
        MIGRATIONS[number - 1](db)
        db.execute(f"PRAGMA user_version = {number}")


def _run(db: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
