"""ipp-wsgi in front of a private cupsd (``backend = "cups"``): conformance files, ``lp`` and job control
through ipp-wsgi, seen from CUPS's side (the bytes at the queue's device, ``lpstat`` against cupsd); and the
``lp`` backend driving the System V commands against the same cupsd."""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cups_queues import Queues, raw_queues
from harness import IppServer, Ipptool, PrivateCupsd, wait_for
from harness.ipptool import assert_ipptool_passed

from ipp_wsgi.backends import BackendError, Document, JobRequest
from ipp_wsgi.backends.base import JOB_CANCELED, JOB_COMPLETED, JOB_PENDING, JOB_PENDING_HELD, PRINTER_STOPPED
from ipp_wsgi.backends.lp import LpBackend
from ipp_wsgi.codec import status

pytestmark = pytest.mark.integration

MODEL = "drv:///sample.drv/generic.ppd"
"""Generic PostScript: with a driver CUPS describes media, sides, ... as IPP Everywhere clients expect
(a raw queue has no media-col-default, say); ``lp -o raw`` still sends the bytes unchanged."""


@pytest.fixture
def queues(cupsd: PrivateCupsd) -> Iterator[Queues]:
    with raw_queues(cupsd, "print", model=MODEL) as made:
        yield made


@pytest.fixture
def front(queues: Queues, ipp_server_factory: Callable[..., IppServer], tmp_path: Path) -> IppServer:
    """ipp-wsgi serving the cupsd queue ``print`` at /ipp/print and /printers/print."""
    config = tmp_path / "cups-front.toml"
    config.write_text(f'[[printers]]\nname = "print"\nbackend = "cups"\n'
                      f'cups_server = "{queues.cupsd.server}"\ncups_timeout = 20\n')
    return ipp_server_factory(config=config)


def _host(server: IppServer) -> str:
    return server.base_url.removeprefix("http://")


def _lp(server: IppServer, *args: str, data: bytes | None = None) -> str:
    """``lp``/``cancel``/``lpstat`` ``-h`` ipp-wsgi; its output (raises with it when it fails)."""
    env = {k: v for k, v in os.environ.items() if k != "CUPS_SERVER"}
    done = subprocess.run([args[0], "-h", _host(server), *args[1:]], input=data, capture_output=True,
                          env=env, timeout=60, check=False)
    output = (done.stdout + done.stderr).decode(errors="replace")
    assert done.returncode == 0, f"{' '.join(args)}: {output}"
    return output


def _cups_jobs(cupsd: PrivateCupsd, which: str = "not-completed") -> str:
    return cupsd.run("lpstat", "-h", cupsd.server, "-l", "-W", which, "-o", "print").stdout


# What CUPS's own queue lacks shows through: the generic PPD queue has no media-type-supported, and CUPS
# queues do not do Identify-Printer (so identify-printer.test, which has no other test, is not run here).
_QUEUE_LACKS_MEDIA_TYPE = ("PWG 5100.12 section 6.2 - Required Printer Description Attributes",)
_QUEUE_LACKS_IDENTIFY = ("PWG 5100.14 section 5.1/5.2 - Required Operations and Attributes",)


@pytest.mark.parametrize(("test_file", "known_failures"), [
    ("get-printer-attributes.test", ()), ("ipp-1.1.test", ()), ("print-job.test", ()),
    ("print-job-gzip.test", ()), ("print-job-deflate.test", ()), ("create-job.test", ()),
    ("validate-job.test", ()), ("get-jobs.test", ()),
    ("ipp-2.0.test", _QUEUE_LACKS_MEDIA_TYPE),
    ("ipp-everywhere.test", _QUEUE_LACKS_MEDIA_TYPE + _QUEUE_LACKS_IDENTIFY),
])
def test_stock_ipptool_file_passes_through_ipp_wsgi(front: IppServer, ipptool: Ipptool, test_file: str,
                                                    known_failures: tuple[str, ...]) -> None:
    result = ipptool.run(front.uri, test_file, file="testfile.pdf")
    assert_ipptool_passed(result, known_failures=known_failures)


def test_lp_through_ipp_wsgi_reaches_the_cups_device(front: IppServer, queues: Queues) -> None:
    data = os.urandom(200_000)
    output = _lp(front, "lp", "-d", "print", "-o", "raw", "-", data=data)
    assert re.search(r"request id is print-\d+", output), output
    wait_for("the queue's device to receive the document",
             lambda: queues.recorders["print"].received == [data], interval=0.2)


