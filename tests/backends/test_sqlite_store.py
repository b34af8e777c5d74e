"""The SQLite store's own tests: its migrations, its errors, its writer queue and wake-ups, the statements
and indexes its queries use, and where it keeps documents (its database, spool files). What every store
does is tested on the ``store_url`` fixture (test_store.py and every embedded-spooler test)."""

from __future__ import annotations

import errno
import io
import multiprocessing
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from harness.spool import embedded_spooler, kept_documents
from spooler_helpers import dead_pid, make_printer, submit

from ipp_wsgi.backends.base import (
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PROCESSING,
    BackendError,
    Document,
    JobRequest,
    SubscriptionRequest,
)
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import outputs as outputs_module
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES, Spool
from ipp_wsgi.backends.embedded.store import StoreUnavailable
from ipp_wsgi.backends.embedded.store.sqlite import DATABASE_NAME, SqliteStore
from ipp_wsgi.backends.embedded.store.sqlite_schema import MIGRATIONS
from ipp_wsgi.backends.embedded.store.sqlite_wake import WakeSignal
from ipp_wsgi.codec import status

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def sqlite_spooler(spool_dir: Path) -> Iterator[EmbeddedSpooler]:
    """A spooler on the SQLite store without threads, over printers ``print`` and ``other``."""
    spooler = embedded_spooler(spool_dir, "sqlite", [make_printer("print"), make_printer("other")],
                               start=False)
    yield spooler
    spooler.close()


def connection(spooler: EmbeddedSpooler) -> sqlite3.Connection:
    """The calling thread's connection of the spooler's store."""
    store = spooler.store
    assert isinstance(store, SqliteStore)
    return store.connection()


def statements(spooler: EmbeddedSpooler, run: Callable[[], object]) -> list[str]:
    """The SQL statements (parameters expanded) that ``run`` makes on this thread's connection (a statement
    that fires a trigger, the store's change counter, is traced again for the trigger's program: once
    here)."""
    made: list[str] = []
    db = connection(spooler)
    db.set_trace_callback(made.append)
    try:
        run()
    finally:
        db.set_trace_callback(None)
    return [text for n, text in enumerate(made) if n == 0 or made[n - 1] != text]


def plan(spooler: EmbeddedSpooler, query: str) -> str:
    return " ".join(row[3] for row in connection(spooler).execute(f"EXPLAIN QUERY PLAN {query}"))


# -- migrations and errors

def _old_release_database(spool_dir: Path) -> None:
    """A database as the releases before numbered migrations left it: no owner_authenticated columns yet,
    user_version 0, a job left processing by a worker of that release, and a subscription."""
    spool_dir.mkdir()
    with closing(sqlite3.connect(spool_dir / DATABASE_NAME)) as db, db:
        MIGRATIONS[0](db)
        db.execute("ALTER TABLE jobs DROP COLUMN owner_authenticated")
        db.execute("ALTER TABLE subscriptions DROP COLUMN owner_authenticated")
        db.execute("INSERT INTO printers (name, state_change, config_change) VALUES ('print', 0, 0)")
        db.execute("INSERT INTO jobs (printer, owner, name, state, reasons, created, touched, attributes,"
                   " closed, documents, octets, worker_pid, worker_token, lease) VALUES ('print', 'alice',"
                   " 'old', ?, '[\"job-printing\"]', 1, 1, '[]', 1, 1, 3, 999999999, 'a-token', 1e12)",
                   (JOB_PROCESSING,))
        db.execute("INSERT INTO documents (job_id, number, format, name, octets, attributes)"
                   " VALUES (1, 1, 'application/pdf', '', 3, '[]')")
        db.execute("INSERT INTO document_data (job_id, number, data) VALUES (1, 1, X'6f6c64')")
        db.execute("INSERT INTO subscriptions (printer, owner, events, lease_duration, attributes)"
                   " VALUES ('print', 'alice', '[\"printer-state-changed\"]', 0, '[]')")
        db.execute("PRAGMA user_version = 0")


