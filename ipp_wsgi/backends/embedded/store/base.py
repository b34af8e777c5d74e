"""The embedded spooler's job store, as an interface: every store (SQLite's, PostgreSQL's) implements
:class:`Store` and :class:`~.transaction.StoreTransaction`.

The spooler's operation logic reads records, checks them and writes through the intent methods of a
transaction (:mod:`.transaction`); every check stays in the spooler, every query in the store. A
transaction is a snapshot (:meth:`Store.read`) or an exclusive write (:meth:`Store.write`: in SQLite
``BEGIN IMMEDIATE``; in PostgreSQL a transaction-level advisory lock, and, a store with row locks, it locks
what a read ``for_update`` reads until the end of the transaction).

Document bytes are the store's (:mod:`.documents`): :meth:`Store.receive` reads a document in bounded
memory, and only :meth:`~.transaction.StoreTransaction.add_document` keeps it, made durable by the end of
:meth:`Store.write`. :meth:`Store.document_source` says where to read a kept document from.

Errors: a store that cannot be reached or used raises :class:`StoreUnavailable`; a document that cannot
be written :class:`~.documents.DocumentWriteError`. No driver's error (sqlite3's, psycopg's) leaves the
store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import BinaryIO, Protocol

from ipp_wsgi.backends.base import BackendError
from ipp_wsgi.backends.embedded.store.documents import DocumentSource, ReceivedDocument
from ipp_wsgi.backends.embedded.store.records import DocumentRecord
from ipp_wsgi.backends.embedded.store.transaction import StoreTransaction
from ipp_wsgi.codec import status


class StoreUnavailable(BackendError):
    """The store cannot be reached or used now (server-error-service-unavailable); the cause is chained
    and logged, never shown to clients."""

    def __init__(self, message: str = "The job store is unavailable: try again later.") -> None:
        super().__init__(status.SERVER_ERROR_SERVICE_UNAVAILABLE, message)


class Waiter(Protocol):
    """Where a printing process waits for :meth:`Store.wake` of any process of the store."""

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for a wake-up, then take every one sent so far; whether there
        was one."""

    def close(self) -> None:
        """Stop listening."""


class Store(ABC):
    """Where a spool's jobs, documents, printers' state, subscriptions and printing leases live."""

    local: bool = True
    """Whether reading and writing it needs no network and no wait for another machine (a database file
    of this machine): then requests may be answered on a server's event loop."""

    @abstractmethod
    def read(self) -> AbstractContextManager[StoreTransaction]:
        """A read transaction: every read inside sees one snapshot."""

    @abstractmethod
    def write(self) -> AbstractContextManager[StoreTransaction]:
        """A write transaction, committed unless an exception escapes; the documents it kept are durable
        when it returns (:class:`DocumentWriteError` otherwise, the transaction committed)."""

    @abstractmethod
    def version(self) -> Hashable:
        """A cheap value that changes whenever what answers show may have changed since this thread last
        asked: printers, jobs, documents, subscriptions, events, device status. The printing leases'
        renewals and delivery records do not count: they come every second, and the answers a server
        keeps while the store is unchanged must stay valid meanwhile."""

    @abstractmethod
    def receive(self, data: BinaryIO, before_large: Callable[[], None] | None = None) -> ReceivedDocument:
        """Read ``data`` until EOF in bounded memory. ``before_large`` is called before reading on past
        what the store keeps in memory (an exception it raises leaves nothing). Errors: the stream's own,
        or :class:`DocumentWriteError`; nothing remains of a document that fails."""

    @abstractmethod
    def document_source(self, record: DocumentRecord) -> DocumentSource:
        """Where to read a kept document's bytes."""

    @abstractmethod
    def stored_documents(self) -> dict[tuple[int, int], DocumentSource]:
        """Every document's bytes the store holds, by (job-id, number), whether a job records it or not
        (what a check of the store finds; it may read small documents into memory)."""

    @abstractmethod
    def recover(self) -> None:
        """Remove what a crash may leave: documents' bytes that no job records, and partly received
        documents of processes that died."""

    @abstractmethod
    def wake(self) -> None:
        """Wake the processes waiting in :meth:`waiter` (never blocks, never fails)."""

    @abstractmethod
    def waiter(self) -> Waiter:
        """Listen for :meth:`wake` (OSError when this store cannot here: then poll)."""

    @abstractmethod
    def close(self) -> None:
        """Close the store (once its threads stopped using it)."""
