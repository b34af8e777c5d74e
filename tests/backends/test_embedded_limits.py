"""Resource limits of the embedded spooler (job_limits.py): active jobs in all and per user, spool space;
and a full spool disk answered as a temporary error."""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest
from spooler_helpers import MakeSpooler, submit, temporary_files

from ipp_wsgi.backends.base import BackendError, Document, JobRequest
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.job_limits import SPOOL_AREA_FULL, JobLimits
from ipp_wsgi.backends.embedded.store import DocumentWriteError, ReceivedDocument
from ipp_wsgi.codec import status


@pytest.fixture
def limited(make_spooler: MakeSpooler) -> MakeSpooler:
    """``limited(**limits)``: a spooler without threads with those :class:`JobLimits`."""
    return lambda **limits: make_spooler(start=False, limits=JobLimits(**limits))


def refused(spooler: EmbeddedSpooler, owner: str, data: bytes = b"x") -> int:
    with pytest.raises(BackendError) as excinfo:
        spooler.submit_job("print", JobRequest(owner, "j"), io.BytesIO(data), Document())
    return excinfo.value.status


def test_jobs_per_user_and_in_all(limited: MakeSpooler) -> None:
    spooler = limited(max_jobs=3, max_jobs_per_user=2)
    try:
        submit(spooler, b"a", owner="alice")
        submit(spooler, b"b", owner="alice")
        assert refused(spooler, "alice") == status.CLIENT_ERROR_NOT_POSSIBLE
        submit(spooler, b"c", owner="bob")
        assert refused(spooler, "carol") == status.SERVER_ERROR_TOO_MANY_JOBS
        assert spooler.process_pending() == 3  # ended jobs no longer count
        submit(spooler, b"d", owner="alice")
    finally:
        spooler.close()


def test_spool_size_limit_is_a_temporary_error_and_a_printer_reason(limited: MakeSpooler,
                                                                    spool_dir: Path) -> None:
    spooler = limited(max_spool_bytes=1000)
    try:
        submit(spooler, b"x" * 600)
        assert refused(spooler, "bob", b"y" * 600) == status.SERVER_ERROR_TEMPORARY_ERROR
        assert temporary_files(spool_dir) == []
        assert SPOOL_AREA_FULL not in spooler.printer_attributes("print")["printer-state-reasons"].values
        submit(spooler, b"z" * 400)  # exactly full
        assert SPOOL_AREA_FULL in spooler.printer_attributes("print")["printer-state-reasons"].values
        assert refused(spooler, "bob") == status.SERVER_ERROR_TEMPORARY_ERROR
    finally:
        spooler.close()


@pytest.mark.parametrize(("code", "expected"), [(errno.ENOSPC, status.SERVER_ERROR_TEMPORARY_ERROR),
                                                (errno.EDQUOT, status.SERVER_ERROR_TEMPORARY_ERROR),
                                                (errno.EIO, status.SERVER_ERROR_INTERNAL_ERROR)])
def test_a_failed_spool_write_names_no_path(spooler: EmbeddedSpooler, spool_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch, code: int,
                                            expected: int) -> None:
    monkeypatch.setattr(spooler.store, "receive", lambda data, before=None: _write_error(code, spool_dir))
    with pytest.raises(BackendError) as excinfo:
        spooler.submit_job("print", JobRequest("alice", "j"), io.BytesIO(b"x"), Document())
    assert excinfo.value.status == expected
    assert str(spool_dir) not in excinfo.value.message
    assert spooler.jobs("print", "all") == []


def _write_error(code: int, spool_dir: Path) -> ReceivedDocument:
    raise DocumentWriteError(code, f"cannot write to the spool: {spool_dir}")


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_jobs must be positive"):
        JobLimits(max_jobs=0)