def test_hold_release_cancel_through_ipp_wsgi_are_seen_by_cups(front: IppServer, queues: Queues) -> None:
    cupsd = queues.cupsd
    cupsd.run("cupsdisable", "-h", cupsd.server, "print")  # jobs stay queued while we play with them
    output = _lp(front, "lp", "-d", "print", "-o", "raw", "-", data=b"held bytes")
    found = re.search(r"print-(\d+)", output)
    assert found, output
    job = f"print-{found.group(1)}"
    assert job in _cups_jobs(cupsd)
    _lp(front, "lp", "-i", job, "-H", "hold")
    assert "job-hold-until-specified" in _cups_jobs(cupsd)
    assert job in _lp(front, "lpstat", "-o", "print")
    _lp(front, "lp", "-i", job, "-H", "resume")
    assert "job-hold-until-specified" not in _cups_jobs(cupsd) and job in _cups_jobs(cupsd)
    _lp(front, "cancel", job)
    assert job not in _cups_jobs(cupsd) and job in _cups_jobs(cupsd, "completed")
    assert queues.recorders["print"].received == []


@pytest.fixture
def lp_backend(queues: Queues) -> Iterator[LpBackend]:
    cupsd = queues.cupsd
    with raw_queues(cupsd, "spare"):
        backend = LpBackend(cupsd.server, printers=["print", "spare"])
        yield backend
        backend.close()


def test_lp_backend_streams_into_lp_and_the_bytes_reach_the_device(lp_backend: LpBackend,
                                                                    queues: Queues) -> None:
    data = os.urandom(300_000)
    request = JobRequest(owner="alice", name="report")
    job = lp_backend.submit_job("print", request, io.BytesIO(data), Document())
    assert (job.printer, job.owner, job.name) == ("print", "alice", "report")
    wait_for("the queue's device to receive the document",
             lambda: queues.recorders["print"].received == [data], interval=0.2)
    wait_for("the job to complete", lambda: lp_backend.get_job(None, job.job_id).state == JOB_COMPLETED,
             interval=0.2)
    assert [j.job_id for j in lp_backend.jobs("print", "completed")] == [job.job_id]


def test_lp_backend_hold_release_move_cancel_as_cups_sees_them(lp_backend: LpBackend, queues: Queues) -> None:
    cupsd = queues.cupsd
    cupsd.run("cupsdisable", "-h", cupsd.server, "print", "spare")
    assert lp_backend.printer_attributes("print").value("printer-state") == PRINTER_STOPPED
    job = lp_backend.submit_job("print", JobRequest(owner="bob", name="x"), io.BytesIO(b"bytes"), Document())
    assert job.state == JOB_PENDING and lp_backend.printer_attributes("print").value("queued-job-count") == 1
    held = lp_backend.hold_job("print", job.job_id)
    assert held.state == JOB_PENDING_HELD
    assert "job-hold-until-specified" in _cups_jobs(cupsd)
    released = lp_backend.release_job(None, job.job_id)
    assert released.state == JOB_PENDING
    moved = lp_backend.move_job("print", job.job_id, "spare")
    assert moved.printer == "spare"
    assert job.uuid.startswith("urn:uuid:") and {held.uuid, released.uuid, moved.uuid} == {job.uuid}
    assert f"spare-{job.job_id}" in cupsd.run("lpstat", "-h", cupsd.server, "-o", "spare").stdout
    assert lp_backend.cancel_job("spare", job.job_id).state == JOB_CANCELED
    with pytest.raises(BackendError) as caught:
        lp_backend.cancel_job("spare", job.job_id)
    assert caught.value.status == status.CLIENT_ERROR_NOT_POSSIBLE
    assert f"spare-{job.job_id}" in cupsd.run("lpstat", "-h", cupsd.server, "-W", "completed", "-o").stdout


def test_ipp_wsgi_in_front_of_lp_lists_and_cancels_cups_jobs(queues: Queues, tmp_path: Path,
                                                             ipp_server_factory: Callable[..., IppServer],
                                                             ipptool: Ipptool) -> None:
    cupsd = queues.cupsd
    config = tmp_path / "lp-front.toml"
    config.write_text(f'[[printers]]\nname = "print"\nbackend = "lp"\nlp_server = "{cupsd.server}"\n')
    front = ipp_server_factory(config=config)
    assert_ipptool_passed(ipptool.run(front.uri, "get-printer-attributes.test"))
    cupsd.run("cupsdisable", "-h", cupsd.server, "print")
    queued = cupsd.run("lp", "-h", cupsd.server, "-d", "print", "/etc/hostname").stdout
    job = re.search(r"print-\d+", queued)
    assert job, queued
    assert job.group() in _lp(front, "lpstat", "-o", "print")
    _lp(front, "cancel", job.group())
    assert job.group() not in _cups_jobs(cupsd) and job.group() in _cups_jobs(cupsd, "completed")
