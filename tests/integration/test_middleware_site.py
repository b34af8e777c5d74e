"""deploy/middleware: the example werkzeug site wrapped in IppMiddleware, under a real gunicorn. IPP on
the printer paths and the site's pages on one port; the site answers exactly as it does alone."""

from __future__ import annotations

import http.client
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_servers import Deployment, check_chunked_print_job, running
from harness import Ipptool, ManagedProcess, SampleDocuments, free_port
from harness.ipptool import assert_ipptool_passed
from harness.processes import LOOPBACK
from test_middleware import EXAMPLE_DIR, SITE_REQUESTS


def start_example(root: Path, app: str) -> Deployment:
    """gunicorn serving ``app`` from deploy/middleware (plain HTTP, one worker, the test's config)."""
    deployment = Deployment(root, free_port(), None)
    log = root / "gunicorn.log"
    deployment.logs = {"gunicorn": log}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [str(gunicorn), "--chdir", str(EXAMPLE_DIR), "--bind", f"{LOOPBACK}:{deployment.port}",
            "--worker-class", "gthread", "--workers", "1", "--threads", "4", app]
    env = {**os.environ, "IPP_WSGI_CONFIG": str(deployment.config)}
    deployment.start(ManagedProcess(argv, log, env=env), deployment.port)
    return deployment


@pytest.fixture(scope="module")
def wrapped(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """example_wsgi:application: the site with ipp-wsgi."""
    with running(request, "ipp-wsgi-site-",
                 lambda root: start_example(root, "example_wsgi:application")) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def alone(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """example_site:site: the same site without ipp-wsgi."""
    with running(request, "ipp-wsgi-site-alone-",
                 lambda root: start_example(root, "example_site:site")) as deployment:
        yield deployment


def fetch(port: int, method: str, path: str, body: bytes | None,
          content_type: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers but Date, body) of one request to 127.0.0.1:``port``, for the same Host whatever
    the port."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
    headers = {"Host": "www.example.com", **({"Content-Type": content_type} if content_type else {})}
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    headers = [(name, value) for name, value in response.getheaders() if name.lower() != "date"]
    return response.status, headers, content


@pytest.mark.parametrize(("method", "path", "body", "content_type"), SITE_REQUESTS)
def test_the_site_answers_as_it_does_alone(wrapped: Deployment, alone: Deployment, method: str, path: str,
                                           body: bytes | None, content_type: str | None) -> None:
    without = fetch(alone.port, method, path, body, content_type)
    assert without[0] != 500
    assert fetch(wrapped.port, method, path, body, content_type) == without


@pytest.mark.parametrize("test_file", ["get-printer-attributes.test", "ipp-1.1.test"])
def test_ipp_on_the_sites_port(wrapped: Deployment, ipptool: Ipptool, test_file: str) -> None:
    assert_ipptool_passed(ipptool.run(wrapped.uri(), test_file))


def test_chunked_print_job_on_the_sites_port(wrapped: Deployment, ipptool: Ipptool,
                                             sample_documents: SampleDocuments) -> None:
    check_chunked_print_job(wrapped, ipptool, sample_documents.path("document-a4.pdf"), tls=False)
