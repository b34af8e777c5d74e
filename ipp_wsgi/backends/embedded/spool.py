"""Documents of the spool: small ones in the database, the others as files in the spool directory.

A document of at most :data:`INLINE_BYTES` is kept in the job database, written by the same transaction
that records its job (:class:`Received` ``data``): no file is created, renamed or fsync'd for it, and its
job and it are never apart, after any crash, since SQLite commits them together or not at all. A larger
document is streamed to ``tmp/<pid>-<random>.part``, fsync'd, and renamed to ``docs/<job-id>-<number>``
inside the store transaction that records it; the rename is made durable right after that transaction.
File names never come from a client. Temporary files of a process that died are removed by
:meth:`Spool.remove_dead_temp_files`; a live process's are left alone, since several processes share the
directory.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ipp_wsgi.backends.embedded.processes import pid_alive

RECEIVE_SIZE = 256 * 1024
"""Bytes per read and write when receiving a document: few, large calls (bounded memory)."""
WRITE_BACK_BYTES = 4 << 20
"""Bytes of a document received between two starts of their write-back (:func:`_start_write_back`)."""
INLINE_BYTES = 64 * 1024
"""The largest document kept in the database instead of a file: a small job then costs no file creation and
no fsync (creating a file is the dearest part of a small job on a busy file system). The same size as the
largest request body the worker runs on its local lane."""
_TEMP_SUFFIX = ".part"


@dataclass(frozen=True, slots=True)
class Received:
    """A document received in full: its bytes (``data``) when they are at most :data:`INLINE_BYTES`, else
    the fsync'd temporary file (``path``) that holds them."""

    size: int
    data: bytes | None = None
    path: Path | None = None

    def discard(self) -> None:
        """Remove its temporary file, if it has one."""
        if self.path is not None:
            Spool.discard(self.path)


