"""The ipp-wsgi gunicorn worker class serving real connections: HTTP/1.1 semantics, limits, timeouts,
the inline and threaded paths, streaming, shutdown and TLS."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import require_tool
from harness.raw_http import SOCKET_TIMEOUT, closed_by_server, read_response, request_bytes
from worker_apps import STARTED_MARKER_VARIABLE
from worker_servers import KEEPALIVE, WorkerServer

pytestmark = pytest.mark.integration

UPLOAD_BYTES = 64 * 1024 * 1024


@pytest.fixture(scope="module", params=["uvloop", "asyncio"])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerServer]:
    """One gunicorn per event loop kind, shared by the tests that do not stop it."""
    running = WorkerServer(tmp_path_factory.mktemp("worker"), event_loop=request.param).start()
    yield running
    running.stop()


def exchange(server: WorkerServer, data: bytes, method: str = "POST") -> tuple[Any, socket.socket]:
    """Send *data* on a new connection; the response and the connection."""
    sock = server.connect()
    sock.sendall(data)
    return read_response(sock.makefile("rb"), method), sock


def seen(body: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(body)
    return result


def test_keep_alive_reuses_the_connection(server: WorkerServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=SOCKET_TIMEOUT)
    ports = []
    for body in (b"first", b"second"):
        connection.request("POST", "/echo?x=1", body=body)
        response = connection.getresponse()
        answer = seen(response.read())
        assert (response.status, answer["body"], answer["QUERY_STRING"]) == (200, body.decode(), "x=1")
        ports.append(connection.sock.getsockname()[1])
    connection.close()
    assert ports[0] == ports[1]


def test_pipelined_requests_are_answered_in_order(server: WorkerServer) -> None:
    sock = server.connect()
    sock.sendall(request_bytes("POST", "/echo", b"one") + request_bytes("POST", "/quick", b"two")
                 + request_bytes("POST", "/echo", b"three"))
    stream = sock.makefile("rb")
    bodies = [seen(read_response(stream).body)["body"] for _ in range(3)]
    assert bodies == ["one", "two", "three"]
    sock.close()


def test_pipelined_requests_then_the_clients_end_closed_are_all_answered(server: WorkerServer) -> None:
    """Like ``printf 'REQUESTS' | nc``: the requests, then EOF; every request is answered, then the end."""
    paths = ["/echo", "/quick", "/echo", "/stream", "/echo"] * 20
    sock = server.connect()
    sock.sendall(b"".join(request_bytes("POST", path, b"x" * 1000) for path in paths))
    sock.shutdown(socket.SHUT_WR)
    stream = sock.makefile("rb")
    for path in paths:
        assert read_response(stream).status == 200, path
    assert stream.read() == b""
    sock.close()


def test_chunked_request_body(server: WorkerServer) -> None:
    parts = [os.urandom(1000 * (index + 1)) for index in range(20)]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=SOCKET_TIMEOUT)
    connection.request("POST", "/hash", body=iter(parts), encode_chunked=True)
    answer = seen(connection.getresponse().read())
    connection.close()
    whole = b"".join(parts)
    assert answer == {"sha256": hashlib.sha256(whole).hexdigest(), "length": len(whole)}


def test_expect_100_continue_is_answered_before_the_body(server: WorkerServer) -> None:
    sock = server.connect()
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    stream = sock.makefile("rb")
    assert stream.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert stream.readline() == b"\r\n"
    sock.sendall(b"hello")
    assert seen(read_response(stream).body)["body"] == "hello"
    sock.close()


def test_head_sends_no_body(server: WorkerServer) -> None:
    sock = server.connect()
    sock.sendall(request_bytes("HEAD", "/quick") + request_bytes("GET", "/quick?after"))
    stream = sock.makefile("rb")
    head = read_response(stream, "HEAD")
    after = read_response(stream, "GET")
    assert head.status == 200 and int(head.headers["content-length"]) > 0
    assert seen(after.body)["QUERY_STRING"] == "after"  # nothing of the HEAD body came in between
    sock.close()


def test_http10_without_keep_alive_is_closed(server: WorkerServer) -> None:
    response, sock = exchange(server, request_bytes("GET", "/echo", version="HTTP/1.0"), "GET")
    assert response.status == 200 and response.headers["connection"] == "close"
    assert seen(response.body)["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert closed_by_server(sock)


def test_http10_keep_alive(server: WorkerServer) -> None:
    request = request_bytes("GET", "/echo", version="HTTP/1.0", headers=[("Connection", "keep-alive")])
    sock = server.connect()
    stream = sock.makefile("rb")
    for _ in range(2):
        sock.sendall(request)
        response = read_response(stream, "GET")
        assert (response.status, response.headers["connection"]) == (200, "keep-alive")
    sock.close()


def test_response_without_length_is_chunked_on_http11(server: WorkerServer) -> None:
    response, sock = exchange(server, request_bytes("GET", "/stream"), "GET")
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.body == b"part 0\npart 1\npart 2\n"
    sock.close()


def test_response_without_length_is_close_delimited_on_http10(server: WorkerServer) -> None:
    response, sock = exchange(server, request_bytes("GET", "/stream", version="HTTP/1.0"), "GET")
    assert "transfer-encoding" not in response.headers and response.headers["connection"] == "close"
    assert response.body == b"part 0\npart 1\npart 2\n"
    sock.close()


@pytest.mark.parametrize(("data", "status"), [
    (b"NOT A REQUEST\r\n\r\n", 400),
    (b"GET /\x00 HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", 417),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET /\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 501),
], ids=["not HTTP", "NUL in the target", "long header", "long target", "Host twice", "Expect teapot",
        "no Host", "HTTP/0.9", "HTTP/2.0", "gzip, chunked"])
def test_bad_requests_are_refused_and_closed(server: WorkerServer, data: bytes, status: int) -> None:
    response, sock = exchange(server, data, "GET")
    assert response.status == status
    assert response.headers["connection"] == "close"
    assert closed_by_server(sock)


HTTP10_CHUNKED = [("Connection", "keep-alive"), ("Transfer-Encoding", "chunked")]


@pytest.mark.parametrize("first", [
    request_bytes("POST", "/echo", version="HTTP/1.0", headers=HTTP10_CHUNKED) + b"0\r\n\r\n",
    request_bytes("CONNECT", "printer:443"),
    request_bytes("GET", "/echo", headers=[("Connection", "close")]),
], ids=["HTTP/1.0 with Transfer-Encoding", "CONNECT", "Connection: close"])
def test_a_connections_last_request_is_answered_then_it_closes(server: WorkerServer, first: bytes) -> None:
    """What follows such a request is not read, let alone answered (RFC 9112 sections 6.1 and 9.6)."""
    sock = server.connect()
    sock.sendall(first + request_bytes("GET", "/quick"))
    stream = sock.makefile("rb")
    assert read_response(stream, "GET").headers["connection"] == "close"
    assert stream.read() == b""  # then the end of the connection
    sock.close()


def test_idle_keep_alive_connection_is_closed(server: WorkerServer) -> None:
    response, sock = exchange(server, request_bytes("GET", "/quick"), "GET")
    assert response.status == 200
    started = time.monotonic()
    assert closed_by_server(sock)
    assert time.monotonic() - started >= KEEPALIVE - 1  # closed for idleness, not at once


@pytest.mark.parametrize(("sent", "length"), [(10, 200_000), (70_000, 200_000), (300_000, 2_000_000)],
                         ids=["buffered", "streamed", "read-directly"])
def test_stalled_body_fails_the_read_then_closes(server: WorkerServer, sent: int, length: int) -> None:
    sock = server.connect()
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % length + b"x" * sent)
    response = read_response(sock.makefile("rb"))
    assert response.status == 500  # the application's read raised; /echo does not catch it
    assert response.headers["connection"] == "close"
    assert closed_by_server(sock)


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerServer]:
    """A worker that wants bodies at 20,000 bytes/s (after the 1 s client timeout) and request heads
    within 1 s."""
    running = WorkerServer(tmp_path_factory.mktemp("strict"), env={
        "IPP_WSGI_BODY_MIN_RATE": "20000", "IPP_WSGI_HEADER_TIMEOUT": "1"}).start()
    yield running
    running.stop()


def trickle(sock: socket.socket, data: bytes, interval: float) -> None:
    """Send *data* a byte every *interval* seconds until the server closes the connection."""
    with contextlib.suppress(OSError):
        for index in range(len(data)):
            sock.send(data[index:index + 1])
            time.sleep(interval)


@pytest.mark.parametrize(("sent", "length"), [(10, 200_000), (70_000, 200_000), (70_000, 2_000_000)],
                         ids=["buffered", "streamed", "read-directly"])
def test_a_trickled_body_fails_the_read_then_closes(strict_server: WorkerServer, sent: int,
                                                    length: int) -> None:
    """Never silent for 1 s, but 10 bytes/s: the application's read fails once the grace and what the
    bytes received bought (50 us each) are spent."""
    sock = strict_server.connect()
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % length + b"x" * sent)
    sender = threading.Thread(target=trickle, args=(sock, b"y" * 1000, 0.1), daemon=True)
    sender.start()
    response = read_response(sock.makefile("rb"))
    assert (response.status, response.headers["connection"]) == (500, "close")
    assert closed_by_server(sock)


def test_a_request_head_sent_slowly_gets_408(strict_server: WorkerServer) -> None:
    sock = strict_server.connect()
    sender = threading.Thread(target=trickle, args=(sock, b"GET / HTTP/1.1\r\nHost: " + b"t" * 100, 0.1),
                              daemon=True)
    sender.start()
    response = read_response(sock.makefile("rb"), "GET")
    assert (response.status, response.headers["connection"]) == (408, "close")
    assert closed_by_server(sock)


def test_stalled_request_head_is_disconnected(server: WorkerServer) -> None:
    sock = server.connect()
    sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
    assert closed_by_server(sock)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_large_upload_is_streamed_to_the_application(server: WorkerServer, chunked: bool) -> None:
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    for _ in range(UPLOAD_BYTES // len(block)):
        digest.update(block)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=SOCKET_TIMEOUT)
    blocks = (block for _ in range(UPLOAD_BYTES // len(block)))
    headers = {} if chunked else {"Content-Length": str(UPLOAD_BYTES)}
    connection.request("POST", "/hash", body=blocks, headers=headers, encode_chunked=chunked)
    answer = seen(connection.getresponse().read())
    connection.close()
    assert answer == {"sha256": digest.hexdigest(), "length": UPLOAD_BYTES}


def test_a_connection_goes_on_after_a_body_read_from_the_socket(server: WorkerServer) -> None:
    """A large Content-Length body is read by the request's thread from the socket; the request sent
    right behind it in the same packets is the connection's next one."""
    body = os.urandom(3 * 1024 * 1024)
    lines = b"".join(b"line %d\n" % index for index in range(200_000))
    sock = server.connect()
    sock.sendall(request_bytes("POST", "/hash", body) + request_bytes("POST", "/lines", lines)
                 + request_bytes("POST", "/echo", b"x" * 400_000) + request_bytes("POST", "/echo", b"last"))
    stream = sock.makefile("rb")
    assert seen(read_response(stream).body) == {"sha256": hashlib.sha256(body).hexdigest(),
                                                "length": len(body)}
    assert seen(read_response(stream).body) == {"sha256": hashlib.sha256(lines).hexdigest(), "lines": 200_000}
    assert seen(read_response(stream).body)["body"] == "x" * 400_000  # read() (read1) from the socket
    assert seen(read_response(stream).body)["body"] == "last"
    sock.close()


