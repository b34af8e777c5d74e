"""deploy/apache: the shipped dedicated-instance config under a real Apache 2.4 + mod_wsgi (Debian's,
embedding /usr/bin/python3) with a venv made from that Python; plain IPP and ipps, Basic auth on /admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_servers import (
    Credentials,
    Deployment,
    check_admin_refused,
    check_admin_with_credentials,
    check_chunked_print_job,
    check_ipps_uris,
    check_lp_over_tls,
    credentials_fixture,  # noqa: F401 (fixture "credentials")
    lp_print,
    pause_printer,
    running,
    start_apache,
    system_venv_fixture,  # noqa: F401 (fixture "system_venv")
)
from harness import Ipptool, SampleDocuments
from harness.ipptool import assert_ipptool_passed


@pytest.fixture(scope="module")
def apache(request: pytest.FixtureRequest, system_venv: Path,
           credentials: Credentials) -> Iterator[Deployment]:
    """Apache from deploy/apache/ipp-wsgi.conf on a plain and a TLS port of 127.0.0.1."""
    def start(root: Path) -> Deployment:
        return start_apache(root, system_venv, credentials)

    with running(request, "ipp-wsgi-apache-", start) as deployment:
        yield deployment


@pytest.mark.parametrize("test_file", ["get-printer-attributes.test", "ipp-1.1.test"])
@pytest.mark.parametrize("tls", [False, True], ids=["ipp", "ipps"])
def test_stock_ipptool_file_passes(apache: Deployment, ipptool: Ipptool, test_file: str, tls: bool) -> None:
    assert_ipptool_passed(ipptool.run(apache.uri(tls=tls), test_file))


def test_printer_uris_are_ipps_over_tls(apache: Deployment) -> None:
    check_ipps_uris(apache)


@pytest.mark.parametrize("tls", [False, True], ids=["ipp", "ipps"])
def test_chunked_print_job_prints_the_document(apache: Deployment, ipptool: Ipptool,
                                                sample_documents: SampleDocuments, tls: bool) -> None:
    check_chunked_print_job(apache, ipptool, sample_documents.path("document-a4.pdf"), tls=tls)


def test_lp_prints_over_tls(apache: Deployment, sample_documents: SampleDocuments, tmp_path: Path) -> None:
    check_lp_over_tls(apache, sample_documents.path("testfile.txt"), tmp_path / "home")


def test_lp_prints_over_plain_ipp(apache: Deployment, sample_documents: SampleDocuments,
                                  tmp_path: Path) -> None:
    document = sample_documents.path("testfile.pdf")
    job_id = lp_print(document, apache.port, home=tmp_path)
    assert apache.printed(job_id) == document.read_bytes()


def test_admin_operation_with_credentials(apache: Deployment, ipptool: Ipptool, tmp_path: Path) -> None:
    check_admin_with_credentials(apache, ipptool, tmp_path)


def test_admin_operation_refused_without_credentials(apache: Deployment) -> None:
    check_admin_refused(apache)


def test_admin_needs_tls(apache: Deployment) -> None:
    """Basic credentials are never asked for on the plain port: /admin there is refused outright."""
    assert pause_printer(apache, "/admin", tls=False).status == 403
