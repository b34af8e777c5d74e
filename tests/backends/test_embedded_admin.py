"""RFC 3998 / PWG 5100.5 administration in the embedded spooler, with real printing threads: suspending,
shutting down and restarting stop the output of a job being printed; a canceled document is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spooler_helpers import MakeSpooler, make_printer, submit, wait_until

from ipp_wsgi.backends.base import (
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
    PRINTER_IDLE,
    PRINTER_STOPPED,
    BackendError,
    SubscriptionRequest,
)
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.processes import pid_alive
from ipp_wsgi.codec import status

# Records each document's start (and its pid), waits while "<dir>/block<document-number>" exists, then
# records its end.
_SCRIPT = ('echo $$ > "$0/pid"; echo "$IPP_JOB_ID-$IPP_DOCUMENT_NUMBER" >> "$0/started"; cat > /dev/null;'
           ' while [ -e "$0/block$IPP_DOCUMENT_NUMBER" ]; do sleep 0.05; done;'
           ' echo "$IPP_JOB_ID-$IPP_DOCUMENT_NUMBER" >> "$0/printed"')


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "device"
    path.mkdir()
    return path


@pytest.fixture
def running(make_spooler: MakeSpooler, spool_dir: Path, work: Path) -> Iterator[EmbeddedSpooler]:
    """One printing thread; the printer's command blocks on ``work/blockN`` for document N."""
    printer = make_printer("print", output="command", command=("sh", "-c", _SCRIPT, str(work)))
    backend = make_spooler([printer])
    yield backend
    backend.close()


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _printing(spooler: EmbeddedSpooler, work: Path, document: str) -> None:
    """Wait until ``document`` (``job-number``) is being delivered."""
    wait_until(lambda: document in _lines(work / "started"))
    job_id = int(document.split("-")[0])
    assert spooler.get_job(None, job_id).state == JOB_PROCESSING


def _output_stopped(work: Path) -> None:
    """Wait until the command delivering the document was killed."""
    pid = int((work / "pid").read_text())
    wait_until(lambda: not pid_alive(pid))


def _subscribe(spooler: EmbeddedSpooler, *events: str, job_id: int | None = None) -> int:
    request = SubscriptionRequest("root", list(events), job_id)
    return spooler.create_subscription("print", request).subscription_id


def _events(spooler: EmbeddedSpooler, subscription_id: int) -> list[str]:
    return [e.event for e in spooler.events("print", subscription_id)]


def test_suspend_stops_the_output_and_resume_prints_the_job_again(running: EmbeddedSpooler,
                                                                  work: Path) -> None:
    (work / "block1").touch()
    job = submit(running, b"x")
    stopped = _subscribe(running, "job-stopped", job_id=job.job_id)
    _printing(running, work, f"{job.job_id}-1")
    suspended = running.suspend_job("print", job.job_id)
    assert (suspended.state, suspended.state_reasons) == (JOB_PROCESSING_STOPPED, ["job-suspended"])
    _output_stopped(work)
    (work / "block1").unlink()
    assert running.printer_attributes("print").value("printer-state") == PRINTER_IDLE
    with pytest.raises(BackendError) as excinfo:
        running.suspend_job("print", job.job_id)
    assert excinfo.value.status == status.CLIENT_ERROR_NOT_POSSIBLE
    assert running.get_job(None, job.job_id).state == JOB_PROCESSING_STOPPED
    assert _lines(work / "printed") == []
    assert _events(running, stopped) == ["job-stopped"]

    assert running.resume_job("print", job.job_id).state == JOB_PENDING
    wait_until(lambda: running.get_job(None, job.job_id).state == JOB_COMPLETED)
    assert _lines(work / "printed") == [f"{job.job_id}-1"]
    with pytest.raises(BackendError) as excinfo:
        running.resume_job("print", job.job_id)
    assert excinfo.value.status == status.CLIENT_ERROR_NOT_POSSIBLE


def test_canceled_document_stops_and_the_next_one_prints(running: EmbeddedSpooler, work: Path) -> None:
    (work / "block1").touch()
    job = submit(running, b"one", b"two")
    _printing(running, work, f"{job.job_id}-1")
    assert running.cancel_document("print", job.job_id, 1).canceled
    _output_stopped(work)
    (work / "block1").unlink()
    wait_until(lambda: running.get_job(None, job.job_id).state == JOB_COMPLETED)
    assert _lines(work / "printed") == [f"{job.job_id}-2"]
    assert [d.canceled for d in running.documents("print", job.job_id)] == [True, False]


