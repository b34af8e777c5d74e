"""Document files in the spool directory.

A document is streamed to ``tmp/<pid>-<random>.part``, fsync'd, and renamed to ``docs/<job-id>-<number>``
inside the store transaction that records it; the rename is made durable right after that transaction.
File names never come from a client. Temporary files of a process that died are removed by
:meth:`Spool.remove_dead_temp_files`; a live process's are left alone, since several processes share the
directory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024
"""Bytes per read when copying a spooled file."""
RECEIVE_SIZE = 256 * 1024
"""Bytes per read and write when receiving a document: few, large calls (bounded memory)."""
_TEMP_SUFFIX = ".part"


def pid_alive(pid: int) -> bool:
    """True when a process ``pid`` runs on this machine (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux), or the process is gone
        return False
    # After "(comm)", which may itself hold spaces or parentheses, comes the state letter.
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolWriteError(OSError):
    """Writing to the spool directory failed (a full disk, say); the client is not to blame."""


class Spool:
    """The ``docs`` and ``tmp`` folders of a spool directory."""

    def __init__(self, root: Path) -> None:
        self.docs = root / "docs"
        self.tmp = root / "tmp"
        self.docs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def document_path(self, job_id: int, number: int) -> Path:
        """Where document ``number`` of job ``job_id`` is kept."""
        return self.docs / f"{job_id}-{number}"

    def receive(self, data: BinaryIO) -> tuple[Path, int]:
        """Copy ``data`` until EOF into a new fsync'd temporary file; return it and its size.

        On any error the temporary file is removed and the error raised: the stream's own exception when
        reading fails (a client that went away, bad compressed data), :class:`SpoolWriteError` when
        writing does.
        """
        path = self.tmp / f"{os.getpid()}-{secrets.token_hex(8)}{_TEMP_SUFFIX}"
        size = 0
        try:
            with _writing():
                out_file = open(path, "xb")  # noqa: SIM115 - closed by the with below
            with out_file as out:
                for chunk in _chunks(data):
                    with _writing():
                        out.write(chunk)
                    size += len(chunk)
                with _writing():
                    out.flush()
                    os.fsync(out.fileno())
        except BaseException:
            self.discard(path)
            raise
        return path, size

    def keep(self, temp: Path, job_id: int, number: int) -> None:
        """Rename a received temporary file to its document name (durable once :meth:`sync` returns)."""
        os.replace(temp, self.document_path(job_id, number))

    def sync(self) -> None:
        """Make the renames of :meth:`keep` durable: called once the transaction that records the documents
        is committed, so that no other writer waits for this fsync."""
        fsync_dir(self.docs)

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


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Turn an OSError of a spool write into :class:`SpoolWriteError` (reads raise their own errors)."""
    try:
        yield
    except OSError as exc:
        raise SpoolWriteError(exc.errno, f"cannot write to the spool: {exc.strerror}") from exc
