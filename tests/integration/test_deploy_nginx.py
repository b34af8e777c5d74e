"""deploy/nginx: nginx with TLS and auth_basic on /admin in front of gunicorn (the shipped
gunicorn.conf.py), the user passed in X-Remote-User and trusted from nginx only (ipp_wsgi.proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_servers import (
    ADMIN,
    CONFORMANCE_DOCUMENT,
    CONFORMANCE_FILES,
    Credentials,
    Deployment,
    check_admin_refused,
    check_admin_with_credentials,
    check_cancel_of_anothers_job_refused,
    check_chunked_print_job,
    check_ipps_uris,
    check_lp_over_tls,
    credentials_fixture,  # noqa: F401 (fixture "credentials")
    pause_printer,
    running,
    start_nginx,
)
from harness import Ipptool, SampleDocuments
from harness.ipptool import assert_ipptool_passed

from ipp_wsgi.codec import status


@pytest.fixture(scope="module")
def nginx(request: pytest.FixtureRequest, credentials: Credentials) -> Iterator[Deployment]:
    """nginx from deploy/nginx/ipp-wsgi.conf (TLS on 127.0.0.1) proxying to gunicorn."""
    with running(request, "ipp-wsgi-nginx-", lambda root: start_nginx(root, credentials)) as deployment:
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


def test_admin_operation_with_credentials(nginx: Deployment, ipptool: Ipptool, tmp_path: Path) -> None:
    check_admin_with_credentials(nginx, ipptool, tmp_path)


def test_admin_operation_refused_without_credentials(nginx: Deployment) -> None:
    check_admin_refused(nginx)


@pytest.mark.parametrize("path", ["/ipp/print", "/admin"])
def test_forged_user_header_is_no_identity(nginx: Deployment, path: str) -> None:
    """A client's own X-Remote-User never reaches gunicorn: nginx replaces it (or drops it)."""
    answer = pause_printer(nginx, path, headers={"X-Remote-User": ADMIN})
    if path == "/admin":
        assert answer.status == 401
    else:
        assert answer.ipp is not None and answer.ipp.code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def test_unchecked_basic_credentials_are_no_identity(nginx: Deployment) -> None:
    """Outside /admin nginx checks no password, so an Authorization header there must not name the user."""
    answer = pause_printer(nginx, "/ipp/print", auth=(ADMIN, "wrong"))
    assert answer.ipp is not None and answer.ipp.code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def test_cancelling_anothers_job_is_refused(nginx: Deployment) -> None:
    check_cancel_of_anothers_job_refused(nginx, tls=True, authenticate_at="/admin")
