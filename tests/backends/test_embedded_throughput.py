"""What makes many small jobs cheap, checked for correctness: the docs directory fsync is shared by
concurrent callers, a directory printer's ready jobs are printed in batches made durable by one fsync, and
a large document's write-back starts while it arrives. (The SQLite store's own: test_sqlite_store.py.)"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from spooler_helpers import MakeSpooler, submit, wait_until

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED, JOB_PENDING
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import printing as printing_module
from ipp_wsgi.backends.embedded import processor as processor_module
from ipp_wsgi.backends.embedded import spool as spool_module
from ipp_wsgi.backends.embedded.spool import DirectorySync, Spool


class _BlockingFsync:
    """fsync_dir stand-in: records each call and blocks the first one until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.fail_next = False

    def __call__(self, path: Path) -> None:
        self.calls += 1
        if self.calls == 1:
            self.first_started.set()
            self.release_first.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError(5, "I/O error")


def test_callers_arriving_during_an_fsync_share_the_next_one(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fsync = _BlockingFsync()
    monkeypatch.setattr(spool_module, "fsync_dir", fsync)
    sync = DirectorySync(tmp_path)
    first = threading.Thread(target=sync.sync)
    first.start()
    fsync.first_started.wait()
    later = [threading.Thread(target=sync.sync) for _ in range(5)]
    for thread in later:
        thread.start()
    for thread in later:  # none may return on the first fsync: it began before their renames
        thread.join(0.05)
        assert thread.is_alive()
    fsync.release_first.set()
    for thread in [first, *later]:
        thread.join()
    assert fsync.calls == 2


def test_a_failed_shared_fsync_is_raised_and_retried_by_the_next_caller(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fsync = _BlockingFsync()
    fsync.release_first.set()
    fsync.fail_next = True
    monkeypatch.setattr(spool_module, "fsync_dir", fsync)
    sync = DirectorySync(tmp_path)
    with pytest.raises(OSError):
        sync.sync()
    sync.sync()
    assert fsync.calls == 2


def _count_output_syncs(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> list[Path]:
    synced: list[Path] = []

    def fsync_dir(path: Path) -> None:
        synced.append(path)
        if fail:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(printing_module, "fsync_dir", fsync_dir)
    return synced


def test_ready_jobs_of_a_directory_printer_print_in_one_batch(spooler: EmbeddedSpooler, spool_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [submit(spooler, f"job {i}".encode()) for i in range(5)]
    synced = _count_output_syncs(monkeypatch)
    assert spooler.process_pending() == 5
    assert synced == [spool_dir / "output" / "print"]
    done = [spooler.get_job("print", job.job_id) for job in jobs]
    assert [job.state for job in done] == [JOB_COMPLETED] * 5
    started = [job.processing or 0 for job in done]
    assert started == sorted(started)  # each job's time-at-processing: when its own printing began
    outputs = {path.name: path.read_bytes() for path in (spool_dir / "output" / "print").iterdir()}
    assert outputs == {f"{job.job_id}-1.pdf": f"job {i}".encode() for i, job in enumerate(jobs)}


def test_a_batch_is_no_larger_than_batch_jobs(spooler: EmbeddedSpooler,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing_module, "BATCH_JOBS", 2)
    jobs = [submit(spooler, b"x") for _ in range(3)]
    assert spooler._processor.process_next() == 2
    assert [spooler.get_job("print", job.job_id).state for job in jobs] == [JOB_COMPLETED] * 2 + [JOB_PENDING]


def test_a_batch_whose_output_directory_cannot_be_synced_is_aborted(spooler: EmbeddedSpooler,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [submit(spooler, b"x") for _ in range(2)]
    _count_output_syncs(monkeypatch, fail=True)
    spooler.process_pending()
    for job in jobs:
        ended = spooler.get_job("print", job.job_id)
        assert (ended.state, ended.state_reasons) == (JOB_ABORTED, ["aborted-by-system"])
        assert "cannot write output" in ended.state_message


def test_write_back_of_a_large_document_starts_while_it_arrives(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "posix_fadvise"):
        pytest.skip("no posix_fadvise on this system")
    advised: list[tuple[int, int]] = []
    real = os.posix_fadvise

    def fadvise(fd: int, offset: int, length: int, advice: int) -> None:
        advised.append((offset, length))
        real(fd, offset, length, advice)

    monkeypatch.setattr(spool_module, "WRITE_BACK_BYTES", 1 << 20)
    monkeypatch.setattr(spool_module.os, "posix_fadvise", fadvise)
    data = os.urandom(3 * (1 << 20) + 12345)
    received = Spool(tmp_path).receive(io.BytesIO(data))
    assert received.path is not None and received.data is None
    assert (received.size, received.path.read_bytes()) == (len(data), data)
    assert advised and advised[0][0] == 0
    assert [start for start, _ in advised] == [0, *(start + length for start, length in advised[:-1])]
    assert advised[-1][0] + advised[-1][1] <= len(data)


def test_a_document_canceled_before_the_claim_is_not_printed(spooler: EmbeddedSpooler,
                                                             spool_dir: Path) -> None:
    job = submit(spooler, b"one", b"two")
    spooler.cancel_document("print", job.job_id, 1)
    spooler.process_pending()
    assert spooler.get_job("print", job.job_id).state == JOB_COMPLETED
    outputs = {path.name: path.read_bytes() for path in (spool_dir / "output" / "print").iterdir()}
    assert outputs == {f"{job.job_id}-2.pdf": b"two"}


def test_jobs_arriving_just_after_a_job_printed_print_as_one_batch(make_spooler: MakeSpooler,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """After a partial batch the worker lets the next jobs gather (GATHER_SECONDS) instead of claiming
    each as it arrives."""
    monkeypatch.setattr(processor_module, "GATHER_SECONDS", 1.0)
    synced = _count_output_syncs(monkeypatch)
    running = make_spooler()
    try:
        first = submit(running, b"first")
        wait_until(lambda: running.get_job("print", first.job_id).state == JOB_COMPLETED)
        burst = [submit(running, f"job {i}".encode()) for i in range(3)]
        wait_until(lambda: all(running.get_job("print", job.job_id).state == JOB_COMPLETED for job in burst))
    finally:
        running.close()
    assert len(synced) == 2  # one claim and one output fsync for the first job, one for the burst
