"""The SQLite store: ``<spool_dir>/jobs.sqlite3``, shared by every process that uses one spool directory.

One connection per thread, WAL journal, a generous busy timeout. Every write runs in ``BEGIN IMMEDIATE``
(:meth:`SqliteStore.write`), so two processes never lose each other's update; job-ids come from
``INTEGER PRIMARY KEY AUTOINCREMENT`` and are therefore unique and increasing, never reused even after a
purge. Documents of at most :data:`~ipp_wsgi.backends.embedded.spool.INLINE_BYTES` are kept in the
database, larger ones as files of the spool directory (:mod:`~ipp_wsgi.backends.embedded.spool`).

Writers queue for their turn on a lock of their own (:class:`_WriterQueue`: a thread lock, then an
``flock`` of the database's directory, shared by every process) before ``BEGIN IMMEDIATE``. SQLite's own wait
for a busy database is a sleep of up to 100 ms between retries, so under load writers slept more than
they wrote; the lock hands the turn over as soon as it is free. Correctness never rests on it: SQLite
still locks the database itself, whatever opens it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ipp_wsgi.backends.embedded.spool import Spool
from ipp_wsgi.backends.embedded.store.base import Store, StoreUnavailable, Waiter
from ipp_wsgi.backends.embedded.store.documents import DocumentSource
from ipp_wsgi.backends.embedded.store.received import SpoolReceived, receive
from ipp_wsgi.backends.embedded.store.records import DocumentRecord
from ipp_wsgi.backends.embedded.store.sqlite_schema import migrate
from ipp_wsgi.backends.embedded.store.sqlite_transaction import SqliteTransaction
from ipp_wsgi.backends.embedded.store.sqlite_wake import WakeSignal
from ipp_wsgi.backends.embedded.store.transaction import NO_LISTENER, ChangeListener

DATABASE_NAME = "jobs.sqlite3"
BUSY_TIMEOUT_MS = 30_000
log = logging.getLogger(__name__)


class SqliteStore(Store):
    """The store of the spool directory ``spool_dir``; events go to ``listener``."""

    def __init__(self, spool_dir: Path, listener: ChangeListener = NO_LISTENER) -> None:
        self.path = spool_dir / DATABASE_NAME
        self._listener = listener
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            spool_dir.mkdir(parents=True, exist_ok=True)
            self.spool = Spool(spool_dir)
            self._writers = _WriterQueue(spool_dir)
            self._wake = WakeSignal(spool_dir)
            with self.write() as tx:
                migrate(tx.db)
        except (OSError, StoreUnavailable) as exc:
            cause = exc.__cause__ if isinstance(exc, StoreUnavailable) and exc.__cause__ else exc
            self.close()
            raise StoreUnavailable(f"cannot open the job database {self.path}: {_reason(cause)}") from exc

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (:class:`StoreUnavailable` when it cannot be opened)."""
        try:
            return self.connection()
        except sqlite3.Error as exc:
            raise _unavailable(exc) from exc

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            # Under WAL, NORMAL syncs at checkpoints, not at every COMMIT: a committed transaction survives
            # any crash of the process (kill -9), only an OS crash or power cut may lose the last ones,
            # never the database's consistency. Small documents are committed with their job; larger ones
            # are fsync'd files before their job is committed.
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextmanager
    def write(self) -> Iterator[SqliteTransaction]:
        """A write transaction taken at once (``BEGIN IMMEDIATE``), once it is this thread's turn to write
        (:class:`_WriterQueue`); committed unless an error escapes, then its document files made
        durable."""
        db = self._connection()
        with self._writers.turn():
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _unavailable(exc) from exc
            tx = SqliteTransaction(db, self.spool, self._listener)
            try:
                yield tx
                db.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _unavailable(exc) from exc
                raise
        tx.committed()

    @contextmanager
    def read(self) -> Iterator[SqliteTransaction]:
        """A read transaction: every query inside sees the same snapshot."""
        db = self._connection()
        try:
            db.execute("BEGIN")
            yield SqliteTransaction(db, self.spool, self._listener)
        except sqlite3.Error as exc:
            raise _unavailable(exc) from exc
        finally:
            with contextlib.suppress(sqlite3.Error):
                db.execute("COMMIT")

    def version(self) -> Hashable:
        """The count of rows written to what answers show (``store_generation``, kept by triggers:
        printing-lease renewals do not count). Read only when the database changed since this thread
        last asked (its ``data_version``, for other connections, and its own ``total_changes``): a
        poll of an unchanged store costs one pragma."""
        db = self._connection()
        try:
            (data_version,) = db.execute("PRAGMA data_version").fetchone()
            seen = (db, data_version, db.total_changes)
            last: tuple[Hashable, int] | None = getattr(self._local, "version", None)
            if last is not None and last[0] == seen:
                return last[1]
            (generation,) = db.execute("SELECT n FROM store_generation").fetchone()
        except sqlite3.Error as exc:
            raise _unavailable(exc) from exc
        self._local.version = (seen, generation)
        return int(generation)

    def receive(self, data: BinaryIO, before_large: Callable[[], None] | None = None) -> SpoolReceived:
        """Its bytes in memory up to :data:`~.spool.INLINE_BYTES`, else a new fsync'd temporary file
        (:meth:`.Spool.receive`)."""
        return receive(self.spool, data, before_large)

    def document_source(self, record: DocumentRecord) -> DocumentSource:
        """The bytes read with the record (``with_data``), else its spool file."""
        return record.data if record.data is not None else self.spool.document_path(record.job_id,
                                                                                    record.number)

    def stored_documents(self) -> dict[tuple[int, int], DocumentSource]:
        """The spool's document files, and the documents kept in the database."""
        found: dict[tuple[int, int], DocumentSource] = {
            (job_id, number): path for job_id, number, path in self.spool.stored_documents()}
        with self.read() as tx:
            found.update(tx.inline_documents())
        return found

    def recover(self) -> None:
        """Remove temporary files of dead processes, and document files no job records (a crash between
        a purge and its file removal, or a write rolled back after it kept its file).

        The files are listed holding the write lock: a writer of another process renames its document
        into place inside its transaction, before its commit, and must not lose it to this sweep."""
        self.spool.remove_dead_temp_files()
        with self.write() as tx:
            known = tx.document_keys()
            for job_id, number, path in list(self.spool.stored_documents()):
                if (job_id, number) not in known:
                    self.spool.discard(path)

    def wake(self) -> None:
        """One byte to the FIFO (:class:`.WakeSignal`)."""
        self._wake.send()

    def waiter(self) -> Waiter:
        """A listener of the FIFO."""
        waiter = WakeSignal(self.spool.root)
        waiter.listen()
        return waiter

    def close(self) -> None:
        """Close every connection this store opened (call once its threads have stopped)."""
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()
        if hasattr(self, "_writers"):
            self._writers.close()
        if hasattr(self, "_wake"):
            self._wake.close()


def _unavailable(exc: sqlite3.Error) -> StoreUnavailable:
    """The error to raise for an error of SQLite (logged; raise it ``from`` the cause)."""
    log.error("job store: %s", exc)
    return StoreUnavailable()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


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
