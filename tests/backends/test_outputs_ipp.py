"""The ``ipp`` output: to ipp-wsgi itself served on loopback (fast), and to ippeveprinter (integration)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Ippeveprinter
from recording_listener import free_port
from spooler_helpers import Kept, MakeSpooler, make_printer, submit, wait_until
from werkzeug.serving import make_server

from ipp_wsgi.app import IppApplication
from ipp_wsgi.backends.base import JOB_ABORTED, JOB_CANCELED, JOB_COMPLETED, JOB_PROCESSING
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.outputs_ipp import IppDevice
from ipp_wsgi.backends.embedded.printer import RetryPolicy
from ipp_wsgi.codec import Message, operations
from ipp_wsgi.config import Config, load_config
from ipp_wsgi.ops.policy import Location, Policy

DOCUMENT = b"%PDF-1.4\n" + bytes(range(256)) * 1024 + b"\n%%EOF\n"


class Downstream:
    """An ipp-wsgi server (werkzeug's threaded server, which takes chunked requests) on 127.0.0.1."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.application = IppApplication(config)
        self.server = make_server("127.0.0.1", 0, self.application, threaded=True)
        self.uri = f"ipp://127.0.0.1:{self.server.server_port}/ipp/print"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def spooler(self) -> EmbeddedSpooler:
        backend = self.application.service.printers[0].backend
        assert isinstance(backend, EmbeddedSpooler)
        return backend

    def output(self) -> list[Path]:
        folder = self.config.spool_dir / "output" / "print"
        return sorted(folder.iterdir()) if folder.exists() else []

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.application.close()


DownstreamFactory = Callable[..., Downstream]


@pytest.fixture
def downstream_factory(tmp_path: Path) -> Iterator[DownstreamFactory]:
    started: list[Downstream] = []

    def start(**changes: object) -> Downstream:
        config = dataclasses.replace(load_config(spool_dir=tmp_path / "downstream"), **changes)
        started.append(Downstream(config))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The operation-ids the ipp output sends, in order."""
    operations_sent: list[int] = []
    original = IppDevice.request

    def recording(self: IppDevice, operation: int, *args: Any, **kwargs: Any) -> Message:
        operations_sent.append(operation)
        return original(self, operation, *args, **kwargs)

    monkeypatch.setattr(IppDevice, "request", recording)
    return operations_sent


@pytest.fixture
def ipp_spooler(make_spooler: MakeSpooler) -> MakeSpooler:
    def make(uri: str, attempts: int = 2, start: bool = False) -> EmbeddedSpooler:
        printer = make_printer("print", output="ipp", device_uri=uri, device_timeout=10.0,
                               retry=RetryPolicy(attempts=attempts, delay=0.0))
        return make_spooler([printer], start=start)

    return make


def test_create_job_and_send_document_then_follow_to_completion(ipp_spooler: MakeSpooler,
                                                                downstream_factory: DownstreamFactory,
                                                                sent: list[int]) -> None:
    downstream = downstream_factory()
    spooler = ipp_spooler(downstream.uri)
    try:
        job = submit(spooler, DOCUMENT, owner="alice")
        spooler.process_pending()
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        (remote,) = downstream.spooler.jobs(None, "all")
        assert (remote.state, remote.owner, remote.documents) == (JOB_COMPLETED, "alice", 1)
        assert [path.read_bytes() for path in downstream.output()] == [DOCUMENT]
        assert sent[:3] == [operations.GET_PRINTER_ATTRIBUTES, operations.CREATE_JOB,
                            operations.SEND_DOCUMENT]
        assert set(sent[3:]) == {operations.GET_JOB_ATTRIBUTES}
    finally:
        spooler.close()


def test_print_job_when_the_printer_lacks_create_job(ipp_spooler: MakeSpooler,
                                                     downstream_factory: DownstreamFactory,
                                                     sent: list[int]) -> None:
    enabled = frozenset({operations.PRINT_JOB, operations.GET_PRINTER_ATTRIBUTES,
                         operations.GET_JOB_ATTRIBUTES, operations.CANCEL_JOB})
    downstream = downstream_factory(policy=Policy((Location("/", enabled),), frozenset()))
    spooler = ipp_spooler(downstream.uri)
    try:
        job = submit(spooler, DOCUMENT)
        spooler.process_pending()
        assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
        assert [path.read_bytes() for path in downstream.output()] == [DOCUMENT]
        assert sent[:2] == [operations.GET_PRINTER_ATTRIBUTES, operations.PRINT_JOB]
        assert operations.CREATE_JOB not in sent
    finally:
        spooler.close()


def test_a_job_the_printer_aborts_is_aborted_here_without_retry(
        ipp_spooler: MakeSpooler, downstream_factory: DownstreamFactory) -> None:
    failing = dataclasses.replace(load_config().printers[0], output="command", command=("false",))
    downstream = downstream_factory(printers=(failing,))
    spooler = ipp_spooler(downstream.uri, attempts=3)
    try:
        job = submit(spooler, DOCUMENT)
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert ended.state == JOB_ABORTED and "the printer aborted its job" in ended.state_message
        assert len(downstream.spooler.jobs(None, "all")) == 1
    finally:
        spooler.close()


def test_cancelling_our_job_cancels_the_printers_job(ipp_spooler: MakeSpooler,
                                                     downstream_factory: DownstreamFactory) -> None:
    downstream = downstream_factory()
    downstream.spooler.pause_printer("print")
    spooler = ipp_spooler(downstream.uri, start=True)
    try:
        job = submit(spooler, DOCUMENT, owner="alice")
        wait_until(lambda: "Printer job" in spooler.get_job(None, job.job_id).state_message)
        assert spooler.get_job(None, job.job_id).state == JOB_PROCESSING
        spooler.cancel_job(None, job.job_id)
        wait_until(lambda: downstream.spooler.jobs(None, "all")[0].state == JOB_CANCELED)
    finally:
        spooler.close()


def test_unreachable_printer_is_retried_then_aborted(ipp_spooler: MakeSpooler, kept: Kept) -> None:
    spooler = ipp_spooler(f"ipp://127.0.0.1:{free_port()}/ipp/print", attempts=2)
    try:
        job = submit(spooler, DOCUMENT)
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert ended.state == JOB_ABORTED and "after 2 attempts" in ended.state_message
        assert kept()[f"{job.job_id}-1"] == DOCUMENT
    finally:
        spooler.close()


@pytest.mark.integration
def test_document_arrives_in_ippeveprinters_spool(ipp_spooler: MakeSpooler,
                                                  ippeveprinter: Ippeveprinter) -> None:
    spooler = ipp_spooler(ippeveprinter.uri)
    try:
        job = submit(spooler, DOCUMENT, owner="alice")
        spooler.process_pending()
        ended = spooler.get_job(None, job.job_id)
        assert ended.state == JOB_COMPLETED, ended.state_message
        kept = [path.read_bytes() for path in ippeveprinter.spool_dir.rglob("*") if path.is_file()]
        assert DOCUMENT in kept
    finally:
        spooler.close()
