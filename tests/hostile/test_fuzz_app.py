"""Fuzzing the whole WSGI app (webtest over werkzeug's LintMiddleware), not only the codec.

Inputs: the real captures mutated byte-wise (the codec fuzz's mutator), random bodies behind a valid or
random header, well-formed requests of random operations with random attributes, values, callers and
paths, and random HTTP requests. Every IPP answer must pass :func:`hostile_helpers.check_answer` (well
formed, never server-error-internal-error, request-id echoed) and no error may be logged; non-IPP requests
get a 4xx, never a 5xx. A last test checks memory stays bounded under the largest hostile inputs.

``IPP_WSGI_FUZZ_EXAMPLES`` scales every test's example count (default: the quick CI profile, about 20 s
on a shared 2-core machine); ``benchmarks/fuzz_long.py`` runs the long profile.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import random
import struct
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
import webtest
from harness.spool import kept_documents
from hostile_helpers import (
    ADMIN,
    FUZZ_COUNTS,
    HOST,
    IPP,
    OTHER_URI,
    PRINTER_URI,
    check_answer,
    client_for,
    entry,
    post_raw,
    submit,
    write_config,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_codec_fuzz import mutated  # importable through hostile_helpers

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import (
    NO_VALUE,
    UNKNOWN,
    Attribute,
    Collection,
    IppEncodeError,
    Message,
    NameWithLanguage,
    Range,
    Resolution,
    TextWithLanguage,
    encode,
    operations,
    status,
    tags,
)
from ipp_wsgi.ops.printer_description import JOB_TEMPLATE
from ipp_wsgi.ops.registry import OPERATIONS

SCALE = float(os.environ.get("IPP_WSGI_FUZZ_EXAMPLES", "1"))
"""Multiplies every fuzz test's max_examples (1: the quick CI profile)."""


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webtest.TestApp]:
    """One server for every example of the module (jobs pile up, as on a real server)."""
    application = IppApplication(write_config(tmp_path_factory.mktemp("fuzz")))
    client = client_for(application, whole_body=True)
    for user, remote_user in (("alice", None), ("bob", "bob"), (ADMIN, ADMIN)):
        for uri in (PRINTER_URI, OTHER_URI):  # jobs 1-12 exist: the job operations find targets
            submit(client, user, uri, remote_user=remote_user, held=True)
            submit(client, user, uri, remote_user=remote_user)
    yield client
    application.close()


