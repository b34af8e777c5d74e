"""The embedded spooler's printing threads, outputs, concurrency and crash safety (real processes)."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import signal
import threading
import tracemalloc
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from harness.spool import embedded_spooler, job_states
from spooler_helpers import Kept, MakeSpooler, make_printer, submit, temporary_files, wait_until

from ipp_wsgi.backends.base import (
    JOB_ABORTED,
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PROCESSING,
    Document,
    JobRequest,
)
from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler
from ipp_wsgi.backends.embedded.processes import pid_alive
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def running(make_spooler: MakeSpooler, spool_dir: Path) -> Iterator[EmbeddedSpooler]:
    backend = make_spooler()
    yield backend
    backend.close()


def state_of(spooler: EmbeddedSpooler, job_id: int) -> int:
    return spooler.get_job(None, job_id).state


def test_threads_print_without_further_requests(running: EmbeddedSpooler, spool_dir: Path) -> None:
    job = submit(running, b"hello")
    wait_until(lambda: state_of(running, job.job_id) == JOB_COMPLETED)
    assert (spool_dir / "output" / "print" / f"{job.job_id}-1.pdf").read_bytes() == b"hello"


@pytest.fixture
def command_spooler(make_spooler: MakeSpooler) -> MakeSpooler:
    """``command_spooler(*argv)``: a spooler without threads whose printer pipes each document to ``argv``."""
    return lambda *argv: make_spooler([make_printer("print", output="command", command=argv)], start=False)


def test_command_output_gets_the_document_and_job_id(command_spooler: MakeSpooler, tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = 'cat > "$0"; printf %s "$IPP_JOB_ID" > "$0.id"'
    spooler = command_spooler("sh", "-c", script, str(out))
    try:
        job = submit(spooler, b"piped \x00 data")
        spooler.process_pending()
        assert state_of(spooler, job.job_id) == JOB_COMPLETED
        assert out.read_bytes() == b"piped \x00 data"
        assert Path(f"{out}.id").read_text() == str(job.job_id)
    finally:
        spooler.close()


def test_failing_command_aborts_the_job(command_spooler: MakeSpooler,
                                        caplog: pytest.LogCaptureFixture) -> None:
    spooler = command_spooler("sh", "-c", "echo out of paper >&2; exit 3")
    try:
        job = submit(spooler, b"x" * 300_000)
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert (ended.state, ended.state_reasons) == (JOB_ABORTED, ["aborted-by-system"])
        # Clients see the exit status only; the command line and its stderr go to the server log.
        assert "status 3" in ended.state_message
        assert "out of paper" not in ended.state_message and "sh" not in ended.state_message
        assert any("out of paper" in r.getMessage() and "exit 3" in r.getMessage() for r in caplog.records)
    finally:
        spooler.close()


def test_missing_command_aborts_the_job(command_spooler: MakeSpooler, spool_dir: Path) -> None:
    spooler = command_spooler(str(spool_dir / "no-such-program"))
    try:
        job = submit(spooler, b"x")
        spooler.process_pending()
        assert state_of(spooler, job.job_id) == JOB_ABORTED
    finally:
        spooler.close()


def test_cancel_stops_a_running_command(make_spooler: MakeSpooler, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    argv = ("sh", "-c", 'echo $$ > "$0"; cat > /dev/null; exec sleep 60', str(pid_file))
    spooler = make_spooler([make_printer("print", output="command", command=argv)])
    try:
        job = submit(spooler, b"x")
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip().isdigit())
        assert state_of(spooler, job.job_id) == JOB_PROCESSING
        spooler.cancel_job(None, job.job_id)
        pid = int(pid_file.read_text())
        wait_until(lambda: not pid_alive(pid) or _is_zombie(pid))
        assert state_of(spooler, job.job_id) == JOB_CANCELED
    finally:
        spooler.close()


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


class Zeros(io.RawIOBase):
    """``size`` zero bytes, produced on demand."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def test_large_document_streams_in_flat_memory(spooler: EmbeddedSpooler, kept: Kept) -> None:
    size = 50 * 1024 * 1024
    job = spooler.create_job("print", JobRequest("alice", "big"))
    tracemalloc.start()
    try:
        spooler.add_document("print", job.job_id, io.BufferedReader(Zeros(size)), Document(), last=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
    assert len(kept()[f"{job.job_id}-1"]) == size
    assert spooler.get_job(None, job.job_id).k_octets == size // 1024


# -- concurrency

def test_threads_creating_jobs_get_unique_increasing_ids(spooler: EmbeddedSpooler) -> None:
    results: list[list[int]] = [[] for _ in range(4)]

    def create(into: list[int]) -> None:
        for _ in range(15):
            into.append(spooler.create_job("print", JobRequest("t", "j")).job_id)

    threads = [threading.Thread(target=create, args=(r,)) for r in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for ids in results for job_id in ids]
    assert len(set(every)) == 60
    assert all(ids == sorted(ids) for ids in results)


def _create_jobs(spool_dir: Path, store_url: str, count: int, out: Connection) -> None:
    spooler = embedded_spooler(spool_dir, store_url, [make_printer("print")], start=False)
    out.send([submit(spooler, b"p").job_id for _ in range(count)])
    spooler.close()


def test_processes_creating_jobs_get_unique_increasing_ids(make_spooler: MakeSpooler, spool_dir: Path,
                                                           store_url: str) -> None:
    make_spooler(start=False).close()
    pipes = [FORK.Pipe(duplex=False) for _ in range(2)]
    children = [FORK.Process(target=_create_jobs, args=(spool_dir, store_url, 20, send)) for _, send in pipes]
    for child in children:
        child.start()
    results = [receive.recv() for receive, _ in pipes]
    for child in children:
        child.join()
        assert child.exitcode == 0
    assert len({job_id for ids in results for job_id in ids}) == 40
    assert all(ids == sorted(ids) for ids in results)


# -- crash safety

def blocking_printer(outdir: Path) -> EmbeddedPrinter:
    """Writes each document to ``outdir``, then waits while ``outdir/block`` exists."""
    script = 'cat > "$0/$IPP_JOB_ID-$IPP_DOCUMENT_NUMBER"; while [ -e "$0/block" ]; do sleep 0.05; done'
    return make_printer("print", output="command", command=("sh", "-c", script, str(outdir)))


class Stalling(io.RawIOBase):
    """More bytes than a document kept in the database may have, then a signal to the parent and a read that
    never returns (a stalled upload, which has a temporary file by then)."""

    def __init__(self, ready: Connection) -> None:
        self.ready = ready
        self.left = INLINE_BYTES + 1000

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left:
            count = min(self.left, len(buffer))
            buffer[:count] = b"h" * count
            self.left -= count
            return count
        self.ready.send("stalled")
        threading.Event().wait()
        return 0


def _accept_then_hang(spool_dir: Path, store_url: str, outdir: Path, documents: list[bytes],
                      out: Connection) -> None:
    spooler = embedded_spooler(spool_dir, store_url, [blocking_printer(outdir)])
    out.send([submit(spooler, data).job_id for data in documents])
    half = spooler.create_job("print", JobRequest("alice", "half"))
    out.send(half.job_id)
    spooler.add_document("print", half.job_id, io.BufferedReader(Stalling(out)), Document(), last=True)


def test_accepted_jobs_survive_a_kill_and_complete_after_restart(make_spooler: MakeSpooler, kept: Kept,
                                                                 tmp_path: Path, spool_dir: Path,
                                                                 store_url: str) -> None:
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "block").touch()
    documents = [os.urandom(200_000 + n) for n in range(3)]
    receive, send = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_accept_then_hang, args=(spool_dir, store_url, outdir, documents, send))
    child.start()
    try:
        accepted, half = receive.recv(), receive.recv()
        assert receive.recv() == "stalled"
        wait_until(lambda: (outdir / f"{accepted[0]}-1").exists())  # the first job is printing
    finally:
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join()
    (outdir / "block").unlink()
    assert job_states(spool_dir, store_url)[accepted[0]] == JOB_PROCESSING, "the kill came mid-processing"

    spooler = make_spooler([blocking_printer(outdir)])
    try:
        wait_until(lambda: all(state_of(spooler, job_id) == JOB_COMPLETED for job_id in accepted))
        for job_id, data in zip(accepted, documents, strict=True):
            digest = hashlib.sha256((outdir / f"{job_id}-1").read_bytes()).hexdigest()
            assert digest == hashlib.sha256(data).hexdigest()
        abandoned = spooler.get_job(None, half)
        assert (abandoned.state, abandoned.documents) == (JOB_ABORTED, 0)
        assert not (outdir / f"{half}-1").exists()
        assert temporary_files(spool_dir) == []
        assert sorted(kept()) == sorted(f"{j}-1" for j in accepted)
    finally:
        spooler.close()