@pytest.mark.parametrize("headers", [(), (("Connection", "close"),)], ids=["keep-alive", "connection-close"])
def test_a_large_unread_body_closes_the_connection_after_the_answer(
        server: WorkerServer, headers: tuple[tuple[str, str], ...]) -> None:
    sock = server.connect()

    def send() -> None:
        # The server answers and closes while the body is still on its way: the rest of the send may be
        # refused (reset), as with any server that does not read a body to its end.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(request_bytes("POST", "/ignore", b"z" * 3_000_000, headers=headers))

    sender = threading.Thread(target=send)
    sender.start()
    assert seen(read_response(sock.makefile("rb")).body) == {"ignored": True}
    assert closed_by_server(sock)
    sender.join()


def test_unread_body_is_skipped_and_the_connection_kept(server: WorkerServer) -> None:
    sock = server.connect()
    sock.sendall(request_bytes("POST", "/ignore", b"z" * 200000) + request_bytes("POST", "/echo", b"next"))
    stream = sock.makefile("rb")
    assert seen(read_response(stream).body) == {"ignored": True}
    assert seen(read_response(stream).body)["body"] == "next"
    sock.close()


@pytest.mark.parametrize(("path", "inline"), [("/quick", True), ("/echo", False)])
def test_only_quick_requests_run_in_the_event_loop(server: WorkerServer, path: str, inline: bool) -> None:
    response, sock = exchange(server, request_bytes("POST", path, b"ipp"))
    answer = seen(response.body)
    assert answer["inline"] is inline
    assert answer["quick_body"] is True  # a complete small body is also in environ["ipp_wsgi.body"]
    sock.close()


