"""Which process of a spool directory prints, and how the others wake it.

Every process that opens a spool directory may print its jobs, but one at a time does: the process that
holds an exclusive ``flock`` of ``<spool_dir>/printing.lock`` (:class:`PrintingLease`). The others stand
by and try again every :data:`STANDBY_SECONDS`; the kernel releases the lock when its holder exits or
dies, even by kill -9, so another process takes over. Printing threads in the same process as the
request threads would take turns with them for the GIL at every database call: ``ipp-wsgi serve``
starts a process of its own for printing (``ipp-wsgi spooler``), which takes the lease before the
workers start.

A process that queues a job wakes the printing one through the FIFO ``<spool_dir>/printing.wake``
(:class:`WakeSignal`): one byte written without blocking, dropped when nobody listens or the pipe is full
(the printer also polls). The printing threads read it only when they have nothing to print, so a busy
printer is not woken once per job.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import threading
from pathlib import Path

STANDBY_SECONDS = 1.0
"""How often a process that does not print tries to take the lease."""
LOCK_NAME = "printing.lock"
WAKE_NAME = "printing.wake"


class PrintingLease:
    """The exclusive ``flock`` of ``<spool_dir>/printing.lock``, held by the process that prints."""

    def __init__(self, spool_dir: Path) -> None:
        self._path = spool_dir / LOCK_NAME
        self._fd = -1

    @property
    def held(self) -> bool:
        """Whether this object holds the lease."""
        return self._fd >= 0

    def try_acquire(self) -> bool:
        """Take the lease if no other holder has it; whether this object holds it now."""
        if self._fd >= 0:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lease up (closing the file releases the lock)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


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
