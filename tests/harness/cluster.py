"""Several ``ipp-wsgi serve`` hosts on one job store behind nginx, for the cluster tests.

- :data:`CLUSTER_STORES` and :func:`host_stores`: the job stores a cluster runs on, and where each host of
  it keeps its spool (the one place that knows how a store is shared);
- :class:`RoundRobinNginx`: nginx on a loopback port in front of the hosts, round-robin with no
  stickiness, the request bodies streamed (``proxy_request_buffering off``);
- :class:`RecordingPrinter`: a slow ``command`` printer whose every delivery leaves a file that names the
  job and the host that printed it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .processes import LOOPBACK, ManagedProcess, free_port
from .tools import require_tool

CLUSTER_STORES = ["sqlite", "postgres"]
"""The job stores the cluster tests run on (``cluster`` fixture): ``"sqlite"``, hosts sharing one spool
directory on one machine; any other kind ``K`` is a store reached by URL from each host's own spool
directory, the URL being the ``K_url`` fixture's (``"postgres"``: tests/conftest.py's ``postgres_url``)."""
HOST_ENVIRONMENT = "IPP_WSGI_TEST_HOST"
"""The environment variable that names a host to its processes (and so to its printers' commands)."""


@dataclass(frozen=True)
class HostStore:
    """Where one host of a cluster keeps its jobs: its spool directory, and the ``serve`` arguments that
    name the store (none: the spool directory's SQLite)."""

    spool_dir: Path
    store_url: str = "sqlite"
    extra_args: tuple[str, ...] = ()


def host_stores(kind: str, root: Path, hosts: int, fixture: Callable[[str], Any]) -> list[HostStore]:
    """Where each of ``hosts`` hosts keeps its jobs on a store of ``kind`` (:data:`CLUSTER_STORES`), under
    ``root``; ``fixture`` gets a fixture's value by name (``request.getfixturevalue``)."""
    if kind == "sqlite":  # one machine: the hosts share the spool directory, and its jobs.sqlite3
        return [HostStore(root / "spool") for _ in range(hosts)]
    url: str = fixture(f"{kind}_url")
    return [HostStore(root / f"spool-{number}", url, ("--store", url)) for number in range(hosts)]


_NGINX_CONF = """{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 512; }}
http {{
    log_format upstreams '$request_method|$request_uri|$status|$upstream_status|$upstream_addr';
    access_log {root}/access.log upstreams;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    upstream ipp_hosts {{
{servers}
    }}
    server {{
        listen {address}:{port};
        client_max_body_size 0;
        location / {{
            proxy_pass http://ipp_hosts;
            proxy_http_version 1.1;
            proxy_request_buffering off;
            proxy_set_header Host $http_host;
            proxy_set_header Connection "";
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
        }}
    }}
}}
"""


class RoundRobinNginx:
    """nginx on 127.0.0.1:``port`` passing each request to the next of ``upstream_ports`` (round-robin, no
    stickiness, request bodies streamed as they come); its files in ``root``."""

    def __init__(self, root: Path, upstream_ports: Sequence[int]) -> None:
        self.root = root
        self.port = free_port()
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server {LOOPBACK}:{port};" for port in upstream_ports)
        # As root, nginx's workers would run as nobody, who may not enter pytest's private temp dir.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = root / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(user=user, root=root, servers=servers, address=LOOPBACK,
                                           port=self.port))
        self.process = ManagedProcess(
            [require_tool("nginx"), "-p", str(root), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            root / "nginx.out")

    @property
    def logs(self) -> dict[str, Path]:
        """Its log files by label (for :func:`~harness.logs.attach_logs`)."""
        return {"nginx": self.process.log, "nginx error.log": self.root / "error.log",
                "nginx access.log": self.access_log}

    @property
    def access_log(self) -> Path:
        """One line a request: method, URI, status, the statuses of the upstream(s) tried and their
        addresses (``|`` between them, ``, `` between the upstreams)."""
        return self.root / "access.log"

    def start(self) -> None:
        """Start nginx and wait until its port answers."""
        self.process.start()
        self.process.wait_for_port(self.port)

    def stop(self) -> None:
        """Stop nginx (its process group)."""
        self.process.stop()

    def statuses(self) -> dict[int, int]:
        """How many requests nginx answered with each HTTP status, from the access log."""
        counted: dict[int, int] = {}
        for line in self.access_log.read_text().splitlines():
            code = int(line.split("|")[2])
            counted[code] = counted.get(code, 0) + 1
        return counted

    def upstreams_used(self) -> dict[str, int]:
        """How many requests each upstream (``127.0.0.1:PORT``) answered, from the access log."""
        used: dict[str, int] = {}
        for line in self.access_log.read_text().splitlines():
            upstream = line.split("|")[4].split(",")[-1].strip()  # the one that answered
            used[upstream] = used.get(upstream, 0) + 1
        return used


_RECORDING_SCRIPT = """
echo "$IPP_JOB_ID $IPP_WSGI_TEST_HOST $(date +%s.%N)" >> "$0/starts"
sleep "$1"
cat > "$0/.incoming-$$" && mv "$0/.incoming-$$" "$0/$IPP_JOB_ID-$IPP_DOCUMENT_NUMBER.$IPP_WSGI_TEST_HOST.$$"
"""
"""Note when it began (job, host, Unix time), wait, then write the document whole under a name of its own:
job-document.host.pid."""
_DELIVERY_NAME = re.compile(r"^(?P<job>\d+)-(?P<number>\d+)\.(?P<host>[^.]+)\.(?P<pid>\d+)$")


@dataclass(frozen=True)
class Delivery:
    """One document a :class:`RecordingPrinter` printed whole."""

    job_id: int
    number: int
    host: str
    """The :data:`HOST_ENVIRONMENT` of the host whose process ran the command."""
    data: bytes


@dataclass(frozen=True)
class Start:
    """One run of a :class:`RecordingPrinter`'s command: its job, its host and when it began (Unix time)."""

    job_id: int
    host: str
    at: float


class RecordingPrinter:
    """A printer ``name`` whose ``command`` output waits ``seconds``, then writes the document to ``out``
    (:data:`_RECORDING_SCRIPT`): a delivery cut short leaves no file, each whole one leaves its own."""

    def __init__(self, out: Path, name: str = "slow", seconds: float = 1.0) -> None:
        self.out = out
        self.name = name
        self.seconds = seconds
        out.mkdir(parents=True, exist_ok=True)

    def toml(self) -> str:
        """Its ``[[printers]]`` table."""
        command = ["sh", "-c", _RECORDING_SCRIPT, str(self.out), f"{self.seconds:g}"]
        return f'[[printers]]\nname = "{self.name}"\noutput = "command"\ncommand = {json.dumps(command)}\n'

    def deliveries(self) -> list[Delivery]:
        """Every whole delivery so far, by job-id, then host."""
        found = []
        for path in self.out.iterdir():
            if match := _DELIVERY_NAME.match(path.name):
                found.append(Delivery(int(match["job"]), int(match["number"]), match["host"],
                                      path.read_bytes()))
        return sorted(found, key=lambda delivery: (delivery.job_id, delivery.host))

    def starts(self) -> list[Start]:
        """Every run of its command so far, in the order they began."""
        try:
            lines = (self.out / "starts").read_text().splitlines()
        except FileNotFoundError:
            return []
        starts = [Start(int(job), host, float(at)) for job, host, at in (line.split() for line in lines)]
        return sorted(starts, key=lambda start: start.at)
