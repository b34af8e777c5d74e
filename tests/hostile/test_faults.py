"""Faults, with nothing lost: kill -9 of gunicorn's master and workers while a document arrives, while jobs
print and in the middle of a burst of submissions; a full spool disk; outputs that fail or hang.

After every crash the server is started again on the same spool directory, and every job answered
successful-ok must exist once, complete and print the very bytes sent (sha256); no spool file may be
left over. The servers run on loopback ports in temp dirs and are stopped by PID (see tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.client import HTTPException
from pathlib import Path

import pytest
from fault_helpers import (
    USER,
    Ledger,
    ListedJob,
    SlowPrinter,
    call,
    check_recovered,
    crash,
    job_id_of,
    jobs_of,
    orphan_files,
    print_job,
    random_document,
    request,
    sha256,
    wait_ended,
)
from harness import IppServer, wait_for
from harness.processes import LOOPBACK, free_port, processes_with_argument
from harness.tools import require_root
from hostile_helpers import ipp_request

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_CANCELED, JOB_COMPLETED, JOB_PENDING_HELD, JOB_PROCESSING
from ipp_wsgi.codec import Message, operations, status, tags

pytestmark = pytest.mark.integration

ServerFactory = Callable[..., IppServer]
BURST_JOBS = 400  # room to spare: 8 clients answered at ~1,000 jobs/s pass 100 within one 0.1 s poll
BURST_THREADS = 8
CRASH_AFTER_ANSWERS = 40


class SlowUpload(threading.Thread):
    """A client streaming a document chunked, 16 KiB every 20 ms, until the server goes away."""

    def __init__(self, server: IppServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.error: BaseException | None = None
        self.answer_code: int | None = None

    def run(self) -> None:
        def trickle() -> Iterator[bytes]:
            for _ in range(4096):
                yield random_document(16 * 1024)
                time.sleep(0.02)

        try:
            self.answer_code = call(self.server, request(self.server, operations.PRINT_JOB), trickle()).code
        except (OSError, HTTPException) as exc:
            self.error = exc


def part_files(server: IppServer) -> list[Path]:
    """Partial uploads being received now."""
    return [path for path in (server.spool_dir / "tmp").iterdir() if path.stat().st_size > 0]


def test_kill_9_while_a_document_arrives(ipp_server_factory: ServerFactory, tmp_path: Path) -> None:
    printer = SlowPrinter(tmp_path)
    server = ipp_server_factory(config=printer.config)
    ledger = Ledger()
    for size in (1, 70_000, 300_000):
        ledger.submit(server, random_document(size))
    upload = SlowUpload(server)
    upload.start()
    wait_for("the slow upload to reach the spool", lambda: bool(part_files(server)))
    crash(server, printer)
    upload.join(30)
    assert upload.answer_code is None and upload.error is not None, "the upload was answered"

    jobs = check_recovered(server, printer, ledger)
    # The half-received document became no job, printed nothing and left no file.
    assert set(jobs) == set(ledger.answered)
    assert {path.name for path in printer.out.iterdir()} == {str(job_id) for job_id in ledger.answered}
    assert orphan_files(server.spool_dir, jobs, printer.out) == []
    print(f"faults: 1 kill -9 mid-upload, {len(ledger.answered)} jobs checked")


def test_kill_9_while_jobs_print(ipp_server_factory: ServerFactory, tmp_path: Path) -> None:
    printer = SlowPrinter(tmp_path, steps=20)
    server = ipp_server_factory(config=printer.config)
    ledger = Ledger()
    for size in (10_000, 200_000, 1_000_000, 5):
        ledger.submit(server, random_document(size))
    wait_for("a job to start printing", lambda: printer.commands_running() > 0)
    printing = [j for j, job in jobs_of(server, "processing").items() if job.state == JOB_PROCESSING]
    assert printing, "no job was processing when the server was killed"
    crash(server, printer)
    jobs = check_recovered(server, printer, ledger)
    assert set(jobs) == set(ledger.answered)
    assert orphan_files(server.spool_dir, jobs, printer.out) == []
    print(f"faults: 1 kill -9 with {len(printing)} jobs printing, {len(ledger.answered)} jobs checked")


def test_kill_9_during_a_burst_of_submissions(ipp_server_factory: ServerFactory, tmp_path: Path) -> None:
    printer = SlowPrinter(tmp_path)
    server = ipp_server_factory(config=printer.config)
    ledger = Ledger()
    sizes = iter([1 + (n * 7919) % 60_000 for n in range(BURST_JOBS)])
    sizes_lock = threading.Lock()
    failures: list[BaseException] = []

    def client() -> None:
        while True:
            with sizes_lock:
                size = next(sizes, None)
            if size is None:
                return
            try:
                ledger.submit(server, random_document(size))
            except (OSError, HTTPException) as exc:  # the server is gone: this client stops
                failures.append(exc)
                return

    threads = [threading.Thread(target=client, daemon=True) for _ in range(BURST_THREADS)]
    for thread in threads:
        thread.start()
    wait_for(f"{CRASH_AFTER_ANSWERS} answers", lambda: len(ledger.answered) >= CRASH_AFTER_ANSWERS)
    crash(server, printer)
    for thread in threads:
        thread.join(60)
    assert len(ledger.answered) < BURST_JOBS, "the burst ended before the crash"
    jobs = check_recovered(server, printer, ledger)
    assert orphan_files(server.spool_dir, jobs, printer.out) == []
    unanswered = set(jobs) - set(ledger.answered)
    print(f"faults: 1 kill -9 in a burst of {BURST_JOBS}: {len(ledger.answered)} answered jobs checked, "
          f"{len(unanswered)} unanswered jobs, {len(failures)} clients cut off")


# -- a full spool disk


@pytest.fixture
def small_spool(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted for this test (root only), unmounted at teardown."""
    require_root("mounting a tmpfs")
    mount = tmp_path / "spool"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


