"""deploy/apache: the shipped dedicated-instance config under a real Apache 2.4 + mod_wsgi (Debian's,
embedding /usr/bin/python3) with a venv made from that Python; plain IPP and ipps, Basic auth on /admin."""

from __future__ import annotations

import hashlib
import http.client
import itertools
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import check_pause_from_the_page, screenshot_dir
from deploy_servers import (
    ADMIN,
    ADMIN_PASSWORD,
    CONFORMANCE_DOCUMENT,
    CONFORMANCE_FILES,
    SITE_PAGE,
    SITE_PREFIX,
    Credentials,
    Deployment,
    check_admin_refused,
    check_admin_with_credentials,
    check_cancel_of_anothers_job_refused,
    check_chunked_print_job,
    check_forged_identity_refused,
    check_ipps_uris,
    check_lp_over_tls,
    ipp_call,
    ipp_request,
    lp_print,
    pause_printer,
    running,
    start_apache,
    start_apache_site,
)
from harness import Ipptool, SampleDocuments, wait_for
from harness.ipptool import assert_ipptool_passed
from harness.processes import LOOPBACK, group_members
from hostile_clients import attacking, connect_answer, still_serves_others
from test_streaming import DOCUMENT_BYTES, MAX_GROWTH_BYTES, PeakRss, file_sha256, hashed_blocks

from ipp_wsgi.codec import decode, encode, operations, status


@pytest.fixture(scope="module")
def apache(request: pytest.FixtureRequest, system_venv: Path,
           credentials: Credentials) -> Iterator[Deployment]:
    """Apache from deploy/apache/ipp-wsgi.conf on a plain and a TLS port of 127.0.0.1."""
    def start(root: Path) -> Deployment:
        return start_apache(root, system_venv, credentials)

    with running(request, "ipp-wsgi-apache-", start) as deployment:
        yield deployment


@pytest.mark.parametrize("test_file", CONFORMANCE_FILES)
@pytest.mark.parametrize("tls", [False, True], ids=["ipp", "ipps"])
def test_stock_ipptool_file_passes(apache: Deployment, ipptool: Ipptool, test_file: str, tls: bool) -> None:
    assert_ipptool_passed(ipptool.run(apache.uri(tls=tls), test_file, file=CONFORMANCE_DOCUMENT))


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


def test_forged_identities_are_refused(apache: Deployment) -> None:
    """Apache sets REMOTE_USER where it checked a password; no header of a client is an identity."""
    check_forged_identity_refused(apache)


def test_admin_needs_tls(apache: Deployment) -> None:
    """Basic credentials are never asked for on the plain port: /admin there is refused outright."""
    assert pause_printer(apache, "/admin", tls=False).status == 403


@pytest.mark.parametrize(("tls", "authenticate_at"), [(False, None), (True, "/admin")], ids=["ipp", "ipps"])
def test_cancelling_anothers_job_is_refused(apache: Deployment, tls: bool,
                                            authenticate_at: str | None) -> None:
    check_cancel_of_anothers_job_refused(apache, tls=tls, authenticate_at=authenticate_at)


# -- a big chunked Print-Job through Apache (200 MiB, IPP_WSGI_STREAM_MIB) ------------------------------
def wsgi_daemons(apache: Deployment, name: bytes = b"ipp-wsgi-doc") -> list[int]:
    """The PIDs of the mod_wsgi daemon processes of ``apache`` whose display-name starts with ``name``
    (by default the documents' group, which runs chunked requests)."""
    (process,) = apache.processes
    return [pid for pid in group_members(process.pid)
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(name)]


def chunked_print_job(apache: Deployment, blocks: Iterator[bytes]) -> int:
    """Print-Job with ``blocks`` as a chunked body to the plain port; the job-id."""
    request = encode(ipp_request(operations.PRINT_JOB, apache.uri()))
    connection = http.client.HTTPConnection(LOOPBACK, apache.port, timeout=300)
    try:
        connection.request("POST", "/ipp/print", body=itertools.chain([request], blocks),
                           headers={"Content-Type": "application/ipp"}, encode_chunked=True)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, body
    answer = decode(body)
    assert answer.code == status.SUCCESSFUL_OK and answer.job is not None, answer
    job_id: int = answer.job.value("job-id")
    return job_id


