"""Documents' bytes in the PostgreSQL store: rows of ``document_chunks``, :data:`CHUNK_BYTES` each.

A document larger than :data:`~ipp_wsgi.backends.embedded.spool.INLINE_BYTES` is copied into the database
as soon as it is received (:func:`stage`), in a transaction of its own that does not take the write lock:
its chunks wait under the key ``(-upload_id, 0)`` of a row of ``uploads`` (this host, this process). The
write that records the document only renames them (:meth:`.PgTransaction.add_document`), so that no write
of any host waits while a large document is copied. Uploads whose process died, or that are older than
:data:`UPLOAD_LIFE`, are removed when a store starts (:meth:`.PgStore.recover`).

A kept document is read chunk by chunk, on demand (:class:`ChunkedDocument`: seekable).
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Protocol

import psycopg

from ipp_wsgi.backends.embedded.processes import host_id
from ipp_wsgi.backends.embedded.store.base import StoreUnavailable
from ipp_wsgi.backends.embedded.store.received import SpoolReceived

CHUNK_BYTES = 1 << 20
"""The bytes of one row of ``document_chunks`` (the last chunk of a document may be shorter)."""
UPLOAD_LIFE = 3600.0
"""Seconds after which an upload of another host that was never recorded is taken for abandoned."""
_INSERT = "INSERT INTO document_chunks (job_id, number, seq, data) VALUES (%s, %s, %s, %s)"


def chunks(received: SpoolReceived) -> Iterator[bytes | memoryview]:
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


def insert_chunks(db: psycopg.Connection[Any], job_id: int, number: int, received: SpoolReceived) -> None:
    """Insert the chunks of ``received`` as those of document ``number`` of job ``job_id``."""
    for seq, chunk in enumerate(chunks(received)):
        db.execute(_INSERT, (job_id, number, seq, chunk))


class StagedDocument(SpoolReceived):
    """A received document whose chunks are in the database already, under upload ``upload_id``;
    :meth:`discard` removes them (through ``unstage``) with its temporary file."""

    def __init__(self, received: SpoolReceived, upload_id: int, unstage: Callable[[int], None]) -> None:
        super().__init__(received.received)
        self.upload_id = upload_id
        self._unstage = unstage

    def discard(self) -> None:
        """Remove its temporary file and its chunks."""
        super().discard()
        self._unstage(self.upload_id)


def stage(db: psycopg.Connection[Any], received: SpoolReceived) -> int:
    """Copy the chunks of ``received`` into the database in one transaction of the connection ``db``
    (autocommit), under a new upload; its id."""
    with db.transaction():
        row = db.execute("INSERT INTO uploads (host, pid, started) VALUES (%s, %s, %s) RETURNING upload_id",
                         (host_id(), os.getpid(), time.time())).fetchone()
        assert row is not None
        upload_id = int(row[0])
        insert_chunks(db, -upload_id, 0, received)
    return upload_id


def unstage(db: psycopg.Connection[Any], upload_ids: list[int]) -> None:
    """Delete uploads and their chunks (the caller's transaction, or autocommit)."""
    db.execute("DELETE FROM document_chunks WHERE job_id = ANY(%s) AND number = 0",
               ([-upload_id for upload_id in upload_ids],))
    db.execute("DELETE FROM uploads WHERE upload_id = ANY(%s)", (upload_ids,))


def abandoned_uploads(db: psycopg.Connection[Any], alive: Callable[[int], bool]) -> list[int]:
    """The uploads of processes of this host that no longer run (``alive``: whether a pid runs), and those
    older than :data:`UPLOAD_LIFE`."""
    here = host_id()
    rows = db.execute("SELECT upload_id, host, pid, started FROM uploads").fetchall()
    cutoff = time.time() - UPLOAD_LIFE
    return [upload_id for upload_id, host, pid, started in rows
            if started < cutoff or (host == here and not alive(pid))]


class ChunkSource(Protocol):
    """Where a :class:`ChunkedDocument` fetches its chunks (:class:`.PgStore`)."""

    def read_chunk(self, job_id: int, number: int, seq: int) -> bytes | None:
        """Chunk ``seq`` of a document (None: the database does not keep it)."""


class ChunkedDocument:
    """A document the database keeps as chunks (a :class:`~.documents.DocumentStream`)."""

    def __init__(self, source: ChunkSource, job_id: int, number: int, size: int) -> None:
        self._source = source
        self.job_id = job_id
        self.number = number
        self._size = size

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return self._size

    def open(self) -> BinaryIO:
        """Its bytes, seekable, one chunk fetched at a time when a read reaches it."""
        return io.BufferedReader(_ChunkReader(self._source, self.job_id, self.number, self._size))


class _ChunkReader(io.RawIOBase):
    """The raw stream of a :class:`ChunkedDocument`: keeps the last chunk it fetched."""

    def __init__(self, source: ChunkSource, job_id: int, number: int, size: int) -> None:
        super().__init__()
        self._source = source
        self._key = (job_id, number)
        self._size = size
        self._position = 0
        self._chunk: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError(errno.EINVAL, "negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size:
            return 0
        seq, start = divmod(self._position, CHUNK_BYTES)
        chunk = self._fetch(seq)
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(chunk) - start)
        if count <= 0:
            job_id, number = self._key
            raise OSError(errno.EIO, f"document {number} of job {job_id} is shorter than its record")
        view[:count] = chunk[start:start + count]
        self._position += count
        return count

    def _fetch(self, seq: int) -> bytes:
        if self._chunk[0] != seq:
            job_id, number = self._key
            try:
                chunk = self._source.read_chunk(job_id, number, seq)
            except StoreUnavailable as exc:
                raise OSError(errno.EIO, "the job store is unavailable") from exc
            if chunk is None:
                raise FileNotFoundError(errno.ENOENT, f"document {number} of job {job_id} is no longer kept")
            self._chunk = (seq, chunk)
        return self._chunk[1]
