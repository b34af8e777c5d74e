"""``wsgi.input`` of a request answered in a thread while its body still arrives: a blocking stream
that the event loop feeds, with flow control (the loop stops reading from the client while more than
``HIGH_WATER`` bytes wait, and resumes once the application has read the queue down to ``LOW_WATER``)."""

from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024
READ_ALL_CHUNK = 64 * 1024


class RequestBody(io.RawIOBase):
    """The body of one request: :meth:`feed`, :meth:`feed_eof` and :meth:`abort` are called in the event
    loop, the reads in the application's thread. A read that waits more than *timeout* seconds for data
    raises :class:`OSError` (a stalled client), as does a read after :meth:`abort`.

    *pause* is called (in the loop) when the queue passes ``HIGH_WATER``; *resume* is called from the
    reading thread when it drops below ``LOW_WATER`` and must be thread-safe.
    """

    def __init__(self, timeout: float, pause: Callable[[], None], resume: Callable[[], None]) -> None:
        super().__init__()
        self._timeout = timeout
        self._pause = pause
        self._resume = resume
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # bytes of _chunks[0] already read
        self._buffered = 0
        self._paused = False
        self._eof = False
        self._error: OSError | None = None
        self._cond = threading.Condition(threading.Lock())

    # --- event loop side -------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Queue *data* for the reader."""
        with self._cond:
            self._chunks.append(data)
            self._buffered += len(data)
            self._cond.notify()
            pause = not self._paused and self._buffered > HIGH_WATER
            if pause:
                self._paused = True
        if pause:
            self._pause()

    def feed_eof(self) -> None:
        """The body is complete."""
        with self._cond:
            self._eof = True
            self._cond.notify()

    def abort(self, error: OSError) -> None:
        """The connection is gone or timed out: pending and later reads raise *error*."""
        with self._cond:
            self._error = error
            self._chunks.clear()
            self._buffered = 0
            self._cond.notify()

    def stall(self, error: OSError) -> None:
        """The client went silent: once the bytes already queued are read, reads raise *error*."""
        with self._cond:
            self._error = error
            self._cond.notify()

    @property
    def finished(self) -> bool:
        """True once the whole body has arrived and been read."""
        return self._eof and self._buffered == 0

    # --- application side ------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Copy the next queued bytes (at least one, unless the body ended) into *buffer*."""
        view = memoryview(buffer).cast("B")
        want = len(view)
        if want == 0:
            return 0
        filled = 0
        with self._cond:
            if not self._wait():
                return 0
            while self._chunks and filled < want:
                chunk = self._chunks[0]
                take = min(want - filled, len(chunk) - self._offset)
                view[filled:filled + take] = memoryview(chunk)[self._offset:self._offset + take]
                filled += take
                self._consumed(take)
        self._maybe_resume()
        return filled

    def read1(self, size: int = -1) -> bytes:
        """The next queued bytes (at most *size*; b"" at the end of the body)."""
        with self._cond:
            if not self._wait():
                return b""
            chunk = self._chunks[0]
            if self._offset == 0 and (size < 0 or size >= len(chunk)):
                data = chunk
            else:
                end = len(chunk) if size < 0 else min(len(chunk), self._offset + size)
                data = chunk[self._offset:end]
            self._consumed(len(data))
        self._maybe_resume()
        return data

    def read(self, size: int | None = -1) -> bytes:
        """*size* bytes (fewer only at the end of the body); everything left when *size* is negative."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read1(READ_ALL_CHUNK), b""))
        parts = []
        while size > 0:
            data = self.read1(size)
            if not data:
                break
            parts.append(data)
            size -= len(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, up to and including b"\\n" (at most *size* bytes)."""
        limit = -1 if size is None else size
        parts: list[bytes] = []
        got = 0
        while limit < 0 or got < limit:
            with self._cond:
                if not self._wait():
                    break
                chunk = self._chunks[0]
                end = chunk.find(b"\n", self._offset) + 1 or len(chunk)
                if limit >= 0:
                    end = min(end, self._offset + limit - got)
                data = chunk[self._offset:end]
                self._consumed(len(data))
            self._maybe_resume()
            parts.append(data)
            got += len(data)
            if data.endswith(b"\n"):
                break
        return b"".join(parts)

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    # --- internals (called with the lock held) ----------------------------------------------------

    def _wait(self) -> bool:
        """Wait for data: True when some is queued, False at the end of the body."""
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self._eof:
                return False
            if not self._cond.wait(self._timeout) and not self._chunks and not self._eof:
                self._error = TimeoutError(f"the client sent no data for {self._timeout:g} s")
        return True

    def _consumed(self, count: int) -> None:
        self._buffered -= count
        self._offset += count
        if self._offset == len(self._chunks[0]):
            self._chunks.popleft()
            self._offset = 0

    def _maybe_resume(self) -> None:
        if self._paused and self._buffered < LOW_WATER:
            with self._cond:
                resume = self._paused
                self._paused = False
            if resume:
                self._resume()
