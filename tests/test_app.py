"""IppApplication through webtest, wrapped in werkzeug's LintMiddleware (WSGI compliance checked)."""

from __future__ import annotations

import dataclasses
import io
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from harness.spool import kept_documents
from werkzeug.middleware.lint import LintMiddleware

from ipp_wsgi import app as app_module
from ipp_wsgi.app import IppApplication, request_context
from ipp_wsgi.codec import AttributeGroup, Limits, Message, decode, encode, operations, status, tags
from ipp_wsgi.config import Config, load_config

IPP = "application/ipp"
HOST = "localhost:8631"
PRINTER_URI = f"ipp://{HOST}/ipp/print"


def ipp_request(operation: int, printer_uri: str = PRINTER_URI, request_id: int = 1,
                version: tuple[int, int] = (2, 0), **attributes: Any) -> Message:
    """A request with the charset, language and printer-uri first, then ``attributes`` (name_with_dashes)."""
    message = Message(operation, request_id, version)
    group = message.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    group.add("printer-uri", printer_uri, tags.URI)
    group.add("requesting-user-name", "alice", tags.NAME_WITHOUT_LANGUAGE)
    for name, value in attributes.items():
        group[name.replace("_", "-")] = value
    return message


def post(client: webtest.TestApp, message: Message, document: bytes = b"", path: str = "/ipp/print",
         **kwargs: Any) -> Message:
    """POST ``message`` (+ ``document``) and decode the IPP answer, checking the HTTP side."""
    response = client.post(path, encode(message) + document, content_type=IPP, **kwargs)
    assert response.status_int == 200
    assert response.content_type == IPP
    assert response.content_length == len(response.body)
    return decode(response.body)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(spool_dir=tmp_path / "spool")


@pytest.fixture
def application(config: Config) -> Iterator[IppApplication]:
    application = IppApplication(config)
    yield application
    application.close()


def client_for(application: Any) -> webtest.TestApp:
    return webtest.TestApp(LintMiddleware(application), extra_environ={"HTTP_HOST": HOST})


@pytest.fixture
def client(application: IppApplication) -> webtest.TestApp:
    return client_for(application)


def wait_for_job_state(client: webtest.TestApp, job_id: int, state: int) -> Message:
    """Get-Job-Attributes until the job reaches ``state`` (polls; a stuck job fails after a minute)."""
    deadline = time.monotonic() + 60
    while True:
        answer = post(client, ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=job_id))
        assert answer.job is not None
        if answer.job.value("job-state") == state or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


# -- IPP
def test_get_printer_attributes(client: webtest.TestApp) -> None:
    answer = post(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES, request_id=42))
    assert answer.code == status.SUCCESSFUL_OK
    assert answer.request_id == 42
    assert answer.printer is not None
    assert PRINTER_URI in answer.printer["printer-uri-supported"].values


def test_print_job_stores_the_document(client: webtest.TestApp, config: Config) -> None:
    document = b"%PDF-1.4\n" + bytes(range(256)) * 300
    answer = post(client, ipp_request(operations.PRINT_JOB, document_format="application/pdf"), document)
    assert answer.code == status.SUCCESSFUL_OK
    assert answer.job is not None
    job_id = answer.job.value("job-id")
    assert answer.job.value("job-uri").startswith(f"ipp://{HOST}/")
    done = wait_for_job_state(client, job_id, 9)
    assert done.job is not None and done.job.value("job-state") == 9
    outputs = list((config.spool_dir / "output" / "print").glob(f"{job_id}-*"))
    assert [path.read_bytes() for path in outputs] == [document]


