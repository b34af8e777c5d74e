"""Load: concurrent clients against gunicorn with 4 workers, mixing Print-Job, Get-Jobs,
Get-Job-Attributes and Cancel-Job, for a while.

Afterwards: no HTTP 5xx and no server-error status, no job lost or listed twice, every job either canceled
(by a Cancel-Job answered successful-ok) or completed with an output whose sha256 is its document's, and
job-ids strictly increasing: a job submitted after another was answered has a higher id.

CI profile: 16 clients for 15 s. ``IPP_WSGI_LOAD_CLIENTS`` and ``IPP_WSGI_LOAD_SECONDS`` change that
(``python benchmarks/load_long.py`` runs 60 s); ``IPP_WSGI_LOAD_SUMMARY`` names a file the figures are
written to as JSON.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fault_helpers import (
    IppConnection,
    ListedJob,
    job_id_of,
    jobs_of,
    listed_jobs,
    orphan_files,
    request,
    sha256,
    wait_ended,
    write_summary,
)
from harness import IppServer

from ipp_wsgi.backends.base import JOB_CANCELED, JOB_COMPLETED
from ipp_wsgi.codec import Message, operations, status

pytestmark = pytest.mark.integration

CLIENTS = int(os.environ.get("IPP_WSGI_LOAD_CLIENTS", "16"))
SECONDS = float(os.environ.get("IPP_WSGI_LOAD_SECONDS", "15"))
SUMMARY_ENV = "IPP_WSGI_LOAD_SUMMARY"
WORKERS = 4
MAX_DOCUMENT = 128 * 1024
RECENT_JOBS = 5
"""Get-Job-Attributes and Cancel-Job pick one of a client's last RECENT_JOBS jobs."""
OPERATIONS = {"Print-Job": 4, "Get-Jobs": 2, "Get-Job-Attributes": 3, "Cancel-Job": 1}
"""Operation mix: relative weights."""

LOAD_PRINTER = """
[history]
jobs = 10000000
[[printers]]
name = "print"
paths = ["/ipp/print"]
output_dir = "{out}"
"""


@dataclass(frozen=True)
class Submitted:
    """A Print-Job answered successful-ok: its job-id, document digest, and when it was sent and answered
    (monotonic clock)."""

    job_id: int
    digest: str
    sent: float
    answered: float


@dataclass
class LoadClient:
    """One client thread's keep-alive connection, its random operations and what they were answered."""

    server: IppServer
    seed: int
    submitted: list[Submitted] = field(default_factory=list)
    canceled: set[int] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    """HTTP 5xx, server-error statuses, unexpected statuses and exceptions, described."""
    conn: IppConnection = field(init=False)

    def __post_init__(self) -> None:
        self.conn = IppConnection(self.server)

    def run(self, deadline: float) -> None:
        """Send random operations until ``deadline`` (monotonic)."""
        rng = random.Random(self.seed)
        actions: dict[str, Callable[[random.Random], None]] = {
            "Print-Job": self._print_job, "Get-Jobs": self._get_jobs,
            "Get-Job-Attributes": self._get_job_attributes, "Cancel-Job": self._cancel_job,
        }
        try:
            while time.monotonic() < deadline:
                name = rng.choices(list(OPERATIONS), weights=list(OPERATIONS.values()))[0]
                self.requests[name] += 1
                try:
                    actions[name](rng)
                except Exception as exc:  # every failure is a finding: record it, go on
                    self.problems.append(f"{name}: {exc!r}")
                    self.conn.close()
                    self.conn = IppConnection(self.server)
        finally:
            self.conn.close()

    def _post(self, name: str, message: Message, document: bytes = b"") -> Message | None:
        """The answer, or None (recorded as a problem) for an HTTP error or a server-error status."""
        http_status, answer = self.conn.post(message, document)
        if answer is None:
            self.problems.append(f"{name}: HTTP {http_status}")
        elif answer.code >= status.SERVER_ERROR_INTERNAL_ERROR:
            self.problems.append(f"{name}: {answer.code:#06x} {answer.operation.value('status-message')}")
            return None
        return answer

    def _expect(self, name: str, answer: Message | None, *codes: int) -> bool:
        if answer is not None and answer.code not in codes:
            self.problems.append(f"{name}: unexpected {answer.code:#06x}")
            return False
        return answer is not None

    def _print_job(self, rng: random.Random) -> None:
        document = rng.randbytes(rng.randint(1, MAX_DOCUMENT))
        sent = time.monotonic()
        answer = self._post("Print-Job", request(self.server, operations.PRINT_JOB), document)
        answered = time.monotonic()
        if self._expect("Print-Job", answer, status.SUCCESSFUL_OK):
            assert answer is not None
            self.submitted.append(Submitted(job_id_of(answer), sha256(document), sent, answered))

    def _get_jobs(self, rng: random.Random) -> None:
        which = rng.choice(["not-completed", "completed", "all"])
        message = request(self.server, operations.GET_JOBS, which_jobs=which, limit=100,
                          requested_attributes=["job-id", "job-state", "job-state-reasons"])
        answer = self._post("Get-Jobs", message)
        if self._expect("Get-Jobs", answer, status.SUCCESSFUL_OK):
            assert answer is not None
            listed_jobs(answer)  # no job listed twice

    def _recent_job(self, rng: random.Random) -> int | None:
        return rng.choice(self.submitted[-RECENT_JOBS:]).job_id if self.submitted else None

    def _get_job_attributes(self, rng: random.Random) -> None:
        job_id = self._recent_job(rng)
        if job_id is None:
            return
        answer = self._post("Get-Job-Attributes",
                            request(self.server, operations.GET_JOB_ATTRIBUTES, job_id=job_id))
        if self._expect("Get-Job-Attributes", answer, status.SUCCESSFUL_OK):
            assert answer is not None and answer.job is not None
            assert answer.job.value("job-id") == job_id

    def _cancel_job(self, rng: random.Random) -> None:
        job_id = self._recent_job(rng)
        if job_id is None:
            return
        answer = self._post("Cancel-Job", request(self.server, operations.CANCEL_JOB, job_id=job_id))
        # Not possible: the job has ended already (printed, or canceled before).
        if self._expect("Cancel-Job", answer, status.SUCCESSFUL_OK, status.CLIENT_ERROR_NOT_POSSIBLE):
            assert answer is not None
            if answer.code == status.SUCCESSFUL_OK:
                self.canceled.add(job_id)


