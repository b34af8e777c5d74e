"""``wsgi.input`` of a request answered in a thread while its body still arrives: a blocking stream
that the event loop feeds, with flow control (the loop stops reading from the client while more than
``HIGH_WATER`` bytes wait, and resumes once the application has read the queue down to ``LOW_WATER``).

A large body of known length on a plain (not TLS) connection is instead read by the application's thread
straight from the socket (:meth:`RequestBody.read_directly`) once the loop hands it over: one copy, from
the kernel into the reader's buffer, and no work for the loop, which is what lets a document be spooled
as fast as cupsd does."""

from __future__ import annotations

import io
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any

from ipp_wsgi.worker.limits import body_allowance

HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024
READ_ALL_CHUNK = 64 * 1024


def silent_client(timeout: float) -> TimeoutError:
    """The error of a body whose client sent nothing for *timeout* seconds."""
    return TimeoutError(f"the client sent no data for {timeout:g} s")


def slow_client(min_rate: float) -> TimeoutError:
    """The error of a body whose client sent it slower than *min_rate* bytes/s."""
    return TimeoutError(f"the client sent the body slower than {min_rate:g} bytes/s")


class RequestBody(io.RawIOBase):
    """The body of one request: :meth:`feed`, :meth:`feed_eof` and :meth:`abort` are called in the event
    loop, the reads in the application's thread. A read that waits more than *timeout* seconds for data
    raises :class:`TimeoutError` (a stalled client), as does a read after :meth:`stall`; a read after
    :meth:`abort` raises its error. The loop keeps the time of a body it feeds (and calls :meth:`stall`);
    once the socket is handed over, the stream does: a read fails that would make the reader's waits for
    the client add up to more than *timeout* + (bytes received) / *min_rate* seconds when *min_rate* is set
    (a client trickling the body: the rule of Apache's mod_reqtimeout ``body=T,MinRate=R``, counted in the
    time the application waits for the client, so that a slow application does not count against it).

    *pause* is called (in the loop) when the queue passes ``HIGH_WATER``; *resume* is called from the
    reading thread when it drops below ``LOW_WATER`` and must be thread-safe.
    """

    def __init__(self, timeout: float, pause: Callable[[], None], resume: Callable[[], None],
                 min_rate: float = 0.0) -> None:
        super().__init__()
        self._timeout = timeout
        self._min_rate = min_rate
        self._waited = 0.0
        """Seconds the reader has waited for the client's bytes."""
        self.timed_out = False
        """A read failed because the client was silent or too slow (the connection cannot go on)."""
        self._pause = pause
        self._resume = resume
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # bytes of _chunks[0] already read
        self._buffered = 0
        self._paused = False
        self._eof = False
        self._error: OSError | None = None
        self._cond = threading.Condition(threading.Lock())
        self.received = 0
        """Bytes fed by the loop (and, once the socket is handed over, read from it)."""
        self._socket: socket.socket | None = None
        self._socket_timeout = 0.0
        self._remaining = 0
        self._direct_done: Callable[[], None] | None = None

    # --- event loop side -------------------------------------------------------------------------

    def feed(self, *chunks: bytes) -> None:
        """Queue *chunks* for the reader (the body bytes of one read from the client: one wake-up)."""
        size = sum(map(len, chunks))
        with self._cond:
            self._chunks.extend(chunks)
            self._buffered += size
            self.received += size
            self._cond.notify()
            pause = not self._paused and self._buffered > HIGH_WATER
            if pause:
                self._paused = True
        if pause:
            self._pause()

    def read_directly(self, sock: socket.socket, remaining: int, done: Callable[[], None]) -> None:
        """From now on the loop feeds nothing: once the queued bytes are read, reads take the last
        *remaining* bytes of the body from *sock* (a duplicate of the connection's socket, which the stream
        closes), never more, waiting at most the timeout for each; *done* is called in the reading thread
        when they have all been read."""
        sock.settimeout(self._timeout)
        self._socket_timeout = self._timeout
        with self._cond:
            self._socket = sock
            self._remaining = remaining
            self._direct_done = done
            self._cond.notify()

    def release_socket(self) -> None:
        """Close the handed-over socket once nobody reads the stream any more (the application returned
        before reading the whole body): else the connection would stay open after the loop closes it."""
        with self._cond:
            self._close_socket()

    @property
    def direct(self) -> bool:
        """True while the rest of the body is read from the socket (see :meth:`read_directly`)."""
        return self._socket is not None

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
        """The client went silent or is too slow: once the bytes already queued are read, reads raise
        *error*."""
        with self._cond:
            self._error = error
            self.timed_out = True
            self._cond.notify()

    @property
    def finished(self) -> bool:
        """True once the whole body has arrived and been read."""
        return self._eof and self._buffered == 0

    # --- application side ------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Copy the next queued bytes (at least one, unless the body ended) into *buffer*; once the loop has
        handed the socket over and the queue is empty, receive into *buffer* straight from the socket."""
        view = memoryview(buffer).cast("B")
        want = len(view)
        if want == 0:
            return 0
        filled = 0
        with self._cond:
            if not self._wait():
                return 0
            direct = not self._chunks
            while self._chunks and filled < want:
                chunk = self._chunks[0]
                take = min(want - filled, len(chunk) - self._offset)
                view[filled:filled + take] = memoryview(chunk)[self._offset:self._offset + take]
                filled += take
                self._consumed(take)
        if direct:
            return self._receive_into(view)
        self._maybe_resume()
        return filled

    def read1(self, size: int = -1) -> bytes:
        """The next queued bytes (at most *size*; b"" at the end of the body)."""
        with self._cond:
            if not self._wait():
                return b""
            if self._chunks:
                chunk = self._chunks[0]
                if self._offset == 0 and (size < 0 or size >= len(chunk)):
                    data = chunk
                else:
                    end = len(chunk) if size < 0 else min(len(chunk), self._offset + size)
                    data = chunk[self._offset:end]
                self._consumed(len(data))
            else:
                data = b""
        if not data:  # the socket was handed over
            buffer = bytearray(READ_ALL_CHUNK if size < 0 else min(size, READ_ALL_CHUNK))
            return bytes(buffer[:self._receive_into(memoryview(buffer))])
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
                direct = not self._chunks
            if direct:
                self._receive_chunk()
            with self._cond:
                if not self._chunks:
                    continue  # aborted meanwhile: _wait raises
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
        """Wait for data: True when some is queued (or the socket was handed over), False at the end of
        the body."""
        while not self._chunks:
            if self._error is not None:
                self._close_socket()
                raise self._error
            if self._eof:
                return False
            if self._socket is not None:
                return True
            if not self._cond.wait(self._timeout) and not self._chunks and not self._eof \
                    and self._error is None:
                self._error = self._slow_client(self._timeout)
        return True

    def _allowance(self) -> float:
        """How long the next wait for the client may last (see the class docstring)."""
        return min(self._timeout, body_allowance(self._timeout, self._min_rate, self.received) - self._waited)

    def _slow_client(self, allowed: float) -> TimeoutError:
        """The error of a read whose wait of *allowed* seconds for the client ran out."""
        self.timed_out = True
        if allowed >= self._timeout:
            return silent_client(self._timeout)
        return slow_client(self._min_rate)

    def _receive_into(self, view: memoryview) -> int:
        """Receive up to the rest of the body from the handed-over socket into *view*, in the reading
        thread, without the lock (the loop neither feeds the stream nor reads the socket any more; it may
        still :meth:`abort`)."""
        sock = self._socket
        assert sock is not None
        allowed = self._allowance()
        started = monotonic()
        try:
            if allowed != self._socket_timeout:
                if allowed <= 0:
                    raise TimeoutError
                sock.settimeout(allowed)
                self._socket_timeout = allowed
            count = sock.recv_into(view, min(len(view), self._remaining))
        except TimeoutError:
            self._error = self._slow_client(allowed)
        except OSError as exc:
            self._error = exc
        else:
            if count == 0:
                self._error = ConnectionResetError("the client closed the connection within the body")
        self._waited += monotonic() - started
        if self._error is not None:
            self._close_socket()
            raise self._error
        self._remaining -= count
        self.received += count
        if self._remaining == 0:
            self._eof = True
            self._close_socket()
            done, self._direct_done = self._direct_done, None
            if done is not None:
                done()
        return count

    def _receive_chunk(self) -> None:
        """Queue the next bytes of the handed-over socket (for readline)."""
        buffer = bytearray(READ_ALL_CHUNK)
        data = bytes(buffer[:self._receive_into(memoryview(buffer))])
        with self._cond:
            self._chunks.append(data)
            self._buffered += len(data)

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

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
