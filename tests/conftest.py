"""Fixtures shared by every test: real servers on loopback ports, ipptool, sample documents.

Each server starts on a free 127.0.0.1 port in a temp dir, is stopped by PID (its process group) at
teardown, and its log files are printed in the report of a failing test. The machinery is in
``tests/harness``; a missing program skips the test locally and fails it when ``CI`` is set.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

import pytest
from harness import (
    Ippeveprinter,
    IppServer,
    Ipptool,
    PrivateCupsd,
    PrivateDnssd,
    PrivatePostgres,
    SampleDocuments,
    Suite,
    attach_log,
    attach_logs,
    postgres_bin_dir,
    require_tool,
)
from harness.logs import failure_sections
from harness.spool import STORE_URLS
from harness.tools import find_tool, require, require_root

IppServerFactory = Callable[..., IppServer]
_DATABASE_NUMBERS = itertools.count(1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the logs of the servers a failing test used to its report."""
    report = yield
    if report.failed:
        for title, text in failure_sections(item):
            report.sections.append((title, text))
    return report


@pytest.fixture(params=STORE_URLS)
def store_url(request: pytest.FixtureRequest) -> str:
    """The job store of the embedded-spooler tests: each test that uses it runs once per store of
    :data:`harness.spool.STORE_URLS` (``postgresql``: a new database of the session's server)."""
    url: str = request.param
    if url == "postgresql":
        pg_url: str = request.getfixturevalue("postgres_url")
        return pg_url
    return url


@pytest.fixture(scope="session")
def sample_documents(tmp_path_factory: pytest.TempPathFactory) -> SampleDocuments:
    """Sample documents (document-a4.pdf, color.jpg, PWG raster samples, ...) made on demand with gs."""
    return SampleDocuments(tmp_path_factory.mktemp("documents"), require_tool("gs"))


@pytest.fixture(scope="session")
def ipptool_suite(sample_documents: SampleDocuments) -> Suite:
    """The stock ipptool test files next to the sample documents they print (300/600 dpi PWG samples)."""
    return sample_documents.suite()


@pytest.fixture
def ipptool(ipptool_suite: Suite, tmp_path: Path) -> Ipptool:
    """Runs ``ipptool -t`` from the suite directory: ``ipptool.run(uri, "ipp-1.1.test")``."""
    return Ipptool(require_tool("ipptool"), ipptool_suite, tmp_path / "ipptool")


@pytest.fixture
def ipp_server_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IppServerFactory]:
    """Starts ipp-wsgi servers: ``ipp_server_factory(config=None, extra_args=())`` -> a running IppServer."""
    with ExitStack() as stack:

        def start(config: Path | None = None, extra_args: Sequence[str] = ()) -> IppServer:
            server = IppServer(tmp_path_factory.mktemp("ipp-wsgi"), config=config, extra_args=extra_args)
            attach_log(request.node, f"ipp-wsgi :{server.port}", server.log)
            stack.callback(server.stop)
            server.start()
            return server

        yield start


@pytest.fixture
def ipp_server(ipp_server_factory: IppServerFactory) -> IppServer:
    """A running ipp-wsgi (``ipp-wsgi serve`` under gunicorn) with the default configuration."""
    return ipp_server_factory()


@pytest.fixture
def cupsd(request: pytest.FixtureRequest) -> Iterator[PrivateCupsd]:
    """A private cupsd on a loopback port: ``cupsd.add_queue(name, device_uri, model)``, ``cupsd.run()``."""
    binary = require_tool("cupsd")
    require_tool("lpadmin")
    require_root("a private cupsd (it drops to user lp)")
    # Not under pytest's basetemp: that is mode 0700 and cupsd's filters run as lp.
    root = Path(tempfile.mkdtemp(prefix="ipp-wsgi-cupsd-"))
    try:
        server = PrivateCupsd(binary, root, log_level="info")  # info: file types and filters in failure logs
        attach_logs(request.node, server.logs)
        try:
            server.start()
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dnssd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDnssd]:
    """A private D-Bus bus + avahi-daemon on ``lo`` for the whole session (ippeveprinter needs DNS-SD)."""
    dbus_daemon = require_tool("dbus-daemon")
    avahi_daemon = require_tool("avahi-daemon")
    require_root("avahi-daemon")
    daemons = PrivateDnssd(tmp_path_factory.mktemp("dnssd"), dbus_daemon, avahi_daemon, find_tool("unshare"))
    try:
        daemons.start()
        yield daemons
    finally:
        daemons.stop()


@pytest.fixture
def ippeveprinter(
    request: pytest.FixtureRequest, dnssd: PrivateDnssd, tmp_path: Path
) -> Iterator[Ippeveprinter]:
    """CUPS's reference printer (``.uri``, ``.spool_dir``, ``.port``, ``.pid``, ``.log``) on a free port."""
    printer = Ippeveprinter(require_tool("ippeveprinter"), dnssd, tmp_path / "ippeveprinter")
    attach_log(request.node, "ippeveprinter", printer.log)
    attach_logs(request.node, dnssd.logs)
    try:
        printer.start()
        yield printer
    finally:
        printer.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of Debian's ``postgresql`` package for the whole session, on a loopback port."""
    bin_dir = postgres_bin_dir()
    require(bin_dir is not None, "PostgreSQL is not installed (Debian package postgresql)")
    assert bin_dir is not None
    server = PrivatePostgres(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, postgres_server: PrivatePostgres) -> str:
    """The URL of a new, empty database of the session's PostgreSQL server, for this test alone."""
    attach_log(request.node, "postgres", postgres_server.log)
    name = f"test_{os.getpid()}_{next(_DATABASE_NUMBERS)}"
    return postgres_server.create_database(name)
