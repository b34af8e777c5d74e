"""One transaction of the SQLite store: where its documents' bytes live (small ones in ``document_data``,
larger ones as files of the spool); every other query is shared with the PostgreSQL store
(:mod:`.sql_transaction`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ipp_wsgi.backends.embedded.spool import Spool
from ipp_wsgi.backends.embedded.store.documents import DocumentWriteError, ReceivedDocument
from ipp_wsgi.backends.embedded.store.received import SpoolReceived
from ipp_wsgi.backends.embedded.store.sql_transaction import SqlTransaction
from ipp_wsgi.backends.embedded.store.transaction import ChangeListener
from ipp_wsgi.codec import AttributeGroup


class SqliteTransaction(SqlTransaction):
    """A transaction on connection ``db``; document files live in ``spool``."""

    db: sqlite3.Connection

    def __init__(self, db: sqlite3.Connection, spool: Spool, listener: ChangeListener) -> None:
        super().__init__(listener)
        self.db = db
        self._spool = spool
        self._kept_files = False
        self._removed: list[tuple[int, int]] = []
        """(job-id, document count) of deleted jobs, whose files go once the transaction commits."""

    def committed(self) -> None:
        """After COMMIT: make the document files kept durable, remove those of deleted jobs, tell the
        observers of the job changes."""
        try:
            for job_id, count in self._removed:
                self._spool.remove_documents(job_id, count)
            if self._kept_files:
                try:
                    self._spool.sync()
                except OSError as exc:
                    raise DocumentWriteError(exc.errno, f"cannot write to the spool: {exc.strerror}") from exc
        finally:
            super().committed()

    def delete_jobs(self, job_ids: Iterable[int]) -> None:
        ids = json.dumps(list(job_ids))
        chosen = "job_id IN (SELECT value FROM json_each(?))"
        self._removed += self.db.execute(f"SELECT job_id, documents FROM jobs WHERE {chosen}",
                                         (ids,)).fetchall()
        for table in ("document_data", "documents", "jobs"):
            self.db.execute(f"DELETE FROM {table} WHERE {chosen}", (ids,))

    # -- documents

    def add_document(self, job_id: int, number: int, format_: str, name: str, attributes: AttributeGroup,
                     received: ReceivedDocument) -> None:
        assert isinstance(received, SpoolReceived)
        kept = received.received
        self.record_document(job_id, number, format_, name, received.size, attributes)
        if kept.data is not None:
            self.db.execute("INSERT INTO document_data (job_id, number, data) VALUES (?, ?, ?)",
                            (job_id, number, kept.data))
            return
        assert kept.path is not None
        try:
            self._spool.keep(kept.path, job_id, number)
        except OSError as exc:
            raise DocumentWriteError(exc.errno, f"cannot write to the spool: {exc.strerror}") from exc
        self._kept_files = True

    def _documents_with_data(self, job_id: int) -> Iterable[tuple[Any, ...]]:
        return self.db.execute("SELECT d.job_id, d.number, d.format, d.name, d.octets, d.attributes,"
                               " d.canceled, x.data FROM documents d LEFT JOIN document_data x"
                               " ON x.job_id = d.job_id AND x.number = d.number"
                               " WHERE d.job_id = ? ORDER BY d.number", (job_id,))

    def document_kept(self, job_id: int, number: int) -> bool:
        row = self.db.execute("SELECT 1 FROM document_data WHERE job_id = ? AND number = ?",
                              (job_id, number)).fetchone()
        return row is not None or self._spool.document_path(job_id, number).exists()

    def inline_documents(self) -> dict[tuple[int, int], bytes]:
        """Every document the database keeps, by (job-id, number)."""
        rows = self.db.execute("SELECT job_id, number, data FROM document_data")
        return {(job_id, number): bytes(data) for job_id, number, data in rows}
