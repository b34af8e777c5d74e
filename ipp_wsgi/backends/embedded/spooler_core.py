"""What every part of the embedded spooler's operations shares: its store, printers, limits and
processor, and the checks every operation makes (an unknown printer or job, a printer not accepting jobs,
a document that cannot be written)."""

from __future__ import annotations

import copy
import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ipp_wsgi.backends.base import TERMINAL_JOB_STATES, Backend, BackendError
from ipp_wsgi.backends.embedded.job_limits import SPOOL_FULL_MESSAGE, JobLimits
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.backends.embedded.processor import Processor
from ipp_wsgi.backends.embedded.store import (
    DocumentWriteError,
    JobRecord,
    PrinterRecord,
    ReceivedDocument,
    Store,
    StoreTransaction,
)
from ipp_wsgi.codec import DELETE_ATTRIBUTE, AttributeGroup, status

_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class SpoolerCore(Backend):
    """The state and checks the operation mixins of :class:`~.spooler.EmbeddedSpooler` share."""

    _store: Store
    _processor: Processor
    _printers: dict[str, EmbeddedPrinter]
    _limits: JobLimits
    _spool_dir: Path
    event_life: int
    """ippget-event-life in seconds."""

    @property
    def store(self) -> Store:
        """The spooler's job store."""
        return self._store

    def _printer(self, name: str) -> EmbeddedPrinter:
        printer = self._printers.get(name)
        if printer is None:
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no printer {name!r}")
        return printer

    def _job(self, tx: StoreTransaction, printer: str | None, job_id: int, *,
             for_update: bool = False) -> JobRecord:
        """Job ``job_id`` (of ``printer``, when given); client-error-not-found otherwise."""
        job = tx.job(job_id, for_update=for_update)
        if job is None or (printer is not None and job.printer != printer):
            raise BackendError(status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id}")
        return job

    def _check_accepting(self, tx: StoreTransaction, printer: str) -> PrinterRecord:
        """The printer's state, when it accepts jobs."""
        self._printer(printer)
        record = tx.printer(printer)
        if record is None or not record.accepting or record.shutdown:
            raise BackendError(status.SERVER_ERROR_NOT_ACCEPTING_JOBS, f"{printer} is not accepting jobs")
        return record

    def _receive(self, data: BinaryIO, before_large: Callable[[], None] | None = None) -> ReceivedDocument:
        """Read ``data`` in full (:meth:`.Store.receive`); a write failure is :func:`spool_failure`."""
        with spool_errors():
            return self._store.receive(data, before_large)


def apply_changes(stored: AttributeGroup, changes: AttributeGroup, name_attribute: str, name: str) -> str:
    """Apply Set-Job- or Set-Document-Attributes ``changes`` to ``stored`` (``delete-attribute`` removes an
    attribute); the name, which ``name_attribute`` (``job-name``, ``document-name``) changes, is kept apart:
    the new one."""
    for attribute in changes.attributes():
        if attribute.name == name_attribute:
            name = attribute.value
        elif attribute.value is DELETE_ATTRIBUTE:
            stored.pop(attribute.name)
        else:
            stored.append(copy.deepcopy(attribute))
    return name


def check_open(job: JobRecord) -> None:
    """Refuse a document for a job that ended or was closed."""
    if job.state in TERMINAL_JOB_STATES or job.closed:
        raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE, "the job accepts no more documents")


@contextmanager
def spool_errors() -> Iterator[None]:
    """Answer a document that could not be written (:class:`~.store.DocumentWriteError`) as
    :func:`spool_failure` says."""
    try:
        yield
    except DocumentWriteError as exc:
        raise spool_failure(exc) from exc


def spool_failure(exc: OSError) -> BackendError:
    """The answer to a failed spool write: a full disk or quota is server-error-temporary-error (the job
    may succeed later), anything else server-error-internal-error. The message never names a path."""
    if exc.errno in _DISK_FULL:
        return BackendError(status.SERVER_ERROR_TEMPORARY_ERROR, SPOOL_FULL_MESSAGE)
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__  # strerror may hold a path
    return BackendError(status.SERVER_ERROR_INTERNAL_ERROR, f"Cannot write to the spool: {reason}.")
