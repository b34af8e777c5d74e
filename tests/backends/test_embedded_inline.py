"""Small documents (at most INLINE_BYTES: the SQLite store keeps them in its database) and larger ones print,
copy, restart, survive a restart of the spooler and are purged alike (where the SQLite store keeps each:
test_sqlite_store.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from spooler_helpers import Kept, MakeSpooler, submit

from ipp_wsgi.backends.base import JOB_COMPLETED, JOB_PENDING
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES
from ipp_wsgi.codec import AttributeGroup

SMALL = os.urandom(INLINE_BYTES)
LARGE = os.urandom(INLINE_BYTES + 1)


def test_a_small_document_survives_a_restart_of_the_spooler(make_spooler: MakeSpooler,
                                                            spool_dir: Path) -> None:
    first = make_spooler(start=False)
    try:
        job = submit(first, SMALL)
    finally:
        first.close()
    again = make_spooler(start=False)
    try:
        assert again.get_job(None, job.job_id).state == JOB_PENDING
        assert again.process_pending() == 1
        assert again.get_job(None, job.job_id).state == JOB_COMPLETED
        assert (spool_dir / "output" / "print" / f"{job.job_id}-1.pdf").read_bytes() == SMALL
    finally:
        again.close()


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["small", "large"])
def test_copy_and_restart_print_the_kept_document(kept: Kept, spooler: EmbeddedSpooler, spool_dir: Path,
                                                  data: bytes) -> None:
    job = submit(spooler, data)
    spooler.process_pending()
    copy = spooler.copy_job(None, job.job_id, "bob", AttributeGroup())
    spooler.restart_job(None, job.job_id)
    assert spooler.process_pending() == 2
    outputs = spool_dir / "output" / "print"
    assert (outputs / f"{copy.job_id}-1.pdf").read_bytes() == data
    assert (outputs / f"{job.job_id}-1.pdf").read_bytes() == data
    assert kept()[f"{copy.job_id}-1"] == data


def test_purged_jobs_take_their_small_documents_along(kept: Kept, make_spooler: MakeSpooler) -> None:
    spooler = make_spooler(history_jobs=1, start=False)
    try:
        old, new = submit(spooler, SMALL), submit(spooler, LARGE)
        spooler.process_pending()
        spooler.purge_history()
        assert list(kept()) == [f"{new.job_id}-1"]
        assert old.job_id < new.job_id
    finally:
        spooler.close()
