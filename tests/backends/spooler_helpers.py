"""Helpers shared by the embedded spooler tests (importable by name, unlike a conftest module)."""

from __future__ import annotations

import io
from collections.abc import Callable

from harness import wait_for

from ipp_wsgi.backends.base import Document, Job, JobRequest
from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, tags

DEADLINE_SECONDS = 20.0


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


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until true; fail after a generous deadline (this is no timing assertion)."""
    wait_for("the condition", condition, DEADLINE_SECONDS, interval=0.02)
