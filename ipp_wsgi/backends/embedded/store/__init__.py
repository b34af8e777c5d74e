"""The embedded spooler's job store: one interface (:mod:`.base`, :mod:`.transaction`, :mod:`.records`,
:mod:`.documents`), one module per store.

``open_store("sqlite", spool_dir)`` opens the SQLite store of a spool directory (:mod:`.sqlite`), the
default; a store's module is imported only when a store of its kind is opened.
"""

from __future__ import annotations

from pathlib import Path

from ipp_wsgi.backends.embedded.store.base import Store, StoreUnavailable, Waiter
from ipp_wsgi.backends.embedded.store.documents import (
    DocumentSource,
    DocumentWriteError,
    ReceivedDocument,
    document_size,
    open_document,
)
from ipp_wsgi.backends.embedded.store.records import (
    ACTIVE_JOB_STATES,
    DeliveryProcess,
    DocumentRecord,
    JobRecord,
    NewJob,
    PrinterLease,
    PrinterRecord,
    Subscriber,
)
from ipp_wsgi.backends.embedded.store.transaction import (
    NO_LISTENER,
    ChangeListener,
    JobOrder,
    LeaseLost,
    StoreTransaction,
)

__all__ = [
    "ACTIVE_JOB_STATES", "NO_LISTENER", "STORES", "ChangeListener", "DeliveryProcess", "DocumentRecord",
    "DocumentSource", "DocumentWriteError", "JobOrder", "JobRecord", "LeaseLost", "NewJob", "PrinterLease",
    "PrinterRecord", "ReceivedDocument", "Store", "StoreTransaction", "StoreUnavailable", "Subscriber",
    "Waiter", "document_size", "open_document", "open_store",
]

STORES = ("sqlite",)
"""The kinds of store :func:`open_store` opens."""


def open_store(url: str, spool_dir: Path, listener: ChangeListener = NO_LISTENER) -> Store:
    """Open the store ``url`` names for the spool directory ``spool_dir`` (``"sqlite"``: its
    ``jobs.sqlite3``), its schema created or migrated; its events go to ``listener``.

    ValueError for a URL of no known store; :class:`StoreUnavailable` when it cannot be opened.
    """
    if url == "sqlite":
        from ipp_wsgi.backends.embedded.store.sqlite import SqliteStore

        return SqliteStore(spool_dir, listener)
    raise ValueError(f"unknown job store {url!r}: use one of {', '.join(STORES)}")
