"""Hostile HTTP on raw sockets, by category, against every target of :mod:`http_targets` (ipp-wsgi's
worker class, gunicorn's gthread, the Apache recipe): request smuggling, chunk syntax, header limits and
bad characters, request-line forms and versions, pipelining with inline and threaded handlers, Expect,
slowloris, floods of idle and half-open connections, trickling uploads, a client that never reads.

What a case must get is what RFC 9112 wants, which is what ipp-wsgi's worker does; where another target
legitimately does otherwise, :data:`DIFFERENCES` (or the table of the test concerned) says what it does
instead and why. Nothing is skipped: a target that differs is held to what it does.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from harness import wait_for
from harness.memory import PeakRss
from harness.processes import group_members
from harness.raw_http import RawResponse, closed_by_server, read_response, request_bytes
from http_hostile_helpers import (
    ANSWER_WAIT,
    CLOSED,
    FOREVER,
    KEPT,
    SILENT,
    Outcome,
    SlowSender,
    ipp_bytes,
    outcome,
    read_outcome,
    request_id_of,
    slow_senders,
)
from http_targets import CONNECTIONS, TARGETS, Target, start_target

from ipp_wsgi.codec import decode, operations, tags
from ipp_wsgi.codec import status as status_codes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=TARGETS)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """Each target with short limits (see http_targets)."""
    yield from start_target(request, tmp_path_factory, request.param, quick=True)


@pytest.fixture(scope="module", params=TARGETS)
def patient_target(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """Each target with long limits and a connection limit of CONNECTIONS (see http_targets)."""
    yield from start_target(request, tmp_path_factory, request.param, quick=False)


def expected(table: dict[tuple[str, str], tuple[object, str]], case: str, target: Target,
             default: object) -> object:
    """What *target* must do in *case*: *default*, unless *table* records a difference."""
    difference = table.get((case, target.name))
    return default if difference is None else difference[0]


# -- single requests: smuggling, chunk syntax, headers, request lines ---------------------------------
GPA = ipp_bytes()
GPA_BODY = GPA.split(b"\r\n\r\n", 1)[1]
IPP_HEAD = b"POST /ipp/print HTTP/1.1\r\nHost: t\r\nContent-Type: application/ipp\r\n"


def chunked_gpa(size_line: bytes | None = None, data_end: bytes = b"\r\n", last: bytes = b"0\r\n\r\n",
                coding: bytes = b"chunked", version: bytes = b"1.1") -> bytes:
    """A Get-Printer-Attributes POSTed in one chunk, whose parts may be spoilt."""
    head = IPP_HEAD.replace(b"HTTP/1.1", b"HTTP/" + version)
    size = size_line if size_line is not None else b"%x\r\n" % len(GPA_BODY)
    return head + b"Transfer-Encoding: " + coding + b"\r\n\r\n" + size + GPA_BODY + data_end + last


def gpa_with(*lines: bytes, version: bytes = b"1.1", host: bytes = b"Host: t\r\n") -> bytes:
    """A Get-Printer-Attributes with a Content-Length and the header *lines* added."""
    return (b"POST /ipp/print HTTP/" + version + b"\r\n" + host + b"Content-Type: application/ipp\r\n"
            + b"".join(lines) + b"Content-Length: %d\r\n\r\n" % len(GPA_BODY) + GPA_BODY)


def get(line: bytes = b"GET / HTTP/1.1", *headers: bytes) -> bytes:
    return line + b"\r\n" + b"".join(header + b"\r\n" for header in headers) + b"\r\n"


@dataclass(frozen=True)
class Case:
    """Bytes sent on a new connection, the outcome they must get, and how many answers to read."""

    data: bytes
    statuses: tuple[int, ...]
    after: str
    answers: int = 1


OK_KEPT = ((200,), KEPT)
BAD = ((400,), CLOSED)
CASES: dict[str, Case] = {
    # request smuggling: Content-Length and Transfer-Encoding, their variants, obs-fold, HTTP/1.0
    "CL and TE": Case(chunked_gpa().replace(b"\r\n\r\n", b"\r\nContent-Length: 4\r\n\r\n", 1), *BAD),
    "TE and CL": Case(IPP_HEAD + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", *BAD),
    "TE chunked twice": Case(chunked_gpa(coding=b"chunked, chunked"), *BAD),
    "TE gzip, chunked": Case(chunked_gpa(coding=b"gzip, chunked"), (501,), CLOSED),
    "TE gzip then TE chunked": Case(chunked_gpa(coding=b"gzip\r\nTransfer-Encoding: chunked"),
                                    (501,), CLOSED),
    "TE chunked, gzip": Case(chunked_gpa(coding=b"chunked, gzip"), *BAD),
    "TE gzip": Case(IPP_HEAD + b"Transfer-Encoding: gzip\r\n\r\n" + GPA_BODY, *BAD),
    "TE identity with CL": Case(gpa_with(b"Transfer-Encoding: identity\r\n"), *BAD),
    "TE xchunked": Case(chunked_gpa(coding=b"xchunked"), *BAD),
    "TE Chunked in capitals": Case(chunked_gpa(coding=b"Chunked"), *OK_KEPT),
    "TE folded (obs-fold)": Case(chunked_gpa(coding=b"\r\n chunked"), *BAD),
    "TE with a space before the colon": Case(chunked_gpa().replace(b"Transfer-Encoding:",
                                                                   b"Transfer-Encoding :"), *BAD),
    "TE with a vertical tab": Case(chunked_gpa(coding=b"\x0bchunked"), *BAD),
    "two Content-Lengths": Case(gpa_with(b"Content-Length: 1\r\n"), *BAD),
    "Content-Length list": Case(IPP_HEAD + b"Content-Length: %d, %d\r\n\r\n" % (len(GPA_BODY), len(GPA_BODY))
                                + GPA_BODY, *BAD),
    "Content-Length with a sign": Case(IPP_HEAD + b"Content-Length: +%d\r\n\r\n" % len(GPA_BODY) + GPA_BODY,
                                       *BAD),
    "Content-Length overflowing": Case(IPP_HEAD + b"Content-Length: 99999999999999999999999\r\n\r\n", *BAD),
    "HTTP/1.0 with TE, kept alive, then a request": Case(
        chunked_gpa(version=b"1.0").replace(b"\r\n\r\n", b"\r\nConnection: keep-alive\r\n\r\n", 1) + GPA,
        (200,), CLOSED, answers=2),
    # chunk syntax
    "chunk extension": Case(chunked_gpa(b"%x;name=value\r\n" % len(GPA_BODY)), *OK_KEPT),
    "chunk extension quoted": Case(chunked_gpa(b'%x;name="a b"\r\n' % len(GPA_BODY)), *OK_KEPT),
    "chunk size in capitals": Case(chunked_gpa(b"%X\r\n" % len(GPA_BODY)), *OK_KEPT),
    "chunk size 0x": Case(chunked_gpa(b"0x%x\r\n" % len(GPA_BODY)), *BAD),
    "chunk size negative": Case(chunked_gpa(b"-%x\r\n" % len(GPA_BODY)), *BAD),
    "chunk size overflowing": Case(chunked_gpa(b"1" + b"0" * 20 + b"\r\n"), *BAD),
    "chunk size then spaces": Case(chunked_gpa(b"%x  \r\n" % len(GPA_BODY)), *BAD),
    "chunk size then bare LF": Case(chunked_gpa(b"%x\n" % len(GPA_BODY)), *BAD),
    "chunk data longer than its size": Case(chunked_gpa(data_end=b"XX\r\n"), *BAD),
    "chunk data without CRLF": Case(chunked_gpa(data_end=b""), *BAD),
    "trailer fields": Case(chunked_gpa(last=b"0\r\nX-Trailer: 1\r\n\r\n"), *OK_KEPT),
    # header limits and bad characters
    "NUL in a header value": Case(gpa_with(b"X-A: a\x00b\r\n"), *BAD),
    "CR in a header value": Case(gpa_with(b"X-A: a\rb\r\n"), *BAD),
    "DEL in a header value": Case(gpa_with(b"X-A: a\x7fb\r\n"), *BAD),
    "obs-text in a header value": Case(gpa_with(b"X-A: caf\xe9\r\n"), *OK_KEPT),
    "space in a header name": Case(gpa_with(b"X A: b\r\n"), *BAD),
    "space before the colon": Case(gpa_with(b"X-A : b\r\n"), *BAD),
    "parenthesis in a header name": Case(gpa_with(b"X(A): b\r\n"), *BAD),
    "empty header name": Case(gpa_with(b": b\r\n"), *BAD),
    "header line without a colon": Case(gpa_with(b"X-A\r\n"), *BAD),
    "obs-fold": Case(gpa_with(b"X-A: a\r\n b\r\n"), *BAD),
    "bare LF line ends": Case(get(b"GET / HTTP/1.1", b"Host: t").replace(b"\r\n", b"\n"), *BAD),
    "101 header fields": Case(get(b"GET / HTTP/1.1", b"Host: t", *(b"X-%d: v" % i for i in range(100))),
                              (431,), CLOSED),
    "a 9000-byte header field": Case(get(b"GET / HTTP/1.1", b"Host: t", b"X-A: " + b"a" * 9000),
                                     (431,), CLOSED),
    "a 9000-byte request target": Case(get(b"GET /" + b"a" * 9000 + b" HTTP/1.1", b"Host: t"),
                                       (414,), CLOSED),
    "HTTP/1.1 without Host": Case(get(b"GET / HTTP/1.1"), *BAD),
    "Host twice": Case(get(b"GET / HTTP/1.1", b"Host: a", b"Host: b"), *BAD),
    "Host with a space": Case(get(b"GET / HTTP/1.1", b"Host: a b"), *BAD),
    "Host with userinfo": Case(get(b"GET / HTTP/1.1", b"Host: user@printer"), *BAD),
    "Host empty": Case(get(b"GET / HTTP/1.1", b"Host:"), *OK_KEPT),
    # request-line forms and versions
    "HTTP/0.9 GET /": Case(b"GET /\r\n", *BAD),
    "HTTP/0.9 with headers": Case(b"GET /\r\nHost: t\r\n\r\n", *BAD),
    "HTTP/0.9 after a request": Case(get(b"GET / HTTP/1.1", b"Host: t") + b"GET /\r\n", (200, 400), CLOSED,
                                     answers=2),
    "HTTP/1.0": Case(get(b"GET / HTTP/1.0"), (200,), CLOSED),
    "HTTP/1.0 kept alive": Case(get(b"GET / HTTP/1.0", b"Connection: keep-alive"), *OK_KEPT),
    "HTTP/1.2": Case(get(b"GET / HTTP/1.2", b"Host: t"), *OK_KEPT),
    "HTTP/1.2 without Host": Case(get(b"GET / HTTP/1.2"), *BAD),
    "HTTP/3.0": Case(get(b"GET / HTTP/3.0", b"Host: t"), (505,), CLOSED),
    "HTTP/0.1": Case(get(b"GET / HTTP/0.1", b"Host: t"), *BAD),
    "HTTP/2.0 request line": Case(get(b"GET / HTTP/2.0", b"Host: t"), (505,), CLOSED),
    "HTTP/2 preface": Case(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", *BAD),
    "HTTP/1.10": Case(get(b"GET / HTTP/1.10", b"Host: t"), *BAD),
    "lowercase http": Case(get(b"GET / http/1.1", b"Host: t"), *BAD),
    "lowercase method": Case(get(b"get / HTTP/1.1", b"Host: t"), *BAD),
    "unknown method": Case(get(b"BREW / HTTP/1.1", b"Host: t"), *BAD),
    "tab between method and target": Case(get(b"GET\t/ HTTP/1.1", b"Host: t"), *BAD),
    "two spaces between method and target": Case(get(b"GET  / HTTP/1.1", b"Host: t"), *OK_KEPT),
    "space after the version": Case(get(b"GET / HTTP/1.1 ", b"Host: t"), *BAD),
    # llhttp reads RTSP/1.0 as HTTP/1.0 (answered, then closed: no framing is in doubt), a leniency we
    # could not turn off.
    "RTSP/1.0 version": Case(get(b"GET / RTSP/1.0", b"Host: t"), (200,), CLOSED),
    "absolute form": Case(get(b"GET http://t/ HTTP/1.1", b"Host: t"), *OK_KEPT),
    "asterisk form": Case(get(b"OPTIONS * HTTP/1.1", b"Host: t"), (405,), KEPT),
    "CONNECT authority form": Case(get(b"CONNECT t:443 HTTP/1.1", b"Host: t:443"), (405,), CLOSED),
    "Upgrade to h2c": Case(get(b"GET / HTTP/1.1", b"Host: t", b"Connection: Upgrade, HTTP2-Settings",
                               b"Upgrade: h2c", b"HTTP2-Settings: AAMAAABkAAQAAP__"), (200,), CLOSED),
    "empty line before the request line": Case(b"\r\n" + get(b"GET / HTTP/1.1", b"Host: t"), *OK_KEPT),
    "Connection: close then a request": Case(get(b"GET / HTTP/1.1", b"Host: t", b"Connection: close")
                                             + get(b"GET / HTTP/1.1", b"Host: t"), (200,), CLOSED, answers=2),
    "Expect: teapot": Case(gpa_with(b"Expect: teapot\r\n"), (417,), CLOSED),
}

GTHREAD_READ_FAILS = "gunicorn's parser finds the fault as the application reads the body: the read fails, " \
    "the application answers with an IPP error (HTTP 200), and the connection closes"
DIFFERENCES: dict[tuple[str, str], tuple[Outcome, str]] = {
    # gunicorn's gthread worker
    ("TE gzip, chunked", "gthread"): (
        Outcome((200,), CLOSED), "gunicorn accepts a coding before chunked and hands the application the "
        "coded bytes (what #19 found in our worker); it closes after"),
    ("TE gzip then TE chunked", "gthread"): (Outcome((200,), CLOSED), "as TE gzip, chunked"),
    ("TE xchunked", "gthread"): (Outcome((501,), CLOSED), "an unknown coding: 501 (RFC 9112 6.1 allows it)"),
    ("Content-Length overflowing", "gthread"): (
        Outcome((), SILENT), "gunicorn takes the huge length and waits for the body"),
    ("HTTP/1.0 with TE, kept alive, then a request", "gthread"): (
        Outcome((400,), CLOSED), "gunicorn refuses Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1 allows it)"),
    ("chunk size 0x", "gthread"): (Outcome((200,), CLOSED), GTHREAD_READ_FAILS),
    ("chunk size negative", "gthread"): (Outcome((200,), CLOSED), GTHREAD_READ_FAILS),
    ("chunk size overflowing", "gthread"): (
        Outcome((), SILENT), "gunicorn takes the huge chunk size and waits for the chunk"),
    ("chunk size then spaces", "gthread"): (Outcome((200,), CLOSED), GTHREAD_READ_FAILS),
    ("chunk size then bare LF", "gthread"): (Outcome((200,), CLOSED), GTHREAD_READ_FAILS),
    ("chunk data longer than its size", "gthread"): (Outcome((200,), CLOSED), GTHREAD_READ_FAILS),
    ("chunk data without CRLF", "gthread"): (Outcome((200,), CLOSED), GTHREAD_READ_FAILS),
    ("HTTP/1.1 without Host", "gthread"): (
        Outcome((200,), KEPT), "gunicorn serves it, against RFC 9112 3.2 (what #19 found in our worker)"),
    ("HTTP/1.2 without Host", "gthread"): (Outcome((200,), KEPT), "as HTTP/1.1 without Host"),
    ("Host with a space", "gthread"): (Outcome((200,), KEPT), "gunicorn does not check Host"),
    ("Host with userinfo", "gthread"): (Outcome((200,), KEPT), "gunicorn does not check Host"),
    ("HTTP/2.0 request line", "gthread"): (Outcome((400,), CLOSED), "400 rather than 505: both refuse it"),
    ("HTTP/3.0", "gthread"): (Outcome((400,), CLOSED), "400 rather than 505: both refuse it"),
    ("unknown method", "gthread"): (
        Outcome((405,), KEPT), "gunicorn passes any token as a method; the application answers 405"),
    ("two spaces between method and target", "gthread"): (
        Outcome((400,), CLOSED), "stricter than RFC 9112 3 needs (a recipient MAY split on any whitespace)"),
    ("RTSP/1.0 version", "gthread"): (Outcome((400,), CLOSED), "right; our parser (llhttp) takes it for 1.0"),
    ("Upgrade to h2c", "gthread"): (
        Outcome((200,), KEPT), "the Upgrade is ignored and the connection kept (RFC 9110 7.8 allows it)"),
    # the Apache recipe (Apache 2.4, mod_wsgi)
    ("CL and TE", "apache"): (
        Outcome((200,), CLOSED), "Apache frames the body by Transfer-Encoding and closes after the answer, "
        "which RFC 9112 6.3 allows"),
    ("TE and CL", "apache"): (Outcome((200,), CLOSED), "as CL and TE"),
    ("TE chunked twice", "apache"): (Outcome((501,), CLOSED), "501 rather than 400: both refuse it"),
    ("TE folded (obs-fold)", "apache"): (
        Outcome((200,), KEPT), "Apache unfolds obs-fold into a space, which RFC 9112 5.2 allows"),
    ("obs-fold", "apache"): (Outcome((200,), KEPT), "as TE folded"),
    ("HTTP/1.0 with TE, kept alive, then a request", "apache"): (
        Outcome((200, 200), KEPT), "Apache keeps the connection, against RFC 9112 6.1 (what #19 found in "
        "our worker)"),
    ("chunk size overflowing", "apache"): (Outcome((413,), CLOSED), "413 rather than 400: both refuse it"),
    ("chunk size then spaces", "apache"): (
        Outcome((200,), KEPT), "Apache allows whitespace after a chunk size (the BWS of a chunk extension)"),
    ("101 header fields", "apache"): (Outcome((400,), CLOSED), "Apache's LimitRequestFields answers 400"),
    ("a 9000-byte header field", "apache"): (Outcome((400,), CLOSED), "Apache's LimitRequestFieldSize: 400"),
    ("Host empty", "apache"): (Outcome((400,), CLOSED), "stricter than RFC 9112 3.2 needs"),
    ("HTTP/0.9 GET /", "apache"): (
        Outcome((), CLOSED), "Apache answers in HTTP/0.9 (a body without a status line), then closes"),
    ("HTTP/0.9 with headers", "apache"): (Outcome((), CLOSED), "as HTTP/0.9 GET /"),
    ("HTTP/0.9 after a request", "apache"): (Outcome((200,), CLOSED), "as HTTP/0.9 GET /"),
    ("HTTP/2.0 request line", "apache"): (Outcome((200,), KEPT), "Apache serves it as HTTP/1.1"),
    ("HTTP/3.0", "apache"): (Outcome((200,), KEPT), "Apache serves it as HTTP/1.1"),
    ("lowercase method", "apache"): (
        Outcome((405,), KEPT), "Apache passes any token as a method; the application answers 405"),
    ("unknown method", "apache"): (Outcome((405,), KEPT), "as lowercase method"),
    ("two spaces between method and target", "apache"): (
        Outcome((400,), CLOSED), "stricter than RFC 9112 3 needs"),
    ("RTSP/1.0 version", "apache"): (Outcome((400,), CLOSED), "right; our parser (llhttp) takes it for 1.0"),
    ("asterisk form", "apache"): (Outcome((200,), KEPT), "Apache answers OPTIONS * itself"),
    ("Upgrade to h2c", "apache"): (Outcome((200,), KEPT), "as gthread"),
}
"""(case, target) -> what that target does instead of the case's outcome, and why."""


