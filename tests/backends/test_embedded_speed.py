"""What makes the common requests cheap, checked for correctness: the cached printer status follows every
change (of this or another process), outputs are hard links (or copies), Get-Jobs reads in index order."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from spooler_helpers import make_printer, submit

from ipp_wsgi.backends.base import PRINTER_IDLE, PRINTER_STOPPED
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import outputs as outputs_module
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES
from ipp_wsgi.codec import AttributeGroup, tags


@pytest.fixture
def other(spool_dir: Path, spooler: EmbeddedSpooler) -> Iterator[EmbeddedSpooler]:
    """A second spooler over the same spool directory: another process's view (its own connections)."""
    backend = EmbeddedSpooler(spool_dir, [make_printer("print"), make_printer("other")], start=False)
    yield backend
    backend.close()


def _status(spooler: EmbeddedSpooler) -> tuple[int, bool, int, str]:
    group = spooler.printer_attributes("print")
    return (group.value("printer-state"), group.value("printer-is-accepting-jobs"),
            group.value("queued-job-count"), group.value("printer-info", ""))


def test_status_follows_changes_made_through_the_same_spooler(spooler: EmbeddedSpooler) -> None:
    assert _status(spooler) == (PRINTER_IDLE, True, 0, "")
    submit(spooler, b"data")
    assert _status(spooler)[2] == 1
    spooler.pause_printer("print")
    assert _status(spooler)[0] == PRINTER_STOPPED
    spooler.disable_printer("print")
    assert _status(spooler)[1] is False


def test_status_follows_changes_made_by_another_process(spooler: EmbeddedSpooler,
                                                         other: EmbeddedSpooler) -> None:
    assert _status(spooler) == (PRINTER_IDLE, True, 0, "")
    submit(other, b"data")
    assert _status(spooler)[2] == 1
    other.disable_printer("print")
    assert _status(spooler)[1] is False
    info = AttributeGroup()
    info.add("printer-info", "second floor", tags.TEXT_WITHOUT_LANGUAGE)
    other.set_printer_attributes("print", info)
    assert _status(spooler)[3] == "second floor"
    other.process_pending()
    assert _status(spooler)[2] == 0


def test_status_is_right_in_every_thread(spooler: EmbeddedSpooler, other: EmbeddedSpooler) -> None:
    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(_status(spooler)[2]))
    _status(spooler)
    submit(other, b"data")
    worker.start()
    worker.join()
    assert seen == [1]
    assert _status(spooler)[2] == 1


def test_directory_output_is_a_hard_link_to_the_spooled_document(spooler: EmbeddedSpooler,
                                                                 spool_dir: Path) -> None:
    data = os.urandom(INLINE_BYTES + 1)  # a spool file, not a document kept in the database
    job = submit(spooler, data)
    spooler.process_pending()
    (output,) = (spool_dir / "output" / "print").iterdir()
    assert output.read_bytes() == data
    assert output.stat().st_ino == (spool_dir / "docs" / f"{job.job_id}-1").stat().st_ino


def test_directory_output_is_copied_where_links_are_impossible(spooler: EmbeddedSpooler, spool_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(outputs_module.os, "link", no_link)
    data = os.urandom(200_000)
    job = submit(spooler, data)
    spooler.process_pending()
    output_dir = spool_dir / "output" / "print"
    (output,) = output_dir.iterdir()  # no temporary file left behind
    assert output.read_bytes() == data
    assert output.stat().st_ino != (spool_dir / "docs" / f"{job.job_id}-1").stat().st_ino


@pytest.mark.parametrize("which", ["all", "not-completed"])
def test_get_jobs_of_a_printer_in_queue_order_needs_no_sort(spooler: EmbeddedSpooler, which: str) -> None:
    db = spooler._store.connection()  # this thread's connection: the one jobs() below runs on
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        spooler.jobs("print", which, limit=50)
    finally:
        db.set_trace_callback(None)
    (query,) = [s for s in statements if s.startswith("SELECT * FROM jobs")]
    details = " ".join(row["detail"] for row in db.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert "jobs_in_queue_order" in details
    assert "TEMP B-TREE" not in details
