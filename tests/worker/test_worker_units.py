"""The parts of the ipp-wsgi worker that need no server: environ building, the streamed request body,
and response framing."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import pytest
from gunicorn.config import Config

from ipp_wsgi.worker.environ import BadRequest, EnvironFactory
from ipp_wsgi.worker.request_body import HIGH_WATER, LOW_WATER, RequestBody
from ipp_wsgi.worker.response import Clock, Response

PEER = ("192.0.2.7", 40000)
SERVER = ("127.0.0.1", 8631)


def build(headers: list[tuple[bytes, bytes]], url: bytes = b"/", peer: Any = PEER,
          cfg: Config | None = None, server: Any = SERVER, version: str = "1.0") -> dict[str, Any]:
    """The environ of a request (HTTP/1.0 by default: no Host needed)."""
    factory = EnvironFactory(cfg or Config())
    base = factory.connection_base(server, peer)
    return factory.build(base, b"POST", url, version, headers, factory.trusted(peer))


def test_environ_from_request_line_and_headers() -> None:
    environ = build([(b"Content-Type", b"application/ipp"), (b"Content-Length", b"9"), (b"Accept", b"a"),
                     (b"accept", b"b"), (b"X_Sneaky", b"1")], url=b"/ipp/pr%69nt?x=%41#frag")
    assert environ["REQUEST_METHOD"] == "POST" and environ["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/ipp/print", "x=%41")
    assert environ["RAW_URI"] == "/ipp/pr%69nt?x=%41#frag"
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("application/ipp", "9")
    assert environ["HTTP_ACCEPT"] == "a,b"
    assert not any("SNEAKY" in key for key in environ)
    assert (environ["REMOTE_ADDR"], environ["REMOTE_PORT"]) == (PEER[0], str(PEER[1]))
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "8631")
    assert environ["wsgi.url_scheme"] == "http" and environ["SCRIPT_NAME"] == ""


def test_percent_decoded_path_is_latin1() -> None:
    assert build([], url=b"/caf%C3%A9")["PATH_INFO"] == "/caf\u00c3\u00a9"


def test_absolute_form_target() -> None:
    environ = build([], url=b"http://example.test:631/ipp/print?a=1")
    assert (environ["PATH_INFO"], environ["QUERY_STRING"]) == ("/ipp/print", "a=1")


@pytest.mark.parametrize(("peer", "scheme"), [(("127.0.0.1", 5), "https"), (PEER, "http")])
def test_forwarded_proto_only_from_trusted_proxies(peer: Any, scheme: str) -> None:
    assert build([(b"X-Forwarded-Proto", b"https")], peer=peer)["wsgi.url_scheme"] == scheme


def test_contradictory_scheme_headers_are_refused() -> None:
    with pytest.raises(BadRequest):
        build([(b"X-Forwarded-Proto", b"https"), (b"X-Forwarded-Ssl", b"off")], peer=("127.0.0.1", 5))


@pytest.mark.parametrize("name", [b"Host", b"Content-Length", b"Content-Type"])
def test_repeated_singleton_fields_are_refused(name: bytes) -> None:
    with pytest.raises(BadRequest):
        build([(name, b"1"), (name, b"2")])


def test_script_name_from_a_trusted_forwarder() -> None:
    environ = build([(b"SCRIPT_NAME", b"/app")], url=b"/app/ipp/print", peer=("127.0.0.1", 5))
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/app", "/ipp/print")
    environ = build([(b"SCRIPT_NAME", b"/app")], url=b"/app/ipp/print")
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("", "/app/ipp/print")


def test_unix_socket_server_name_from_host() -> None:
    environ = build([(b"Host", b"printer.test:631")], peer="", server="/run/ipp.sock")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("printer.test", "631")
    assert environ["REMOTE_ADDR"] == ""


@pytest.mark.parametrize(("headers", "version", "status"), [
    ([], "1.1", "400"),
    ([(b"Host", b"a b")], "1.1", "400"),
    ([(b"Host", b"user@printer")], "1.0", "400"),
    ([(b"Host", b"printer.test:631/x")], "1.1", "400"),
    ([(b"Host", b"h"), (b"Transfer-Encoding", b"gzip, chunked")], "1.1", "501"),
    ([(b"Host", b"h"), (b"Transfer-Encoding", b"identity")], "1.1", "400"),
    ([(b"Host", b"h"), (b"Transfer-Encoding", b"chunked"), (b"Transfer-Encoding", b"gzip")], "1.1", "400"),
    ([(b"Host", b"h")], "0.9", "400"),
    ([(b"Host", b"h")], "2.0", "505"),
], ids=["no Host", "Host with a space", "Host with userinfo", "Host with a path", "gzip then chunked",
        "identity", "chunked then gzip", "HTTP/0.9", "HTTP/2.0"])
def test_messages_rfc_9112_refuses(headers: list[tuple[bytes, bytes]], version: str, status: str) -> None:
    with pytest.raises(BadRequest) as refused:
        build(headers, version=version)
    assert refused.value.status.startswith(status)


def test_a_later_minor_version_is_served_as_http11() -> None:
    assert build([(b"Host", b"h")], version="1.2")["SERVER_PROTOCOL"] == "HTTP/1.1"


@pytest.mark.parametrize("host", [b"", b"printer.test", b"printer.test:631", b"[::1]:8631", b"10.0.0.1",
                                  b"[fe80::1%25eth0]"])
def test_hosts_rfc_9112_accepts(host: bytes) -> None:
    environ = build([(b"Host", host), (b"Transfer-Encoding", b"Chunked")], version="1.1")
    assert environ["HTTP_HOST"] == host.decode()


class FlowRecorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def pause(self) -> None:
        self.events.append("pause")

    def resume(self) -> None:
        self.events.append("resume")


def body_of(*chunks: bytes, timeout: float = 5.0) -> tuple[RequestBody, FlowRecorder]:
    flow = FlowRecorder()
    body = RequestBody(timeout, flow.pause, flow.resume)
    for chunk in chunks:
        body.feed(chunk)
    body.feed_eof()
    return body, flow


def test_reads_across_chunks() -> None:
    body, _ = body_of(b"ab", b"cd\nef", b"g\n", b"tail")
    assert body.read(3) == b"abc"
    assert body.readline() == b"d\n"
    assert list(body) == [b"efg\n", b"tail"]
    assert body.read() == b"" and body.finished


def test_readinto_and_read1() -> None:
    body, _ = body_of(b"0123", b"4567")
    buffer = bytearray(6)
    assert body.readinto(buffer) == 6 and bytes(buffer) == b"012345"
    assert body.read1(10) == b"67" and body.readinto(buffer) == 0


def test_readline_limit_and_readlines() -> None:
    body, _ = body_of(b"abcdef\n", b"x\ny\n")
    assert body.readline(4) == b"abcd"
    assert body.readlines() == [b"ef\n", b"x\n", b"y\n"]


def test_read_all_waits_for_the_writer() -> None:
    flow = FlowRecorder()
    body = RequestBody(5.0, flow.pause, flow.resume)
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(body.read()))
    reader.start()
    for chunk in (b"a" * 1000, b"b" * 1000):
        body.feed(chunk)
    body.feed_eof()
    reader.join()
    assert result == [b"a" * 1000 + b"b" * 1000]


def test_flow_control_pauses_and_resumes() -> None:
    flow = FlowRecorder()
    body = RequestBody(5.0, flow.pause, flow.resume)
    chunk = b"x" * (64 * 1024)
    for _ in range(HIGH_WATER // len(chunk) + 1):
        body.feed(chunk)
    assert flow.events == ["pause"]
    body.read(HIGH_WATER + len(chunk) - LOW_WATER)
    assert flow.events == ["pause"]  # LOW_WATER bytes still queued
    body.read(1)
    assert flow.events == ["pause", "resume"]


def test_stalled_writer_times_out() -> None:
    body = RequestBody(0.05, lambda: None, lambda: None)
    body.feed(b"abc")
    assert body.read(3) == b"abc"
    with pytest.raises(OSError, match="no data"):
        body.read(1)


def direct_body(min_rate: float, length: int) -> tuple[RequestBody, socket.socket]:
    """A body of *length* bytes read from a socket (the client's end returned), at least *min_rate*
    bytes/s after 1 s of grace."""
    ours, client = socket.socketpair()
    body = RequestBody(1.0, lambda: None, lambda: None, min_rate=min_rate)
    body.read_directly(ours, length, lambda: None)
    return body, client


def test_a_trickling_client_runs_out_of_its_allowance() -> None:
    """1 byte every 20 ms is 50 bytes/s: at a minimum of 1000 bytes/s, the reader's waits soon exceed the
    1 s of grace plus what the bytes received bought (1 ms each)."""
    body, client = direct_body(1000, 1_000_000)
    stop = threading.Event()

    def trickle() -> None:
        with contextlib.suppress(OSError):  # the reader gave up and closed its end
            while not stop.wait(0.02):
                client.send(b"x")

    writer = threading.Thread(target=trickle)
    writer.start()
    try:
        with pytest.raises(TimeoutError, match="slower than 1000 bytes/s"):
            while body.read(1):
                pass
    finally:
        stop.set()
        writer.join()
        client.close()
    assert body.timed_out


def test_a_steady_client_is_not_cut_off() -> None:
    body, client = direct_body(1000, 30_000)

    def send() -> None:
        for _ in range(30):
            client.sendall(b"x" * 1000)
            time.sleep(0.01)

    writer = threading.Thread(target=send)
    writer.start()
    assert len(body.read()) == 30_000 and not body.timed_out
    writer.join()
    client.close()


def test_abort_fails_reads() -> None:
    body, _ = body_of(b"abc")
    body.abort(ConnectionResetError("gone"))
    with pytest.raises(ConnectionResetError):
        body.read(1)


class Wire:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def __call__(self, data: bytes) -> None:
        self.writes.append(data)

    def split(self) -> tuple[str, bytes]:
        head, _, body = b"".join(self.writes).partition(b"\r\n\r\n")
        return head.decode("latin-1"), body


def respond(method: str = "GET", http10: bool = False, keep_alive: bool = True) -> tuple[Response, Wire]:
    wire = Wire()
    return Response(wire, Clock(), method, http10, keep_alive), wire


def test_list_body_goes_out_in_one_write_with_its_length() -> None:
    response, wire = respond()
    response.start_response("200 OK", [("Content-Type", "text/plain")])
    response.write_all([b"hello ", b"world"])
    head, body = wire.split()
    assert len(wire.writes) == 1 and body == b"hello world"
    assert head.startswith("HTTP/1.1 200 OK\r\n") and "Content-Length: 11" in head and "Date: " in head
    assert response.keep_alive


def test_iterated_body_without_length_is_chunked() -> None:
    response, wire = respond()
    response.start_response("200 OK", [])
    for chunk in (b"ab", b"", b"cde"):
        response.write(chunk)
    response.finish()
    head, body = wire.split()
    assert "Transfer-Encoding: chunked" in head and body == b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"


def test_http10_without_length_closes() -> None:
    response, wire = respond(http10=True)
    response.start_response("200 OK", [])
    response.write(b"data")
    response.finish()
    head, body = wire.split()
    assert "Connection: close" in head and "chunked" not in head and body == b"data"
    assert not response.keep_alive


def test_head_sends_the_length_but_no_body() -> None:
    response, wire = respond("HEAD")
    response.start_response("200 OK", [("Content-Length", "5")])
    response.write_all([b"hello"])
    head, body = wire.split()
    assert "Content-Length: 5" in head and body == b""


def test_hop_by_hop_headers_are_dropped_and_bad_ones_refused() -> None:
    response, wire = respond()
    response.start_response("204 No Content", [("Connection", "upgrade"), ("X-Ok", "1")])
    response.finish()
    head, _ = wire.split()
    assert "X-Ok: 1" in head and "upgrade" not in head and "Content-Length" not in head
    with pytest.raises(ValueError):
        respond()[0].start_response("200 OK", [("X-Bad", "a\r\nInjected: 1")])
    with pytest.raises(ValueError):
        respond()[0].start_response("OK", [])


def test_short_body_closes_the_connection() -> None:
    response, _ = respond()
    response.start_response("200 OK", [("Content-Length", "10")])
    response.write(b"abc")
    response.finish()
    assert not response.keep_alive


def test_send_error_replaces_an_unsent_response() -> None:
    response, wire = respond()
    response.start_response("200 OK", [("Content-Length", "3")])
    response.send_error("500 Internal Server Error")
    head, body = wire.split()
    assert head.startswith("HTTP/1.1 500 ") and "Connection: close" in head
    assert body == b"Internal Server Error\n"
