"""What makes many small jobs cheap, checked for correctness: writers queue on a lock of their own, the
docs directory fsync is shared by concurrent callers, a directory printer's ready jobs are printed in
batches made durable by one fsync, and a large document's write-back starts while it arrives."""

from __future__ import annotations

import io
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from spooler_helpers import make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED, JOB_PENDING
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import processor as processor_module
from ipp_wsgi.backends.embedded import spool as spool_module
from ipp_wsgi.backends.embedded.spool import DirectorySync, Spool
from ipp_wsgi.backends.embedded.store import Store


def test_writers_of_two_stores_take_turns(spool_dir: Path) -> None:
    spool_dir.mkdir()
    first, second = Store(spool_dir / "jobs.sqlite3"), Store(spool_dir / "jobs.sqlite3")
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.write():
            order.append("first in")
            inside.set()
            release.wait()
            order.append("first out")

    def follow() -> None:
        with second.write():
            order.append("second in")

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait()
    follower = threading.Thread(target=follow)
    follower.start()
    follower.join(0.2)  # it must still be waiting for its turn: no timing assertion, only a chance to run
    release.set()
    holder.join()
    follower.join()
    first.close()
    second.close()
    assert order == ["first in", "first out", "second in"]


def test_many_threads_writing_lose_no_update(spool_dir: Path) -> None:
    spool_dir.mkdir()
    store = Store(spool_dir / "jobs.sqlite3")
    with store.write() as db:
        db.execute("CREATE TABLE counter (n INTEGER)")
        db.execute("INSERT INTO counter VALUES (0)")

    def add() -> None:
        for _ in range(25):
            with store.write() as db:
                (n,) = db.execute("SELECT n FROM counter").fetchone()
                db.execute("UPDATE counter SET n = ?", (n + 1,))

    threads = [threading.Thread(target=add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.read() as db:
        assert db.execute("SELECT n FROM counter").fetchone()[0] == 150
    store.close()


def test_a_failed_transaction_gives_the_turn_back(spool_dir: Path) -> None:
    spool_dir.mkdir()
    store = Store(spool_dir / "jobs.sqlite3")
    with pytest.raises(RuntimeError), store.write():
        raise RuntimeError("refused")
    with store.write() as db:  # would wait forever if the turn were still held
        db.execute("CREATE TABLE t (x)")
    store.close()


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

    monkeypatch.setattr(processor_module, "fsync_dir", fsync_dir)
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
    monkeypatch.setattr(processor_module, "BATCH_JOBS", 2)
    jobs = [submit(spooler, b"x") for _ in range(3)]
    assert spooler._processor.process_next() == 2
    assert [spooler.get_job("print", job.job_id).state for job in jobs] == [JOB_COMPLETED] * 2 + [JOB_PENDING]


def test_a_batch_whose_output_directory_cannot_be_synced_is_aborted(
        spooler: EmbeddedSpooler, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [submit(spooler, b"x") for _ in range(2)]
    _count_output_syncs(monkeypatch, fail=True)
    spooler.process_pending()
    for job in jobs:
        ended = spooler.get_job("print", job.job_id)
        assert (ended.state, ended.state_reasons) == (JOB_ABORTED, ["aborted-by-system"])
        assert "cannot write output" in ended.state_message


def test_a_batch_is_one_printer_state_change_each_way(spooler: EmbeddedSpooler) -> None:
    for _ in range(3):
        submit(spooler, b"x")
    changes: list[str] = []
    db = spooler._store.connection()
    db.set_trace_callback(changes.append)
    try:
        spooler.process_pending()
    finally:
        db.set_trace_callback(None)
    assert sum(s.startswith("UPDATE printers SET state_change") for s in changes) == 2


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


def test_a_write_within_a_write_fails_instead_of_waiting_forever(spool_dir: Path) -> None:
    spool_dir.mkdir()
    store = Store(spool_dir / "jobs.sqlite3")
    with pytest.raises(sqlite3.OperationalError), store.write(), store.write():
        pass
    with store.write() as db:  # the turn was given back
        db.execute("CREATE TABLE t (x)")
    store.close()


def _statements(spooler: EmbeddedSpooler, run: Callable[[], object]) -> list[str]:
    """The SQL statements (parameters expanded) that ``run`` makes on this thread's connection."""
    statements: list[str] = []
    db = spooler._store.connection()
    db.set_trace_callback(statements.append)
    try:
        run()
    finally:
        db.set_trace_callback(None)
    return statements


def test_ready_jobs_are_read_in_printing_order_from_an_index(spooler: EmbeddedSpooler) -> None:
    for _ in range(3):
        submit(spooler, b"x")
    ready = [s for s in _statements(spooler, spooler.process_pending) if s.startswith("SELECT j.job_id")]
    assert ready
    db = spooler._store.connection()
    plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + ready[0]))
    assert "jobs_ready" in plan and "TEMP B-TREE" not in plan  # no sort of every pending job


def test_a_document_claimed_a_moment_ago_prints_without_asking_again(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x")
    statements = _statements(spooler, spooler.process_pending)
    assert spooler.get_job("print", job.job_id).state == JOB_COMPLETED
    assert not any("FROM documents WHERE job_id" in s and "canceled" in s for s in statements)


def test_a_document_canceled_before_the_claim_is_not_printed(spooler: EmbeddedSpooler,
                                                              spool_dir: Path) -> None:
    job = submit(spooler, b"one", b"two")
    spooler.cancel_document("print", job.job_id, 1)
    spooler.process_pending()
    assert spooler.get_job("print", job.job_id).state == JOB_COMPLETED
    outputs = {path.name: path.read_bytes() for path in (spool_dir / "output" / "print").iterdir()}
    assert outputs == {f"{job.job_id}-2.pdf": b"two"}


def test_jobs_arriving_just_after_a_job_printed_print_as_one_batch(spool_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """After a partial batch the worker lets the next jobs gather (GATHER_SECONDS) instead of claiming
    each as it arrives."""
    monkeypatch.setattr(processor_module, "GATHER_SECONDS", 1.0)
    synced = _count_output_syncs(monkeypatch)
    running = EmbeddedSpooler(spool_dir, [make_printer("print")], workers=1)
    try:
        first = submit(running, b"first")
        wait_until(lambda: running.get_job("print", first.job_id).state == JOB_COMPLETED)
        burst = [submit(running, f"job {i}".encode()) for i in range(3)]
        wait_until(lambda: all(running.get_job("print", job.job_id).state == JOB_COMPLETED for job in burst))
    finally:
        running.close()
    assert len(synced) == 2  # one claim and one output fsync for the first job, one for the burst