def test_big_chunked_print_job_streams_with_flat_memory(apache: Deployment) -> None:
    daemons = wsgi_daemons(apache)
    assert len(daemons) == 1, daemons  # processes=1 for the documents in the shipped config
    assert len(wsgi_daemons(apache, b"ipp-wsgi ")) == 2, "processes=2 for everything else"
    # The daemon runs jobs (and imports what printing needs) before the baseline is taken.
    for index in range(4):
        warm_up = chunked_print_job(apache, iter([b"warm up %d" % index]))
        apache.printed(warm_up)
    sampler = PeakRss(daemons)
    baseline = sampler.peak
    sampler.start()
    digest = hashlib.sha256()
    try:
        job_id = chunked_print_job(apache, hashed_blocks(digest))

        def printed_whole() -> bool:
            found = sorted(apache.output_dir.glob(f"{job_id}-1.*"))
            return bool(found) and found[0].stat().st_size == DOCUMENT_BYTES

        wait_for(f"job {job_id} printed whole", printed_whole, timeout=300)
    finally:
        sampler.done.set()
        sampler.join()
    (output,) = apache.output_dir.glob(f"{job_id}-1.*")
    assert file_sha256(output) == digest.hexdigest()
    growth = sampler.peak - baseline
    print(f"\n{DOCUMENT_BYTES >> 20} MiB chunked under Apache: RSS growth {growth / (1 << 20):.1f} MiB")
    assert growth < MAX_GROWTH_BYTES, f"the mod_wsgi daemons' RSS grew by {growth >> 20} MiB"


# -- deploy/apache/ipp-wsgi-vhost.conf in an existing site ----------------------------------------
@pytest.fixture(scope="module")
def apache_site(request: pytest.FixtureRequest, system_venv: Path,
                credentials: Credentials) -> Iterator[Deployment]:
    """An existing Apache TLS site including deploy/apache/ipp-wsgi-vhost.conf (ipp-wsgi under /ipp)."""
    def start(root: Path) -> Deployment:
        return start_apache_site(root, system_venv, credentials)

    with running(request, "ipp-wsgi-apache-site-", start) as deployment:
        yield deployment


PREFIXED_PRINTER = f"{SITE_PREFIX}/ipp/print"


def test_site_pages_are_served_beside_ipp(apache_site: Deployment) -> None:
    assert apache_site.tls_port is not None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(LOOPBACK, apache_site.tls_port, timeout=60, context=context)
    try:
        connection.request("GET", "/index.html")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, SITE_PAGE)
    finally:
        connection.close()


def test_prefixed_printer_passes_get_printer_attributes(apache_site: Deployment, ipptool: Ipptool) -> None:
    uri = apache_site.uri(PREFIXED_PRINTER, tls=True)
    assert_ipptool_passed(ipptool.run(uri, "get-printer-attributes.test"))


def test_uris_in_responses_carry_the_prefix(apache_site: Deployment) -> None:
    uri = apache_site.uri(PREFIXED_PRINTER, tls=True)
    printer = ipp_call(apache_site, ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri), PREFIXED_PRINTER,
                       tls=True).printer
    assert printer is not None
    assert printer["printer-uri-supported"].values == [uri]
    https = f"https://{LOOPBACK}:{apache_site.tls_port}{PREFIXED_PRINTER}/"
    assert all(icon.startswith(https) for icon in printer["printer-icons"].values)
    submitted = ipp_call(apache_site, ipp_request(operations.PRINT_JOB, uri), PREFIXED_PRINTER, tls=True,
                         document=b"printed through the site\n")
    assert submitted.code == status.SUCCESSFUL_OK and submitted.job is not None
    job_id = submitted.job.value("job-id")
    assert submitted.job.value("job-uri") == f"{uri}/{job_id}"
    assert apache_site.printed(job_id) == b"printed through the site\n"


def test_prefixed_admin_needs_credentials(apache_site: Deployment) -> None:
    admin = f"{SITE_PREFIX}/admin"
    uri = apache_site.uri(PREFIXED_PRINTER, tls=True)
    assert pause_printer(apache_site, admin).status == 401
    for operation in (operations.PAUSE_PRINTER, operations.RESUME_PRINTER):
        answer = ipp_call(apache_site, ipp_request(operation, uri), admin, tls=True,
                          auth=(ADMIN, ADMIN_PASSWORD))
        assert answer.code == status.SUCCESSFUL_OK, answer


def test_admin_pages_in_a_browser(apache: Deployment, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Behind Apache's Basic authentication of /admin, the administrator pauses the printer from the page
    (tests/integration/test_browser.py has the other browser scenarios)."""
    check_pause_from_the_page(apache, screenshot_dir(tmp_path_factory) / "apache-admin-paused.png")


# -- capacity: one client cannot make the printer unreachable for the others
def test_half_sent_request_heads_of_one_client_leave_the_printer_reachable(apache: Deployment) -> None:
    """100 connections that each keep half a request head coming (reopened as Apache cuts them): the
    event MPM's 400 threads leave enough to the others."""
    with attacking(apache, "half-head", 100, tls=False):
        still_serves_others(apache, tls=False)


@pytest.mark.parametrize("tls", [False, True], ids=["ipp", "ipps"])
def test_trickling_uploads_of_one_client_leave_the_printer_reachable(apache: Deployment, tls: bool) -> None:
    """16 chunked Print-Jobs trickling their documents (as many as the IPP threads once were): they take
    the documents' daemon threads only; queries and small jobs are answered."""
    with attacking(apache, "trickle", 16, tls=tls):
        still_serves_others(apache, tls=tls)


def test_connect_gets_405_and_the_connection_is_closed(apache: Deployment) -> None:
    assert connect_answer(apache, tls=False) == (b"HTTP/1.1 405 Method Not Allowed", True)
