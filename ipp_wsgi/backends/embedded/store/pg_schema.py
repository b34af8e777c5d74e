"""The PostgreSQL store's schema, as numbered migrations run when a store is opened.

The table ``schema_version`` holds one row per migration applied. :func:`migrate` runs the missing ones in
one transaction that first takes a transaction-level advisory lock (:data:`MIGRATION_LOCK`), so hosts and
processes that open one new database at once apply each migration once: the first takes the lock, the
others wait for its COMMIT and then find the database up to date.

The tables are those of the SQLite store (:mod:`.sqlite_schema`), in PostgreSQL's types: flags stay
integers (0/1), so that both stores run the same queries (:mod:`.sql_transaction`); times and priorities
are double precision; documents' bytes are rows of ``document_chunks``.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ipp_wsgi.backends.embedded.store.base import StoreUnavailable

MIGRATION_LOCK = 0x6970_7077_7367_0001
"""The advisory lock key the migrations run under (``ippwsg`` and 1)."""

_SCHEMA_1 = """
CREATE TABLE printers (
    name TEXT PRIMARY KEY,
    paused INTEGER NOT NULL DEFAULT 0,
    accepting INTEGER NOT NULL DEFAULT 1,
    state_change DOUBLE PRECISION NOT NULL,
    config_change DOUBLE PRECISION NOT NULL,
    overrides TEXT NOT NULL DEFAULT '[]',
    identified DOUBLE PRECISION,
    identify_message TEXT NOT NULL DEFAULT '',
    hold_new INTEGER NOT NULL DEFAULT 0,
    shutdown INTEGER NOT NULL DEFAULT 0,
    uuid TEXT NOT NULL DEFAULT ''
);
-- Job-ids come from one sequence: unique and increasing across every host, never reused.
CREATE TABLE jobs (
    job_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    printer TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    state INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    processing DOUBLE PRECISION,
    completed DOUBLE PRECISION,
    octets BIGINT NOT NULL DEFAULT 0,
    documents INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    origin_host TEXT NOT NULL DEFAULT '',
    priority DOUBLE PRECISION NOT NULL DEFAULT 50,
    attributes TEXT NOT NULL,
    touched DOUBLE PRECISION NOT NULL,
    worker_pid INTEGER,
    holder TEXT,
    lease_token BIGINT,
    receiver_pid INTEGER,
    held_new INTEGER NOT NULL DEFAULT 0,
    owner_authenticated INTEGER NOT NULL DEFAULT 0,
    uuid TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_by_state ON jobs (state, job_id);
CREATE INDEX jobs_by_completed ON jobs (completed) WHERE completed IS NOT NULL;
CREATE INDEX jobs_in_queue_order ON jobs (printer, priority DESC, job_id);
CREATE INDEX jobs_ready ON jobs (printer, state, priority DESC, job_id);
CREATE TABLE documents (
    job_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    format TEXT NOT NULL,
    name TEXT NOT NULL,
    octets BIGINT NOT NULL,
    attributes TEXT NOT NULL,
    canceled INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, number)
);
-- A document's bytes: chunk seq holds bytes [seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES) (pg_transaction.py),
-- written by the transaction that records the document; an empty document has one empty chunk.
CREATE TABLE document_chunks (
    job_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (job_id, number, seq)
);
ALTER TABLE document_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE subscriptions (
    subscription_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    printer TEXT NOT NULL,
    job_id BIGINT,
    owner TEXT NOT NULL,
    events TEXT NOT NULL,
    lease_duration INTEGER NOT NULL,
    expires DOUBLE PRECISION,
    time_interval INTEGER NOT NULL DEFAULT 0,
    sequence INTEGER NOT NULL DEFAULT 0,
    ended DOUBLE PRECISION,
    attributes TEXT NOT NULL,
    owner_authenticated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX subscriptions_by_printer ON subscriptions (printer, job_id);
CREATE TABLE events (
    subscription_id BIGINT NOT NULL,
    sequence INTEGER NOT NULL,
    event TEXT NOT NULL,
    time DOUBLE PRECISION NOT NULL,
    printer TEXT NOT NULL,
    job_id BIGINT,
    text TEXT NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (subscription_id, sequence)
);
CREATE INDEX events_by_time ON events (time);
CREATE TABLE device_status (
    printer TEXT PRIMARY KEY,
    reasons TEXT NOT NULL,
    message TEXT NOT NULL,
    changed DOUBLE PRECISION NOT NULL
);
-- Which process prints each printer (printing_lease.py), with the fencing token that grows with every
-- change of holder, and the last delivery process its holder started.
CREATE TABLE printer_leases (
    printer TEXT PRIMARY KEY,
    holder TEXT,
    token BIGINT NOT NULL,
    expires DOUBLE PRECISION NOT NULL,
    delivery_host TEXT,
    delivery_pgid INTEGER,
    delivery_started BIGINT
);
"""

SHOWN_TABLES = ("printers", "jobs", "documents", "subscriptions", "events", "device_status")
"""The tables of what answers show: every row written to them counts in ``store_generation`` (migration
2). ``printer_leases`` is not among them, so that the lease renewals of every second change nothing a
client sees (:meth:`.PgStore.version`); nor is ``document_chunks``, whose rows come and go with a row of
``documents``."""

_SCHEMA_2 = """
CREATE TABLE store_generation (n BIGINT NOT NULL);
INSERT INTO store_generation (n) VALUES (0);
CREATE FUNCTION store_generation_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE store_generation SET n = n + 1;
    RETURN NULL;
END $$;
""" + "".join(f"""
CREATE TRIGGER {table}_counted AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION store_generation_count();
""" for table in SHOWN_TABLES)

_SCHEMA_3 = """
-- Documents received and not recorded yet (pg_documents.py): their chunks wait in document_chunks under
-- job_id = -upload_id, number 0, copied there without the write lock; the write that records a document
-- renames them. Uploads whose process died, or too old, are removed when a store starts.
CREATE TABLE uploads (
    upload_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started DOUBLE PRECISION NOT NULL
);
"""

_SCHEMA_4 = """
-- The host of a job's receiver_pid (processes.host_id()): a pid means something on its own host only.
ALTER TABLE jobs ADD COLUMN receiver_host TEXT;
"""

_SCHEMA_5 = """
-- Each printer's definition every host must agree on (definitions.py).
CREATE TABLE printer_definitions (printer TEXT PRIMARY KEY, definition TEXT NOT NULL);
"""

MIGRATIONS = (_SCHEMA_1, _SCHEMA_2, _SCHEMA_3, _SCHEMA_4, _SCHEMA_5)
"""Migration N is ``MIGRATIONS[N - 1]``, one script."""


def migrate(db: psycopg.Connection[Any]) -> int:
    """Apply the migrations the database lacks, in one transaction under :data:`MIGRATION_LOCK`, on the
    psycopg connection ``db`` (in autocommit mode); how many were applied. A database of a newer release
    raises :class:`StoreUnavailable`."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                   " applied TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())")
        row = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        version = int(row[0]) if row is not None else 0
        if version > len(MIGRATIONS):
            raise StoreUnavailable(f"the job database is of a newer release (schema {version})")
        for number in range(version + 1, len(MIGRATIONS) + 1):
            db.execute(MIGRATIONS[number - 1])
            db.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
    return len(MIGRATIONS) - version
