"""deploy/gunicorn and deploy/systemd: gunicorn with the shipped gunicorn.conf.py serving ipps:// with
its own certificate, and started by socket activation as ipp-wsgi.socket does; the units verified."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_servers import (
    ADMIN,
    CONFORMANCE_DOCUMENT,
    CONFORMANCE_FILES,
    DEPLOY,
    PROXY_USER_HEADER,
    UPSTREAMS,
    Credentials,
    Deployment,
    check_cancel_of_anothers_job_refused,
    check_chunked_print_job,
    check_ipps_uris,
    check_lp_over_tls,
    pause_printer,
    replace_all,
    running,
    service_user,
    shared_dir,
    start_gunicorn,
    start_upstream,
    upstream_process,
)
from harness import Ipptool, SampleDocuments, require_tool
from harness.ipptool import assert_ipptool_passed
from harness.processes import LOOPBACK, parent_of, pids_with_arguments

from ipp_wsgi.codec import decode, status


@pytest.fixture(scope="module")
def gunicorn_tls(request: pytest.FixtureRequest, credentials: Credentials) -> Iterator[Deployment]:
    """gunicorn -c deploy/gunicorn/gunicorn.conf.py with IPP_WSGI_CERTFILE/KEYFILE: TLS only."""
    with running(request, "ipp-wsgi-gunicorn-", lambda root: start_gunicorn(root, credentials)) as deployment:
        yield deployment


@pytest.mark.parametrize("test_file", CONFORMANCE_FILES)
def test_stock_ipptool_file_passes_over_tls(gunicorn_tls: Deployment, ipptool: Ipptool,
                                            test_file: str) -> None:
    assert_ipptool_passed(ipptool.run(gunicorn_tls.uri(tls=True), test_file, file=CONFORMANCE_DOCUMENT))


def test_printer_uris_are_ipps(gunicorn_tls: Deployment) -> None:
    check_ipps_uris(gunicorn_tls)


def test_chunked_print_job_prints_the_document(gunicorn_tls: Deployment, ipptool: Ipptool,
                                                sample_documents: SampleDocuments) -> None:
    check_chunked_print_job(gunicorn_tls, ipptool, sample_documents.path("document-a4.pdf"), tls=True)


def test_lp_prints_over_tls(gunicorn_tls: Deployment, sample_documents: SampleDocuments,
                            tmp_path: Path) -> None:
    check_lp_over_tls(gunicorn_tls, sample_documents.path("testfile.txt"), tmp_path / "home")


def test_a_spooler_process_prints_beside_the_workers(gunicorn_tls: Deployment) -> None:
    """gunicorn.conf.py's when_ready hook starts ``ipp-wsgi spooler`` with the deployment's configuration,
    as a child of the gunicorn master."""
    (spooler,) = pids_with_arguments("spooler", str(gunicorn_tls.config))
    master = parent_of(spooler)
    assert master is not None and b"gunicorn" in Path(f"/proc/{master}/cmdline").read_bytes()


def test_admin_operation_needs_an_authenticating_server(gunicorn_tls: Deployment) -> None:
    """gunicorn alone authenticates nobody, and a client's Authorization header is no identity."""
    for auth in (None, ("admin", "anything")):
        answer = pause_printer(gunicorn_tls, "/admin", auth=auth)
        assert answer.ipp is not None and answer.ipp.code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def test_cancelling_anothers_job_is_refused(gunicorn_tls: Deployment) -> None:
    check_cancel_of_anothers_job_refused(gunicorn_tls, tls=True)


def test_socket_activation_serves_ipp(request: pytest.FixtureRequest, ipptool: Ipptool) -> None:
    """As ipp-wsgi.socket does: the port is opened by systemd-socket-activate and passed to gunicorn."""
    with running(request, "ipp-wsgi-socket-",
                              lambda root: start_gunicorn(root, None, activate_socket=True)) as deployment:
        assert_ipptool_passed(ipptool.run(deployment.uri(), "get-printer-attributes.test"))


STALL_TIMEOUT = 2
"""IPP_WSGI_CLIENT_TIMEOUT for the stalled-client test: short, so the test is quick."""


