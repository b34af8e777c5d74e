"""Two hosts of one PostgreSQL job store: two ``ipp-wsgi serve`` servers, each with a spool directory of
its own, on the same database (``--store postgresql://...``). A job created on one and sent its document
on the other is one job, listed by both, printed once; job-ids increase across the hosts."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from pathlib import Path

from harness import IppServer, wait_for
from test_app import ipp_request

from ipp_wsgi.backends.base import JOB_COMPLETED
from ipp_wsgi.codec import Message, decode, encode, operations, status, tags

DOCUMENT = bytes(range(256)) * 1024 + b"printed once\n"  # past the inline size: the database's chunks


def _post(server: IppServer, message: Message, document: bytes = b"") -> Message:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("POST", "/ipp/print", body=encode(message) + document,
                     headers={"Content-Type": "application/ipp"})
        response = conn.getresponse()
        assert response.status == 200
        return decode(response.read())
    finally:
        conn.close()


def _create_job(server: IppServer) -> int:
    answer = _post(server, ipp_request(operations.CREATE_JOB, server.uri, job_name="two hosts"))
    assert answer.code == status.SUCCESSFUL_OK, answer
    assert answer.job is not None
    job_id: int = answer.job.value("job-id")
    return job_id


def _listed(server: IppServer) -> dict[int, int]:
    """job-id: job-state of every job Get-Jobs of ``server`` lists."""
    answer = _post(server, ipp_request(operations.GET_JOBS, server.uri, which_jobs="all",
                                       requested_attributes=["job-id", "job-state"]))
    assert answer.code == status.SUCCESSFUL_OK, answer
    return {job.value("job-id"): job.value("job-state") for job in answer.groups_of(tags.JOB_ATTRIBUTES)}


def _outputs(servers: list[IppServer], job_id: int) -> list[Path]:
    """The files the default (directory) output of any of ``servers`` wrote for ``job_id``."""
    return [path for server in servers
            for path in (server.spool_dir / "output" / "print").glob(f"{job_id}-*")]


def test_two_hosts_of_one_postgresql_store_make_one_job_printed_once(
        ipp_server_factory: Callable[..., IppServer], postgres_url: str) -> None:
    first = ipp_server_factory(extra_args=["--store", postgres_url])
    second = ipp_server_factory(extra_args=["--store", postgres_url])
    assert first.spool_dir != second.spool_dir

    job_id = _create_job(first)
    sent = _post(second, ipp_request(operations.SEND_DOCUMENT, second.uri, job_id=job_id, last_document=True,
                                     document_format="application/octet-stream"), DOCUMENT)
    assert sent.code == status.SUCCESSFUL_OK, sent

    wait_for(f"job {job_id} to complete", lambda: _listed(first).get(job_id) == JOB_COMPLETED, timeout=60)
    assert _listed(second).get(job_id) == JOB_COMPLETED, "the same job on the other host"
    (output,) = _outputs([first, second], job_id)  # printed once, by whichever host holds the printer
    assert output.read_bytes() == DOCUMENT

    later = [_create_job(second), _create_job(first), _create_job(second)]
    assert sorted(later) == later and later[0] > job_id, "job-ids increase across the hosts"
    assert set(later) <= set(_listed(first)) and set(later) <= set(_listed(second))