@pytest.mark.parametrize("name", CASES)
def test_request(target: Target, name: str) -> None:
    case = CASES[name]
    want = expected(DIFFERENCES, name, target, Outcome(case.statuses, case.after))
    assert outcome(target, case.data, case.answers) == want


# -- pipelining: every order of inline and threaded handlers, the second body in a later write ------
PADDING = b"\0" * (100 * 1024)
KINDS: dict[str, Callable[[int], bytes]] = {
    # ipp-wsgi's worker: Get-Printer-Attributes runs in the event loop, Cancel-Job on the local thread,
    # GET / (the status page) in the pool, a body too big to wait for whole in the upload pool.
    "inline": lambda request_id: ipp_bytes(request_id=request_id),
    "local": lambda request_id: ipp_bytes(operations.CANCEL_JOB, request_id, job_id=999_999),
    "threaded": lambda request_id: request_bytes("GET", f"/?{request_id}"),
    "streamed": lambda request_id: ipp_bytes(request_id=request_id, document=PADDING),
}


def check_answer(response: RawResponse, kind: str, request_id: int) -> None:
    """The answer to the request of *kind* made with *request_id*."""
    assert response.status == 200, response
    if kind == "threaded":
        assert response.headers["content-type"].startswith("text/html")
    else:
        assert request_id_of(response) == request_id


