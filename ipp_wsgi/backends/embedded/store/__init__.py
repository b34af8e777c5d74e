"""The embedded spooler's job store: one interface (:mod:`.base`, :mod:`.transaction`, :mod:`.records`,
:mod:`.documents`), one module per store.

``open_store("sqlite", spool_dir)`` opens the SQLite store of a spool directory (:mod:`.sqlite`), the
default; ``open_store("postgresql://user@host:port/db", spool_dir)`` (or ``postgres://``) the PostgreSQL
store of that database (:mod:`.pg`), which several hosts may share. A store's module (and its driver) is
imported only when a store of its kind is opened.
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
    "Waiter", "document_size", "open_document", "open_store", "store_name",
]

STORES = ("sqlite", "postgresql")
"""The kinds of store :func:`open_store` opens (``postgresql``: a ``postgresql://`` or ``postgres://``
URL)."""
_PG_SCHEMES = ("postgresql://", "postgres://")


def open_store(url: str, spool_dir: Path, listener: ChangeListener = NO_LISTENER) -> Store:
    """Open the store ``url`` names for the spool directory ``spool_dir`` (``"sqlite"``: its
    ``jobs.sqlite3``; a PostgreSQL URL: that database, documents being received spooled under
    ``spool_dir``), its schema created or migrated; its events go to ``listener``.

    ValueError for a URL of no known store; :class:`StoreUnavailable` when it cannot be opened.
    """
    if url == "sqlite":
        from ipp_wsgi.backends.embedded.store.sqlite import SqliteStore

        return SqliteStore(spool_dir, listener)
    if url.lower().startswith(_PG_SCHEMES):
        from ipp_wsgi.backends.embedded.store.pg import PgStore

        return PgStore(url, spool_dir, listener)
    raise ValueError(f"unknown job store {store_name(url)!r}: use sqlite or a postgresql:// URL")


def store_name(url: str) -> str:
    """``url`` as a log line or an error may show it: a PostgreSQL URL without its password."""
    if url.lower().startswith(_PG_SCHEMES) or "://" in url:
        from ipp_wsgi.backends.embedded.store.pg import redact

        return redact(url)
    return url
