"""Pages of PWG raster (PWG 5102.4) and Apple raster (URF) streams: each page's header is read and its
compressed lines are skipped without being decoded into pixels, in bounded memory.

Both formats compress a page the same way (CUPS reads them with one decoder): each record starts with a
line-repeat byte (the line is used that byte + 1 times), then runs up to the line's length: a byte 0-127
is followed by one pixel repeated byte + 1 times, 129-255 by 257 - byte literal pixels, and 128 clears the
rest of the line. A pixel is (bits per pixel + 7) // 8 bytes.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

_PWG_SYNC = b"RaS2"
_PWG_HEADER = 1796
_PWG_HEIGHT_AT = 376
"""Where cupsHeight is in a PWG page header; cupsBitsPerPixel and cupsBytesPerLine are 12 and 16 bytes
on."""
_URF_SYNC = b"UNIRAST\0"
_URF_HEADER = 32
MAX_BYTES_PER_LINE = 16 * 1024 * 1024
MAX_HEIGHT = 0x00FFFFFF
MAX_BITS_PER_PIXEL = 240
"""CUPS's own limits on a page (libcups raster-stream.c): a header beyond them is damaged."""
_READ_SIZE = 256 * 1024


class _Truncated(Exception):
    """The stream ended inside a page, or a header is impossible."""


class _Reader:
    """Bytes of a stream read ahead in :data:`_READ_SIZE` blocks, consumed and skipped by position."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.buffer = b""
        self.pos = 0

    def fill(self, need: int) -> None:
        """Have at least ``need`` bytes after :attr:`pos` in :attr:`buffer` (_Truncated when the stream
        ends first)."""
        while len(self.buffer) - self.pos < need:
            more = self._stream.read(max(_READ_SIZE, need))
            if not more:
                raise _Truncated
            self.buffer = self.buffer[self.pos:] + more
            self.pos = 0

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes."""
        self.fill(size)
        taken = self.buffer[self.pos:self.pos + size]
        self.pos += size
        return taken

    def at_end(self) -> bool:
        """Whether the stream has no more bytes."""
        try:
            self.fill(1)
        except _Truncated:
            return True
        return False

    def skip_page(self, height: int, bytes_per_line: int, unit: int) -> None:
        """Skip ``height`` compressed lines of ``bytes_per_line`` bytes, ``unit`` bytes a pixel."""
        lines = 0
        while lines < height:
            self.fill(1)
            lines += self.buffer[self.pos] + 1
            self.pos += 1
            self._skip_line(bytes_per_line, unit)

    def _skip_line(self, left: int, unit: int) -> None:
        """Skip the runs of one line of ``left`` bytes."""
        while left > 0:
            self.fill(1)
            buffer, pos = self.buffer, self.pos
            end = len(buffer)
            while left > 0 and pos < end:  # the runs within what is buffered, without a call per run
                run = buffer[pos]
                pos += 1
                if run == 128:  # the rest of the line is blank
                    left = 0
                elif run > 128:
                    size = min((257 - run) * unit, left)
                    left -= size
                    pos += size
                else:
                    left -= min((run + 1) * unit, left)
                    pos += unit
            if pos > end:  # the last run's pixels reach past what is buffered
                self.pos = end
                self._skip(pos - end)
            else:
                self.pos = pos

    def _skip(self, size: int) -> None:
        """Pass over the next ``size`` bytes."""
        buffered = len(self.buffer) - self.pos
        if size <= buffered:
            self.pos += size
            return
        size -= buffered
        self.buffer, self.pos = b"", 0
        while size > 0:
            skipped = self._stream.read(min(size, _READ_SIZE))
            if not skipped:
                raise _Truncated
            size -= len(skipped)


def _check(height: int, bits_per_pixel: int, bytes_per_line: int) -> int:
    """The bytes of a pixel of a page so described (_Truncated when the description is impossible)."""
    if not (0 < height <= MAX_HEIGHT and 0 < bits_per_pixel <= MAX_BITS_PER_PIXEL
            and 0 < bytes_per_line <= MAX_BYTES_PER_LINE):
        raise _Truncated
    unit = (bits_per_pixel + 7) // 8
    if bytes_per_line % unit:
        raise _Truncated
    return unit


def count_pwg_pages(stream: BinaryIO) -> int | None:
    """The pages of a PWG raster stream, or None when it is not one or is damaged or truncated."""
    reader = _Reader(stream)
    try:
        if reader.take(len(_PWG_SYNC)) != _PWG_SYNC:
            return None
        pages = 0
        while not reader.at_end():
            header = reader.take(_PWG_HEADER)
            (height,) = struct.unpack_from(">I", header, _PWG_HEIGHT_AT)
            bits_per_pixel, bytes_per_line = struct.unpack_from(">II", header, _PWG_HEIGHT_AT + 12)
            reader.skip_page(height, bytes_per_line, _check(height, bits_per_pixel, bytes_per_line))
            pages += 1
    except _Truncated:
        return None
    return pages or None


def count_urf_pages(stream: BinaryIO) -> int | None:
    """The pages of an Apple raster (URF) stream, or None when it is not one or is damaged or truncated.
    The page count its file header may give is not trusted: its pages are counted."""
    reader = _Reader(stream)
    try:
        if reader.take(len(_URF_SYNC)) != _URF_SYNC:
            return None
        reader.take(4)  # the page count the sender claims (0: not given)
        pages = 0
        while not reader.at_end():
            header = reader.take(_URF_HEADER)
            bits_per_pixel = header[0]
            width, height = struct.unpack_from(">II", header, 12)
            bytes_per_line = (width * bits_per_pixel + 7) // 8
            reader.skip_page(height, bytes_per_line, _check(height, bits_per_pixel, bytes_per_line))
            pages += 1
    except _Truncated:
        return None
    return pages or None
