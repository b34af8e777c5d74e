"""A 200 MiB Print-Job through gunicorn, chunked and with a Content-Length: memory stays flat, bytes arrive.

``IPP_WSGI_STREAM_MIB`` sets another size (this test and the Apache one), e.g. 1024 to check the 1 GiB
goal of the speed issue; the RSS growth is printed (``pytest -s``)."""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import IppServer, wait_for
from harness.memory import PeakRss
from harness.processes import group_members
from test_app import ipp_request
from test_cups_clients import output_of

from ipp_wsgi.codec import decode, encode, operations, status

DOCUMENT_BYTES = int(os.environ.get("IPP_WSGI_STREAM_MIB", "200")) * 1024 * 1024
BLOCK_BYTES = 64 * 1024
MAX_GROWTH_BYTES = 20 * 1024 * 1024


def document_blocks() -> Iterator[bytes]:
    """DOCUMENT_BYTES of incompressible data, made block by block (never held whole)."""
    for index in range(DOCUMENT_BYTES // BLOCK_BYTES):
        yield hashlib.sha512(index.to_bytes(8, "big")).digest() * (BLOCK_BYTES // 64)


def print_job(server: IppServer, document: Iterable[bytes], length: int | None) -> int:
    """POST a Print-Job with ``document`` (``length`` bytes; None: chunked); the job-id it got."""
    request = encode(ipp_request(operations.PRINT_JOB, server.uri))
    headers = {"Content-Type": "application/ipp"}
    if length is not None:
        headers["Content-Length"] = str(len(request) + length)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        conn.request("POST", "/ipp/print", body=itertools.chain([request], document), headers=headers,
                     encode_chunked=length is None)
        response = conn.getresponse()
        assert response.status == 200
        answer = decode(response.read())
    finally:
        conn.close()
    assert answer.code == status.SUCCESSFUL_OK, answer
    assert answer.job is not None
    job_id: int = answer.job.value("job-id")
    return job_id


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_large_document_streams_with_flat_memory(ipp_server: IppServer, chunked: bool) -> None:
    # Every worker imports and allocates what a job needs before the baseline is taken.
    warm_up = print_job(ipp_server, [b"warm up"], 7)
    wait_for("the warm-up job's output", lambda: output_of(ipp_server, warm_up) is not None)
    pids = group_members(ipp_server.pid)
    sampler = PeakRss(pids)
    baseline = sampler.peak
    sampler.start()
    digest = hashlib.sha256()
    try:
        job_id = print_job(ipp_server, hashed_blocks(digest), None if chunked else DOCUMENT_BYTES)
        wait_for(f"the output of job {job_id}", lambda: _complete(output_of(ipp_server, job_id)), timeout=300)
    finally:
        sampler.done.set()
        sampler.join()
    output = output_of(ipp_server, job_id)
    assert output is not None
    assert file_sha256(output) == digest.hexdigest()
    growth = sampler.peak - baseline
    print(f"\n{DOCUMENT_BYTES >> 20} MiB {'chunked' if chunked else 'Content-Length'}: "
          f"RSS growth {growth / (1 << 20):.1f} MiB")
    assert growth < MAX_GROWTH_BYTES, f"RSS grew by {growth >> 20} MiB"


def _complete(path: Path | None) -> bool:
    return path is not None and path.stat().st_size == DOCUMENT_BYTES


def file_sha256(path: Path) -> str:
    """The sha256 of a (large) file, read in pieces."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def hashed_blocks(digest: Any) -> Iterator[bytes]:
    """The test document's blocks (:func:`document_blocks`), each added to ``digest`` as it is sent."""
    for block in document_blocks():
        digest.update(block)
        yield block