@pytest.mark.parametrize(("first", "second"), list(itertools.product(KINDS, KINDS)))
def test_pipelined_requests_in_every_order(target: Target, first: str, second: str) -> None:
    """The second request comes with the first, but the end of its body only once the first is answered
    (#19: after a threaded GET, such a POST waited for the client timeout); a third follows."""
    later = KINDS[second](2)
    head_end = later.index(b"\r\n\r\n") + 4
    cut = head_end + (len(later) - head_end) // 2
    with target.connect(ANSWER_WAIT) as sock:
        stream = sock.makefile("rb")
        sock.sendall(KINDS[first](1) + later[:cut])
        check_answer(read_response(stream), first, 1)
        sock.sendall(later[cut:] + KINDS["inline"](3))
        check_answer(read_response(stream), second, 2)
        check_answer(read_response(stream), "inline", 3)


PIECES_KINDS: dict[str, Callable[[int], bytes]] = {
    **KINDS,
    "chunked": lambda request_id: ipp_bytes(request_id=request_id, document=PADDING, chunked=True),
    "read from the socket": lambda request_id: ipp_bytes(request_id=request_id, document=PADDING * 4),
}
"""KINDS and two more: a chunked body, and a body long enough for ipp-wsgi's worker to read it straight
from the socket in the request's thread."""


