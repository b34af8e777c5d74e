"""Restart safety: jobs accepted before every server process is killed with SIGKILL print after a restart."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from harness import IppServer, wait_for
from harness.processes import group_members
from test_cups_clients import GatedPrinter, listed_jobs, lp


def test_accepted_jobs_survive_kill_9(ipp_server_factory: Callable[..., IppServer], tmp_path: Path) -> None:
    gated = GatedPrinter(tmp_path / "gated")
    server = ipp_server_factory(config=gated.config)
    documents = []
    for number in range(4):
        path = tmp_path / f"document-{number}.bin"
        path.write_bytes(os.urandom(100_000 + number))
        documents.append(path)
    jobs = {lp(server, path): path for path in documents}
    wait_for("a job to start printing", lambda: gated.commands_running() > 0)
    processes = group_members(server.pid)
    assert len(processes) >= 2  # master and workers

    server.kill9()
    assert group_members(server.pid) == []
    wait_for("the dead server's commands to exit", lambda: gated.commands_running() == 0)

    server.start()
    assert listed_jobs(server) == set(jobs)
    gated.open()
    wait_for("every job to complete", lambda: listed_jobs(server, "-W", "completed") >= set(jobs))
    for job_id, path in jobs.items():
        assert (gated.out / str(job_id)).read_bytes() == path.read_bytes()
