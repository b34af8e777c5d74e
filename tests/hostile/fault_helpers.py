"""Machinery of the fault and load tests (test_faults.py, test_load.py): an IPP client over real HTTP, a
printer whose output command can be slowed down, the ledger of the jobs the server answered
successful-ok, and the checks run after a crash.

Every job of these tests is submitted by :data:`USER` with a document of random bytes, so a document's
sha256 names it: the output of a job must hash to what the client sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import IppServer, wait_for
from harness.processes import LOOPBACK, group_members, processes_with_argument
from harness.waiting import WAIT_SECONDS
from hostile_helpers import ANSWER_LIMITS, ipp_request

from ipp_wsgi.backends.base import JOB_COMPLETED, TERMINAL_JOB_STATES
from ipp_wsgi.codec import Message, decode, encode, operations, status, tags

USER = "faults"
PRINT_PATH = "/ipp/print"
HTTP_TIMEOUT = 60.0

# A printer whose command waits STEPS tenths of a second, then copies the document to OUT/<job-id>
# (through a .tmp file). The wait ends early, with a failure, when the server process that started it
# is gone (kill -9), so a dead server leaves no command behind to print later.
SLOW_PRINTER = """
spool_dir = "spool"
[history]
jobs = 100000
[[printers]]
name = "print"
paths = ["{path}"]
output = "command"
command = ["sh", "-c", '''
steps=$1
while [ "$steps" -gt 0 ]; do kill -0 $PPID 2>/dev/null || exit 1; sleep 0.1; steps=$((steps-1)); done
cat > "$0/$IPP_JOB_ID.tmp" && mv "$0/$IPP_JOB_ID.tmp" "$0/$IPP_JOB_ID"
''', "{out}", "{steps}"]
"""


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def random_document(size: int) -> bytes:
    """``size`` random bytes (so no two documents of a test are alike)."""
    return os.urandom(size)


class SlowPrinter:
    """A configuration file with :data:`SLOW_PRINTER` in ``root``; documents arrive in :attr:`out`."""

    def __init__(self, root: Path, steps: int = 0) -> None:
        self.out = root / "out"
        self.out.mkdir(parents=True)
        self.config = root / "slow.toml"
        self.config.write_text(SLOW_PRINTER.replace("{path}", PRINT_PATH).replace("{out}", str(self.out))
                               .replace("{steps}", str(steps)))

    def output(self, job_id: int) -> bytes | None:
        """What the command wrote for ``job_id`` (None before it finished)."""
        with contextlib.suppress(FileNotFoundError):
            return (self.out / str(job_id)).read_bytes()
        return None

    def commands_running(self) -> int:
        """How many of this printer's commands run now (from /proc)."""
        return processes_with_argument(str(self.out))


class IppConnection:
    """One keep-alive HTTP connection to ``server`` posting IPP requests (a client thread's own)."""

    def __init__(self, server: IppServer, timeout: float = HTTP_TIMEOUT) -> None:
        self.server = server
        self._conn = http.client.HTTPConnection(LOOPBACK, server.port, timeout=timeout)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def post(self, message: Message, document: bytes | Iterable[bytes] = b"",
             path: str = PRINT_PATH) -> tuple[int, Message | None]:
        """POST ``message`` then ``document`` (bytes: with a Content-Length; an iterable: chunked); the
        HTTP status and, when it is 200, the decoded answer (its request-id checked)."""
        head = encode(message)
        headers = {"Content-Type": "application/ipp"}
        if isinstance(document, bytes):
            self._conn.request("POST", path, body=head + document, headers=headers)
        else:
            self._conn.request("POST", path, body=_chained(head, document), headers=headers,
                               encode_chunked=True)
        response = self._conn.getresponse()
        body = response.read()
        if response.status != 200:
            return response.status, None
        answer = decode(body, ANSWER_LIMITS)
        assert answer.request_id == message.request_id
        return response.status, answer

    def call(self, message: Message, document: bytes | Iterable[bytes] = b"") -> Message:
        """:meth:`post` that must be answered 200 with an IPP answer."""
        http_status, answer = self.post(message, document)
        assert http_status == 200 and answer is not None, f"HTTP {http_status}"
        return answer


def _chained(head: bytes, document: Iterable[bytes]) -> Iterable[bytes]:
    yield head
    yield from document


def request(server: IppServer, operation: int, **attributes: Any) -> Message:
    """A request of :data:`USER` to ``server``'s printer."""
    return ipp_request(operation, server.uri, user=USER, **attributes)


def call(server: IppServer, message: Message, document: bytes | Iterable[bytes] = b"") -> Message:
    """Send one request on a new connection; the answer (HTTP 200 required)."""
    conn = IppConnection(server)
    try:
        return conn.call(message, document)
    finally:
        conn.close()


def job_id_of(answer: Message) -> int:
    """The job-id of a successful job-creation answer (AssertionError otherwise)."""
    assert answer.code == status.SUCCESSFUL_OK, (hex(answer.code), answer.operation.value("status-message"))
    assert answer.job is not None
    return int(answer.job.value("job-id"))


def print_job(server: IppServer, document: bytes | Iterable[bytes], **attributes: Any) -> int:
    """Print-Job of ``document``; the job-id of the accepted job."""
    return job_id_of(call(server, request(server, operations.PRINT_JOB, **attributes), document))


