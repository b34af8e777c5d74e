"""The ``lp`` backend without a spooler: lpstat parsing (outputs captured from CUPS 2.4's lpstat), option
encoding, and the command runner against small stand-in commands (the real ones run in
tests/integration/test_backends_e2e.py)."""

from __future__ import annotations

import io
import stat
import uuid
from pathlib import Path

import pytest

from ipp_wsgi.backends import BackendError, Document, JobRequest
from ipp_wsgi.backends.base import JOB_PENDING, JOB_PENDING_HELD, JOB_PROCESSING, PRINTER_STOPPED
from ipp_wsgi.backends.lp import LpBackend, LpCommands, parse
from ipp_wsgi.backends.lp.backend import options
from ipp_wsgi.backends.lp.commands import CHUNK_SIZE, error_status
from ipp_wsgi.codec import AttributeGroup, Collection, Range, Resolution, status, tags

JOBS_LONG = """\
other-2                 bob               1024   Wed Nov 25 09:32:27 2026
\tAlerts: job-hold-until-specified
\tqueued for other
other-3                 bob               3000   Wed Nov 25 09:32:27 2026
\tStatus: Connecting
\tAlerts: none
\tqueued for other
"""
PRINTERS = """\
printer other disabled since Wed Nov 25 09:32:27 2026 -
\tPaused for repair
printer print now printing print-7.  enabled since Wed Nov 25 09:32:27 2026
other accepting requests since Wed Nov 25 09:32:27 2026
print not accepting requests since Wed Nov 25 09:32:27 2026 -
\tRejecting Jobs
"""


def test_lpstat_jobs_with_details() -> None:
    first, second = parse.jobs(JOBS_LONG)
    assert (first.printer, first.job_id, first.owner, first.size, first.alerts) == (
        "other", 2, "bob", 1024, ["job-hold-until-specified"])
    assert (second.job_id, second.size, second.alerts, second.status) == (3, 3000, [], "Connecting")
    assert first.created > 1.7e9  # 2026, read as local time


def test_lpstat_printers_merge_state_and_acceptance() -> None:
    found = parse.printers(PRINTERS)
    other, printer = found["other"], found["print"]
    assert (other.enabled, other.printing, other.accepting, other.reason) == (False, None, True,
                                                                             "Paused for repair")
    assert (printer.enabled, printer.printing, printer.accepting, printer.reason) == (True, 7, False,
                                                                                     "Rejecting Jobs")


def test_lp_request_id() -> None:
    assert parse.request_id("request id is my-queue-12 (0 file(s))\n") == ("my-queue", 12)
    with pytest.raises(ValueError, match="no request id"):
        parse.request_id("lp: something odd\n")


def test_options_encode_every_value_kind() -> None:
    group = AttributeGroup()
    group.add("copies", 2, tags.INTEGER)
    group.add("page-ranges", [Range(1, 3), Range(5, 5)], tags.RANGE_OF_INTEGER)
    group.add("printer-resolution", Resolution(600, 600), tags.RESOLUTION)
    group.add("sides", "two-sided-long-edge", tags.KEYWORD)
    col = Collection(member_of="media-col")
    col.add("media-source", "main", tags.KEYWORD)
    col.add("media-top-margin", 0, tags.INTEGER)
    group.add("media-col", col, tags.BEG_COLLECTION)
    assert options(group) == ["-o", "copies=2", "-o", "page-ranges=1-3,5-5",
                              "-o", "printer-resolution=600dpi", "-o", "sides=two-sided-long-edge",
                              "-o", "media-col={media-source=main media-top-margin=0}"]


@pytest.mark.parametrize(("message", "code"), [
    ('lpstat: Invalid destination name in list "nope".', status.CLIENT_ERROR_NOT_FOUND),
    ("cancel: cancel-job failed: Job #99 does not exist.", status.CLIENT_ERROR_NOT_FOUND),
    ('lp: Destination "print" is not accepting jobs.', status.SERVER_ERROR_NOT_ACCEPTING_JOBS),
    ("cancel: Job #1 is already completed - can't cancel.", status.CLIENT_ERROR_NOT_POSSIBLE),
    ("lp: Unable to connect to server: Connection refused", status.SERVER_ERROR_SERVICE_UNAVAILABLE),
    ("lp: out of cheese", status.SERVER_ERROR_INTERNAL_ERROR),
])
def test_error_messages_map_to_ipp_status(message: str, code: int) -> None:
    assert error_status(message) == code