def test_uris_follow_mount_prefix_and_tls(client: webtest.TestApp) -> None:
    base = "ipps://print.example.com/cups"
    answer = post(
        client, ipp_request(operations.GET_PRINTER_ATTRIBUTES, printer_uri=f"{base}/ipp/print"),
        extra_environ={"HTTP_HOST": "print.example.com:631", "SCRIPT_NAME": "/cups",
                       "wsgi.url_scheme": "https"},
    )
    assert answer.code == status.SUCCESSFUL_OK
    assert answer.printer is not None
    assert f"{base}/ipp/print" in answer.printer["printer-uri-supported"].values


def test_malformed_body_is_bad_request_with_its_request_id(client: webtest.TestApp) -> None:
    body = struct.pack(">BBHI", 2, 0, operations.GET_PRINTER_ATTRIBUTES, 77) + b"\x01\x47\xff\xff"
    answer = decode(client.post("/ipp/print", body, content_type=IPP).body)
    assert answer.code == status.CLIENT_ERROR_BAD_REQUEST
    assert answer.request_id == 77


def test_empty_body_is_bad_request(client: webtest.TestApp) -> None:
    answer = decode(client.post("/ipp/print", b"", content_type=IPP).body)
    assert answer.code == status.CLIENT_ERROR_BAD_REQUEST


def test_unsupported_version(client: webtest.TestApp) -> None:
    answer = post(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES, version=(9, 9), request_id=5))
    assert answer.code == status.SERVER_ERROR_VERSION_NOT_SUPPORTED
    assert answer.request_id == 5


def test_attribute_section_over_the_limit(config: Config) -> None:
    application = IppApplication(dataclasses.replace(config, limits=Limits(max_attribute_bytes=200)))
    try:
        request = ipp_request(operations.GET_PRINTER_ATTRIBUTES, job_name="x" * 300)
        answer = post(client_for(application), request)
    finally:
        application.close()
    assert answer.code == status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


def test_document_over_the_limit(config: Config) -> None:
    application = IppApplication(dataclasses.replace(config, max_document_bytes=1000))
    try:
        client = client_for(application)
        answer = post(client, ipp_request(operations.PRINT_JOB), b"x" * 5000)
        accepted = post(client, ipp_request(operations.PRINT_JOB), b"x" * 1000)
    finally:
        application.close()
    assert answer.code == status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert accepted.code == status.SUCCESSFUL_OK


def test_server_bug_is_internal_error_not_http_500(client: webtest.TestApp,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Message:
        raise RuntimeError("bug")

    monkeypatch.setattr(app_module, "dispatch", broken)
    answer = post(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES, request_id=9))
    assert answer.code == status.SERVER_ERROR_INTERNAL_ERROR
    assert answer.request_id == 9


def test_chunked_body_the_server_does_not_terminate_needs_a_length(application: IppApplication) -> None:
    statuses, _ = call(application, io.BytesIO(b"never read"), HTTP_TRANSFER_ENCODING="chunked")
    assert statuses == ["411 LENGTH REQUIRED"]


def call(application: IppApplication, body: Any, **environ: Any) -> tuple[list[str], bytes]:
    """Call the application as a server would (webtest always sends a Content-Length); statuses, body."""
    base = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": IPP, "PATH_INFO": "/ipp/print",
            "SERVER_NAME": "localhost", "SERVER_PORT": "631", "wsgi.input": body, "wsgi.url_scheme": "http"}
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    data = b"".join(application({**base, **environ}, start_response))
    return statuses, data


def test_the_unread_rest_of_the_body_is_drained(application: IppApplication) -> None:
    body = encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES)) + b"unexpected document" * 100
    source = io.BytesIO(body)
    statuses, data = call(application, source, CONTENT_LENGTH=str(len(body)))
    assert statuses == ["200 OK"] and decode(data).code == status.SUCCESSFUL_OK
    assert source.tell() == len(body)


