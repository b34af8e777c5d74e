"""The ``cups`` backend against a real private cupsd whose raw queues print to AppSocket recorders
(see ``cups_queues``)."""

from __future__ import annotations

import getpass
import io
import os
import time
from collections.abc import Iterator

import pytest
from cups_queues import Queues, raw_queues
from harness import PrivateCupsd
from harness.waiting import WAIT_SECONDS

from ipp_wsgi.backends import BackendError, Document, Job, JobRequest
from ipp_wsgi.backends.base import (
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    PRINTER_IDLE,
    PRINTER_STOPPED,
    TERMINAL_JOB_STATES,
)
from ipp_wsgi.backends.cups import CupsBackend
from ipp_wsgi.backends.cups.transport import CHUNK_SIZE, CupsClient, CupsServer
from ipp_wsgi.codec import AttributeGroup, operations, status, tags


@pytest.fixture
def queues(cupsd: PrivateCupsd) -> Iterator[Queues]:
    with raw_queues(cupsd) as made:
        yield made


@pytest.fixture
def backend(queues: Queues) -> Iterator[CupsBackend]:
    backend = CupsBackend(queues.cupsd.server)
    yield backend
    backend.close()


def _create(backend: CupsBackend, printer: str = "out", owner: str = "alice", **attributes: object) -> Job:
    group = AttributeGroup()
    for name, value in attributes.items():
        group.add(name.replace("_", "-"), value)
    return backend.create_job(printer, JobRequest(owner=owner, name="report", attributes=group))


def _wait_until_ended(backend: CupsBackend, job_id: int) -> Job:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = backend.get_job(None, job_id)
        if job.state in TERMINAL_JOB_STATES or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def _status_of(call: object) -> int:
    assert callable(call)
    with pytest.raises(BackendError) as caught:
        call()
    return caught.value.status


def test_printed_bytes_arrive_in_cups_device(backend: CupsBackend, queues: Queues) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 123)
    job = _create(backend)
    assert (job.printer, job.owner, job.name, job.documents) == ("out", "alice", "report", 0)
    backend.add_document("out", job.job_id, io.BytesIO(data), Document("application/octet-stream", "a.bin"),
                         last=True)
    done = _wait_until_ended(backend, job.job_id)
    assert done.state == JOB_COMPLETED
    assert done.completed is not None and done.processing is not None
    assert queues.out.received == [data]
    assert [j.job_id for j in backend.jobs("out", "completed")] == [job.job_id]
    assert backend.jobs("out", "not-completed") == []


def test_job_attributes_carry_no_uris_and_keep_templates(backend: CupsBackend, queues: Queues) -> None:
    backend.pause_printer("out")
    job = _create(backend, copies=2)
    assert job.attributes.value("copies") == 2
    assert "job-uri" not in job.attributes and "job-printer-uri" not in job.attributes
    assert all(tags.URI not in attr.tags for attr in job.attributes.attributes() if attr.name != "job-uuid")


def test_hold_release_cancel_as_cups_sees_them(backend: CupsBackend, queues: Queues) -> None:
    backend.pause_printer("out")  # the job stays pending while we play with it
    job = _create(backend)
    backend.add_document("out", job.job_id, io.BytesIO(b"held bytes"), Document(), last=True)
    assert backend.get_job("out", job.job_id).state == JOB_PENDING
    assert backend.hold_job("out", job.job_id).state == JOB_PENDING_HELD
    lpstat = queues.cupsd.run("lpstat", "-h", queues.cupsd.server, "-l", "-o", "out")
    assert f"out-{job.job_id}" in lpstat.stdout and "job-hold-until-specified" in lpstat.stdout
    assert [j.job_id for j in backend.jobs("out", "pending-held")] == [job.job_id]
    assert backend.release_job(None, job.job_id).state == JOB_PENDING
    canceled = backend.cancel_job("out", job.job_id)
    assert canceled.state == JOB_CANCELED
    assert _status_of(lambda: backend.cancel_job("out", job.job_id)) == status.CLIENT_ERROR_NOT_POSSIBLE
    lpstat = queues.cupsd.run("lpstat", "-h", queues.cupsd.server, "-W", "completed", "-o", "out")
    assert f"out-{job.job_id}" in lpstat.stdout
    # This cupsd keeps no job files (PreserveJobFiles No), so it cannot print the job again.
    with pytest.raises(BackendError) as caught:
        backend.restart_job("out", job.job_id)
    assert caught.value.status == status.CLIENT_ERROR_NOT_POSSIBLE and "no files" in caught.value.message


def test_pause_resume_disable_enable(backend: CupsBackend) -> None:
    backend.pause_printer("out")
    assert backend.printer_attributes("out").value("printer-state") == PRINTER_STOPPED
    backend.resume_printer("out")
    assert backend.printer_attributes("out").value("printer-state") == PRINTER_IDLE
    backend.disable_printer("out")
    assert backend.printer_attributes("out").value("printer-is-accepting-jobs") is False
    refused = _status_of(lambda: _create(backend))
    assert refused == status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    backend.enable_printer("out")
    assert backend.printer_attributes("out").value("printer-is-accepting-jobs") is True


def test_printer_attributes_hide_cups_internals(backend: CupsBackend) -> None:
    assert sorted(backend.printers()) == ["other", "out"]
    attrs = backend.printer_attributes("out")
    assert attrs.value("printer-name") == "out"
    assert "operations-supported" in attrs
    for leak in ("device-uri", "printer-uri-supported", "uri-security-supported", "printer-more-info"):
        assert leak not in attrs
    assert all(tags.URI not in attr.tags for attr in attrs.attributes() if attr.name != "printer-uuid")


