"""``ipp-wsgi serve`` prints in a process of its own (``ipp-wsgi spooler``), and a worker takes over when
that process dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from harness import IppServer, wait_for
from harness.processes import parent_of, pids_with_arguments
from test_cups_clients import listed_jobs, lp, output_of


def spooler_processes(server: IppServer) -> list[int]:
    """The ``ipp-wsgi spooler`` processes of *server*'s spool directory."""
    return pids_with_arguments("spooler", str(server.spool_dir))


def printed(server: IppServer, document: Path) -> int:
    """Print *document* with lp and wait until its output is there; the job-id."""
    job_id = lp(server, document)
    wait_for(f"job {job_id} to complete", lambda: job_id in listed_jobs(server, "-W", "completed"))
    output = output_of(server, job_id)
    assert output is not None and output.read_bytes() == document.read_bytes()
    return job_id


def test_serve_prints_in_a_spooler_process_and_a_worker_takes_over(ipp_server: IppServer,
                                                                   tmp_path: Path) -> None:
    (spooler,) = spooler_processes(ipp_server)
    assert parent_of(spooler) == ipp_server.pid, "a child of the gunicorn master"
    document = tmp_path / "first.txt"
    document.write_bytes(b"printed by the spooler process\\n")
    printed(ipp_server, document)

    os.kill(spooler, signal.SIGKILL)
    wait_for("the spooler process to end", lambda: spooler_processes(ipp_server) == [])
    document = tmp_path / "second.txt"
    document.write_bytes(os.urandom(100_000))  # a spool file, and a worker to print it
    printed(ipp_server, document)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_the_spooler_process_ends_with_the_server(ipp_server: IppServer, how: signal.Signals) -> None:
    """Stopped, the master stops it; killed, it notices that its parent is gone."""
    (spooler,) = spooler_processes(ipp_server)
    os.kill(ipp_server.pid, how)  # the master alone, not its process group
    wait_for("the spooler process to end", lambda: parent_of(spooler) is None)
