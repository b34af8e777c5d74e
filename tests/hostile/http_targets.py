"""The servers the hostile-HTTP tests attack, each serving the real IPP application (printer ``print`` at
/ipp/print) on a loopback port:

- ``ipp``: ``ipp-wsgi serve``, gunicorn with ipp-wsgi's worker class;
- ``gthread``: ``ipp-wsgi serve --worker-class gthread``, gunicorn's threaded worker;
- ``apache``: the deploy recipe (deploy/apache/ipp-wsgi.conf) under Apache + mod_wsgi, as
  tests/integration/deploy_servers.py starts it.

Each comes in two tempers. *Quick*: short limits, so that a test of a slow client ends in seconds (the
recipe's own time limits, added to at its end). *Patient*: long limits and a small connection limit, for
the floods, which only making room for new clients can then survive (the Apache recipe as shipped).
One worker (or Apache's own processes), so that one process's memory can be watched.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import IppServer, attach_log
from harness.memory import pss_bytes, rss_bytes
from harness.processes import LOOPBACK, group_members
from harness.raw_http import SOCKET_TIMEOUT

INTEGRATION_TESTS = Path(__file__).parent.parent / "integration"
if str(INTEGRATION_TESTS) not in sys.path:  # deploy_servers: Apache from the shipped recipe
    sys.path.append(str(INTEGRATION_TESTS))

from deploy_servers import (  # noqa: E402
    Credentials,
    Deployment,
    credentials_fixture,
    running,
    start_apache,
    system_venv_fixture,
)

__all__ = ["credentials_fixture", "system_venv_fixture"]  # the fixtures the apache target needs

TARGETS = ("ipp", "gthread", "apache")
THREADS = 4
"""Request threads of the gunicorn targets."""
CONNECTIONS = 100
"""The patient targets' connection limit (gunicorn's worker_connections; Apache's recipe: 100 workers)."""

QUICK = {"--keep-alive": "3", "--client-timeout": "2", "--header-timeout": "2", "--body-min-rate": "50000",
         "--upload-threads": "2"}
"""``ipp-wsgi serve`` options of the quick targets (the gthread worker class heeds --keep-alive only)."""
PATIENT = {"--keep-alive": "60", "--header-timeout": "60", "--worker-connections": str(CONNECTIONS)}
"""Options of the patient targets: nothing times out during a test; room is made, or not."""
APACHE_QUICK = """
# The hostile tests' short limits (the recipe's are 10 s idle, 20-40 s for a head, 20 s and 500 bytes/s
# for a body).
KeepAliveTimeout 3
RequestReadTimeout handshake=2 header=2 body=2,MinRate=50000
"""


@dataclass
class Target:
    """One running server under attack."""

    name: str
    port: int
    pgid: int
    """The process group of every process of the server (gunicorn's master, worker and spooler; Apache
    and its mod_wsgi daemons)."""

    def connect(self, timeout: float = SOCKET_TIMEOUT) -> socket.socket:
        """A new client connection whose reads wait at most *timeout* seconds."""
        return socket.create_connection((LOOPBACK, self.port), timeout=timeout)

    def rss(self) -> int:
        """The resident memory of the server's processes, summed."""
        return rss_bytes(group_members(self.pgid))

    def pss(self) -> int:
        """The proportional memory of the server's processes, summed."""
        return pss_bytes(group_members(self.pgid))


def serve_target(request: pytest.FixtureRequest, work_dir: Path, name: str,
                 options: dict[str, str]) -> Iterator[Target]:
    """``ipp-wsgi serve`` (worker class *name*) with *options*, one worker of THREADS threads."""
    argv = ["--workers", "1", "--threads", str(THREADS), "--worker-class", name]
    for option, value in options.items():
        argv += [option, value]
    server = IppServer(work_dir, extra_args=argv)
    attach_log(request.node, f"{name} :{server.port}", server.log)
    server.start()
    try:
        yield Target(name, server.port, server.pid)
    finally:
        server.stop()


def apache_target(request: pytest.FixtureRequest, venv: Path, credentials: Credentials,
                  extra_conf: str) -> Iterator[Target]:
    """The Apache recipe with *extra_conf* added; its plain port."""
    def start(root: Path) -> Deployment:
        return start_apache(root, venv, credentials, extra_conf)

    with running(request, "ipp-wsgi-hostile-apache-", start) as deployment:
        yield Target("apache", deployment.port, deployment.processes[0].pid)


def start_target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str,
                 quick: bool) -> Iterator[Target]:
    """The target *name*, quick or patient (see the module docstring)."""
    if name == "apache":
        venv: Path = request.getfixturevalue("system_venv")
        credentials: Credentials = request.getfixturevalue("credentials")
        yield from apache_target(request, venv, credentials, APACHE_QUICK if quick else "")
        return
    yield from serve_target(request, tmp_path_factory.mktemp(f"hostile-{name}"), name,
                            QUICK if quick else PATIENT)