DIRECTORY_PRINTER = """
[[printers]]
name = "print"
paths = ["/ipp/print"]
output_dir = "{out}"
"""


def full_spool_server(factory: ServerFactory, spool: Path, root: Path) -> IppServer:
    """A server whose spool (SQLite and documents) is the small tmpfs ``spool``, writing outputs outside
    it to ``root/out``."""
    config = root / "full.toml"
    config.write_text(DIRECTORY_PRINTER.replace("{out}", str(root / "out")))
    return factory(config=config, extra_args=["--spool-dir", str(spool)])


def too_large_for(server: IppServer) -> Message:
    """The answer to a Print-Job of a 6 MiB document, more than the 4 MiB spool holds."""
    return call(server, request(server, operations.PRINT_JOB), random_document(6 * 1024 * 1024))


def test_full_spool_disk_refuses_the_job_and_keeps_the_others(ipp_server_factory: ServerFactory,
                                                               small_spool: Path, tmp_path: Path) -> None:
    server = full_spool_server(ipp_server_factory, small_spool, tmp_path)
    documents = {print_job(server, doc): doc for doc in (random_document(n) for n in (1, 100_000, 500_000))}
    held_document = random_document(300_000)
    held_request = request(server, operations.PRINT_JOB)
    held_request.add_group(tags.JOB_ATTRIBUTES)["job-hold-until"] = "indefinite"
    held = job_id_of(call(server, held_request, held_document))
    assert wait_ended(server, documents)[held].state == JOB_PENDING_HELD

    answer = too_large_for(server)

    assert answer.code >= 0x0500, hex(answer.code)
    assert "no space left" in str(answer.operation.value("status-message", "")).lower()
    assert list((small_spool / "tmp").iterdir()) == []
    # The server keeps serving: the held job prints intact, a new job prints.
    assert call(server, request(server, operations.GET_PRINTER_ATTRIBUTES)).code == status.SUCCESSFUL_OK
    later = random_document(50_000)
    documents[print_job(server, later)] = later
    assert call(server, request(server, operations.RELEASE_JOB, job_id=held)).code == status.SUCCESSFUL_OK
    documents[held] = held_document
    jobs = wait_ended(server, documents)
    for job_id, document in documents.items():
        assert jobs[job_id].state == JOB_COMPLETED
        assert [sha256(p.read_bytes()) for p in (tmp_path / "out").glob(f"{job_id}-1*")] == [sha256(document)]


def test_full_spool_disk_is_a_temporary_error(ipp_server_factory: ServerFactory, small_spool: Path,
                                              tmp_path: Path) -> None:
    answer = too_large_for(full_spool_server(ipp_server_factory, small_spool, tmp_path))
    assert answer.code in (status.SERVER_ERROR_TEMPORARY_ERROR, status.SERVER_ERROR_NOT_ACCEPTING_JOBS)


# -- outputs that fail


def device_printer(root: Path, device_uri: str) -> Path:
    """A config whose printer ``print`` sends to ``device_uri`` (socket output, 1 s timeout, 2 retries
    0.2 s apart) next to a printer ``spare`` writing to a directory."""
    config = root / "device.toml"
    config.write_text(f"""
[[printers]]
name = "print"
paths = ["/ipp/print"]
output = "socket"
device_uri = "{device_uri}"
device_timeout = 1
retries = 2
retry_delay = 0.2
retry_delay_max = 0.2
[[printers]]
name = "spare"
paths = ["/ipp/spare"]
output_dir = "{root / 'spare'}"
""")
    return config