@pytest.mark.parametrize(("path", "thread"), [("/local", "ipp-wsgi-local"), ("/echo", "ipp-wsgi-request")])
def test_local_requests_run_on_the_local_thread(server: WorkerServer, path: str, thread: str) -> None:
    response, sock = exchange(server, request_bytes("POST", path, b"ipp"))
    assert seen(response.body)["thread"].startswith(f"{thread}_")
    sock.close()


@pytest.mark.parametrize("path", ["/local", "/echo", "/quick"])
def test_a_request_with_a_streamed_body_runs_in_the_upload_pool(server: WorkerServer, path: str) -> None:
    """A body too big to wait for whole is streamed to the application, whose thread may then wait for the
    client: the upload pool's work, not the local thread's nor the other requests' pool."""
    body = b"x" * (128 * 1024)
    response, sock = exchange(server, request_bytes("POST", path, body))
    answer = seen(response.body)
    assert answer["thread"].startswith("ipp-wsgi-upload_") and len(answer["body"]) == len(body)
    sock.close()


def test_application_error_answers_500_and_the_worker_goes_on(server: WorkerServer) -> None:
    response, sock = exchange(server, request_bytes("GET", "/error"), "GET")
    assert response.status == 500 and b"Traceback" not in response.body
    assert closed_by_server(sock)
    response, sock = exchange(server, request_bytes("GET", "/quick"), "GET")
    assert response.status == 200
    sock.close()