def test_a_database_of_an_older_release_is_migrated_on_open(spool_dir: Path) -> None:
    _old_release_database(spool_dir)
    spooler = embedded_spooler(spool_dir, "sqlite", [make_printer("print")], start=False)
    try:
        (job,) = spooler.jobs("print", "all")
        assert job.owner_authenticated is False
        with spooler.store.read() as tx:
            printer = tx.printer("print")
        assert printer is not None
        assert {uuid.UUID(job.uuid).version, uuid.UUID(printer.uuid).version} == {4}
        assert job.uuid != printer.uuid
        assert (job.state, job.state_message) == (JOB_PENDING, "printing again after the spooler stopped")
        (subscription,) = spooler.subscriptions("print")
        assert subscription.owner_authenticated is False
        assert spooler.process_pending() == 1
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        assert (spool_dir / "output" / "print" / f"{job.job_id}-1.pdf").read_bytes() == b"old"
        (version,) = connection(spooler).execute("PRAGMA user_version").fetchone()
        assert version == len(MIGRATIONS)
    finally:
        spooler.close()


def _open_store(spool_dir: Path, out: Connection) -> None:
    try:
        SqliteStore(spool_dir).close()
        out.send("opened")
    except BaseException as exc:
        out.send(repr(exc))


def test_processes_opening_a_new_database_at_once_migrate_it_once(spool_dir: Path) -> None:
    pipes = [FORK.Pipe(duplex=False) for _ in range(4)]
    children = [FORK.Process(target=_open_store, args=(spool_dir, send)) for _, send in pipes]
    for child in children:
        child.start()
    results = [receive.recv() for receive, _ in pipes]
    for child in children:
        child.join()
    assert results == ["opened"] * 4
    with closing(sqlite3.connect(spool_dir / DATABASE_NAME)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_database_of_a_newer_release_is_refused(spool_dir: Path) -> None:
    SqliteStore(spool_dir).close()
    with closing(sqlite3.connect(spool_dir / DATABASE_NAME)) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreUnavailable, match="newer release"):
        SqliteStore(spool_dir)


def test_a_file_that_is_no_database_is_refused_with_its_reason(spool_dir: Path) -> None:
    spool_dir.mkdir()
    (spool_dir / DATABASE_NAME).write_bytes(b"not a database" * 100)
    with pytest.raises(StoreUnavailable) as excinfo:
        SqliteStore(spool_dir)
    assert "cannot open the job database" in str(excinfo.value) and "not a database" in str(excinfo.value)


def test_a_store_error_while_running_is_service_unavailable(sqlite_spooler: EmbeddedSpooler) -> None:
    connection(sqlite_spooler).execute("DROP TABLE printers")  # a database damaged under the spooler
    with pytest.raises(BackendError) as excinfo:
        sqlite_spooler.pause_printer("print")
    assert isinstance(excinfo.value, StoreUnavailable)
    assert excinfo.value.status == status.SERVER_ERROR_SERVICE_UNAVAILABLE
    assert "printers" not in excinfo.value.message  # the cause is logged, not shown to clients


def test_a_write_within_a_write_fails_instead_of_waiting_forever(spool_dir: Path) -> None:
    store = SqliteStore(spool_dir)
    with pytest.raises(StoreUnavailable), store.write(), store.write():
        pass
    with store.write() as tx:  # the turn was given back
        tx.ensure_printer("print", 0)
    store.close()


def test_a_wake_signal_is_dropped_without_a_listener_and_when_the_pipe_is_full(tmp_path: Path) -> None:
    sender, listener = WakeSignal(tmp_path), WakeSignal(tmp_path)
    sender.send()  # nobody listens: dropped, no error, never blocks
    listener.listen()
    try:
        assert not listener.wait(0)
        for _ in range(100_000):  # more than the pipe holds: the extra ones are dropped
            sender.send()
        assert listener.wait(5) and not listener.wait(0), "one wait takes every wake-up sent"
    finally:
        listener.close()
        sender.close()


