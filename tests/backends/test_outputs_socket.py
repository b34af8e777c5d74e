"""The ``socket`` (AppSocket/JetDirect) output against real loopback peers: byte-exact delivery, and a
refusing, a hanging and a resetting printer: retried, then aborted, with nothing lost."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.spool import job_states
from recording_listener import (
    Listener,
    first_then,
    free_port,
    hang,
    record,
    record_and_stay,
    reset_after,
)
from spooler_helpers import Kept, MakeSpooler, make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_CANCELED, JOB_COMPLETED
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.delivery import Delivery, Progress
from ipp_wsgi.backends.embedded.outputs_socket import to_socket
from ipp_wsgi.backends.embedded.printer import RetryPolicy

DOCUMENT = bytes(range(256)) * 4096 + b"\r\n\x1b%-12345X\x00end"  # 1 MiB and some, every octet value


@pytest.fixture
def socket_spooler(make_spooler: MakeSpooler) -> MakeSpooler:
    """``socket_spooler(port, attempts=3, timeout=5.0, delay=0.0, start=False)``: a spooler whose printer
    ``print`` is the AppSocket printer at 127.0.0.1:``port``."""

    def make(port: int, attempts: int = 3, timeout: float = 5.0, delay: float = 0.0,
             start: bool = False) -> EmbeddedSpooler:
        printer = make_printer("print", output="socket", device_uri=f"socket://127.0.0.1:{port}",
                               device_timeout=timeout, retry=RetryPolicy(attempts=attempts, delay=delay))
        return make_spooler([printer], start=start)

    return make


def device_of(spooler: EmbeddedSpooler) -> tuple[list[str], str]:
    with spooler.store.read() as tx:
        return tx.device_status("print")


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener(record) as peer:
        yield peer


def test_documents_arrive_byte_exact_one_connection_each(socket_spooler: MakeSpooler,
                                                         listener: Listener) -> None:
    spooler = socket_spooler(listener.port)
    try:
        job = submit(spooler, DOCUMENT, b"second document")
        assert spooler.process_pending() == 1
        ended = spooler.get_job(None, job.job_id)
        assert (ended.state, ended.state_reasons) == (JOB_COMPLETED, ["job-completed-successfully"])
        wait_until(lambda: len(listener.received) == 2)
        assert listener.received == [DOCUMENT, b"second document"]
        assert device_of(spooler) == ([], "")
    finally:
        spooler.close()


def test_a_printer_that_keeps_the_connection_open_still_completes(socket_spooler: MakeSpooler) -> None:
    with Listener(record_and_stay) as peer:
        spooler = socket_spooler(peer.port, attempts=1, timeout=0.3)
        try:
            job = submit(spooler, b"%!PS\nshowpage\n")
            spooler.process_pending()
            assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
            assert peer.received == [b"%!PS\nshowpage\n"]
        finally:
            spooler.close()


def test_refused_connection_is_retried_then_aborted_and_restart_prints_it(socket_spooler: MakeSpooler,
                                                                          kept: Kept) -> None:
    port = free_port()
    spooler = socket_spooler(port, attempts=3)
    try:
        job = submit(spooler, DOCUMENT)
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert (ended.state, ended.state_reasons) == (JOB_ABORTED, ["aborted-by-system"])
        assert "cannot connect" in ended.state_message and "after 3 attempts" in ended.state_message
        reasons, message = device_of(spooler)
        assert reasons == ["offline-report"] and "cannot connect" in message
        assert kept()[f"{job.job_id}-1"] == DOCUMENT

        with Listener(record, port=port) as printer_back:
            spooler.restart_job(None, job.job_id)
            spooler.process_pending()
            assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
            wait_until(lambda: len(printer_back.received) == 1)
            assert printer_back.received == [DOCUMENT]
        assert device_of(spooler) == ([], "")
    finally:
        spooler.close()


def test_hanging_printer_times_out_each_attempt_then_aborts(socket_spooler: MakeSpooler, kept: Kept) -> None:
    # More than the sender's and receiver's socket buffers can hold, so the send itself blocks.
    wmem = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    document = os.urandom(2 * wmem + (1 << 20))
    with Listener(hang, receive_buffer=4096) as peer:
        spooler = socket_spooler(peer.port, attempts=2, timeout=0.3)
        try:
            job = submit(spooler, document)
            spooler.process_pending()
            ended = spooler.get_job(None, job.job_id)
            assert ended.state == JOB_ABORTED
            assert "timed out" in ended.state_message and "after 2 attempts" in ended.state_message
            assert peer.connections == 2
            assert kept()[f"{job.job_id}-1"] == document
        finally:
            spooler.close()


def test_reset_mid_job_is_retried_and_the_retry_delivers_everything(socket_spooler: MakeSpooler) -> None:
    with Listener(first_then(reset_after(10_000), 1, record)) as peer:
        spooler = socket_spooler(peer.port, attempts=3)
        try:
            job = submit(spooler, DOCUMENT)
            spooler.process_pending()
            assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
            assert peer.connections == 2
            wait_until(lambda: len(peer.received) == 1)
            assert peer.received == [DOCUMENT]
        finally:
            spooler.close()


def test_printer_that_always_resets_aborts_the_job_and_keeps_it(socket_spooler: MakeSpooler,
                                                                kept: Kept) -> None:
    with Listener(reset_after(10_000)) as peer:
        spooler = socket_spooler(peer.port, attempts=2)
        try:
            job = submit(spooler, DOCUMENT)
            spooler.process_pending()
            ended = spooler.get_job(None, job.job_id)
            assert ended.state == JOB_ABORTED and "after 2 attempts" in ended.state_message
            assert peer.connections == 2 and peer.received == []
            assert kept()[f"{job.job_id}-1"] == DOCUMENT
        finally:
            spooler.close()


def test_cancel_during_back_off_ends_the_job_at_once(socket_spooler: MakeSpooler, store_url: str,
                                                     spool_dir: Path) -> None:
    spooler = socket_spooler(free_port(), attempts=5, delay=3600.0, start=True)
    try:
        job = submit(spooler, b"data")
        wait_until(lambda: "trying again" in spooler.get_job(None, job.job_id).state_message)
        assert device_of(spooler)[0] == ["offline-report"]
        spooler.cancel_job(None, job.job_id)
    finally:
        spooler.close()  # returns only once the worker left its hour-long back-off
    assert job_states(spool_dir, store_url)[job.job_id] == JOB_CANCELED


def test_device_reports_connecting_then_sending(listener: Listener, tmp_path: Path) -> None:
    source = tmp_path / "doc"
    source.write_bytes(b"abc")
    reports: list[tuple[list[str], str]] = []
    printer = make_printer("print", output="socket", device_uri=f"socket://127.0.0.1:{listener.port}")
    progress = Progress(lambda: False, lambda reasons, message: reports.append((list(reasons), message)))
    to_socket(printer, Delivery(1, 1, "application/octet-stream", source), progress)
    where = f"127.0.0.1:{listener.port}"
    assert reports == [(["connecting-to-device"], f"Connecting to {where}."), ([], f"Sending to {where}.")]
    wait_until(lambda: listener.received == [b"abc"])
