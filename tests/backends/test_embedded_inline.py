"""Small documents (at most INLINE_BYTES) are kept in the job database, committed with their job; larger
ones are spool files. Both print, copy, restart and survive a restart of the spooler alike."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from harness.spool import kept_documents
from spooler_helpers import make_printer, submit

from ipp_wsgi.backends.base import JOB_COMPLETED, JOB_PENDING, Document, JobRequest
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES, Spool
from ipp_wsgi.codec import AttributeGroup

SMALL = os.urandom(INLINE_BYTES)
LARGE = os.urandom(INLINE_BYTES + 1)


class Trickle(io.RawIOBase):
    """``data`` a few bytes per read, as a slow client sends it."""

    def __init__(self, data: bytes, step: int = 1000) -> None:
        self.data, self.step = memoryview(data), step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(self.step, len(buffer), len(self.data))
        buffer[:count] = self.data[:count]
        self.data = self.data[count:]
        return count


@pytest.mark.parametrize("size", [0, 1, INLINE_BYTES])
def test_a_small_document_is_received_in_memory(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    received = Spool(tmp_path).receive(io.BufferedReader(Trickle(data)))
    assert (received.size, received.data, received.path) == (size, data, None)
    assert list((tmp_path / "tmp").iterdir()) == [], "no temporary file"


@pytest.mark.parametrize("size", [INLINE_BYTES + 1, 5 * INLINE_BYTES + 7])
def test_a_larger_document_is_received_into_a_file(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    received = Spool(tmp_path).receive(io.BufferedReader(Trickle(data, step=4096)))
    assert received.data is None and received.path is not None
    assert (received.size, received.path.read_bytes()) == (size, data)


def test_small_documents_are_kept_in_the_database_and_large_ones_as_files(spooler: EmbeddedSpooler,
                                                                           spool_dir: Path) -> None:
    job = submit(spooler, SMALL, LARGE)
    assert [p.name for p in (spool_dir / "docs").iterdir()] == [f"{job.job_id}-2"]
    assert kept_documents(spool_dir) == {f"{job.job_id}-1": SMALL, f"{job.job_id}-2": LARGE}
    assert spooler.get_job(None, job.job_id).k_octets == (2 * INLINE_BYTES + 1 + 1023) // 1024
    spooler.process_pending()
    outputs = spool_dir / "output" / "print"
    assert (outputs / f"{job.job_id}-1.pdf").read_bytes() == SMALL
    assert (outputs / f"{job.job_id}-2.pdf").read_bytes() == LARGE


def test_print_job_of_a_small_document_creates_no_file(spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    job = spooler.submit_job("print", JobRequest("alice", "small"), io.BytesIO(b"%PDF small"),
                             Document("application/pdf"))
    assert list((spool_dir / "docs").iterdir()) == [] and list((spool_dir / "tmp").iterdir()) == []
    assert kept_documents(spool_dir) == {f"{job.job_id}-1": b"%PDF small"}


def test_a_small_document_survives_a_restart_of_the_spooler(spool_dir: Path) -> None:
    first = EmbeddedSpooler(spool_dir, [make_printer("print")], start=False)
    try:
        job = submit(first, SMALL)
    finally:
        first.close()
    again = EmbeddedSpooler(spool_dir, [make_printer("print")], start=False)
    try:
        assert again.get_job(None, job.job_id).state == JOB_PENDING
        assert again.process_pending() == 1
        assert again.get_job(None, job.job_id).state == JOB_COMPLETED
        assert (spool_dir / "output" / "print" / f"{job.job_id}-1.pdf").read_bytes() == SMALL
    finally:
        again.close()


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["in the database", "a file"])
def test_copy_and_restart_print_the_kept_document(spooler: EmbeddedSpooler, spool_dir: Path,
                                                  data: bytes) -> None:
    job = submit(spooler, data)
    spooler.process_pending()
    copy = spooler.copy_job(None, job.job_id, "bob", AttributeGroup())
    spooler.restart_job(None, job.job_id)
    assert spooler.process_pending() == 2
    outputs = spool_dir / "output" / "print"
    assert (outputs / f"{copy.job_id}-1.pdf").read_bytes() == data
    assert (outputs / f"{job.job_id}-1.pdf").read_bytes() == data
    assert kept_documents(spool_dir)[f"{copy.job_id}-1"] == data


def test_purged_jobs_take_their_small_documents_along(spool_dir: Path) -> None:
    spooler = EmbeddedSpooler(spool_dir, [make_printer("print")], history_jobs=1, start=False)
    try:
        old, new = submit(spooler, SMALL), submit(spooler, LARGE)
        spooler.process_pending()
        spooler.purge_history()
        assert list(kept_documents(spool_dir)) == [f"{new.job_id}-1"]
        assert old.job_id < new.job_id
    finally:
        spooler.close()
