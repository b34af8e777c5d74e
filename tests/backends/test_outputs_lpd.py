"""The ``lpd`` output (RFC 1179 receive-job) against a small recording LPD server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from recording_listener import Handler, Listener, free_port
from spooler_helpers import Kept, MakeSpooler, make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED
from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler
from ipp_wsgi.backends.embedded.delivery import Delivery
from ipp_wsgi.backends.embedded.outputs_lpd import control_file, lpd_field
from ipp_wsgi.backends.embedded.printer import RetryPolicy

DOCUMENT = b"\x00\x01\n\x02" + bytes(range(256)) * 2000 + b"\n\x00"


@dataclass
class LpdJob:
    """What one receive-job brought: the queue, and each file's subcommand line and content."""

    queue: bytes
    files: list[tuple[bytes, bytes]]


def read_line(conn: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        octet = conn.recv(1)
        if not octet:
            return line
        line += octet
    return line


def read_exact(conn: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        assert chunk, "the client closed in the middle of a file"
        data += chunk
    return data


def lpd_server(answer: bytes = b"\0") -> Handler:
    """An RFC 1179 receive-job handler that answers ``answer`` to the receive-job command."""

    def handler(conn: socket.socket, listener: Listener) -> None:
        command = read_line(conn)
        assert command[:1] == b"\x02", command
        conn.sendall(answer)
        if answer != b"\0":
            return
        job = LpdJob(command[1:-1], [])
        while line := read_line(conn):
            count = int(line[1:].split(b" ")[0])
            conn.sendall(b"\0")
            content = read_exact(conn, count + 1)
            assert content[-1:] == b"\0"
            job.files.append((line, content[:-1]))
            conn.sendall(b"\0")
        listener.records.append(job)

    return handler


@pytest.fixture
def server() -> Iterator[Listener]:
    with Listener(lpd_server()) as peer:
        yield peer


@pytest.fixture
def lpd_spooler(make_spooler: MakeSpooler) -> MakeSpooler:
    def make(port: int, queue: str = "raw", attempts: int = 2) -> EmbeddedSpooler:
        printer = make_printer("print", output="lpd", device_uri=f"lpd://127.0.0.1:{port}/{queue}",
                               retry=RetryPolicy(attempts=attempts, delay=0.0))
        return make_spooler([printer], start=False)

    return make


def test_receive_job_sends_control_then_data_file_byte_exact(lpd_spooler: MakeSpooler,
                                                             server: Listener) -> None:
    spooler = lpd_spooler(server.port, queue="lp%20one")
    try:
        job = submit(spooler, DOCUMENT, owner="bob smith")
        spooler.process_pending()
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        wait_until(lambda: len(server.records) == 1)
        received = server.records[0]
        assert isinstance(received, LpdJob)
        assert received.queue == b"lp_one"
        (control_line, control), (data_line, data) = received.files
        number = f"{job.job_id % 1000:03d}"
        host = lpd_field(socket.gethostname(), 31)
        assert control_line == f"\x02{len(control)} cfA{number}{host}\n".encode()
        assert data_line == f"\x03{len(DOCUMENT)} dfA{number}{host}\n".encode()
        assert data == DOCUMENT
        lines = control.decode("ascii").splitlines()
        assert lines == [f"H{host}", "Pbob_smith", "Ja_job", f"ldfA{number}{host}", f"UdfA{number}{host}",
                         "Na_job"]
    finally:
        spooler.close()


def test_each_document_is_its_own_lpd_job(lpd_spooler: MakeSpooler, server: Listener) -> None:
    spooler = lpd_spooler(server.port)
    try:
        submit(spooler, b"one", b"two")
        spooler.process_pending()
        wait_until(lambda: len(server.records) == 2)
        assert [job.files[1][1] for job in server.records] == [b"one", b"two"]  # type: ignore[attr-defined]
    finally:
        spooler.close()


def test_queue_that_refuses_the_job_is_retried_then_aborted(lpd_spooler: MakeSpooler, kept: Kept) -> None:
    with Listener(lpd_server(answer=b"\x01")) as peer:
        spooler = lpd_spooler(peer.port, attempts=3)
        try:
            job = submit(spooler, DOCUMENT)
            spooler.process_pending()
            ended = spooler.get_job(None, job.job_id)
            assert ended.state == JOB_ABORTED
            assert "refused the receive job: it answered 1" in ended.state_message
            assert peer.connections == 3
            assert kept()[f"{job.job_id}-1"] == DOCUMENT
        finally:
            spooler.close()


def test_unreachable_lpd_server_aborts_after_the_configured_attempts(lpd_spooler: MakeSpooler) -> None:
    spooler = lpd_spooler(free_port(), attempts=1)
    try:
        job = submit(spooler, b"x")
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert ended.state == JOB_ABORTED and "after 1 attempt)" in ended.state_message
    finally:
        spooler.close()


def test_control_file_fields_are_ascii_and_bounded(tmp_path: Path) -> None:
    item = Delivery(1234, 1, "application/pdf", tmp_path / "x", owner="zoë\nX" + "u" * 40,
                    job_name="Rapport d'été\n", document_name="")
    lines = control_file(item, "host", "dfA234host").splitlines()
    assert lines[1] == "P" + ("zoe_X" + "u" * 40)[:31]
    assert lines[2] == "JRapport_d'ete_" and lines[5] == "NRapport_d'ete_"


def test_lpd_device_uri_must_name_a_queue() -> None:
    with pytest.raises(ValueError, match="queue"):
        EmbeddedPrinter("p", output="lpd", device_uri="lpd://127.0.0.1")
