"""``ipp-wsgi serve`` prints in a process of its own (forked from the gunicorn master, named
``ipp-wsgi-spool``), and a worker takes over when that process dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from harness import IppServer, wait_for
from harness.processes import parent_of
from test_cups_clients import listed_jobs, lp, output_of

from ipp_wsgi.spooler_process import PROCESS_NAME


def spooler_processes(server: IppServer) -> list[int]:
    """The live spooler processes *server* has forked (named PROCESS_NAME), also those its master left."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            name = comm.read_bytes().strip()
            cmdline = (comm.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if name == PROCESS_NAME and str(server.spool_dir).encode() in cmdline \
                and parent_of(int(comm.parent.name)) is not None:
            found.append(int(comm.parent.name))
    return found


def the_spooler_process(server: IppServer) -> int:
    """The one spooler process of *server* (the master forks it just after its port opens)."""
    wait_for("the spooler process to start", lambda: len(spooler_processes(server)) == 1)
    (spooler,) = spooler_processes(server)
    return spooler


def printed(server: IppServer, document: Path) -> int:
    """Print *document* with lp and wait until its output is there; the job-id."""
    job_id = lp(server, document)
    wait_for(f"job {job_id} to complete", lambda: job_id in listed_jobs(server, "-W", "completed"))
    output = output_of(server, job_id)
    assert output is not None and output.read_bytes() == document.read_bytes()
    return job_id


def test_serve_prints_in_a_spooler_process_and_a_worker_takes_over(ipp_server: IppServer,
                                                                   tmp_path: Path) -> None:
    spooler = the_spooler_process(ipp_server)
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
    spooler = the_spooler_process(ipp_server)
    os.kill(ipp_server.pid, how)  # the master alone, not its process group
    wait_for("the spooler process to end", lambda: parent_of(spooler) is None)