def test_shutdown_requeues_the_printing_job_until_startup(running: EmbeddedSpooler, work: Path) -> None:
    (work / "block1").touch()
    watch = _subscribe(running, "printer-shutdown", "printer-state-changed")
    job = submit(running, b"x")
    _printing(running, work, f"{job.job_id}-1")
    running.shutdown_printer("print")
    requeued = running.get_job(None, job.job_id)
    assert (requeued.state, requeued.state_reasons) == (JOB_PENDING, ["job-queued"])
    printer = running.printer_attributes("print")
    assert (printer.value("printer-state"), printer["printer-state-reasons"].values,
            printer.value("printer-is-accepting-jobs")) == (PRINTER_STOPPED, ["shutdown"], False)
    _output_stopped(work)
    (work / "block1").unlink()
    with pytest.raises(BackendError) as excinfo:
        submit(running, b"refused")
    assert excinfo.value.status == status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    with pytest.raises(BackendError) as excinfo:
        running.restart_printer("print")
    assert excinfo.value.status == status.CLIENT_ERROR_NOT_POSSIBLE
    assert running.get_job(None, job.job_id).state == JOB_PENDING  # not printed while shut down

    running.startup_printer("print")
    wait_until(lambda: running.get_job(None, job.job_id).state == JOB_COMPLETED)
    assert _lines(work / "printed") == [f"{job.job_id}-1"]
    assert running.printer_attributes("print").value("printer-is-accepting-jobs") is True
    # printing, shut down (stopped), startup, printing again, done
    assert _events(running, watch) == ["printer-state-changed", "printer-stopped", "printer-shutdown",
                                       *["printer-state-changed"] * 3]


def test_restart_prints_the_interrupted_job_again(running: EmbeddedSpooler, work: Path) -> None:
    (work / "block1").touch()
    job = submit(running, b"x")
    watch = _subscribe(running, "printer-restarted")
    _printing(running, work, f"{job.job_id}-1")
    running.restart_printer("print")
    wait_until(lambda: _lines(work / "started").count(f"{job.job_id}-1") == 2)  # started over
    (work / "block1").unlink()
    wait_until(lambda: running.get_job(None, job.job_id).state == JOB_COMPLETED)
    assert _lines(work / "printed") == [f"{job.job_id}-1"]
    assert _events(running, watch) == ["printer-restarted"]


def test_canceling_every_document_cancels_the_job(spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    job = submit(spooler, b"one", b"two")
    spooler.cancel_document("print", job.job_id, 2)
    with pytest.raises(BackendError) as excinfo:
        spooler.cancel_document("print", job.job_id, 2)
    assert excinfo.value.status == status.CLIENT_ERROR_NOT_POSSIBLE
    with pytest.raises(BackendError) as excinfo:
        spooler.cancel_document("print", job.job_id, 3)
    assert excinfo.value.status == status.CLIENT_ERROR_NOT_FOUND
    assert spooler.get_job(None, job.job_id).state == JOB_PENDING
    spooler.cancel_document("print", job.job_id, 1)
    canceled = spooler.get_job(None, job.job_id)
    assert (canceled.state, canceled.state_reasons) == (JOB_CANCELED, ["job-canceled-by-user"])
    assert spooler.process_pending() == 0
    assert not (spool_dir / "output" / "print").exists()


def _queue(spooler: EmbeddedSpooler) -> list[int]:
    return [job.job_id for job in spooler.jobs("print", "not-completed")]


def test_schedule_job_after_reorders_the_queue(spooler: EmbeddedSpooler) -> None:
    spooler.pause_printer("print")
    a, b, c, d = (submit(spooler, b"x").job_id for _ in range(4))
    watch = _subscribe(spooler, "printer-queue-order-changed")
    spooler.schedule_job_after("print", d, a)
    assert _queue(spooler) == [a, d, b, c]
    spooler.schedule_job_after("print", c, None)
    assert _queue(spooler) == [c, a, d, b]
    spooler.schedule_job_after("print", b, c)
    assert _queue(spooler) == [c, b, a, d]
    spooler.schedule_job_after("print", c, d)
    assert _queue(spooler) == [b, a, d, c]
    assert _events(spooler, watch) == ["printer-queue-order-changed"] * 4
    for job, predecessor in ((a, a), (a, 999)):
        with pytest.raises(BackendError):
            spooler.schedule_job_after("print", job, predecessor)
    spooler.resume_printer("print")
    spooler.process_pending()
    printed = sorted(spooler.jobs("print", "completed"), key=lambda job: job.processing or 0)
    assert [job.job_id for job in printed] == [b, a, d, c]
    with pytest.raises(BackendError) as excinfo:
        spooler.schedule_job_after("print", a, None)  # ended
    assert excinfo.value.status == status.CLIENT_ERROR_NOT_POSSIBLE