# -- statements and indexes

def test_a_batch_is_one_printer_state_change_each_way(sqlite_spooler: EmbeddedSpooler) -> None:
    for _ in range(3):
        submit(sqlite_spooler, b"x")
    made = statements(sqlite_spooler, sqlite_spooler.process_pending)
    assert sum(s.startswith("UPDATE printers SET state_change") for s in made) == 2


def test_ready_jobs_are_read_in_printing_order_from_an_index(sqlite_spooler: EmbeddedSpooler) -> None:
    for _ in range(3):
        submit(sqlite_spooler, b"x")
    ready = [s for s in statements(sqlite_spooler, sqlite_spooler.process_pending)
             if s.startswith("SELECT j.job_id")]
    assert ready
    found = plan(sqlite_spooler, ready[0])
    assert "jobs_ready" in found and "TEMP B-TREE" not in found  # no sort of every pending job


def test_a_document_claimed_a_moment_ago_prints_without_asking_again(sqlite_spooler: EmbeddedSpooler) -> None:
    job = submit(sqlite_spooler, b"x")
    made = statements(sqlite_spooler, sqlite_spooler.process_pending)
    assert sqlite_spooler.get_job("print", job.job_id).state == JOB_COMPLETED
    assert not any("FROM documents WHERE job_id = ? AND number" in s.replace(str(job.job_id), "?")
                   for s in made)


@pytest.mark.parametrize("which", ["all", "not-completed"])
def test_get_jobs_of_a_printer_in_queue_order_needs_no_sort(sqlite_spooler: EmbeddedSpooler,
                                                            which: str) -> None:
    made = statements(sqlite_spooler, lambda: sqlite_spooler.jobs("print", which, limit=50))
    (query,) = [s for s in made if " FROM jobs WHERE state IN" in s]
    found = plan(sqlite_spooler, query)
    assert "jobs_in_queue_order" in found
    assert "TEMP B-TREE" not in found


# -- documents in the database and in spool files

class Trickle(io.RawIOBase):
    """``data`` a few bytes per read, as a slow client sends it."""

    def __init__(self, data: bytes, step: int = 1000) -> None:
        self.data, self.step = memoryview(data), step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(self.step, len(buffer), len(self.data))
        buffer[:count] = self.data[:count]
        self.data = self.data[count:]
        return count


