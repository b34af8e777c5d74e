"""Helpers shared by the embedded spooler tests (importable by name, unlike a conftest module)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path

from harness import wait_for

from ipp_wsgi.backends.base import JOB_PENDING, Document, Job, JobRequest
from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler
from ipp_wsgi.backends.embedded.store import NewJob, Store
from ipp_wsgi.codec import AttributeGroup, tags

DEADLINE_SECONDS = 20.0
MakeSpooler = Callable[..., EmbeddedSpooler]
"""The ``make_spooler`` fixture (conftest.py): an embedded spooler on the test's store and spool directory."""
Kept = Callable[[], dict[str, bytes]]
"""The ``kept`` fixture (conftest.py): every document the test's store holds, by ``<job-id>-<number>``."""


def insert_job(store: Store) -> int:
    """A pending job of alice on printer ``print`` (made if missing), priority 0, written straight to
    ``store``; its job-id."""
    with store.write() as tx:
        tx.ensure_printer("print", time.time())
        job = tx.insert_job(NewJob(printer="print", owner="alice", name="a job", state=JOB_PENDING,
                                   reasons=["job-incoming"], created=time.time(), attributes=AttributeGroup(),
                                   priority=0))
    return job.job_id


def make_printer(name: str, **options: object) -> EmbeddedPrinter:
    """A printer with a one-attribute description."""
    description = AttributeGroup()
    description.add("printer-make-and-model", f"Test {name}", tag=tags.TEXT_WITHOUT_LANGUAGE)
    return EmbeddedPrinter(name, description, **options)  # type: ignore[arg-type]


def submit(spooler: EmbeddedSpooler, *documents: bytes, printer: str = "print", owner: str = "alice",
           attributes: AttributeGroup | None = None) -> Job:
    """Create a job on ``printer`` and send ``documents``, the last one closing it."""
    job = spooler.create_job(printer, JobRequest(owner, "a job", "127.0.0.1", attributes or AttributeGroup()))
    for index, data in enumerate(documents):
        job = spooler.add_document(printer, job.job_id, io.BytesIO(data), Document("application/pdf"),
                                   last=index == len(documents) - 1)
    return job


def temporary_files(spool_dir: Path) -> list[Path]:
    """The temporary files of the spool directory (``tmp/``: where the SQLite store receives a large
    document; a store that keeps documents elsewhere has none)."""
    folder = spool_dir / "tmp"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def dead_pid() -> int:
    """The pid of a process that ran on this machine and exited (reaped)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until true; fail after a generous deadline (this is no timing assertion)."""
    wait_for("the condition", condition, DEADLINE_SECONDS, interval=0.02)
