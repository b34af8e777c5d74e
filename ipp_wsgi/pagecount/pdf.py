"""Pages of a PDF, from its page tree, read with pypdf (pure Python, well kept; chosen over pikepdf for
needing no compiled library): pypdf reads a file object by seeking to the objects it needs, so only the
cross-reference data and the page tree are read, never the page contents.

pypdf rebuilds a damaged cross-reference table by reading the whole file; the stream handed to it refuses
reads larger than :data:`MAX_READ` (:class:`_BoundedReads`), so a large damaged file is left uncounted
instead (a small one is counted as pypdf repairs it).
"""

from __future__ import annotations

import io
import logging
from typing import Any, BinaryIO, cast

MAX_READ = 8 * 1024 * 1024
"""The largest single read pypdf may make (an object stream, a cross-reference stream)."""
logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about damaged files are not ours to log


class _TooLarge(Exception):
    """pypdf asked for more of the file at once than :data:`MAX_READ`."""


class _BoundedReads(io.RawIOBase):
    """``stream`` for pypdf (from where it is), whose reads of more than :data:`MAX_READ` bytes raise."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self._start = stream.tell()
        self.mode = "rb"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # the rest of the file: to rebuild a damaged cross-reference table
            here = self._stream.tell()
            size = self._stream.seek(0, io.SEEK_END) - here
            self._stream.seek(here)
        if size > MAX_READ:
            raise _TooLarge
        return self._stream.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            return self._stream.seek(self._start + offset) - self._start
        return self._stream.seek(offset, whence) - self._start

    def tell(self) -> int:
        return self._stream.tell() - self._start


def count_pdf_pages(stream: BinaryIO) -> int | None:
    """The pages of the PDF ``stream`` holds (seekable), or None when it is damaged beyond what pypdf
    reads in bounded memory, encrypted with a password, or no PDF."""
    from pypdf import PdfReader  # imported when a PDF comes: the import costs a tenth of a second

    start = stream.tell()
    if b"%PDF-" not in stream.read(1024):
        return None
    stream.seek(start)
    try:
        reader = PdfReader(cast(BinaryIO, _BoundedReads(stream)))
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        pages = len(reader.pages)
    except Exception:  # _TooLarge, and pypdf's many errors for a damaged file: none may fail the job
        return None
    return pages or None