def test_a_client_that_stalls_mid_request_is_answered_and_dropped(request: pytest.FixtureRequest,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers and the start of a body, then silence: without the conf's client_timeout the request's
    thread would wait for the rest of the body as long as TCP keeps the connection (hours)."""
    monkeypatch.setenv("IPP_WSGI_CLIENT_TIMEOUT", str(STALL_TIMEOUT))
    with (running(request, "ipp-wsgi-stall-", lambda root: start_gunicorn(root, None)) as deployment,
          socket.create_connection((LOOPBACK, deployment.port)) as client):
        client.sendall(b"POST /ipp/print HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/ipp\r\n"
                       b"Content-Length: 100000\r\n\r\n\x02\x00")
        # generous: the point is that the server gives up at all, not how promptly
        client.settimeout(STALL_TIMEOUT * 15)
        answer = b""
        while chunk := client.recv(65536):  # until the server closes the connection
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert decode(body).code == status.CLIENT_ERROR_BAD_REQUEST


def test_systemd_units_verify(tmp_path: Path) -> None:
    """systemd-analyze verify accepts both units, with ExecStart pointing at a real gunicorn."""
    analyze = require_tool("systemd-analyze")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    service = replace_all((DEPLOY / "systemd" / "ipp-wsgi.service").read_text(),
                          {"ExecStart=/opt/ipp-wsgi/bin/gunicorn": f"ExecStart={gunicorn}"})
    (tmp_path / "ipp-wsgi.service").write_text(service)
    shutil.copy(DEPLOY / "systemd" / "ipp-wsgi.socket", tmp_path / "ipp-wsgi.socket")
    done = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / "ipp-wsgi.socket"),
                           str(tmp_path / "ipp-wsgi.service")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ipp-wsgi" not in done.stderr, done.stderr


# -- whom the user header is believed from: the same settings under the recipe and `ipp-wsgi serve`
def pause_as_admin_by_header(deployment: Deployment, **headers: str) -> int:
    """Pause-Printer on the upstream's loopback port, naming the administrator in the proxy's header."""
    answer = pause_printer(deployment, "/admin", tls=False, headers={PROXY_USER_HEADER: ADMIN, **headers})
    assert answer.ipp is not None, answer.status
    return answer.ipp.code


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_the_user_header_from_loopback_is_no_identity(request: pytest.FixtureRequest, system_venv: Path,
                                                      upstream: str) -> None:
    """What any local account could do to an upstream on 127.0.0.1: name itself admin. By default only
    the Unix socket is a proxy's."""
    with running(request, "ipp-wsgi-loopback-", lambda root: start_upstream(root, system_venv,
                                                                            upstream)) as deployment:
        assert pause_as_admin_by_header(deployment) == status.CLIENT_ERROR_NOT_AUTHENTICATED


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_a_listed_proxy_address_needs_the_secret(request: pytest.FixtureRequest, system_venv: Path,
                                                 upstream: str) -> None:
    """The TCP option: nginx's address listed, and the secret it sends; without the secret the header is
    no one's word."""
    secret = "a-shared-secret-of-nginx-and-ipp-wsgi"

    def start(root: Path) -> Deployment:
        secret_file = root / "proxy-secret"
        secret_file.write_text(secret + "\n")
        secret_file.chmod(0o600)
        shutil.chown(secret_file, *service_user())
        env = {"IPP_WSGI_TRUSTED_PROXIES": LOOPBACK, "IPP_WSGI_PROXY_SECRET_FILE": str(secret_file)}
        return start_upstream(root, system_venv, upstream, env)

    with running(request, "ipp-wsgi-secret-", start) as deployment:
        assert pause_as_admin_by_header(deployment) == status.CLIENT_ERROR_NOT_AUTHENTICATED
        for wrong in (secret[::-1], secret[:-1]):
            sent = {"X-IPP-WSGI-Proxy-Secret": wrong}
            assert pause_as_admin_by_header(deployment, **sent) == status.CLIENT_ERROR_NOT_AUTHENTICATED
        sent = {"X-IPP-WSGI-Proxy-Secret": secret}
        assert pause_as_admin_by_header(deployment, **sent) == status.SUCCESSFUL_OK


@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_trusting_an_address_without_a_secret_stops_the_server(system_venv: Path, upstream: str) -> None:
    """IPP_WSGI_TRUSTED_PROXIES=127.0.0.1 with a user header and no secret: one line, a non-zero exit."""
    root = shared_dir("ipp-wsgi-no-secret-")
    try:
        deployment = Deployment(root, 8631, None)
        process = upstream_process(deployment, system_venv, upstream, f"{LOOPBACK}:8631",
                                   {"IPP_WSGI_TRUSTED_PROXIES": LOOPBACK})
        done = subprocess.run(process.argv, env=process.env, user=process.user, group=process.group,
                              extra_groups=[] if process.user else None, capture_output=True, text=True,
                              timeout=120, check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("ipp-wsgi: ")]
    assert len(lines) == 1 and "IPP_WSGI_PROXY_SECRET_FILE" in lines[0], done.stdout + done.stderr
    assert "Traceback" not in done.stderr
