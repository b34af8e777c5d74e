"""One transaction of the PostgreSQL store: its connection as the shared queries want it
(:class:`PgDatabase`), and where its documents' bytes live: rows of ``document_chunks``, of
:data:`CHUNK_BYTES` each, written by the transaction that records the document, read chunk by chunk
(:class:`ChunkedDocument`). Every other query is shared with the SQLite store (:mod:`.sql_transaction`)."""

from __future__ import annotations

import functools
import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg

from ipp_wsgi.backends.embedded.spool import INLINE_BYTES
from ipp_wsgi.backends.embedded.store.documents import ReceivedDocument
from ipp_wsgi.backends.embedded.store.pg_subscriptions import PgSubscriptionQueries
from ipp_wsgi.backends.embedded.store.received import SpoolReceived
from ipp_wsgi.backends.embedded.store.sql_db import Cursor
from ipp_wsgi.backends.embedded.store.sql_transaction import DOCUMENT_COLUMNS, SqlTransaction
from ipp_wsgi.backends.embedded.store.transaction import ChangeListener
from ipp_wsgi.codec import AttributeGroup

CHUNK_BYTES = 1 << 20
"""The bytes of one row of ``document_chunks`` (the last chunk of a document may be shorter)."""
_DATA_COLUMNS = ", ".join(f"d.{name.strip()}" for name in DOCUMENT_COLUMNS.split(","))


@functools.lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """``sql`` with ``?`` placeholders, in psycopg's ``%s`` (and ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _chunks(received: SpoolReceived) -> Iterator[bytes | memoryview]:
    """The chunks of a received document: its bytes in memory as one chunk (an empty document too: it is
    kept), or its temporary file mapped one chunk at a time (psycopg copies each, the file's pages stay out
    of the process's heap)."""
    if received.received.data is not None:
        yield received.received.data
        return
    assert received.received.path is not None
    with open(received.received.path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        for offset in range(0, size, CHUNK_BYTES):
            with mmap.mmap(file.fileno(), min(CHUNK_BYTES, size - offset), access=mmap.ACCESS_READ,
                           offset=offset) as mapped, memoryview(mapped) as view:
                yield view


def _parameters(parameters: Sequence[Any]) -> list[Any]:
    return [int(value) if isinstance(value, bool) else value for value in parameters]


class PgDatabase:
    """A psycopg connection that runs the shared queries (:class:`~.sql_db.Database`)."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        """Run one statement with ``?`` placeholders."""
        return self.connection.execute(pg_sql(sql), _parameters(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor:
        """Run one statement once per parameter set."""
        cursor = self.connection.cursor()
        cursor.executemany(pg_sql(sql), [_parameters(values) for values in parameters])
        return cursor


class PgTransaction(PgSubscriptionQueries, SqlTransaction):
    """A transaction on the connection ``db``."""

    NO_LIMIT = None
    ROW_LOCK = " FOR UPDATE"

    def __init__(self, db: PgDatabase, listener: ChangeListener) -> None:
        super().__init__(listener)
        self.db = db
        self._pg = db.connection

    def delete_jobs(self, job_ids: Iterable[int]) -> None:
        ids = list(job_ids)
        for table in ("document_chunks", "documents", "jobs"):
            self._pg.execute(f"DELETE FROM {table} WHERE job_id = ANY(%s)", (ids,))

    # -- documents

    def add_document(self, job_id: int, number: int, format_: str, name: str, attributes: AttributeGroup,
                     received: ReceivedDocument) -> None:
        """Record the document and copy its bytes into chunk rows, one chunk in memory at a time; its
        temporary file goes at once (the bytes are the transaction's now)."""
        assert isinstance(received, SpoolReceived)
        self.record_document(job_id, number, format_, name, received.size, attributes)
        insert = "INSERT INTO document_chunks (job_id, number, seq, data) VALUES (%s, %s, %s, %s)"
        try:
            for seq, chunk in enumerate(_chunks(received)):
                self._pg.execute(insert, (job_id, number, seq, chunk))
        finally:
            received.discard()

    def _documents_with_data(self, job_id: int) -> Iterable[tuple[Any, ...]]:
        return self._pg.execute(
            f"SELECT {_DATA_COLUMNS}, x.data FROM documents d LEFT JOIN document_chunks x"
            " ON x.job_id = d.job_id AND x.number = d.number AND x.seq = 0 AND d.octets <= %s"
            " WHERE d.job_id = %s ORDER BY d.number", (INLINE_BYTES, job_id), binary=True)

    def document_kept(self, job_id: int, number: int) -> bool:
        row = self._pg.execute("SELECT 1 FROM document_chunks WHERE job_id = %s AND number = %s AND seq = 0",
                               (job_id, number)).fetchone()
        return row is not None

    def chunked_documents(self) -> list[tuple[int, int, int]]:
        """(job-id, number, size) of every document whose bytes the database keeps."""
        rows = self._pg.execute("SELECT job_id, number, SUM(length(data)) FROM document_chunks"
                                " GROUP BY job_id, number")
        return [(job_id, number, int(size)) for job_id, number, size in rows]

    def delete_unrecorded_chunks(self) -> int:
        """Delete the chunks of documents no job records; how many."""
        cursor = self._pg.execute("DELETE FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM documents d"
                                  " WHERE d.job_id = c.job_id AND d.number = c.number)")
        return cursor.rowcount
