"""The ``file`` output: documents written to a local device or file named by a ``file:`` device-uri."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from spooler_helpers import MakeSpooler, make_printer, submit

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED
from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler, outputs_file
from ipp_wsgi.backends.embedded.outputs_file import file_path
from ipp_wsgi.backends.embedded.printer import RetryPolicy
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES


@pytest.fixture
def file_spooler(make_spooler: MakeSpooler) -> MakeSpooler:
    def make(uri: str, attempts: int = 1) -> EmbeddedSpooler:
        retry = RetryPolicy(attempts=attempts, delay=0)
        printer = make_printer("print", output="file", device_uri=uri, retry=retry)
        return make_spooler([printer], start=False)

    return make


@pytest.mark.parametrize(("uri", "path"), [
    ("file:///dev/null", "/dev/null"), ("file:/dev/usb/lp0", "/dev/usb/lp0"),
    ("file://localhost/var/spool/out%20put", "/var/spool/out put"),
])
def test_file_path_of_a_device_uri(uri: str, path: str) -> None:
    assert file_path(uri) == Path(path)


@pytest.mark.parametrize("uri", ["", "/dev/null", "file://printer.example/dev/lp0", "file:relative",
                                 "socket:///dev/null", "file:///dev/null?x", "file:///a%00b"])
def test_a_bad_file_device_uri_is_refused(uri: str) -> None:
    with pytest.raises(ValueError, match="file:///path"):
        file_path(uri)
    with pytest.raises(ValueError, match="printer 'p'"):
        EmbeddedPrinter("p", output="file", device_uri=uri)


def test_each_document_replaces_the_file(file_spooler: MakeSpooler, tmp_path: Path) -> None:
    target = tmp_path / "printer.out"
    spooler = file_spooler(target.as_uri())
    try:
        big = os.urandom(INLINE_BYTES * 3)  # a spool file, the first document a database row
        job = submit(spooler, b"first document", big)
        assert spooler.process_pending() == 1
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        assert target.read_bytes() == big
        submit(spooler, b"short")
        spooler.process_pending()
        assert target.read_bytes() == b"short"
        assert target.stat().st_mode & 0o777 == 0o600
    finally:
        spooler.close()


def test_dev_null_takes_every_job(file_spooler: MakeSpooler) -> None:
    spooler = file_spooler("file:///dev/null")
    try:
        jobs = [submit(spooler, os.urandom(n)) for n in (0, 10_240, INLINE_BYTES + 1)]
        assert spooler.process_pending() == 3
        assert [spooler.get_job(None, job.job_id).state for job in jobs] == [JOB_COMPLETED] * 3
    finally:
        spooler.close()


def test_a_device_is_written_as_it_is(file_spooler: MakeSpooler, tmp_path: Path) -> None:
    """A FIFO stands for a printer's device node: opened for writing, never replaced by a file."""
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def printer() -> None:
        with open(fifo, "rb") as device:
            received.append(device.read())

    reader = threading.Thread(target=printer)
    reader.start()
    spooler = file_spooler(fifo.as_uri())
    try:
        job = submit(spooler, b"%!PS raw bytes for the device")
        spooler.process_pending()
        reader.join(timeout=20)
        assert received == [b"%!PS raw bytes for the device"]
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        assert fifo.is_fifo()
    finally:
        spooler.close()


def test_an_absent_device_is_retried_then_aborted_and_reported(file_spooler: MakeSpooler,
                                                               tmp_path: Path) -> None:
    target = tmp_path / "unplugged" / "lp0"
    spooler = file_spooler(target.as_uri(), attempts=2)
    try:
        job = submit(spooler, b"data")
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert ended.state == JOB_ABORTED
        assert "cannot open" in ended.state_message and "after 2 attempts" in ended.state_message
        assert "offline-report" in _reasons(spooler)
        target.parent.mkdir()
        spooler.restart_job(None, job.job_id)
        spooler.process_pending()
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        assert target.read_bytes() == b"data"
        assert "offline-report" not in _reasons(spooler), "the device works again"
    finally:
        spooler.close()


def _reasons(spooler: EmbeddedSpooler) -> list[str]:
    status = {a.name: a for a in spooler.printer_status("print")}
    return list(status["printer-state-reasons"].values)


def test_a_large_document_is_copied_where_sendfile_cannot_write(file_spooler: MakeSpooler, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sendfile(out: int, src: int, offset: int, count: int) -> int:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))

    monkeypatch.setattr(outputs_file.os, "sendfile", no_sendfile)
    target = tmp_path / "printer.out"
    spooler = file_spooler(target.as_uri())
    try:
        data = os.urandom(3 * INLINE_BYTES + 5)
        job = submit(spooler, data)
        spooler.process_pending()
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        assert target.read_bytes() == data
    finally:
        spooler.close()
