"""A document's bytes as a job store receives, keeps and hands them out: received documents not kept yet,
where a kept document's bytes are (:data:`DocumentSource`), and the error of a document that cannot be
written."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO, Protocol


class DocumentWriteError(OSError):
    """Writing a document's bytes failed (a full disk, say): the client is not to blame. Its ``errno`` is
    the cause's."""


class DocumentStream(Protocol):
    """A kept document read as a stream (a store that keeps documents away from this host)."""

    @property
    def size(self) -> int:
        """Its length in bytes."""

    def open(self) -> BinaryIO:
        """Its bytes, to read."""


DocumentSource = Path | bytes | DocumentStream
"""Where a kept document's bytes are: a local file (outputs may hard-link or ``sendfile`` it), the bytes
themselves, or a stream."""


def open_document(source: DocumentSource) -> BinaryIO:
    """The bytes of ``source``, to read."""
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, Path):
        return open(source, "rb")
    return source.open()


def document_size(source: DocumentSource) -> int:
    """The length of ``source`` in bytes."""
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, Path):
        return source.stat().st_size
    return source.size


class ReceivedDocument(ABC):
    """A document read in full by :meth:`Store.receive`, not kept yet."""

    size: int

    @abstractmethod
    def open(self) -> BinaryIO:
        """Its bytes, to read (seekable): what the spooler counts the pages of before it is kept."""

    @abstractmethod
    def discard(self) -> None:
        """Forget it (it will not be kept); nothing of it remains."""
