"""The PostgreSQL store: one database shared by every process of every host that serves the same
printers (``store = "postgresql://user@host:port/db"``), through psycopg 3.

Each process has its own pool of connections (:class:`psycopg_pool.ConnectionPool`), opened on first use
and never shared across ``fork()``: a pool opened by another process (a store opened in ``serve``'s master,
then forked) is left alone and a new one opened (:meth:`PgStore._pool`). Every write takes the
transaction-level advisory lock :data:`WRITE_LOCK` first, so writes are one at a time across every host as
SQLite's ``BEGIN IMMEDIATE`` makes them, and the spooler's read-check-write logic keeps its meaning; the
rows a read ``for_update`` reads are locked too (``FOR UPDATE``). Reads are ``REPEATABLE READ READ ONLY``
snapshots, and run beside the writes.

Job-ids come from an identity column (one sequence: unique and increasing across hosts). Documents' bytes
are rows of ``document_chunks`` (:mod:`.pg_documents`): a large one is copied in as soon as it is received,
outside the write lock, and read back chunk by chunk.
A password may come from libpq (``PGPASSWORD``, ``PGPASSFILE``); a URL in a log line or an error is always
:func:`redact` ed. A database that cannot be reached raises :class:`~.base.StoreUnavailable`.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from ipp_wsgi.backends.embedded.spool import Spool
from ipp_wsgi.backends.embedded.store.base import Store, StoreUnavailable, Waiter
from ipp_wsgi.backends.embedded.store.documents import DocumentSource
from ipp_wsgi.backends.embedded.store.pg_documents import ChunkedDocument, StagedDocument, stage, unstage
from ipp_wsgi.backends.embedded.store.pg_schema import migrate
from ipp_wsgi.backends.embedded.store.pg_transaction import PgDatabase, PgTransaction, configure_connection
from ipp_wsgi.backends.embedded.store.pg_wake import PgWaiter, notify
from ipp_wsgi.backends.embedded.store.received import SpoolReceived, receive
from ipp_wsgi.backends.embedded.store.records import DocumentRecord
from ipp_wsgi.backends.embedded.store.transaction import NO_LISTENER, ChangeListener

WRITE_LOCK = 0x6970_7077_7367_0002
"""The advisory lock key every write transaction takes first (``ippwsg`` and 2)."""
CONNECT_TIMEOUT = 5
"""Seconds a new connection may take."""
POOL_TIMEOUT = 10.0
"""Seconds a transaction waits for a connection of the pool (the database down: then it is unavailable)."""
POOL_SIZE = 16
"""The most connections a process keeps."""
WAKE_TIMEOUT = 1.0
IDLE_IN_TRANSACTION_TIMEOUT = 60.0
"""Seconds the server lets a session of the store sit idle inside a transaction before it ends the session
(PostgreSQL's ``idle_in_transaction_session_timeout``), releasing the transaction's locks, the write lock
:data:`WRITE_LOCK` first: a host stopped inside a write (``kill -STOP``, a paused VM) would otherwise block
every host's writes for as long as it stays stopped.

No transaction of the store waits on a client or a device: a document is received whole (into memory or
a spool file) before any transaction begins, and its chunks are then copied from that file
(:func:`~.pg_documents.stage`), so a slow uploader holds no transaction open; writes check and change rows
and never deliver. The longest legitimate pause between two statements is then a process's own: a
thread not scheduled on a loaded machine, a garbage collection, a swap-in — seconds at worst. A minute
is far beyond those and short enough that one frozen host stalls the others once, not for good. A store
takes it from :attr:`PgStore.idle_timeout` (a test sets it shorter before the store's first use)."""
log = logging.getLogger(__name__)
_STORES: weakref.WeakSet[PgStore] = weakref.WeakSet()
"""Every store of this process, whose lock a child process makes anew (:func:`_after_fork`)."""


def redact(url: str) -> str:
    """``url`` without its password (in the user part or a ``password`` parameter), for log lines and
    errors."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            if ":" in user:
                netloc = f"{user.partition(':')[0]}:***@{host}"
        query = urlencode([(key, "***" if key.lower() == "password" else value)
                           for key, value in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return f"{url.partition('://')[0]}://***"


class PgStore(Store):
    """The store of the PostgreSQL database ``url``; documents being received are spooled to temporary
    files of ``spool_dir``; events go to ``listener``."""

    local = False

    def __init__(self, url: str, spool_dir: Path, listener: ChangeListener = NO_LISTENER) -> None:
        self.url = url
        self.safe_url = redact(url)
        self._listener = listener
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pool_of: tuple[int, ConnectionPool[psycopg.Connection[Any]]] | None = None
        """The pool of this process (its pid first)."""
        self._closed = False
        self.timeout = POOL_TIMEOUT
        self.idle_timeout = IDLE_IN_TRANSACTION_TIMEOUT
        """Seconds a session may stay idle inside a transaction (:data:`IDLE_IN_TRANSACTION_TIMEOUT`),
        for the pool opened next."""
        _STORES.add(self)
        try:
            spool_dir.mkdir(parents=True, exist_ok=True)
            self.spool = Spool(spool_dir)
            with psycopg.connect(url, **self._session_kwargs()) as db:
                applied = migrate(db)
        except (OSError, psycopg.Error, StoreUnavailable) as exc:
            raise StoreUnavailable(f"cannot open the job database {self.safe_url}: {_reason(exc)}") from exc
        if applied:
            log.info("job store %s: %d schema migration(s) applied", self.safe_url, applied)

    def _pool(self) -> ConnectionPool[psycopg.Connection[Any]]:
        """This process's pool, opened on first use (a pool inherited through fork() is the parent's: it is
        dropped unclosed, a close would end the parent's sessions)."""
        pid = os.getpid()
        current = self._pool_of
        if current is not None and current[0] == pid:
            return current[1]
        with self._lock:
            if self._closed:
                raise StoreUnavailable("The job store is closed.")
            if self._pool_of is None or self._pool_of[0] != pid:
                pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
                    self.url, min_size=1, max_size=POOL_SIZE, open=False, timeout=self.timeout,
                    kwargs=self._session_kwargs(),
                    check=ConnectionPool.check_connection, configure=configure_connection,
                    name="ipp-wsgi-store")
                pool.open(wait=False)
                self._pool_of = (pid, pool)
            return self._pool_of[1]

    def _session_kwargs(self) -> dict[str, Any]:
        """The connection options of every session of the store: autocommit (transactions are begun
        explicitly), the connect timeout, and the server's limit on a session idle in a transaction
        (:attr:`idle_timeout`; an ``options`` parameter of the URL is replaced)."""
        milliseconds = max(1, round(self.idle_timeout * 1000))
        return {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT,
                "options": f"-c idle_in_transaction_session_timeout={milliseconds}"}

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        """A connection of this process's pool (autocommit), for the block (:class:`StoreUnavailable`
        when none comes within the pool's timeout)."""
        pool = self._pool()
        try:
            db = pool.getconn(timeout)
        except psycopg.Error as exc:
            raise _unavailable(exc, self.safe_url) from exc
        try:
            yield db
        finally:
            pool.putconn(db)

    @contextmanager
    def write(self) -> Iterator[PgTransaction]:
        """A write transaction, once it holds :data:`WRITE_LOCK`; committed unless an error escapes. A
        write within a write of the same thread fails (it would wait for itself forever)."""
        if getattr(self._local, "writing", False):
            log.error("job store: a write within a write")
            raise StoreUnavailable()
        with self.connection() as db:
            self._local.writing = True
            try:
                tx = self._begin(db, "BEGIN", f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
                try:
                    yield tx
                    db.execute("COMMIT")
                except BaseException as exc:
                    with suppress(psycopg.Error):
                        db.execute("ROLLBACK")
                    if isinstance(exc, psycopg.Error):
                        raise _unavailable(exc, self.safe_url) from exc
                    raise
            finally:
                self._local.writing = False
        tx.committed()

    @contextmanager
    def read(self) -> Iterator[PgTransaction]:
        """A read transaction: one snapshot (``REPEATABLE READ READ ONLY``)."""
        with self.connection() as db:
            tx = self._begin(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield tx
            except psycopg.Error as exc:
                raise _unavailable(exc, self.safe_url) from exc
            finally:
                with suppress(psycopg.Error):
                    db.execute("COMMIT")

    def _begin(self, db: psycopg.Connection[Any], *statements: str) -> PgTransaction:
        try:
            for statement in statements:
                db.execute(statement)
        except psycopg.Error as exc:
            with suppress(psycopg.Error):
                db.execute("ROLLBACK")
            raise _unavailable(exc, self.safe_url) from exc
        return PgTransaction(PgDatabase(db), self._listener)

    def version(self) -> Hashable:
        """The count of rows written to what answers show (``store_generation``, kept by row triggers:
        printing-lease renewals do not count)."""
        with self.connection() as db:
            try:
                row = db.execute("SELECT n FROM store_generation").fetchone()
            except psycopg.Error as exc:
                raise _unavailable(exc, self.safe_url) from exc
        assert row is not None
        return int(row[0])

    def receive(self, data: BinaryIO, before_large: Callable[[], None] | None = None) -> SpoolReceived:
        """Its bytes in memory up to :data:`~.spool.INLINE_BYTES`; else a temporary file of the spool
        directory whose chunks are copied into the database at once, without the write lock
        (:func:`~.pg_documents.stage`), to be renamed by :meth:`~.PgTransaction.add_document`."""
        received = receive(self.spool, data, before_large)
        if received.received.path is None:
            return received
        try:
            with self.connection() as db:
                upload_id = stage(db, received)
        except BaseException as exc:
            received.discard()
            if isinstance(exc, psycopg.Error):
                raise _unavailable(exc, self.safe_url) from exc
            raise
        return StagedDocument(received, upload_id, self._unstage)

    def _unstage(self, upload_id: int) -> None:
        """Delete the chunks of an upload that will not be recorded (what fails is left to
        :meth:`recover`)."""
        try:
            with self.connection() as db, db.transaction():
                unstage(db, [upload_id])
        except (StoreUnavailable, psycopg.Error) as exc:
            log.warning("job store: upload %d left for the next start to remove: %s", upload_id, _reason(exc))

    def document_source(self, record: DocumentRecord) -> DocumentSource:
        """The bytes read with the record (``with_data``), else its chunks, read as they are needed."""
        if record.data is not None:
            return record.data
        return ChunkedDocument(self, record.job_id, record.number, record.octets)

    def stored_documents(self) -> dict[tuple[int, int], DocumentSource]:
        """Every document whose chunks the database holds."""
        with self.read() as tx:
            found = tx.chunked_documents()
        return {(job_id, number): ChunkedDocument(self, job_id, number, size)
                for job_id, number, size in found}

    def read_chunk(self, job_id: int, number: int, seq: int) -> bytes | None:
        """Chunk ``seq`` of a document (None: the database does not keep it)."""
        with self.connection() as db:
            try:
                row = db.execute("SELECT data FROM document_chunks WHERE job_id = %s AND number = %s"
                                 " AND seq = %s", (job_id, number, seq), binary=True).fetchone()
            except psycopg.Error as exc:
                raise _unavailable(exc, self.safe_url) from exc
        return None if row is None else bytes(row[0])

    def recover(self) -> None:
        """Remove temporary files of dead processes of this host, chunks no document record owns, and
        uploads no process will record (:func:`~.pg_documents.abandoned_uploads`)."""
        self.spool.remove_dead_temp_files()
        with self.write() as tx:
            tx.delete_unrecorded_chunks()
            tx.delete_abandoned_uploads()

    def wake(self) -> None:
        """``NOTIFY`` every listening process (:mod:`.pg_wake`); an error is only logged."""
        try:
            with self.connection(WAKE_TIMEOUT) as db:
                notify(db)
        except (StoreUnavailable, psycopg.Error) as exc:
            log.debug("job store: no wake-up sent: %s", exc)

    def waiter(self) -> Waiter:
        """A listener of its own connection (OSError when it cannot connect)."""
        return PgWaiter(self.url)

    def close(self) -> None:
        """Close this process's pool (a pool of another process is left to it)."""
        with self._lock:
            self._closed = True
            current, self._pool_of = self._pool_of, None
        if current is not None and current[0] == os.getpid():
            current[1].close()


def _after_fork() -> None:
    """In a child process: a lock another thread of the parent held at fork() would never be released."""
    for store in list(_STORES):
        store._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _unavailable(exc: BaseException, url: str) -> StoreUnavailable:
    """The error to raise for an error of psycopg (logged, its first line; raise it ``from`` the cause)."""
    log.error("job store %s: %s", url, _reason(exc))
    return StoreUnavailable()


def _reason(exc: BaseException) -> str:
    """The first line of what ``exc`` says."""
    if isinstance(exc, StoreUnavailable):
        return exc.message
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