class SpoolWriteError(OSError):
    """Writing to the spool directory failed (a full disk, say); the client is not to blame."""


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectorySync:
    """fsync of one directory shared by the threads that need it at the same time (a group commit).

    :meth:`sync` returns once an fsync of the directory that began after the call has ended: the renames
    the caller made before calling are then durable. A caller that arrives while an fsync runs waits for
    it to end, and the next fsync covers every caller that arrived meanwhile: under load one fsync serves
    many requests instead of one each.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._changed = threading.Condition()
        self._called = 0
        """Calls of :meth:`sync` so far: the ticket of each."""
        self._synced = 0
        """Every call with a ticket up to this one is durable."""
        self._running = False

    def sync(self) -> None:
        """Make every rename and unlink made in the directory so far durable."""
        with self._changed:
            self._called += 1
            ticket = self._called
            while self._running and self._synced < ticket:
                self._changed.wait()
            if self._synced >= ticket:
                return
            self._running = True
            covered = self._called
        synced = False
        try:
            fsync_dir(self.path)
            synced = True
        finally:
            with self._changed:
                self._running = False
                if synced:
                    self._synced = max(self._synced, covered)
                self._changed.notify_all()


class Spool:
    """The ``docs`` and ``tmp`` folders of a spool directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = root / "docs"
        self.tmp = root / "tmp"
        self.docs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._docs_sync = DirectorySync(self.docs)

    def document_path(self, job_id: int, number: int) -> Path:
        """Where document ``number`` of job ``job_id`` is kept."""
        return self.docs / f"{job_id}-{number}"

    def receive(self, data: BinaryIO, before_file: Callable[[], None] | None = None) -> Received:
        """Read ``data`` until EOF: its bytes when there are at most :data:`INLINE_BYTES`, else a new fsync'd
        temporary file holding them (memory stays bounded by that size). ``before_file`` is called before
        the rest of a larger document is read (an exception it raises leaves nothing behind).

        On any error no temporary file is left and the error is raised: the stream's own exception when
        reading fails (a client that went away, bad compressed data), :class:`SpoolWriteError` when
        writing does.
        """
        head = _read_at_most(data, INLINE_BYTES + 1)
        if len(head) <= INLINE_BYTES:
            return Received(len(head), data=head)
        if before_file is not None:
            before_file()
        path = self.tmp / f"{os.getpid()}-{secrets.token_hex(8)}{_TEMP_SUFFIX}"
        try:
            size = _write_file(path, head, data)
        except BaseException:
            self.discard(path)
            raise
        return Received(size, path=path)

    def keep(self, temp: Path, job_id: int, number: int) -> None:
        """Rename a received temporary file to its document name (durable once :meth:`sync` returns)."""
        os.replace(temp, self.document_path(job_id, number))

    def sync(self) -> None:
        """Make the renames of :meth:`keep` durable: called once the transaction that records the documents
        is committed, so that no other writer waits for this fsync; threads that call it at the same time
        share one fsync (:class:`DirectorySync`)."""
        self._docs_sync.sync()

    @staticmethod
    def discard(path: Path) -> None:
        """Remove a file if it exists."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def remove_documents(self, job_id: int, count: int) -> None:
        """Remove the files of documents 1..``count`` of a job."""
        for number in range(1, count + 1):
            self.discard(self.document_path(job_id, number))

    def stored_documents(self) -> Iterator[tuple[int, int, Path]]:
        """(job-id, number, path) of every document file present."""
        for path in self.docs.iterdir():
            job, _, number = path.name.partition("-")
            if job.isdigit() and number.isdigit():
                yield int(job), int(number), path

    def remove_dead_temp_files(self) -> int:
        """Remove temporary files left by processes that no longer run; return how many."""
        removed = 0
        for path in self.tmp.glob(f"*{_TEMP_SUFFIX}"):
            pid = path.name.partition("-")[0]
            if not pid.isdigit() or not pid_alive(int(pid)):
                self.discard(path)
                removed += 1
        return removed


def _read_at_most(data: BinaryIO, limit: int) -> bytes:
    """The first ``limit`` bytes of ``data`` (fewer when it ends before)."""
    parts = []
    left = limit
    while left > 0 and (chunk := data.read(left)):
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _write_file(path: Path, head: bytes, data: BinaryIO) -> int:
    """Write ``head`` then the rest of ``data`` to the new file ``path`` and fsync it; the bytes written.
    The kernel starts writing back each :data:`WRITE_BACK_BYTES` as they come (:func:`_start_write_back`)."""
    with _writing():
        out_file = open(path, "xb")  # noqa: SIM115 - closed by the with below
    with out_file as out:
        size = written_back = 0
        for chunk in itertools.chain((head,), _chunks(data)):
            with _writing():
                out.write(chunk)
            size += len(chunk)
            if size - written_back >= WRITE_BACK_BYTES:
                with _writing():
                    _start_write_back(out, written_back, size)
                written_back = size
        with _writing():
            out.flush()
            os.fsync(out.fileno())
    return size


def _chunks(data: BinaryIO) -> Iterator[memoryview | bytes]:
    """The bytes of ``data`` until EOF, read into one reused buffer when the stream can (flat memory)."""
    readinto = getattr(data, "readinto", None)
    if readinto is None:
        while chunk := data.read(RECEIVE_SIZE):
            yield chunk
        return
    buffer = memoryview(bytearray(RECEIVE_SIZE))
    while count := readinto(buffer):
        yield buffer[:count]


def _start_write_back(out: BinaryIO, start: int, end: int) -> None:
    """Have the kernel start writing bytes ``start``..``end`` of ``out`` to disk now, without waiting:
    the final fsync then has only the last few MiB left to wait for, and the page cache holds no more
    than that of the document (``POSIX_FADV_DONTNEED`` starts the write-back of dirty pages on Linux)."""
    if hasattr(os, "posix_fadvise"):
        out.flush()
        os.posix_fadvise(out.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Turn an OSError of a spool write into :class:`SpoolWriteError` (reads raise their own errors)."""
    try:
        yield
    except OSError as exc:
        raise SpoolWriteError(exc.errno, f"cannot write to the spool: {exc.strerror}") from exc
