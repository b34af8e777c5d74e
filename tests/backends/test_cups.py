"""The ``cups`` backend without a cupsd: server names, answer conversion, and how failures map to statuses.

Its behaviour against a real CUPS is in ``tests/integration/test_cups_backend.py``.
"""

from __future__ import annotations

import http.server
import io
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ipp_wsgi.backends import BackendError, JobRequest
from ipp_wsgi.backends.cups import CupsBackend, CupsServer
from ipp_wsgi.backends.cups.convert import job_from_group, printer_group, queue_name
from ipp_wsgi.codec import (
    NO_VALUE,
    AttributeGroup,
    Message,
    NameWithLanguage,
    encode,
    operations,
    status,
    tags,
)


def _refusing_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(("server", "host", "port", "uri_host"), [
    ("localhost", "localhost", 631, "localhost"),
    ("127.0.0.1:8631", "127.0.0.1", 8631, "127.0.0.1"),
    ("[::1]:632", "::1", 632, "[::1]"),
])
def test_tcp_server_names(server: str, host: str, port: int, uri_host: str) -> None:
    parsed = CupsServer.parse(server)
    assert (parsed.host, parsed.port, parsed.socket_path, parsed.uri_host) == (host, port, None, uri_host)


def test_a_path_names_a_unix_socket() -> None:
    parsed = CupsServer.parse("/run/cups/cups.sock", tls=True)
    assert (parsed.socket_path, parsed.uri_host, parsed.tls) == ("/run/cups/cups.sock", "localhost", False)


@pytest.mark.parametrize("server", ["", "::1", "host:port", "host/path", "user@host:631"])
def test_bad_server_names_are_refused(server: str) -> None:
    with pytest.raises(ValueError, match="bad CUPS server"):
        CupsBackend(server)


def test_queue_name_is_the_last_path_segment() -> None:
    assert queue_name("ipp://localhost:631/printers/front-desk") == "front-desk"
    assert queue_name("ipp://localhost/classes/all%2Bmore/") == "all+more"


def _cups_job_group() -> AttributeGroup:
    group = AttributeGroup()
    group.add("job-id", 7, tags.INTEGER)
    group.add("job-uri", "ipp://localhost:631/jobs/7", tags.URI)
    group.add("job-printer-uri", "ipp://localhost:631/printers/q1", tags.URI)
    group.add("job-more-info", "http://localhost:631/jobs/7", tags.URI)
    group.add("job-uuid", "urn:uuid:00000000-0000-0000-0000-000000000007", tags.URI)
    group.add("job-name", NameWithLanguage("Bericht", "de"), tags.NAME_WITH_LANGUAGE)
    group.add("job-originating-user-name", "alice", tags.NAME_WITHOUT_LANGUAGE)
    group.add("job-state", 5, tags.ENUM)
    group.add("job-state-reasons", ["none"], tags.KEYWORD)
    group.add("time-at-creation", 1700000000, tags.INTEGER)
    group.add("time-at-processing", 1700000005, tags.INTEGER)
    group.add("time-at-completed", NO_VALUE, tags.NO_VALUE)
    group.add("date-time-at-creation", datetime(2023, 11, 14, tzinfo=UTC), tags.DATE_TIME)
    group.add("job-k-octets", 12, tags.INTEGER)
    group.add("number-of-documents", 1, tags.INTEGER)
    group.add("job-impressions", NO_VALUE, tags.NO_VALUE)
    group.add("job-impressions-completed", 4, tags.INTEGER)
    group.add("copies", 3, tags.INTEGER)
    return group


def test_job_from_cups_group() -> None:
    job = job_from_group(_cups_job_group())
    assert (job.job_id, job.printer, job.owner, job.name, job.state) == (7, "q1", "alice", "Bericht", 5)
    assert job.state_reasons == []
    assert (job.created, job.processing, job.completed) == (1700000000.0, 1700000005.0, None)
    assert (job.k_octets, job.documents, job.origin_host, job.state_message) == (12, 1, "", "")
    assert job.uuid == "urn:uuid:00000000-0000-0000-0000-000000000007"  # CUPS's own, passed through
    assert (job.impressions, job.impressions_completed) == (None, 4)
    assert job.attributes.names() == ["copies"]


def test_printer_group_hides_cups_internals() -> None:
    cups = AttributeGroup()
    cups.add("printer-name", "q1", tags.NAME_WITHOUT_LANGUAGE)
    cups.add("printer-uri-supported", ["ipp://localhost/printers/q1"], tags.URI)
    cups.add("uri-security-supported", ["none"], tags.KEYWORD)
    cups.add("device-uri", "socket://10.0.0.9", tags.URI)
    cups.add("printer-op-policy", "default", tags.NAME_WITHOUT_LANGUAGE)
    cups.add("printer-geo-location", "geo:1,2", tags.URI)
    cups.add("printer-uuid", "urn:uuid:00000000-0000-0000-0000-000000000001", tags.URI)
    cups.add("printer-state", 3, tags.ENUM)
    cleaned = printer_group(cups)
    assert cleaned.names() == ["printer-name", "printer-uuid", "printer-state"]
    assert "device-uri" in cups  # a new group: CUPS's answer is left as it was


