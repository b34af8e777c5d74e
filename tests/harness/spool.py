"""Embedded spoolers for the tests, on the job store a test runs against, and what a spool keeps, seen
through its store: the documents it holds (recorded by a job or not)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ipp_wsgi.backends.embedded import WHICH_JOBS, EmbeddedPrinter, EmbeddedSpooler
from ipp_wsgi.backends.embedded.store import JobRecord, PrinterLease, Store, open_document, open_store

STORE_URLS = ["sqlite", "postgresql"]
"""Every job store the embedded-spooler tests run against (``store_url`` fixture, tests/conftest.py)."""


def embedded_spooler(spool_dir: Path, store_url: str, printers: Sequence[EmbeddedPrinter],
                     **options: Any) -> EmbeddedSpooler:
    """An embedded spooler of ``printers`` in ``spool_dir`` on the store ``store_url``."""
    return EmbeddedSpooler(spool_dir, printers, store=store_url, **options)


def kept_documents(spool_dir: Path, store_url: str = "sqlite") -> dict[str, bytes]:
    """Every document the store of ``spool_dir`` holds, by ``<job-id>-<number>``, whether a job records it
    or not."""
    kept = {}
    with opened(spool_dir, store_url) as store:
        for (job_id, number), source in store.stored_documents().items():
            with open_document(source) as data:
                kept[f"{job_id}-{number}"] = data.read()
    return kept


def job_states(spool_dir: Path, store_url: str) -> dict[int, int]:
    """The job-state of every job the store of ``spool_dir`` holds, by job-id."""
    return {job_id: job.state for job_id, job in job_records(spool_dir, store_url).items()}


def job_records(spool_dir: Path, store_url: str) -> dict[int, JobRecord]:
    """Every job the store of ``spool_dir`` holds, as it keeps them, by job-id."""
    with opened(spool_dir, store_url) as store, store.read() as tx:
        return {job.job_id: job for job in tx.select_jobs(WHICH_JOBS["all"])}


def printing_lease(spool_dir: Path, store_url: str, printer: str) -> PrinterLease | None:
    """The printing lease of ``printer`` in the store of ``spool_dir`` (None: never taken)."""
    with opened(spool_dir, store_url) as store, store.read() as tx:
        return tx.lease(printer)


@contextmanager
def opened(spool_dir: Path, store_url: str) -> Iterator[Store]:
    """The store ``store_url`` of ``spool_dir``, opened from outside any spooler (as another process or an
    administrator's tool would), closed after the block."""
    store = open_store(store_url, spool_dir)
    try:
        yield store
    finally:
        store.close()
