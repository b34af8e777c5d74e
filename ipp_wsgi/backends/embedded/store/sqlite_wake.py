"""How the processes of one SQLite store wake its printing processes: the FIFO ``<spool_dir>/printing.wake``.

A process that queues a job writes one byte to it without blocking, dropped when nobody listens or the
pipe is full (printing threads also poll). The printing process reads it only when it has nothing to
print, so a busy printer is not woken once per job.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
from pathlib import Path

WAKE_NAME = "printing.wake"


class WakeSignal:
    """The FIFO ``<spool_dir>/printing.wake``: :meth:`send` from any process, :meth:`wait` in the printing
    one once it :meth:`listen` s."""

    def __init__(self, spool_dir: Path) -> None:
        self._path = spool_dir / WAKE_NAME
        with contextlib.suppress(FileExistsError):
            os.mkfifo(self._path, 0o600)
        self._writer = -1
        self._reader = -1
        self._keeper = -1
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        """Whether :meth:`listen` succeeded (and :meth:`close` was not called since)."""
        return self._reader >= 0

    def send(self) -> None:
        """Wake the printing process if it listens; never blocks, never fails."""
        with self._lock:
            try:
                if self._writer < 0:
                    self._writer = os.open(self._path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
                os.write(self._writer, b"\0")
            except BlockingIOError:
                pass  # the pipe is full: the listener has wake-ups to read already
            except OSError as exc:  # ENXIO: nobody listens; EPIPE: the listener went away
                if exc.errno not in (errno.ENXIO, errno.EPIPE, errno.ENOENT):
                    raise
                self._close_writer()

    def listen(self) -> None:
        """Open the FIFO for :meth:`wait` (OSError when it cannot be: a file system without FIFOs)."""
        self._reader = os.open(self._path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        # A writer of our own keeps the FIFO open, so that select() does not see end-of-file whenever the
        # last other writer closes it.
        self._keeper = os.open(self._path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for a wake-up, then take every wake-up sent so far; whether
        there was one."""
        readable, _, _ = select.select([self._reader], [], [], timeout)
        if readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._reader, 65536):
                    pass
        return bool(readable)

    def close(self) -> None:
        """Close this process's ends of the FIFO."""
        with self._lock:
            self._close_writer()
            for fd in (self._reader, self._keeper):
                if fd >= 0:
                    os.close(fd)
            self._reader = self._keeper = -1

    def _close_writer(self) -> None:
        if self._writer >= 0:
            os.close(self._writer)
            self._writer = -1
