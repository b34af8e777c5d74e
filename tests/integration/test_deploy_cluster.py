"""deploy/cluster: the shipped nginx config round-robin in front of two ``ipp-wsgi serve`` hosts that share a
throw-away PostgreSQL job store, each host in the environment of the shipped ``ipp-wsgi-host.env`` (its
store URL and trusted proxy replaced by the test's); the shipped unit passes ``systemd-analyze verify``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from deploy_servers import DEPLOY, ipp_request, post_ipp, replace_all, shared_dir, start_cluster_nginx
from harness import IppServer, attach_log, require_tool, wait_for
from harness.cluster import host_stores
from harness.processes import LOOPBACK

from ipp_wsgi.backends.base import JOB_COMPLETED
from ipp_wsgi.codec import Message, operations, status, tags

DOCUMENT = b"printed once, through the balancer\n"
SHIPPED_STORE = "IPP_WSGI_STORE=postgresql://ippwsgi@db.example.net:5432/ippwsgi?sslmode=require"
SHIPPED_PROXIES = "IPP_WSGI_TRUSTED_PROXIES=192.0.2.5"


def host_environment(store_url: str) -> dict[str, str]:
    """The variables of the shipped ``ipp-wsgi-host.env`` (KEY=VALUE lines), on the store ``store_url``
    and trusting the balancer on loopback."""
    text = replace_all((DEPLOY / "cluster" / "ipp-wsgi-host.env").read_text(), {
        SHIPPED_STORE: f"IPP_WSGI_STORE={store_url}",
        SHIPPED_PROXIES: f"IPP_WSGI_TRUSTED_PROXIES={LOOPBACK}",
    })
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


@dataclass(frozen=True)
class ClusterRecipe:
    """The two hosts and the port of the shipped nginx config in front of them."""

    hosts: list[IppServer]
    port: int


@pytest.fixture
def recipe(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClusterRecipe]:
    """Two hosts on one PostgreSQL database (each its own spool directory) behind the shipped config."""
    config = tmp_path / "ipp-wsgi.toml"
    config.write_text('[[printers]]\nname = "print"\n')
    root = shared_dir("ipp-wsgi-cluster-")
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        hosts = []
        for number, store in enumerate(host_stores("postgres", tmp_path, 2, request.getfixturevalue)):
            environment = host_environment(store.store_url)
            environment.pop("IPP_WSGI_BIND")  # the unit passes it as --bind: IppServer binds a free port
            host = IppServer(tmp_path / f"host-{number}", config=config, spool_dir=store.spool_dir,
                             env={**os.environ, **environment})
            attach_log(request.node, f"host {number}", host.log)
            stack.callback(host.stop)
            host.start()
            hosts.append(host)
        nginx, port = start_cluster_nginx(root, [host.port for host in hosts])
        stack.callback(nginx.stop)
        for label in ("nginx.out", "nginx-error.log", "nginx-access.log"):
            attach_log(request.node, label, root / label)
        yield ClusterRecipe(hosts, port)


def call(port: int, message: Message, document: bytes = b"") -> Message:
    """POST ``message`` to /ipp/print at ``port``; the IPP answer, a success in HTTP 200."""
    answer = post_ipp(port, "/ipp/print", message, tls=False, document=document)
    assert answer.status == 200 and answer.ipp is not None, f"HTTP {answer.status} from port {port}"
    assert answer.ipp.code == status.SUCCESSFUL_OK, answer.ipp
    return answer.ipp


def job_state(port: int, job_id: int) -> int:
    """The job-state of ``job_id`` as the server at ``port`` reports it."""
    message = ipp_request(operations.GET_JOB_ATTRIBUTES, f"ipp://{LOOPBACK}:{port}/ipp/print")
    message.operation.add("job-id", job_id, tags.INTEGER)
    job = call(port, message).job
    assert job is not None
    state: int = job.value("job-state")
    return state


def test_a_job_printed_through_the_balancer_is_seen_on_both_hosts_and_printed_once(
        recipe: ClusterRecipe) -> None:
    balancer = f"ipp://{LOOPBACK}:{recipe.port}/ipp/print"
    submitted = call(recipe.port, ipp_request(operations.PRINT_JOB, balancer), DOCUMENT)
    assert submitted.job is not None
    job_id: int = submitted.job.value("job-id")

    def completed(port: int) -> bool:
        return job_state(port, job_id) == JOB_COMPLETED

    for host in recipe.hosts:  # each host's own port, past the balancer: the same job, from the database
        wait_for(f"job {job_id} completed on host :{host.port}", partial(completed, host.port), timeout=60)
    outputs = [host.spool_dir / "output" / "print" for host in recipe.hosts]
    printed = [path for output in outputs for path in output.glob(f"{job_id}-1*")]
    assert [path.read_bytes() for path in printed] == [DOCUMENT], printed

    # Round-robin, no stickiness: Get-Jobs through the balancer, answered by either host, lists the job.
    completed_jobs = ipp_request(operations.GET_JOBS, balancer)
    completed_jobs.operation.add("which-jobs", "completed", tags.KEYWORD)
    for _ in recipe.hosts:
        listed = call(recipe.port, completed_jobs)
        assert [job.value("job-id") for job in listed.groups_of(tags.JOB_ATTRIBUTES)] == [job_id]


def test_the_host_unit_verifies_and_keeps_the_password_out(tmp_path: Path) -> None:
    """systemd-analyze verify accepts the unit (ExecStart at a real ipp-wsgi); neither it nor the
    environment file holds a password: the store URL has none, and libpq is pointed at a credential."""
    analyze = require_tool("systemd-analyze")
    unit_text = (DEPLOY / "cluster" / "ipp-wsgi-host.service").read_text()
    service = replace_all(unit_text, {"ExecStart=/opt/ipp-wsgi/bin/ipp-wsgi":
                                      f"ExecStart={Path(sys.executable).with_name('ipp-wsgi')}"})
    unit = tmp_path / "ipp-wsgi-host.service"
    unit.write_text(service)
    done = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ipp-wsgi-host" not in done.stderr, done.stderr
    assert "Environment=PGPASSFILE=%d/pgpass" in unit_text and "PGPASSWORD" not in unit_text
    shipped = host_environment(SHIPPED_STORE.split("=", 1)[1])
    assert urlsplit(shipped["IPP_WSGI_STORE"]).password is None
    assert "PGPASSWORD" not in shipped
