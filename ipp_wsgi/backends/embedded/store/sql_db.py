"""What the queries both SQL stores share (:mod:`.sql_transaction`, :mod:`.sql_subscriptions`,
:mod:`.sql_leases`) run on: a connection with ``execute`` in the manner of :mod:`sqlite3` (``?``
placeholders), and the few differences of the two dialects as class attributes.

SQLite's :class:`sqlite3.Connection` is one; PostgreSQL's is :class:`.pg_transaction.PgDatabase`
(``?`` turned into psycopg's ``%s``, booleans into the integers both schemas keep flags as).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, Protocol

from ipp_wsgi.backends.embedded.store.transaction import StoreTransaction


class Cursor(Protocol):
    """The result of one statement."""

    @property
    def rowcount(self) -> int:
        """Rows the statement changed."""

    def fetchone(self) -> Any:
        """The next row, or None."""

    def fetchall(self) -> list[Any]:
        """The rows left."""

    def __iter__(self) -> Iterator[Any]:
        """The rows left, one by one."""


class Database(Protocol):
    """A connection that runs statements with ``?`` placeholders."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor:
        """Run one statement; its cursor."""

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor:
        """Run one statement once per parameter set."""


class SqlQueries(StoreTransaction):
    """A transaction of an SQL store on the connection ``db``; its dialect's differences."""

    db: Database

    NO_LIMIT: ClassVar[int | None] = -1
    """The ``LIMIT`` parameter of no limit (SQLite: -1; PostgreSQL: NULL)."""
    ROW_LOCK: ClassVar[str] = ""
    """What a read ``for_update`` appends to lock the rows it reads (SQLite: nothing, every write
    transaction is exclusive; PostgreSQL: ``FOR UPDATE``)."""

    def locked(self, for_update: bool) -> str:
        """The clause that ends a query reading rows ``for_update``."""
        return self.ROW_LOCK if for_update else ""

    def limit(self, limit: int | None) -> int | None:
        """The ``LIMIT`` parameter of at most ``limit`` rows (None: no limit)."""
        return self.NO_LIMIT if limit is None else limit
