"""What an output is given (one document) and how it reports progress, failure and cancellation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from ipp_wsgi.backends.embedded.store import DocumentSource, document_size, open_document

CHUNK_SIZE = 64 * 1024
"""Bytes per read when an output copies a document."""
Report = Callable[[Sequence[str], str], None]
"""``report(printer_state_reasons, message)``: what the device is doing now (``[]``: nothing to report)."""


def ignore_report(reasons: Sequence[str], message: str) -> None:
    """A :data:`Report` that reports nowhere."""


def ignore_start(pid: int) -> None:
    """A ``Progress.started`` that records nothing."""


class DeliveryError(Exception):
    """The output refused or failed the document; the message is for job-state-message.

    ``retryable`` errors (a device that cannot be reached, is busy or dropped the connection) are tried
    again as the printer's retry policy says; the others abort the job at once. ``device_fault``: the
    output itself failed (shown in printer-state-reasons until a job prints again), not the one job.
    """

    def __init__(self, message: str, *, retryable: bool = False, device_fault: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.device_fault = device_fault


class DeliveryStopped(Exception):
    """Delivery was interrupted because the job was cancelled (or the spooler is stopping)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One document to deliver: whose, which, in what format, and where its bytes are (``source``: a spool
    file, which outputs may hard-link or ``sendfile``, the bytes themselves, or a stream)."""

    job_id: int
    number: int
    format: str
    source: DocumentSource
    owner: str = ""
    job_name: str = ""
    document_name: str = ""

    def open(self) -> BinaryIO:
        """The document's bytes, to read."""
        return open_document(self.source)

    def chunks(self, check: Callable[[], None]) -> Iterator[bytes]:
        """The document's bytes, :data:`CHUNK_SIZE` at a time; ``check()`` runs before each chunk
        (it raises to stop, as :meth:`Progress.check` does)."""
        with self.open() as src:
            while chunk := src.read(CHUNK_SIZE):
                check()
                yield chunk

    def size(self) -> int:
        """The document's length in bytes."""
        return document_size(self.source)


@dataclass(frozen=True, slots=True)
class Progress:
    """How an output learns that it must stop (``stopped()`` true), where it reports device state, and
    whom it tells of a process it started for the delivery (``started(pid)``, the pid of a process that
    leads a session of its own, before it is given the document; raises :class:`DeliveryStopped` when
    that process must not run)."""

    stopped: Callable[[], bool]
    report: Report = field(default=ignore_report)
    started: Callable[[int], None] = field(default=ignore_start)

    def check(self) -> None:
        """Raise :class:`DeliveryStopped` when the job must stop."""
        if self.stopped():
            raise DeliveryStopped