def _command(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """Stand-in commands: ``lp`` saves its arguments and stdin; ``lpstat`` shows one held job."""
    made = tmp_path / "bin"
    made.mkdir()
    _command(made, "lp", f'echo "$@" > {tmp_path}/lp.args\ncat > {tmp_path}/lp.data\n'
                         'echo "request id is other-2 (0 file(s))"\n')
    # -W completed: no ended job; any other listing: the two jobs above.
    _command(made, "lpstat", f'case " $* " in *" completed "*) jobs="";; *) jobs="{JOBS_LONG}";; esac\n'
                             f'printf "%s\\n%s" "{PRINTERS}" "$jobs"\n')
    _command(made, "cancel", 'echo "cancel: cancel-job failed: Job #$3 does not exist." >&2\nexit 1\n')
    return made


def test_documents_stream_into_lp_and_the_job_comes_from_lpstat(bin_dir: Path) -> None:
    backend = LpBackend("127.0.0.1:631", commands=LpCommands("127.0.0.1:631", bin_dir=str(bin_dir)))
    data = bytes(range(256)) * (CHUNK_SIZE // 64)
    request = JobRequest(owner="bob", name="report")
    request.attributes.add("copies", 3, tags.INTEGER)
    job = backend.submit_job("other", request, io.BytesIO(data), Document("application/pdf"))
    assert (bin_dir.parent / "lp.data").read_bytes() == data
    assert (bin_dir.parent / "lp.args").read_text().split() == [
        "-h", "127.0.0.1:631", "-d", "other", "-U", "bob", "-o", "copies=3", "-t", "report",
        "-o", "document-format=application/pdf"]
    assert (job.job_id, job.printer, job.owner, job.name, job.state, job.state_reasons) == (
        2, "other", "bob", "report", JOB_PENDING_HELD, ["job-hold-until-specified"])
    assert backend.get_job(None, 3).state == JOB_PENDING and backend.get_job(None, 3).k_octets == 3
    # A job-uuid derived from what names the job on its spooler: the same in every answer, one per job,
    # another on another spooler.
    assert uuid.UUID(job.uuid).version == 5 and backend.get_job("other", 2).uuid == job.uuid
    assert backend.get_job(None, 3).uuid not in ("", job.uuid)
    elsewhere = LpBackend("192.0.2.1:631", commands=LpCommands("192.0.2.1:631", bin_dir=str(bin_dir)))
    assert elsewhere.get_job(None, 2).uuid != job.uuid


def test_printer_status_from_lpstat(bin_dir: Path) -> None:
    backend = LpBackend(commands=LpCommands(bin_dir=str(bin_dir)))
    attrs = backend.printer_attributes("other")
    assert attrs.value("printer-state") == PRINTER_STOPPED
    assert attrs.value("printer-state-reasons") == "paused"
    assert attrs.value("printer-state-message") == "Paused for repair"
    assert attrs.value("printer-is-accepting-jobs") is True
    assert attrs.value("queued-job-count") == 2
    assert sorted(backend.printers()) == ["other", "print"]


def test_unknown_printer_and_failed_commands_are_backend_errors(bin_dir: Path) -> None:
    backend = LpBackend(printers=["other"], commands=LpCommands(bin_dir=str(bin_dir)))
    for call in (lambda: backend.printer_attributes("print"), lambda: backend.get_job("print", 2),
                 lambda: backend.cancel_job(None, 3)):
        with pytest.raises(BackendError) as caught:
            call()
        assert caught.value.status == status.CLIENT_ERROR_NOT_FOUND
    missing = LpCommands(bin_dir=str(bin_dir / "nowhere"))
    with pytest.raises(BackendError) as caught:
        missing.run("lpstat", "-a")
    assert caught.value.status == status.SERVER_ERROR_SERVICE_UNAVAILABLE


def test_a_broken_upload_kills_lp_and_raises_the_stream_error(bin_dir: Path) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            raise ConnectionResetError("client went away")

    backend = LpBackend(commands=LpCommands(bin_dir=str(bin_dir)))
    with pytest.raises(ConnectionResetError):
        backend.submit_job("other", JobRequest("bob", "x"), io.BufferedReader(Broken()), Document())
    received = bin_dir.parent / "lp.data"
    assert not received.exists() or received.read_bytes() == b""  # killed before any EOF


def test_jobs_filter_by_state_owner_and_page(bin_dir: Path) -> None:
    backend = LpBackend(commands=LpCommands(bin_dir=str(bin_dir)))
    assert [j.job_id for j in backend.jobs("other", "pending-held")] == [2]
    assert [j.job_id for j in backend.jobs(None, "pending")] == [3]
    assert [j.job_id for j in backend.jobs("other", "not-completed", limit=1, first_index=2)] == [3]
    assert backend.jobs("other", "not-completed", owner="alice") == []
    assert all(j.state != JOB_PROCESSING for j in backend.jobs(None, "all"))
