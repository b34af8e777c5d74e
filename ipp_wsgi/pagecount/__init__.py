"""How many impressions (pages) a document makes, where its format says so: PDF (its page tree), PWG
raster and Apple raster (URF) (their page headers, each page's compressed lines skipped), and JPEG (one
image: one impression). ``application/octet-stream`` is recognised by its first bytes, as the printer's
auto-sensing would.

:func:`count_pages` reads a document from a stream in bounded memory, and answers None for a format that
does not tell (PostScript, plain text, unknown bytes) and for a document that is damaged or truncated: a
count is given only when it is certain. Imports nothing of ipp-wsgi's.
"""

from __future__ import annotations

from typing import BinaryIO

from ipp_wsgi.pagecount.pdf import count_pdf_pages
from ipp_wsgi.pagecount.raster import count_pwg_pages, count_urf_pages

__all__ = ["COUNTED_FORMATS", "count_pages", "sniff_format"]

PDF, PWG, URF, JPEG = "application/pdf", "image/pwg-raster", "image/urf", "image/jpeg"
OCTET_STREAM = "application/octet-stream"
_MAGIC = ((b"%PDF-", PDF), (b"RaS2", PWG), (b"UNIRAST\0", URF), (b"\xff\xd8\xff", JPEG))
"""The first bytes of each counted format (a PDF may have a few bytes before its header; a printer's
auto-sensing looks at the start, and so does this)."""
COUNTED_FORMATS = frozenset(kind for _, kind in _MAGIC)
"""The document formats whose impressions are counted."""


def sniff_format(head: bytes) -> str | None:
    """The counted format whose signature ``head`` (a document's first bytes) starts with, or None."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def count_pages(document_format: str, stream: BinaryIO) -> int | None:
    """The impressions of the document ``stream`` holds (read from where it is; it must be seekable for a
    PDF), in format ``document_format`` (``application/octet-stream``: as its first bytes say), or None
    when they cannot be known for certain."""
    if document_format == OCTET_STREAM:
        start = stream.tell()
        head = stream.read(len(max((magic for magic, _ in _MAGIC), key=len)))
        stream.seek(start)
        sensed = sniff_format(head)
        if sensed is None:
            return None
        document_format = sensed
    if document_format == PDF:
        return count_pdf_pages(stream)
    if document_format == PWG:
        return count_pwg_pages(stream)
    if document_format == URF:
        return count_urf_pages(stream)
    if document_format == JPEG:
        return 1 if stream.read(3) == b"\xff\xd8\xff" else None
    return None