@pytest.fixture
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail when the server logged an error (an internal error is logged, then answered 0x0500)."""
    caplog.set_level(logging.ERROR, logger="ipp_wsgi")
    yield
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []


def count(request: pytest.FixtureRequest) -> None:
    name = request.node.originalname
    FUZZ_COUNTS[name] = FUZZ_COUNTS.get(name, 0) + 1


# -- byte-level
@fuzz_settings(2000)
@given(data=mutated())
def test_mutated_captures(fuzz_client: webtest.TestApp, request: pytest.FixtureRequest,
                          no_errors_logged: None, data: bytes) -> None:
    count(request)
    post_raw(fuzz_client, data)


HEADERS = st.builds(lambda version, code, request_id: struct.pack(">BBHI", *version, code, request_id),
                    st.sampled_from([(2, 0), (1, 1), (2, 2), (0, 0), (255, 255)]),
                    st.sampled_from(sorted(OPERATIONS)) | st.integers(0, 0xFFFF),
                    st.integers(0, 2**32 - 1))


@fuzz_settings(1000)
@given(body=st.binary(max_size=2048) | st.builds(bytes.__add__, HEADERS, st.binary(max_size=2048)))
def test_random_bodies(fuzz_client: webtest.TestApp, request: pytest.FixtureRequest,
                       no_errors_logged: None, body: bytes) -> None:
    count(request)
    post_raw(fuzz_client, body)


# -- well-formed requests, random meaning
_KEYWORDS = st.sampled_from(["all", "none", "completed", "not-completed", "indefinite", "gzip", "deflate",
                             "none", "application/pdf", "job-id", "printer-name", "media-col-database",
                             "one-sided", "iso_a4_210x297mm", "bogus-keyword", ""])
_STRINGS = st.text(max_size=40) | st.sampled_from(["../../etc/passwd", "alice", ADMIN, "$(id)"])
_URIS = st.sampled_from([PRINTER_URI, OTHER_URI, f"ipp://{HOST}/", f"ipp://{HOST}/jobs/1", f"{PRINTER_URI}/1",
                         f"{PRINTER_URI}/999999", "ipp://evil.example.com/ipp/print", "file:///etc/passwd",
                         "ipp://[::1]:631/ipp/print", "ipp://[bad/ipp/print",
                         "ipp://", "", "mailto:x@y"]) | st.text(max_size=30)
_INTS = st.integers(1, 12) | st.integers(-2, 0) | st.integers(-(2**31), 2**31 - 1)
_VALUES: list[tuple[int, st.SearchStrategy[Any]]] = [
    (tags.INTEGER, _INTS),
    (tags.ENUM, _INTS),
    (tags.BOOLEAN, st.booleans()),
    (tags.KEYWORD, _KEYWORDS),
    (tags.NAME_WITHOUT_LANGUAGE, _STRINGS),
    (tags.TEXT_WITHOUT_LANGUAGE, _STRINGS),
    (tags.URI, _URIS),
    (tags.MIME_MEDIA_TYPE, st.sampled_from(["application/pdf", "text/plain", "x/y", ""])),
    (tags.RANGE_OF_INTEGER, st.builds(Range, _INTS, _INTS)),
    (tags.RESOLUTION, st.builds(Resolution, _INTS, _INTS, st.sampled_from([3, 4, 0]))),
    (tags.NAME_WITH_LANGUAGE, st.builds(NameWithLanguage, _STRINGS, st.sampled_from(["en", "", "x" * 70]))),
    (tags.TEXT_WITH_LANGUAGE, st.builds(TextWithLanguage, _STRINGS, st.sampled_from(["fr", "\n"]))),
    (tags.OCTET_STRING, st.binary(max_size=16)),
    (tags.DATE_TIME, st.datetimes(timezones=st.just(UTC))),
    (tags.CHARSET, st.sampled_from(["utf-8", "iso-8859-1", ""])),
    (tags.NO_VALUE, st.just(NO_VALUE)),
    (tags.UNKNOWN, st.just(UNKNOWN)),
    (tags.BEG_COLLECTION, st.builds(lambda: Collection(member_of="media-col"))),
]
_NAMES = ["job-id", "job-uri", "printer-uri", "requesting-user-name", "job-name", "document-name",
          "document-format", "compression", "which-jobs", "my-jobs", "limit", "first-index", "job-ids",
          "requested-attributes", "last-document", "ipp-attribute-fidelity", "job-hold-until",
          "job-printer-uri", "printer-message-from-operator", "x-unknown"]


@st.composite
def attribute(draw: st.DrawFn, names: list[str]) -> Attribute:
    name = draw(st.sampled_from(names))
    tag, values = draw(st.sampled_from(_VALUES))
    found = draw(st.lists(values, min_size=1, max_size=3))
    return Attribute(name, [tag] * len(found), found)


@st.composite
def ipp_message(draw: st.DrawFn) -> Message:
    code = draw(st.sampled_from(sorted(OPERATIONS)) | st.integers(0, 0x4020))
    message = Message(code, draw(st.integers(1, 2**31 - 1)), draw(st.sampled_from([(2, 0), (1, 1), (2, 2)])))
    group = message.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    uri = draw(st.sampled_from([PRINTER_URI, OTHER_URI]) | _URIS | st.none())
    if uri is not None:
        group.add("printer-uri", uri, tags.URI)
    for attr in draw(st.lists(attribute(_NAMES), max_size=6)):
        group.append(attr)
    if draw(st.booleans()):
        job = message.add_group(tags.JOB_ATTRIBUTES)
        for attr in draw(st.lists(attribute(sorted(JOB_TEMPLATE)), max_size=4)):
            job.append(attr)
    return message


DOCUMENTS = st.sampled_from([b"", b"%PDF-1.4 fuzz\n", zlib.compress(b"deflated " * 50), b"\x1f\x8b\x08bad"])


@fuzz_settings(1000)
@given(message=ipp_message(), document=DOCUMENTS,
       path=st.sampled_from(["/ipp/print", "/ipp/other", "/", "/admin", "/ipp/print/../other"]),
       remote_user=st.sampled_from([None, "alice", "bob", ADMIN]))
def test_random_operations(fuzz_client: webtest.TestApp, request: pytest.FixtureRequest,
                           no_errors_logged: None, message: Message, document: bytes, path: str,
                           remote_user: str | None) -> None:
    try:
        body = encode(message)
    except IppEncodeError:
        return  # a value the encoder refuses (a name over 32767 octets...): nothing to send
    count(request)
    post_raw(fuzz_client, body + document, path,
             extra_environ={"REMOTE_USER": remote_user} if remote_user else {})


# -- HTTP
@fuzz_settings(300)
@given(method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
       content_type=st.sampled_from([IPP, "application/IPP; charset=x", "text/plain", "", "application/ippx",
                                     "multipart/form-data; boundary=x"]),
       path=st.sampled_from(["/", "/ipp/print", "/ipp/other", "/jobs", "/admin", "/%00", "/ipp/print?x=1",
                             "/ipp/../../etc/passwd", "/%C3%A9", "/%FF%00"]),
       body=st.binary(max_size=256),
       accept=st.sampled_from(["*/*", "text/plain", "text/html", "application/json", ""]))
def test_random_http_requests(fuzz_client: webtest.TestApp, request: pytest.FixtureRequest,
                              no_errors_logged: None, method: str, content_type: str, path: str, body: bytes,
                              accept: str) -> None:
    count(request)
    fuzz_client.lint = method != "HEAD"  # both lints want HEAD's Content-Length to match its empty body
    headers = {"Accept": accept} if accept else {}
    if content_type:
        headers["Content-Type"] = content_type
    sent = body if method in ("POST", "PUT", "PATCH") else b""
    response = fuzz_client.request(path, method=method, body=sent, headers=headers, expect_errors=True)
    if response.content_type == IPP:
        check_answer(response.body, sent)
    else:
        # 308: /admin to /admin/; 401: the administration pages without a user
        assert response.status_int in (200, 308, 400, 401, 404, 405, 411), response.status
    fuzz_client.lint = True


# -- memory
class Generated(io.RawIOBase):
    """A wsgi.input of ``head`` then ``size`` pseudo-random-ish bytes, made as they are read."""

    def __init__(self, head: bytes, size: int, pattern: bytes) -> None:
        self._head = io.BytesIO(head)
        self._left = size
        self._pattern = pattern

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._head.read(size)
        if data:
            return data
        take = min(self._left, len(self._pattern) if size is None or size < 0 else size, len(self._pattern))
        self._left -= take
        return self._pattern[:take]


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(size >> 20)) + packer.flush()


def _values_set(count: int) -> bytes:
    first = entry(tags.KEYWORD, b"requested-attributes", b"job-id")
    return first + entry(tags.KEYWORD, b"", b"job-id") * count


def _request(operation: int, tail: bytes = b"", **keywords: str) -> bytes:
    message = Message(operation, 1, (2, 0))
    group = message.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    group.add("printer-uri", PRINTER_URI, tags.URI)
    for name, value in keywords.items():
        group.add(name, value, tags.KEYWORD)
    return encode(message)[:-1] + tail + b"\x03"


LARGE = 48 << 20
MEMORY_CASES = {
    "48 MiB document": (_request(operations.PRINT_JOB), LARGE, bytes(random.Random(9).randbytes(1 << 16))),
    "gzip bomb: 48 MiB of zeros": (_request(operations.PRINT_JOB, compression="gzip") + _gzip_bomb(LARGE), 0,
                                   b""),
    "10,000-value 1setOf": (_request(operations.GET_JOBS, _values_set(10_000)), 0, b""),
    "1 MiB attribute section": (_request(operations.GET_JOBS, entry(tags.TEXT_WITHOUT_LANGUAGE, b"x",
                                                                    b"t" * 32000) * 40), 0, b""),
}
MEMORY_BOUND = 8 << 20
"""Peak Python allocations allowed while one such request is served (the server streams: ~64 KiB chunks,
the 1 MiB attribute section, SQLite's cache)."""


@pytest.mark.parametrize("case", MEMORY_CASES.values(), ids=MEMORY_CASES.keys())
def test_memory_stays_bounded(tmp_path: Path, case: tuple[bytes, int, bytes]) -> None:
    head, size, pattern = case
    application = IppApplication(write_config(tmp_path))
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": IPP, "PATH_INFO": "/ipp/print",
               "SERVER_NAME": "localhost", "SERVER_PORT": "631", "wsgi.url_scheme": "http",
               "CONTENT_LENGTH": str(len(head) + size), "wsgi.input": Generated(head, size, pattern)}
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)

    tracemalloc.start()
    try:
        body = b"".join(application(environ, start_response))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        application.close()
    assert statuses == ["200 OK"]
    answer = check_answer(body, head)
    assert answer.code in (status.SUCCESSFUL_OK, status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE)
    assert peak < MEMORY_BOUND, f"peak {peak >> 20} MiB"


def test_document_limit_applies_after_decompression(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    application = IppApplication(dataclasses.replace(config, max_document_bytes=1 << 20))
    try:
        head, _, _ = MEMORY_CASES["gzip bomb: 48 MiB of zeros"]
        answer = post_raw(client_for(application), head)
    finally:
        application.close()
    assert answer.code == status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert not kept_documents(config.spool_dir)