def get_jobs_request(server: IppServer, which: str = "all") -> Message:
    """Get-Jobs of every user's jobs selected by which-jobs ``which``, with their states."""
    return request(server, operations.GET_JOBS, which_jobs=which,
                   requested_attributes=["job-id", "job-state", "job-state-reasons", "job-state-message"])


@dataclass(frozen=True)
class ListedJob:
    """A job as Get-Jobs shows it."""

    job_id: int
    state: int
    reasons: tuple[str, ...]
    message: str


def listed_jobs(answer: Message) -> dict[int, ListedJob]:
    """The jobs of a Get-Jobs answer by job-id; AssertionError when one is listed twice."""
    assert answer.code == status.SUCCESSFUL_OK, hex(answer.code)
    jobs: dict[int, ListedJob] = {}
    for group in answer.groups_of(tags.JOB_ATTRIBUTES):
        job = ListedJob(int(group.value("job-id")), int(group.value("job-state")),
                        tuple(group["job-state-reasons"].values), str(group.value("job-state-message", "")))
        assert job.job_id not in jobs, f"job {job.job_id} listed twice"
        jobs[job.job_id] = job
    return jobs


def jobs_of(server: IppServer, which: str = "all") -> dict[int, ListedJob]:
    """Every job of ``server`` selected by ``which`` (see :func:`listed_jobs`)."""
    return listed_jobs(call(server, get_jobs_request(server, which)))


def wait_ended(server: IppServer, job_ids: Iterable[int],
               timeout: float = WAIT_SECONDS) -> dict[int, ListedJob]:
    """Wait until none of ``job_ids`` is pending or processing; every job of the server then."""
    wanted = set(job_ids)
    jobs: dict[int, ListedJob] = {}

    def ended() -> bool:
        nonlocal jobs
        jobs = jobs_of(server)
        return all(jobs[j].state in TERMINAL_JOB_STATES for j in wanted if j in jobs)

    wait_for(f"jobs {sorted(wanted)} to end", ended, timeout)
    return jobs


@dataclass
class Ledger:
    """What the clients sent (sha256 of every document) and which jobs were answered successful-ok."""

    answered: dict[int, str] = field(default_factory=dict)
    """job-id -> sha256 of its document, for every Print-Job answered successful-ok."""
    sent: set[str] = field(default_factory=set)
    """sha256 of every document sent, answered or not."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, server: IppServer, document: bytes) -> int:
        """Print-Job of ``document``, recorded; its job-id."""
        with self.lock:
            self.sent.add(sha256(document))
        job_id = print_job(server, document)
        with self.lock:
            assert job_id not in self.answered, f"job-id {job_id} given twice"
            self.answered[job_id] = sha256(document)
        return job_id


def crash(server: IppServer, printer: SlowPrinter) -> None:
    """kill -9 the server's master and workers, wait until their commands ended, start it again.

    Before the restart the dead processes must also be reaped (gone from /proc, as init does at once on a
    real machine): the spooler takes a zombie's pid for a live process and keeps its partial upload.
    """
    killed = group_members(server.pid)
    server.kill9()
    wait_for("the killed processes to be reaped",
             lambda: not any(Path(f"/proc/{pid}").exists() for pid in killed))
    wait_for("the dead server's commands to exit", lambda: printer.commands_running() == 0)
    server.start()


def check_recovered(server: IppServer, printer: SlowPrinter, ledger: Ledger) -> dict[int, ListedJob]:
    """After a crash: every answered job exists once, completes, and printed its document byte for byte;
    a job nobody was answered for either never completed or printed a whole document that was sent.
    Returns every job of the server."""
    jobs = wait_ended(server, ledger.answered)
    missing = set(ledger.answered) - set(jobs)
    assert not missing, f"jobs answered successful-ok are gone: {sorted(missing)}"
    for job_id, digest in ledger.answered.items():
        assert jobs[job_id].state == JOB_COMPLETED, jobs[job_id]
        output = printer.output(job_id)
        assert output is not None and sha256(output) == digest, f"job {job_id} printed other bytes"
    for job_id in set(jobs) - set(ledger.answered):
        output = printer.output(job_id)
        if jobs[job_id].state == JOB_COMPLETED:
            assert output is not None and sha256(output) in ledger.sent, f"job {job_id} printed no document"
    return jobs


def orphan_files(spool_dir: Path, jobs: Iterable[int], out: Path | None = None) -> list[str]:
    """Files a crash left behind: partial uploads in ``tmp``, documents of no job in ``docs``, half
    written outputs (``*.tmp``, ``.incoming-*``) in ``out``."""
    known = set(jobs)
    orphans = [str(path) for path in (spool_dir / "tmp").iterdir()]
    for path in (spool_dir / "docs").iterdir():
        job, _, number = path.name.partition("-")
        if not (job.isdigit() and number.isdigit() and int(job) in known):
            orphans.append(str(path))
    if out is not None:
        orphans += [str(path) for path in out.iterdir() if path.suffix == ".tmp" or path.name.startswith(".")]
    return orphans


def write_summary(env_name: str, figures: dict[str, Any]) -> None:
    """Write ``figures`` as JSON to the file environment variable ``env_name`` names, if set."""
    target = os.environ.get(env_name)
    if target:
        Path(target).write_text(json.dumps(figures, indent=2))