class FailingAfter(io.RawIOBase):
    """A wsgi.input that delivers ``data`` and then fails as gunicorn does on broken chunk framing."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        chunk = self._data.read(size)
        if not chunk:
            raise ValueError("Invalid chunk size")
        return chunk


def test_a_body_the_server_cannot_read_is_bad_request(application: IppApplication) -> None:
    request = encode(ipp_request(operations.PRINT_JOB, request_id=3))
    for data in (request[:20], request):
        statuses, answer = call(application, FailingAfter(data), **{"wsgi.input_terminated": True})
        assert statuses == ["200 OK"]
        assert (decode(answer).code, decode(answer).request_id) == (status.CLIENT_ERROR_BAD_REQUEST, 3)
    # Nothing half-received is queued or printed.
    jobs = post(client_for(application), ipp_request(operations.GET_JOBS, which_jobs="not-completed"))
    assert (jobs.code, jobs.groups_of(tags.JOB_ATTRIBUTES)) == (status.SUCCESSFUL_OK, [])
    assert not list(application.config.spool_dir.glob("output/*/*"))


# -- HTTP other than IPP
def test_status_page_lists_the_printer(client: webtest.TestApp) -> None:
    page = client.get("/")
    assert page.content_type == "text/html"
    assert "print" in page.text and PRINTER_URI in page.text


def test_status_page_as_text(client: webtest.TestApp) -> None:
    page = client.get("/", headers={"Accept": "text/plain"})
    assert page.content_type == "text/plain"
    assert f"uri: {PRINTER_URI}" in page.text


def test_status_page_of_an_unknown_path_is_404(client: webtest.TestApp) -> None:
    client.get("/no/such/printer", status=404)


# Both lints (webtest's and werkzeug's) want Content-Length to match the empty HEAD body; HTTP wants the
# length GET would send (RFC 9110 section 9.3.2).
@pytest.mark.filterwarnings("ignore:Content-Length and the number of bytes")
def test_head_answers_without_a_body(client: webtest.TestApp) -> None:
    client.lint = False
    response = client.head("/")
    assert response.body == b""
    assert int(response.headers["Content-Length"]) == len(client.get("/").body)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client: webtest.TestApp, method: str) -> None:
    response = getattr(client, method)("/ipp/print", status=405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_post_that_is_not_ipp_is_400(client: webtest.TestApp) -> None:
    client.post("/ipp/print", b"hello", content_type="text/plain", status=400)


# -- the request context
@pytest.mark.parametrize(
    ("environ", "base_uri"),
    [
        ({"HTTP_HOST": "localhost:8631"}, "ipp://localhost:8631"),
        ({"HTTP_HOST": "printer:631"}, "ipp://printer"),
        ({"HTTP_HOST": "printer", "SERVER_PORT": "8631"}, "ipp://printer:8631"),
        ({"HTTP_HOST": "[::1]:8631"}, "ipp://[::1]:8631"),
        ({"SERVER_NAME": "server", "SERVER_PORT": "631"}, "ipp://server"),
        ({"HTTP_HOST": "bad host/x", "SERVER_NAME": "server", "SERVER_PORT": "80"}, "ipp://server:80"),
        ({"HTTP_HOST": "h:443", "wsgi.url_scheme": "https", "SCRIPT_NAME": "/a b"}, "ipps://h:443/a%20b"),
        ({"HTTP_HOST": "[fe80::1%25eth0]:8631"}, "ipp://[fe80::1%25eth0]:8631"),
        # Hostile Host headers: SERVER_NAME:SERVER_PORT instead
        ({"HTTP_HOST": "a" * 40_000, "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "h\x00st", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "print\x1b[2J", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "print[1", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "[::1", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "pr\u00efnt", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "h:99999999", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "h:\u0663", "SERVER_NAME": "server", "SERVER_PORT": "8631"}, "ipp://server:8631"),
        ({"HTTP_HOST": "h", "SERVER_PORT": "\u0663"}, "ipp://h"),
        ({"HTTP_HOST": "x y", "SERVER_NAME": "bad\nname"}, "ipp://localhost"),
    ],
)
def test_request_context_base_uri(environ: dict[str, str], base_uri: str) -> None:
    context = request_context({"wsgi.url_scheme": "http", **environ})
    assert context.base_uri == base_uri
    assert context.secure is base_uri.startswith("ipps:")


def test_request_context_caller() -> None:
    context = request_context({"HTTP_HOST": "h", "PATH_INFO": "/admin/", "REMOTE_USER": "root",
                               "REMOTE_ADDR": "10.0.0.1"})
    assert (context.path, context.remote_user, context.remote_addr) == ("/admin/", "root", "10.0.0.1")
    assert request_context({"HTTP_HOST": "h", "REMOTE_USER": ""}).remote_user is None
    assert request_context({"HTTP_HOST": "h"}).max_document_bytes is None
    assert request_context({"HTTP_HOST": "h"}, 1000).max_document_bytes == 1000


@pytest.mark.parametrize("compression", ["gzip", "deflate"])
def test_document_limit_counts_decompressed_bytes(config: Config, compression: str) -> None:
    """A small compressed document that inflates past max_document_bytes is refused, leaving no job."""
    wbits = 16 + zlib.MAX_WBITS if compression == "gzip" else -zlib.MAX_WBITS
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    bomb = packer.compress(b"\0" * 100_000) + packer.flush()
    assert len(bomb) < 1000
    application = IppApplication(dataclasses.replace(config, max_document_bytes=50_000))
    try:
        client = client_for(application)
        answer = post(client, ipp_request(operations.PRINT_JOB, compression=compression), bomb)
        jobs = post(client, ipp_request(operations.GET_JOBS, which_jobs="all"))
    finally:
        application.close()
    assert answer.code == status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert jobs.code == status.SUCCESSFUL_OK and jobs.groups_of(tags.JOB_ATTRIBUTES) == []
    assert not kept_documents(config.spool_dir) and not list(config.spool_dir.glob("tmp/*"))


def test_printer_icons_uri_serves_a_png(client: webtest.TestApp) -> None:
    answer = post(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES))
    assert answer.printer is not None
    icon_uri = answer.printer["printer-icons"].value
    path = icon_uri.split("//", 1)[1].split("/", 1)[1]
    icon = client.get("/" + path)
    assert icon.content_type == "image/png"
    assert icon.body.startswith(b"\x89PNG\r\n\x1a\n")
    client.get("/no-such-printer/icon.png", status=404)


def test_status_page_hides_private_job_names_and_users(client: webtest.TestApp) -> None:
    job = AttributeGroup()
    job.add("job-hold-until", "indefinite", tags.KEYWORD)
    message = ipp_request(operations.PRINT_JOB, job_name="secret-report")
    message.add_group(tags.JOB_ATTRIBUTES, job)
    assert post(client, message, b"%PDF-1.4\n").code == status.SUCCESSFUL_OK
    page = client.get("/").text
    assert "(private)" in page  # the default job-privacy: names and users are the owner's and admins'
    assert "secret-report" not in page and "alice" not in page


def test_configured_job_limits_reach_the_spooler(tmp_path: Path) -> None:
    config_file = tmp_path / "ipp-wsgi.toml"
    config_file.write_text('spool_dir = "spool"\n[jobs]\nmax_jobs_per_user = 1\n'
                           '[[printers]]\nname = "print"\npaths = ["/ipp/print"]\n')
    application = IppApplication(load_config(config_file))
    try:
        client = client_for(application)
        held = AttributeGroup()
        held.add("job-hold-until", "indefinite", tags.KEYWORD)

        def print_held() -> Message:
            message = ipp_request(operations.PRINT_JOB)
            message.add_group(tags.JOB_ATTRIBUTES, held)
            return post(client, message, b"%PDF-1.4\n")

        assert print_held().code == status.SUCCESSFUL_OK
        assert print_held().code == status.CLIENT_ERROR_NOT_POSSIBLE  # alice has one active job already
    finally:
        application.close()