def run_clients(server: IppServer, clients: int, seconds: float) -> list[LoadClient]:
    """Run ``clients`` LoadClients in threads for ``seconds``; them, finished."""
    deadline = time.monotonic() + seconds
    load = [LoadClient(server, seed) for seed in range(clients)]
    threads = [threading.Thread(target=client.run, args=(deadline,), daemon=True) for client in load]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
        assert not thread.is_alive(), "a load client hangs"
    return load


def ids_increase(submitted: list[Submitted]) -> list[tuple[int, int]]:
    """Pairs (earlier, later) of job-ids where ``later`` was sent after ``earlier`` was answered and yet
    got a lower id; empty when job-ids strictly increase."""
    by_answer = sorted(submitted, key=lambda s: s.answered)
    wrong, index, highest = [], 0, None
    for job in sorted(submitted, key=lambda s: s.sent):
        while index < len(by_answer) and by_answer[index].answered < job.sent:
            if highest is None or by_answer[index].job_id > highest.job_id:
                highest = by_answer[index]
            index += 1
        if highest is not None and highest.job_id >= job.job_id:
            wrong.append((highest.job_id, job.job_id))
    return wrong


def check_outputs(jobs: dict[int, ListedJob], submitted: dict[int, Submitted], canceled: set[int],
                  out: Path) -> int:
    """Every job canceled or completed as its clients were told, every output its document; how many
    outputs were checked."""
    outputs: dict[int, list[Path]] = {}
    for path in out.iterdir():
        outputs.setdefault(int(path.name.partition("-")[0]), []).append(path)
    assert set(outputs) <= set(submitted), "outputs of jobs nobody submitted"
    for job_id, job in submitted.items():
        expected = JOB_CANCELED if job_id in canceled else JOB_COMPLETED
        assert jobs[job_id].state == expected, jobs[job_id]
        found = outputs.get(job_id, [])
        assert len(found) <= 1 and (found or expected == JOB_CANCELED), (job_id, found)
        assert all(sha256(path.read_bytes()) == job.digest for path in found), f"job {job_id}: other bytes"
    return sum(len(found) for found in outputs.values())


def test_concurrent_clients_lose_nothing(ipp_server_factory: Callable[..., IppServer],
                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = tmp_path / "load.toml"
    config.write_text(LOAD_PRINTER.replace("{out}", str(out)))
    server = ipp_server_factory(config=config, extra_args=["--workers", str(WORKERS)])
    started = time.monotonic()

    load = run_clients(server, CLIENTS, SECONDS)

    elapsed = time.monotonic() - started
    problems = [problem for client in load for problem in client.problems]
    everything = [job for client in load for job in client.submitted]
    submitted = {job.job_id: job for job in everything}
    canceled = set().union(*(client.canceled for client in load))
    requests = sum((client.requests for client in load), Counter[str]())
    assert problems == []
    assert len(submitted) == len(everything), "one job-id given to two jobs"
    assert ids_increase(everything) == []
    jobs = wait_ended(server, submitted, timeout=120 + SECONDS)
    assert set(jobs) == set(submitted), "jobs lost or made up"
    assert jobs == jobs_of(server), "the history changed after every job ended"
    outputs = check_outputs(jobs, submitted, canceled, out)
    assert orphan_files(server.spool_dir, jobs, out) == []

    figures = {"clients": CLIENTS, "workers": WORKERS, "seconds": round(elapsed, 1),
               "requests": dict(requests), "requests_total": sum(requests.values()),
               "jobs_checked": len(submitted), "jobs_canceled": len(canceled), "outputs_checked": outputs,
               "problems": len(problems)}
    write_summary(SUMMARY_ENV, figures)
    print(f"load: {figures}")