def test_environ(server: WorkerServer) -> None:
    request = request_bytes("POST", "/a%20b/c?q=1", b"{}", headers=[
        ("Content-Type", "application/json"), ("X-Repeated", "1"), ("X-Repeated", "2"),
        ("X_Under_Score", "dropped")])
    response, sock = exchange(server, request)
    answer = seen(response.body)
    sock.close()
    assert answer["PATH_INFO"] == "/a b/c" and answer["RAW_URI"] == "/a%20b/c?q=1"
    assert (answer["QUERY_STRING"], answer["CONTENT_TYPE"]) == ("q=1", "application/json")
    assert answer["CONTENT_LENGTH"] == "2"
    assert (answer["SERVER_NAME"], answer["SERVER_PORT"]) == ("127.0.0.1", str(server.port))
    assert (answer["REMOTE_ADDR"], answer["SCRIPT_NAME"]) == ("127.0.0.1", "")
    assert answer["HTTP_X_REPEATED"] == "1,2" and answer["HTTP_X_UNDER_SCORE"] is None
    assert answer["wsgi.url_scheme"] == "http" and answer["wsgi.multithread"] is True
    assert answer["wsgi.input_terminated"] is True


def test_forwarded_proto_from_a_trusted_proxy_means_https(server: WorkerServer) -> None:
    response, sock = exchange(server, request_bytes("GET", "/echo", headers=[("X-Forwarded-Proto", "https")]),
                              "GET")
    sock.close()
    assert seen(response.body)["wsgi.url_scheme"] == "https"


def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    server = WorkerServer(tmp_path, env={STARTED_MARKER_VARIABLE: str(marker)}).start()
    try:
        sock = server.connect()
        sock.sendall(request_bytes("GET", "/slow?1.5"))
        deadline = time.monotonic() + SOCKET_TIMEOUT
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists()
        os.kill(server.process.pid, signal.SIGTERM)
        response = read_response(sock.makefile("rb"), "GET")
        assert response.status == 200 and seen(response.body)["PATH_INFO"] == "/slow"
        assert closed_by_server(sock)
        server.process._popen.wait(SOCKET_TIMEOUT)  # type: ignore[union-attr]
        assert not server.process.running()
    finally:
        server.stop()


def test_a_bad_limit_stops_the_worker_with_one_line(tmp_path: Path) -> None:
    server = WorkerServer(tmp_path, env={"IPP_WSGI_BODY_MIN_RATE": "fast"})
    server.process.start()
    try:
        code = server.process._popen.wait(SOCKET_TIMEOUT)  # type: ignore[union-attr]
    finally:
        server.stop()
    log = server.process.log.read_text()
    assert code != 0 and "IPP_WSGI_BODY_MIN_RATE='fast': not a number >= 0" in log
    assert "Traceback" not in log


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run([require_tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def test_tls(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    server = WorkerServer(tmp_path, extra_args=["--certfile", str(cert), "--keyfile", str(key)]).start()
    try:
        context = ssl.create_default_context(cafile=str(cert))
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=context,
                                                 timeout=SOCKET_TIMEOUT)
        for path in ("/quick", "/echo"):
            connection.request("POST", path, body=b"secret")
            answer = seen(connection.getresponse().read())
            assert (answer["wsgi.url_scheme"], answer["body"]) == ("https", "secret")
        connection.close()
    finally:
        server.stop()


def test_concurrent_clients(server: WorkerServer) -> None:
    failures: list[BaseException] = []

    def client(index: int) -> None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=SOCKET_TIMEOUT)
            for round_ in range(20):
                body = f"{index}-{round_}".encode()
                connection.request("POST", "/echo" if round_ % 2 else "/quick", body=body)
                assert seen(connection.getresponse().read())["body"] == body.decode()
            connection.close()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