class StuckDevice:
    """A loopback TCP 'printer' that misbehaves: ``hang`` accepts and never reads; ``reset`` reads 1 KiB
    then resets the connection."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.create_server((LOOPBACK, 0))
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                self.connections += 1
                if self.mode == "reset":
                    conn.recv(1024)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    conn.close()
                else:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    self._held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


def check_spare_prints(server: IppServer, root: Path) -> None:
    """While ``print`` fails: the listener answers, and the other printer, ``spare``, prints."""
    attributes = request(server, operations.GET_PRINTER_ATTRIBUTES)
    for _ in range(10):
        assert call(server, attributes).code == status.SUCCESSFUL_OK
    document = random_document(20_000)
    spare = server.uri.replace("/ipp/print", "/ipp/spare")
    job_id = job_id_of(call(server, ipp_request(operations.PRINT_JOB, spare, user=USER), document))
    wait_for("the spare printer's output", lambda: any((root / "spare").glob(f"{job_id}-1*")))
    assert [sha256(p.read_bytes()) for p in (root / "spare").glob(f"{job_id}-1*")] == [sha256(document)]


def aborted_with_reason(server: IppServer, job_id: int) -> ListedJob:
    """Wait for ``job_id`` to end; it must be aborted by the system with a job-state-message."""
    job = wait_ended(server, [job_id])[job_id]
    assert job.state == JOB_ABORTED, job
    assert "aborted-by-system" in job.reasons and job.message, job
    return job


@pytest.mark.parametrize("mode", ["refused", "hang", "reset"])
def test_failing_device_is_retried_then_aborts(ipp_server_factory: ServerFactory, tmp_path: Path,
                                               mode: str) -> None:
    device = None if mode == "refused" else StuckDevice(mode)
    port = free_port() if device is None else device.port
    try:
        server = ipp_server_factory(config=device_printer(tmp_path, f"socket://{LOOPBACK}:{port}"))
        job_id = print_job(server, random_document(8 * 1024 * 1024 if mode == "hang" else 200_000))
        check_spare_prints(server, tmp_path)
        job = aborted_with_reason(server, job_id)
        assert "3 attempts" in job.message, job
        if device is not None:
            assert device.connections == 3
    finally:
        if device is not None:
            device.close()


def command_printer(root: Path, script: str, extra: str = "") -> Path:
    """A config whose printer ``print`` pipes documents to ``sh -c script`` (``extra``: more keys of that
    printer), next to a printer ``spare`` writing to a directory."""
    config = root / "command.toml"
    config.write_text(f"""
[[printers]]
name = "print"
paths = ["/ipp/print"]
output = "command"
command = ["sh", "-c", '''{script}''']
{extra}
[[printers]]
name = "spare"
paths = ["/ipp/spare"]
output_dir = "{root / 'spare'}"
""")
    return config


def test_failing_command_aborts_the_job(ipp_server_factory: ServerFactory, tmp_path: Path) -> None:
    server = ipp_server_factory(config=command_printer(tmp_path, "cat > /dev/null; exit 3"))
    job_id = print_job(server, random_document(100_000))
    check_spare_prints(server, tmp_path)
    aborted_with_reason(server, job_id)


# The command sleeps in short steps and gives up once its server is gone, so no process outlives the test.
HANGING_COMMAND = "while kill -0 $PPID 2>/dev/null; do sleep 0.1; done"


def test_hanging_command_leaves_the_listener_answering(ipp_server_factory: ServerFactory,
                                                       tmp_path: Path) -> None:
    server = ipp_server_factory(config=command_printer(tmp_path, HANGING_COMMAND))
    job_id = print_job(server, random_document(100_000))
    wait_for("the job to print", lambda: jobs_of(server)[job_id].state == JOB_PROCESSING)
    check_spare_prints(server, tmp_path)
    assert call(server, request(server, operations.CANCEL_JOB, job_id=job_id)).code == status.SUCCESSFUL_OK
    assert wait_ended(server, [job_id])[job_id].state == JOB_CANCELED


def test_hanging_command_aborts_the_job(ipp_server_factory: ServerFactory, tmp_path: Path) -> None:
    server = ipp_server_factory(config=command_printer(tmp_path, HANGING_COMMAND, "device_timeout = 1"))
    job_id = print_job(server, random_document(100_000))
    wait_for("the hung job to be aborted", lambda: jobs_of(server)[job_id].state == JOB_ABORTED, timeout=15)
    job = aborted_with_reason(server, job_id)
    assert "did not finish within 1 s" in job.message, job
    # The command was killed with its process group, not left running (a signalled process may take a
    # moment to exit on a loaded machine; one left running would keep the count above 0).
    wait_for("the killed command to exit", lambda: processes_with_argument(HANGING_COMMAND) == 0,
             timeout=10)  # the script is sh -c's argument
    check_spare_prints(server, tmp_path)