def test_unknown_printer_and_job_are_not_found(backend: CupsBackend) -> None:
    assert _status_of(lambda: backend.printer_attributes("nope")) == status.CLIENT_ERROR_NOT_FOUND
    assert _status_of(lambda: _create(backend, "nope")) == status.CLIENT_ERROR_NOT_FOUND
    assert _status_of(lambda: backend.get_job(None, 4242)) == status.CLIENT_ERROR_NOT_FOUND
    backend.pause_printer("out")
    job = _create(backend)
    assert _status_of(lambda: backend.get_job("other", job.job_id)) == status.CLIENT_ERROR_NOT_FOUND


def test_served_printers_limit_what_is_seen(queues: Queues, backend: CupsBackend) -> None:
    backend.pause_printer("other")
    hidden = _create(backend, "other")
    only_out = CupsBackend(queues.cupsd.server, printers=["out"])
    assert only_out.printers() == ["out"]
    assert _status_of(lambda: only_out.printer_attributes("other")) == status.CLIENT_ERROR_NOT_FOUND
    assert _status_of(lambda: only_out.get_job(None, hidden.job_id)) == status.CLIENT_ERROR_NOT_FOUND
    assert only_out.jobs(None) == [] and [j.job_id for j in backend.jobs(None)] == [hidden.job_id]


def test_move_and_set_job_attributes(backend: CupsBackend, queues: Queues) -> None:
    backend.pause_printer("out")
    job = _create(backend)
    changes = AttributeGroup()
    changes.add("job-priority", 80)
    assert backend.set_job_attributes("out", job.job_id, changes).attributes.value("job-priority") == 80
    moved = backend.move_job("out", job.job_id, "other")
    assert moved.printer == "other"
    backend.add_document("other", job.job_id, io.BytesIO(b"moved bytes"), Document(), last=True)
    assert _wait_until_ended(backend, job.job_id).state == JOB_COMPLETED
    assert queues.other.received == [b"moved bytes"] and queues.out.received == []


def test_owner_filter_and_paging(backend: CupsBackend) -> None:
    backend.pause_printer("out")
    ids = [_create(backend, owner=owner).job_id for owner in ("alice", "bob", "alice")]
    assert [j.job_id for j in backend.jobs("out", owner="alice")] == [ids[0], ids[2]]
    assert [j.job_id for j in backend.jobs("out", limit=1, first_index=2)] == [ids[1]]


def test_validate_job(backend: CupsBackend) -> None:
    backend.validate_job("out", JobRequest(owner="alice", name="check"))
    assert backend.jobs("out", "all") == []
    bogus = AttributeGroup()
    bogus.add("document-format", "bogus/x", tag=tags.MIME_MEDIA_TYPE)
    refused = _status_of(lambda: backend.validate_job("out", JobRequest("alice", "check", attributes=bogus)))
    assert refused == status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED


class _FailingStream(io.RawIOBase):
    """Yields some bytes, then fails as a client's upload that breaks off."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.sent >= 2 * CHUNK_SIZE:
            raise ConnectionResetError("client went away")
        buffer[:CHUNK_SIZE] = b"x" * CHUNK_SIZE
        self.sent += CHUNK_SIZE
        return CHUNK_SIZE


def test_broken_upload_leaves_no_document(backend: CupsBackend) -> None:
    backend.pause_printer("out")
    job = _create(backend)
    with pytest.raises((BackendError, OSError)):
        backend.add_document("out", job.job_id, io.BufferedReader(_FailingStream()), Document(), last=True)
    assert backend.get_job("out", job.job_id).documents == 0
    closed = backend.add_document("out", job.job_id, io.BytesIO(b"second try"), Document(), last=True)
    assert closed.documents == 1


def test_unix_socket_with_peer_credentials(queues: Queues) -> None:
    local = CupsBackend(queues.socket, user="root")
    local.pause_printer("out")
    assert local.printer_attributes("out").value("printer-state") == PRINTER_STOPPED
    job = local.create_job("out", JobRequest(owner="carol", name="local"))
    assert local.close_job("out", job.job_id).owner == "carol"


def test_peer_credentials_name_who_acts(queues: Queues, backend: CupsBackend) -> None:
    # CUPS makes an authenticated user, not the requesting-user-name, the owner of a new job.
    backend.pause_printer("out")
    me = getpass.getuser()
    client = CupsClient(CupsServer.parse(queues.socket), 30.0, user=me)
    for authenticate, owner in ((False, "carol"), (True, me)):
        create = client.new_request(operations.CREATE_JOB, ("printer-uri", "ipp://localhost/printers/out"),
                                    "carol")
        answer = client.send("/printers/out", create, authenticate=authenticate)
        assert backend.get_job("out", (answer.job or AttributeGroup()).value("job-id")).owner == owner


def test_tls_with_cups_certificate(queues: Queues) -> None:
    port = queues.cupsd.port
    untrusted = CupsBackend(f"localhost:{port}", tls=True)
    # CUPS makes its self-signed certificate on the first TLS handshake, which we must refuse.
    assert _status_of(lambda: untrusted.printer_attributes("out")) == status.SERVER_ERROR_SERVICE_UNAVAILABLE
    certificate = queues.cupsd.root / "etc" / "ssl" / "localhost.crt"
    trusted = CupsBackend(f"localhost:{port}", tls=True, cafile=str(certificate))
    assert trusted.printer_attributes("out").value("printer-name") == "out"


def test_purge_jobs_forgets_every_job(backend: CupsBackend) -> None:
    backend.pause_printer("out")
    job = _create(backend)
    assert [j.job_id for j in backend.jobs("out", "all")] == [job.job_id]
    backend.purge_jobs("out")
    assert backend.jobs("out", "all") == []
    assert _status_of(lambda: backend.get_job(None, job.job_id)) == status.CLIENT_ERROR_NOT_FOUND
