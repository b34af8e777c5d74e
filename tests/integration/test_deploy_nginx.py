"""deploy/nginx: nginx with TLS and auth_basic on /admin in front of gunicorn (the shipped
gunicorn.conf.py) or ``ipp-wsgi serve``, on a Unix socket only nginx reaches; the user passed in
X-Remote-User and believed over that socket only (ipp_wsgi.proxy)."""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_servers import (
    CONFORMANCE_DOCUMENT,
    CONFORMANCE_FILES,
    SYSTEM_PYTHON,
    UPSTREAMS,
    Credentials,
    Deployment,
    check_admin_refused,
    check_admin_with_credentials,
    check_cancel_of_anothers_job_refused,
    check_chunked_print_job,
    check_forged_identity_refused,
    check_ipps_uris,
    check_lp_over_tls,
    running,
    service_user,
    start_nginx,
)
from harness import Ipptool, SampleDocuments
from harness.ipptool import assert_ipptool_passed
from harness.tools import require_root
from hostile_clients import attacking, connect_answer, flood, still_serves_others


@pytest.fixture(scope="module")
def nginx(request: pytest.FixtureRequest, credentials: Credentials,
          system_venv: Path) -> Iterator[Deployment]:
    """nginx from deploy/nginx/ipp-wsgi.conf (TLS on 127.0.0.1) proxying to gunicorn.conf.py's gunicorn."""
    with running(request, "ipp-wsgi-nginx-",
                 lambda root: start_nginx(root, credentials, system_venv)) as deployment:
        yield deployment


@pytest.fixture(scope="module", params=UPSTREAMS)
def proxied(request: pytest.FixtureRequest, credentials: Credentials,
            system_venv: Path) -> Iterator[Deployment]:
    """nginx in front of each upstream: the gunicorn recipe (the ``nginx`` deployment), ``ipp-wsgi serve``."""
    if request.param == UPSTREAMS[0]:
        yield request.getfixturevalue("nginx")
        return

    with running(request, "ipp-wsgi-nginx-serve-",
                 lambda root: start_nginx(root, credentials, system_venv, request.param)) as deployment:
        yield deployment


@pytest.mark.parametrize("test_file", CONFORMANCE_FILES)
def test_stock_ipptool_file_passes_over_tls(nginx: Deployment, ipptool: Ipptool, test_file: str) -> None:
    assert_ipptool_passed(ipptool.run(nginx.uri(tls=True), test_file, file=CONFORMANCE_DOCUMENT))


def test_printer_uris_are_ipps(nginx: Deployment) -> None:
    check_ipps_uris(nginx)


def test_chunked_print_job_streams_through(nginx: Deployment, ipptool: Ipptool,
                                           sample_documents: SampleDocuments) -> None:
    check_chunked_print_job(nginx, ipptool, sample_documents.path("document-a4.pdf"), tls=True)


def test_lp_prints_over_tls(nginx: Deployment, sample_documents: SampleDocuments, tmp_path: Path) -> None:
    check_lp_over_tls(nginx, sample_documents.path("testfile.txt"), tmp_path / "home")


def test_admin_operation_with_credentials(proxied: Deployment, ipptool: Ipptool, tmp_path: Path) -> None:
    check_admin_with_credentials(proxied, ipptool, tmp_path)


def test_admin_operation_refused_without_credentials(proxied: Deployment) -> None:
    check_admin_refused(proxied)


def test_forged_identities_are_refused(proxied: Deployment) -> None:
    """A client's own X-Remote-User never reaches the upstream (nginx replaces it, or drops it), and Basic
    credentials count only where nginx checked them."""
    check_forged_identity_refused(proxied)


def test_cancelling_anothers_job_is_refused(proxied: Deployment) -> None:
    check_cancel_of_anothers_job_refused(proxied, tls=True, authenticate_at="/admin")


def test_the_upstream_socket_is_only_for_its_user_and_group(proxied: Deployment) -> None:
    """rw-rw----, of the service user: nginx reaches it as a member of that group, nobody else does."""
    assert proxied.upstream_socket is not None
    info = proxied.upstream_socket.stat()
    assert stat.S_ISSOCK(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o660, oct(info.st_mode)
    if os.geteuid() == 0:
        user, group = service_user()
        assert (info.st_uid, info.st_gid) == (pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid)


CONNECT = """
import socket, sys
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1])
except PermissionError:
    sys.exit(13)
"""


def test_another_local_account_cannot_reach_the_upstream(proxied: Deployment) -> None:
    """The attack on a loopback upstream: a local account POSTs to gunicorn naming itself admin. The
    recipe's socket does not even let it connect."""
    require_root("switching to another local account")
    assert proxied.upstream_socket is not None
    done = subprocess.run([SYSTEM_PYTHON, "-c", CONNECT, str(proxied.upstream_socket)], user="nobody",
                          group="nogroup", extra_groups=[], capture_output=True, timeout=60, check=False)
    assert done.returncode == 13, done


# -- capacity: one client cannot make the printer unreachable for the others
def test_trickling_uploads_of_one_client_meet_its_connection_limit(nginx: Deployment) -> None:
    """16 chunked Print-Jobs trickling their documents, as many as gunicorn has threads: 8 are let through
    (limit_conn), the others answered 503, and the other clients are served."""
    with attacking(nginx, "trickle", 16, tls=True) as attack:
        still_serves_others(nginx, tls=True)
    assert any(b" 503 " in line for line in attack.refusals), attack.refusals[:5]


def test_half_sent_request_heads_of_one_client_leave_the_printer_reachable(nginx: Deployment) -> None:
    with attacking(nginx, "half-head", 100, tls=True):
        still_serves_others(nginx, tls=True)


def test_a_flood_of_requests_of_one_client_meets_its_rate_limit(nginx: Deployment) -> None:
    """Beyond its burst of 200 at 50 a second (limit_req), one client's requests get 503; the others are
    served."""
    statuses = flood(nginx, 400, tls=True)
    assert statuses[:100] == [200] * 100 and statuses.count(503) > 50, sorted(set(statuses))
    still_serves_others(nginx, tls=True)


def test_connect_is_refused_and_the_connection_closed(nginx: Deployment) -> None:
    """nginx refuses CONNECT itself (400, no tunnel) and closes the connection."""
    assert connect_answer(nginx, tls=True) == (b"HTTP/1.1 400 Bad Request", True)