@pytest.mark.parametrize("size", [0, 1, INLINE_BYTES])
def test_a_small_document_is_received_in_memory(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    received = Spool(tmp_path).receive(io.BufferedReader(Trickle(data)))
    assert (received.size, received.data, received.path) == (size, data, None)
    assert list((tmp_path / "tmp").iterdir()) == [], "no temporary file"


@pytest.mark.parametrize("size", [INLINE_BYTES + 1, 5 * INLINE_BYTES + 7])
def test_a_larger_document_is_received_into_a_file(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    received = Spool(tmp_path).receive(io.BufferedReader(Trickle(data, step=4096)))
    assert received.data is None and received.path is not None
    assert (received.size, received.path.read_bytes()) == (size, data)


def test_small_documents_are_kept_in_the_database_and_large_ones_as_files(sqlite_spooler: EmbeddedSpooler,
                                                                           spool_dir: Path) -> None:
    small, large = os.urandom(INLINE_BYTES), os.urandom(INLINE_BYTES + 1)
    job = submit(sqlite_spooler, small, large)
    assert [p.name for p in (spool_dir / "docs").iterdir()] == [f"{job.job_id}-2"]
    assert kept_documents(spool_dir) == {f"{job.job_id}-1": small, f"{job.job_id}-2": large}
    (inline,) = connection(sqlite_spooler).execute("SELECT job_id, number FROM document_data").fetchall()
    assert inline == (job.job_id, 1)


def test_print_job_of_a_small_document_creates_no_file(sqlite_spooler: EmbeddedSpooler,
                                                       spool_dir: Path) -> None:
    job = sqlite_spooler.submit_job("print", JobRequest("alice", "small"), io.BytesIO(b"%PDF small"),
                                    Document("application/pdf"))
    assert list((spool_dir / "docs").iterdir()) == [] and list((spool_dir / "tmp").iterdir()) == []
    assert kept_documents(spool_dir) == {f"{job.job_id}-1": b"%PDF small"}


def test_directory_output_is_a_hard_link_to_the_spool_file(sqlite_spooler: EmbeddedSpooler,
                                                           spool_dir: Path) -> None:
    data = os.urandom(INLINE_BYTES + 1)  # a spool file, not a document kept in the database
    job = submit(sqlite_spooler, data)
    sqlite_spooler.process_pending()
    (output,) = (spool_dir / "output" / "print").iterdir()
    assert output.read_bytes() == data
    assert output.stat().st_ino == (spool_dir / "docs" / f"{job.job_id}-1").stat().st_ino


def test_directory_output_is_copied_where_links_are_impossible(sqlite_spooler: EmbeddedSpooler,
                                                               spool_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(outputs_module.os, "link", no_link)
    data = os.urandom(200_000)
    job = submit(sqlite_spooler, data)
    sqlite_spooler.process_pending()
    (output,) = (spool_dir / "output" / "print").iterdir()  # no temporary file left behind
    assert output.read_bytes() == data
    assert output.stat().st_ino != (spool_dir / "docs" / f"{job.job_id}-1").stat().st_ino


def test_temporary_files_of_dead_processes_are_removed_at_start(spool_dir: Path) -> None:
    SqliteStore(spool_dir).close()
    dead = dead_pid()
    left = spool_dir / "tmp" / f"{dead}-0123456789abcdef.part"  # an upload its process did not live to keep
    receiving = spool_dir / "tmp" / f"{os.getpid()}-0123456789abcdef.part"  # this process is receiving it
    left.write_bytes(b"x")
    receiving.write_bytes(b"y")
    embedded_spooler(spool_dir, "sqlite", [make_printer("print")], start=False).close()
    assert not left.exists() and receiving.exists()


# -- documents beside the database

def test_restart_needs_the_retained_documents(sqlite_spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    small, large = submit(sqlite_spooler, b"gone"), submit(sqlite_spooler, b"x" * 100_000)
    sqlite_spooler.process_pending()
    for path in (spool_dir / "docs").iterdir():  # lost, as if removed by hand
        path.unlink()
    connection(sqlite_spooler).execute("DELETE FROM document_data")
    for job in (small, large):
        with pytest.raises(BackendError) as excinfo:
            sqlite_spooler.restart_job(None, job.job_id)
        assert excinfo.value.status == status.CLIENT_ERROR_NOT_POSSIBLE


def test_document_files_no_job_records_are_removed_at_start(sqlite_spooler: EmbeddedSpooler,
                                                            spool_dir: Path) -> None:
    job = submit(sqlite_spooler, b"x" * 100_000)
    orphan = spool_dir / "docs" / f"{job.job_id + 1}-1"  # a crash between a purge and its file removal
    orphan.write_bytes(b"left behind")
    again = embedded_spooler(spool_dir, "sqlite", [make_printer("print")], start=False)
    again.close()
    assert not orphan.exists()
    assert (spool_dir / "docs" / f"{job.job_id}-1").exists()


def test_a_subscription_of_a_database_of_an_older_release_keeps_working(spool_dir: Path) -> None:
    _old_release_database(spool_dir)
    spooler = embedded_spooler(spool_dir, "sqlite", [make_printer("print")], start=False)
    try:
        (old,) = spooler.subscriptions("print")
        request = SubscriptionRequest("alice", ["printer-state-changed"], owner_authenticated=True)
        new = spooler.create_subscription("print", request)
        spooler.pause_printer("print")
        assert [e.event for e in spooler.events("print", old.subscription_id)] == ["printer-stopped"]
        assert spooler.get_subscription("print", new.subscription_id).owner_authenticated is True
    finally:
        spooler.close()
