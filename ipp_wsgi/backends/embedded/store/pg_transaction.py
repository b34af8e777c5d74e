"""One transaction of the PostgreSQL store: its connection as the shared queries want it
(:class:`PgDatabase`), and the queries of its documents' bytes, rows of ``document_chunks``
(:mod:`.pg_documents`). Every other query is shared with the SQLite store (:mod:`.sql_transaction`)."""

from __future__ import annotations

import errno
import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.abc import Buffer
from psycopg.types.string import StrBinaryDumper, StrDumperUnknown, TextBinaryLoader, TextLoader

from ipp_wsgi.backends.embedded.processes import host_id, pid_alive
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES
from ipp_wsgi.backends.embedded.store.documents import DocumentWriteError, ReceivedDocument
from ipp_wsgi.backends.embedded.store.pg_documents import (
    StagedDocument,
    abandoned_uploads,
    insert_chunks,
    unstage,
)
from ipp_wsgi.backends.embedded.store.pg_subscriptions import PgSubscriptionQueries
from ipp_wsgi.backends.embedded.store.received import SpoolReceived
from ipp_wsgi.backends.embedded.store.records import JobChanges
from ipp_wsgi.backends.embedded.store.sql_db import Cursor
from ipp_wsgi.backends.embedded.store.sql_transaction import (
    DOCUMENT_COLUMNS,
    JOB_COLUMNS,
    READY_COLUMNS,
    SqlTransaction,
)
from ipp_wsgi.backends.embedded.store.transaction import ChangeListener
from ipp_wsgi.codec import AttributeGroup

_DATA_COLUMNS = ", ".join(f"d.{name.strip()}" for name in DOCUMENT_COLUMNS.split(","))


@functools.lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """``sql`` with ``?`` placeholders, in psycopg's ``%s`` (and ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


_ESCAPE = "\uffff"
"""Text of clients may hold NUL, which PostgreSQL's text cannot: NUL is kept as this noncharacter and
``0``, the noncharacter itself as it and ``e`` (:func:`configure_connection`)."""
_ESCAPED = re.compile(f"{_ESCAPE}(.)", re.DOTALL)


def _escape(text: str) -> str:
    if "\0" not in text and _ESCAPE not in text:
        return text
    return text.replace(_ESCAPE, _ESCAPE + "e").replace("\0", _ESCAPE + "0")


def _unescape(text: str | bytes) -> str | bytes:
    if not isinstance(text, str) or _ESCAPE not in text:  # bytes: a connection without an encoding
        return text
    return _ESCAPED.sub(lambda found: "\0" if found.group(1) == "0" else _ESCAPE, text)


class _TextDumper(StrDumperUnknown):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(_escape(obj))


class _TextBinaryDumper(StrBinaryDumper):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(_escape(obj))


class _TextLoader(TextLoader):
    def load(self, data: Buffer) -> str | bytes:
        return _unescape(super().load(data))


class _TextBinaryLoader(TextBinaryLoader):
    def load(self, data: Buffer) -> str | bytes:
        return _unescape(super().load(data))


def configure_connection(connection: psycopg.Connection[Any]) -> None:
    """Make ``connection`` keep any text, NUL included, as it was given (escaped in the database: a query
    compares escaped text with escaped text)."""
    adapters = connection.adapters
    adapters.register_dumper(str, _TextBinaryDumper)
    adapters.register_dumper(str, _TextDumper)
    adapters.register_loader("text", _TextLoader)
    adapters.register_loader("text", _TextBinaryLoader)


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


def _receiver_here(columns: str, prefix: str = "") -> str:
    """``columns`` with ``receiver_pid`` read as NULL unless a process of this host receives: a pid of
    another host's says nothing here (the spooler checks whether a receiving process still runs)."""
    here = "'" + host_id().replace("'", "''") + "'"
    return columns.replace(f"{prefix}receiver_pid",
                           f"CASE WHEN {prefix}receiver_host = {here} THEN {prefix}receiver_pid END")


class PgTransaction(PgSubscriptionQueries, SqlTransaction):
    """A transaction on the connection ``db``. Jobs record the host of their ``receiver_pid``
    (``receiver_host``): every host reads only its own."""

    NO_LIMIT = None
    ROW_LOCK = " FOR UPDATE"
    JOB_SELECT = _receiver_here(JOB_COLUMNS)
    READY_SELECT = _receiver_here(READY_COLUMNS, "j.")

    def __init__(self, db: PgDatabase, listener: ChangeListener) -> None:
        super().__init__(listener)
        self.db = db
        self._pg = db.connection

    def _set_job(self, job_id: int, changes: JobChanges) -> None:
        super()._set_job(job_id, changes)
        if "receiver_pid" in changes:
            host = host_id() if changes["receiver_pid"] is not None else None
            self._pg.execute("UPDATE jobs SET receiver_host = %s WHERE job_id = %s", (host, job_id))

    def end_upload(self, job_id: int, receiver_pid: int) -> None:
        self._pg.execute("UPDATE jobs SET receiver_pid = NULL, receiver_host = NULL WHERE job_id = %s"
                         " AND receiver_pid = %s AND receiver_host = %s", (job_id, receiver_pid, host_id()))

    def delete_jobs(self, job_ids: Iterable[int]) -> None:
        ids = list(job_ids)
        for table in ("document_chunks", "documents", "jobs"):
            self._pg.execute(f"DELETE FROM {table} WHERE job_id = ANY(%s)", (ids,))

    # -- documents

    def add_document(self, job_id: int, number: int, format_: str, name: str, attributes: AttributeGroup,
                     received: ReceivedDocument) -> None:
        """Record the document and keep its bytes: the chunks :func:`~.pg_documents.stage` copied when it
        was received, renamed, or a small document's one chunk; its temporary file goes at once."""
        assert isinstance(received, SpoolReceived)
        self.record_document(job_id, number, format_, name, received.size, attributes)
        try:
            if isinstance(received, StagedDocument):
                self._keep_staged(job_id, number, received.upload_id)
            else:
                insert_chunks(self._pg, job_id, number, received)
        finally:
            received.received.discard()  # its temporary file; staged chunks are this transaction's now

    def _keep_staged(self, job_id: int, number: int, upload_id: int) -> None:
        """Rename the chunks of upload ``upload_id`` to the document's (their bytes stay where they are)."""
        renamed = self._pg.execute("UPDATE document_chunks SET job_id = %s, number = %s"
                                   " WHERE job_id = %s AND number = 0", (job_id, number, -upload_id))
        if renamed.rowcount == 0:
            raise DocumentWriteError(errno.EIO, "the document received is no longer in the job store")
        self._pg.execute("DELETE FROM uploads WHERE upload_id = %s", (upload_id,))

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
                                " WHERE job_id > 0 GROUP BY job_id, number")
        return [(job_id, number, int(size)) for job_id, number, size in rows]

    def delete_unrecorded_chunks(self) -> int:
        """Delete the chunks of documents no job records; how many."""
        cursor = self._pg.execute("DELETE FROM document_chunks c WHERE c.job_id > 0 AND NOT EXISTS (SELECT 1"
                                  " FROM documents d WHERE d.job_id = c.job_id AND d.number = c.number)")
        return cursor.rowcount

    def delete_abandoned_uploads(self) -> int:
        """Delete the uploads no process will record (:func:`~.pg_documents.abandoned_uploads`); how
        many."""
        abandoned = abandoned_uploads(self._pg, pid_alive)
        if abandoned:
            unstage(self._pg, abandoned)
        return len(abandoned)