def test_unreachable_cups_is_service_unavailable() -> None:
    backend = CupsBackend(f"127.0.0.1:{_refusing_port()}", timeout=5)
    with pytest.raises(BackendError) as caught:
        backend.printer_attributes("q1")
    assert caught.value.status == status.SERVER_ERROR_SERVICE_UNAVAILABLE


def test_missing_unix_socket_is_service_unavailable(tmp_path: Path) -> None:
    backend = CupsBackend(f"{tmp_path}/no-such.sock")
    with pytest.raises(BackendError) as caught:
        backend.pause_printer("q1")
    assert caught.value.status == status.SERVER_ERROR_SERVICE_UNAVAILABLE


def test_unserved_printers_are_not_found_without_asking_cups() -> None:
    backend = CupsBackend(f"127.0.0.1:{_refusing_port()}", printers=["q1"])
    assert backend.printers() == ["q1"]
    for call in (lambda: backend.printer_attributes("q2"), lambda: backend.pause_printer("q2"),
                 lambda: backend.create_job("q2", JobRequest("alice", "x")), lambda: backend.jobs("q2")):
        with pytest.raises(BackendError) as caught:
            call()
        assert caught.value.status == status.CLIENT_ERROR_NOT_FOUND
    assert backend.jobs(None, "fetchable") == []  # CUPS keeps no fetchable jobs: nothing to ask


def test_supports_what_cups_can_do() -> None:
    backend = CupsBackend()
    assert all(backend.supports(m) for m in ("create_job", "add_document", "move_job", "pause_printer",
                                             "enable_printer", "restart_job", "set_job_attributes"))
    assert not any(backend.supports(m) for m in ("create_subscription", "set_printer_attributes",
                                                 "identify_printer"))


class _Stub(http.server.ThreadingHTTPServer):
    """An HTTP server on a free loopback port that answers every POST with ``status`` and ``body``,
    recording each request's headers and the body octets it read."""

    def __init__(self, status_code: int, body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _StubHandler)
        self.status_code, self.body = status_code, body
        self.requests: list[tuple[dict[str, str], bytes]] = []

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class _StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        stub = self.server
        assert isinstance(stub, _Stub)
        stub.requests.append((dict(self.headers), self._chunked_body()))
        self.send_response(stub.status_code)
        self.send_header("Content-Type", "application/ipp")
        self.send_header("Content-Length", str(len(stub.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(stub.body)

    def _chunked_body(self) -> bytes:
        body = b""
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()
        return body

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


StubFactory = Callable[[int, bytes], _Stub]


@pytest.fixture
def stub_factory() -> Iterator[StubFactory]:
    started: list[_Stub] = []

    def start(status_code: int, body: bytes) -> _Stub:
        stub = _Stub(status_code, body)
        threading.Thread(target=stub.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(stub)
        return stub

    yield start
    for stub in started:
        stub.shutdown()
        stub.server_close()


def _answer(code: int, message: str = "") -> bytes:
    answer = Message(code, 1)
    answer.operation.add("attributes-charset", "utf-8", tags.CHARSET)
    answer.operation.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    if message:
        answer.operation.add("status-message", message, tags.TEXT_WITHOUT_LANGUAGE)
    return encode(answer)


NOT_POSSIBLE = _answer(status.CLIENT_ERROR_NOT_POSSIBLE, "Job #3 is already canceled.")


@pytest.mark.parametrize(("http_status", "body", "expected", "message"), [
    (401, b"", status.CLIENT_ERROR_NOT_AUTHENTICATED, "HTTP 401"),
    (403, b"", status.CLIENT_ERROR_FORBIDDEN, "HTTP 403"),
    (500, b"", status.SERVER_ERROR_SERVICE_UNAVAILABLE, "HTTP 500"),
    (200, b"not IPP at all", status.SERVER_ERROR_INTERNAL_ERROR, "bad IPP answer"),
    (200, NOT_POSSIBLE, status.CLIENT_ERROR_NOT_POSSIBLE, "Job #3 is already canceled."),
])
def test_cups_refusals_map_to_statuses(stub_factory: StubFactory, http_status: int, body: bytes,
                                       expected: int, message: str) -> None:
    stub = stub_factory(http_status, body)
    with pytest.raises(BackendError) as caught:
        CupsBackend(stub.server).resume_printer("q1")
    assert caught.value.status == expected
    assert message in caught.value.message


def test_document_follows_the_request_chunked_and_credentials_stay_off(stub_factory: StubFactory) -> None:
    stub = stub_factory(200, _answer(status.SUCCESSFUL_OK))
    backend = CupsBackend(stub.server, user="admin", password="secret")
    target = ("printer-uri", "ipp://localhost/printers/q1")
    request = backend.client.new_request(operations.PRINT_JOB, target, "alice")
    data = bytes(range(256)) * 1000
    backend.client.send("/printers/q1", request, io.BytesIO(data), authenticate=False)
    backend.resume_printer("q1")
    (submit_headers, submit_body), (admin_headers, _) = stub.requests
    assert submit_headers["Transfer-Encoding"] == "chunked" and "Authorization" not in submit_headers
    assert submit_body == encode(request) + data
    assert admin_headers["Authorization"] == "Basic YWRtaW46c2VjcmV0"