def send_pieces(sock: socket.socket, pieces: list[bytes], pauses: list[float]) -> None:
    """Send each of *pieces*, then wait the pause that goes with it."""
    for piece, pause in zip(pieces, pauses, strict=True):
        sock.sendall(piece)
        time.sleep(pause)


def test_pipelined_requests_in_random_orders_and_pieces(target: Target) -> None:
    """Up to 8 requests of every kind, sent in up to 7 pieces, some a moment apart, while the answers are
    read: each is answered, in order (a fixed seed: the same sequences every run)."""
    rng = random.Random(19)
    for _ in range(60):
        order = [rng.choice(list(PIECES_KINDS)) for _ in range(rng.randint(1, 8))]
        data = b"".join(PIECES_KINDS[kind](index) for index, kind in enumerate(order, 1))
        cuts = sorted(rng.sample(range(1, len(data)), rng.randint(0, 6)))
        pieces = [data[start:end] for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        pauses = [rng.choice([0, 0, 0.001, 0.01]) for _ in pieces]
        with target.connect(ANSWER_WAIT) as sock:
            sender = threading.Thread(target=send_pieces, args=(sock, pieces, pauses))
            sender.start()
            stream = sock.makefile("rb")
            for index, kind in enumerate(order, 1):
                check_answer(read_response(stream), "threaded" if kind == "threaded" else "inline", index)
            sender.join()


def test_pipelined_requests_in_one_write_are_answered_in_order(target: Target) -> None:
    order = [*KINDS, *reversed(KINDS)]
    with target.connect(ANSWER_WAIT) as sock:
        stream = sock.makefile("rb")
        sock.sendall(b"".join(KINDS[kind](index) for index, kind in enumerate(order, 1)))
        for index, kind in enumerate(order, 1):
            check_answer(read_response(stream), kind, index)


# -- Expect: 100-continue ---------------------------------------------------------------------------
def expecting(body: bytes = GPA_BODY, version: bytes = b"1.1") -> bytes:
    """The head of a Get-Printer-Attributes that waits for 100 Continue."""
    return (b"POST /ipp/print HTTP/" + version + b"\r\nHost: t\r\nContent-Type: application/ipp\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))


def test_expect_100_continue_before_the_body(target: Target) -> None:
    with target.connect(ANSWER_WAIT) as sock:
        stream = sock.makefile("rb")
        sock.sendall(expecting())
        assert read_response(stream).status == 100
        sock.sendall(GPA_BODY)
        assert read_outcome(sock, 1) == Outcome((200,), KEPT)


def test_expect_100_continue_with_the_body_at_once(target: Target) -> None:
    """A client may send the body without waiting (the 100 might then be left out: every target sends
    it), then the answer."""
    assert outcome(target, expecting() + GPA_BODY, answers=2) == Outcome((100, 200), KEPT)


def test_expect_100_continue_of_http10_is_ignored(target: Target) -> None:
    assert outcome(target, expecting(version=b"1.0") + GPA_BODY) == Outcome((200,), CLOSED)


def test_expect_100_continue_of_a_pipelined_request_comes_after_the_first_answer(target: Target) -> None:
    with target.connect(ANSWER_WAIT) as sock:
        stream = sock.makefile("rb")
        sock.sendall(KINDS["threaded"](1) + expecting())
        check_answer(read_response(stream), "threaded", 1)
        assert read_response(stream).status == 100
        sock.sendall(GPA_BODY)
        check_answer(read_response(stream), "inline", 1)


# -- slow clients: slowloris, trickling uploads -----------------------------------------------------
SLOW_DIFFERENCES: dict[tuple[str, str], tuple[object, str]] = {
    ("slowloris", "gthread"): (
        None, "gthread has no time limit for a request head: a byte now and then keeps it (and a request "
        "thread) forever"),
    ("slowloris", "apache"): (
        0, "mod_reqtimeout cuts the head off, but without a 408 while the request line is incomplete"),
    ("silent head", "gthread"): (None, "nor a limit on silence within a head"),
    ("trickling upload", "gthread"): (None, "gthread has no minimum rate for a body"),
    ("trickling upload", "apache"): (408, "mod_reqtimeout answers 408 itself (the application's read fails)"),
    ("starved", "gthread"): (
        SILENT, "each trickling upload holds a request thread: with all of them held, other requests wait"),
}
"""(test, target) -> what that target does instead, and why. slowloris and trickling upload: the status
the client was cut off with (0: none, None: never cut off within FOREVER; ours answers a trickled IPP
request with an IPP error, in a 200); silent head: None, never cut off; starved: SILENT, the plain request
was not answered during the uploads."""

SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: t\r\nUser-Agent: " + b"s" * 100 + b"\r\n\r\n"


def cut_off_status(sender: SlowSender) -> int | None:
    """Wait (up to FOREVER) for the server to cut *sender* off: the status it answered, 0 if it closed the
    connection without one, None if it did not cut it off."""
    sender.join(FOREVER)
    if sender.closed_at is None:
        return None
    return sender.status or 0


def test_slowloris_head_is_cut_off(target: Target) -> None:
    """A head sent a byte every 0.25 s: never silent for long, never complete."""
    with slow_senders(target, 1, b"", SLOW_HEAD, 0.25) as (sender,):
        status = cut_off_status(sender)
    assert status == expected(SLOW_DIFFERENCES, "slowloris", target, 408)


def test_silent_head_is_cut_off(target: Target) -> None:
    with target.connect() as sock:
        sock.sendall(SLOW_HEAD[:30])
        cut = closed_by_server(sock, FOREVER)
    assert cut == (expected(SLOW_DIFFERENCES, "silent head", target, True) is not None)


def trickle(document: bytes) -> tuple[bytes, bytes]:
    """A Print-Job of *document* whose first 70 KiB come at once (the rest to trickle): start and rest."""
    whole = ipp_bytes(operations.PRINT_JOB, document=document)
    cut = whole.index(b"\r\n\r\n") + 4 + 70 * 1024
    return whole[:cut], whole[cut:]


def job_count(target: Target) -> int:
    """How many jobs the target's printer has (all states)."""
    with target.connect() as sock:
        sock.sendall(ipp_bytes(operations.GET_JOBS, which_jobs="all"))
        answer = decode(read_response(sock.makefile("rb")).body)
    assert answer.code == status_codes.SUCCESSFUL_OK
    return len(answer.groups_of(tags.JOB_ATTRIBUTES))


def test_trickling_upload_is_cut_off_and_makes_no_job(target: Target) -> None:
    jobs = job_count(target)
    start, rest = trickle(b"%PDF-1.4 " + b"x" * 200_000)
    with slow_senders(target, 1, start, rest, 0.05) as (sender,):
        status = cut_off_status(sender)
    assert status == expected(SLOW_DIFFERENCES, "trickling upload", target, 200)
    if status == 200:  # the application's read of the document failed: an IPP error
        assert decode(sender.answer.partition(b"\r\n\r\n")[2]).code == status_codes.CLIENT_ERROR_BAD_REQUEST
    assert job_count(target) == jobs


@pytest.mark.parametrize("started", [1024, 70 * 1024], ids=["small start", "streamed"])
def test_trickling_uploads_do_not_starve_other_requests(patient_target: Target, started: int) -> None:
    """More trickling uploads than the server has request threads (THREADS, and 2 x 8 mod_wsgi threads),
    which the patient targets do not cut off during the test: a plain request is answered meanwhile."""
    whole = ipp_bytes(operations.PRINT_JOB, document=b"%PDF-1.4 " + b"x" * 200_000)
    cut = whole.index(b"\r\n\r\n") + 4 + started
    with slow_senders(patient_target, 20, whole[:cut], whole[cut:], 0.05):
        time.sleep(0.5)  # the uploads reach the server and take what threads they take
        answer = outcome(patient_target, KINDS["threaded"](1))
    assert answer.after == expected(SLOW_DIFFERENCES, "starved", patient_target, KEPT)


# -- floods of idle and half-open connections --------------------------------------------------------
FLOOD = CONNECTIONS * 5 // 2
FLOOD_DIFFERENCES: dict[tuple[str, str], tuple[bool, str]] = {
    ("idle", "gthread"): (
        False, "at worker_connections gthread stops accepting: new clients wait in the listen queue until "
        "connections time out (keep-alive)"),
    ("half-sent heads", "gthread"): (False, "as idle; a half-sent head holds a request thread too"),
}
"""(flood, target) -> False where that target does not answer a new client during the flood, and why."""


@contextlib.contextmanager
def flood(target: Target, data: bytes) -> Iterator[list[socket.socket]]:
    """FLOOD connections that each send *data* (b"": nothing), then wait; closed at the end."""
    socks: list[socket.socket] = []
    try:
        for _ in range(FLOOD):
            sock = target.connect()
            if data:
                sock.sendall(data)
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def server_closed(sock: socket.socket) -> bool:
    """True when the server has closed *sock* (looked at without waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(65536) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.parametrize(("name", "sent"), [("idle", b""), ("half-sent heads", SLOW_HEAD[:30])])
def test_a_new_client_is_served_during_a_flood(patient_target: Target, name: str, sent: bytes) -> None:
    """2.5 x the connection limit of connections that send nothing, or half a head, and wait (the patient
    targets time none out during the test): a new client is answered, as the oldest make way."""
    with flood(patient_target, sent) as socks:
        answered = outcome(patient_target, GPA) == Outcome((200,), KEPT)
        gave_way = sum(map(server_closed, socks))
    assert answered == expected(FLOOD_DIFFERENCES, name, patient_target, True)
    if patient_target.name == "ipp":
        assert gave_way >= FLOOD - CONNECTIONS


# -- a client that never reads --------------------------------------------------------------------------
NEVER_READ_BYTES = 256 * 1024 * 1024
"""At most this many bytes of pipelined requests are sent (#19: 2.9 GB of answers piled up)."""
MAX_GROWTH = 64 * 1024 * 1024
READS_ON: dict[str, str] = {
    "apache": "Apache ends a connection after 100 requests (MaxKeepAliveRequests) and, lingering, reads "
              "and discards what follows",
}
"""Targets that read all a never-reading client sends (and drop it), and why."""


def pipeline_without_reading(target: Target, limit: int = NEVER_READ_BYTES) -> int:
    """Send Get-Printer-Attributes requests on one connection, never reading, until the server stops
    reading them (a send waits 1 s) or *limit* bytes are sent; the bytes sent."""
    batch = ipp_bytes() * 256
    sent = 0
    with target.connect(1.0) as sock, contextlib.suppress(TimeoutError, ConnectionError):
        while sent < limit:
            sock.sendall(batch)
            sent += len(batch)
    return sent


def test_a_client_that_never_reads_holds_little_memory(target: Target) -> None:
    for _ in range(20):  # what answering needs is loaded and allocated before the baseline
        assert outcome(target, GPA) == Outcome((200,), KEPT)
    before = target.rss()
    sampler = PeakRss(group_members(target.pgid))
    sampler.start()
    try:
        sent = pipeline_without_reading(target)
    finally:
        sampler.done.set()
        sampler.join()
    mib = 1 << 20
    print(f"\n{target.name}: a client pipelining {sent / mib:.1f} MiB of requests, never reading: RSS "
          f"{before / mib:.1f} MiB before, {sampler.peak / mib:.1f} MiB at the peak", end="")
    assert (sent >= NEVER_READ_BYTES) == (target.name in READS_ON), "the server went on reading"
    assert sampler.peak - before < MAX_GROWTH
    wait_for("the memory back after the client left", lambda: target.rss() - before < MAX_GROWTH // 4,
             timeout=ANSWER_WAIT)
    print(f", {target.rss() / mib:.1f} MiB after it left (PSS {target.pss() / mib:.1f} MiB)")
