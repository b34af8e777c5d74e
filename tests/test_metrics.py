"""/metrics: the request counters, the backends' state read at scrape time, who may read it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from test_app import HOST, IPP, client_for, ipp_request, post

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import encode, operations
from ipp_wsgi.config import load_config
from ipp_wsgi.metrics import MULTIPROC_ENV, REGISTRY, forget_dead_processes, metrics


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IppApplication]:
    config = tmp_path / "ipp-wsgi.toml"
    config.write_text('spool_dir = "spool"\n[spooler]\nworkers = 0\n[policy]\nadmins = ["admin"]\n'
                      '[[printers]]\nname = "print"\n')
    made = IppApplication(load_config(config))
    yield made
    made.close()


def scrape(client: webtest.TestApp, **environ: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, by (name, sorted labels)."""
    text = client.get("/metrics", extra_environ={"REMOTE_ADDR": "127.0.0.1", **environ}).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def counted(operation: str, status: str) -> float:
    metrics()
    return REGISTRY.get_sample_value("ipp_requests_total", {"operation": operation, "status": status}) or 0.0


def test_requests_are_counted_by_operation_and_status(app: IppApplication) -> None:
    client = client_for(app)
    before = (counted("Get-Printer-Attributes", "successful-ok"),
              counted("Pause-Printer", "client-error-forbidden"))
    for _ in range(3):
        post(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES))
    post(client, ipp_request(operations.PAUSE_PRINTER))  # anonymous: not authenticated
    post(client, ipp_request(operations.PAUSE_PRINTER), extra_environ={"REMOTE_USER": "alice"})
    assert counted("Get-Printer-Attributes", "successful-ok") == before[0] + 3
    assert counted("Pause-Printer", "client-error-not-authorized") >= 1
    samples = scrape(client)
    assert samples[("ipp_requests_total", (("operation", "Get-Printer-Attributes"),
                                           ("status", "successful-ok")))] == before[0] + 3
    assert samples[("ipp_request_duration_seconds_count", (("operation", "Get-Printer-Attributes"),))] >= 3
    assert samples[("ipp_received_bytes_total", (("operation", "Get-Printer-Attributes"),))] > 0


def test_jobs_by_state_and_queue_length_are_read_at_scrape_time(app: IppApplication) -> None:
    client = client_for(app)
    created = REGISTRY.get_sample_value("ipp_jobs_created_total", {"printer": "print"}) or 0.0
    ids = [post(client, ipp_request(operations.PRINT_JOB), b"doc").job.value("job-id")  # type: ignore[union-attr]
           for _ in range(3)]
    post(client, ipp_request(operations.CANCEL_JOB, job_id=ids[0]))
    samples = scrape(client)
    assert samples[("ipp_jobs", (("printer", "print"), ("state", "pending")))] == 2
    assert samples[("ipp_jobs", (("printer", "print"), ("state", "canceled")))] == 1
    assert samples[("ipp_jobs", (("printer", "print"), ("state", "completed")))] == 0
    assert samples[("ipp_queued_jobs", (("printer", "print"),))] == 2
    assert samples[("ipp_printer_state", (("printer", "print"),))] == 3
    assert samples[("ipp_printer_accepting_jobs", (("printer", "print"),))] == 1
    assert samples[("ipp_jobs_created_total", (("printer", "print"),))] == created + 3


def test_who_may_read_the_metrics(app: IppApplication) -> None:
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": HOST})
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "127.0.0.1"}, status=200)
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "192.0.2.7"}, status=403)
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "192.0.2.7", "REMOTE_USER": "alice"}, status=403)
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "192.0.2.7", "REMOTE_USER": "admin"}, status=200)
    # Behind a proxy every request comes from loopback: a forwarded one is not local.
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.7"},
               status=403)


@pytest.mark.parametrize(("readers", "environ", "allowed"), [
    ('["all"]', {"REMOTE_ADDR": "192.0.2.7"}, True),
    ('["authenticated"]', {"REMOTE_ADDR": "192.0.2.7", "REMOTE_USER": "alice"}, True),
    ('["prometheus"]', {"REMOTE_ADDR": "192.0.2.7", "REMOTE_USER": "prometheus"}, True),
    ('["prometheus"]', {"REMOTE_ADDR": "127.0.0.1"}, False),
    ('["admin"]', {"REMOTE_ADDR": "192.0.2.7", "REMOTE_USER": "admin"}, True),
    ('["local"]', {"REMOTE_ADDR": "192.0.2.7", "REMOTE_USER": "admin"}, False),
])
def test_the_metrics_readers_are_a_policy_setting(tmp_path: Path, readers: str, environ: dict[str, str],
                                                   allowed: bool) -> None:
    config = tmp_path / "ipp-wsgi.toml"
    config.write_text(f'spool_dir = "spool"\n[policy]\nadmins = ["admin"]\nmetrics = {readers}\n'
                      '[[printers]]\nname = "print"\n')
    app = IppApplication(load_config(config))
    try:
        webtest.TestApp(app).get("/metrics", extra_environ=environ, status=200 if allowed else 403)
    finally:
        app.close()


def test_the_metrics_path_is_configured(tmp_path: Path) -> None:
    config = tmp_path / "ipp-wsgi.toml"
    config.write_text('spool_dir = "spool"\n[web]\nmetrics_path = ""\n[[printers]]\nname = "print"\n')
    app = IppApplication(load_config(config))
    try:
        webtest.TestApp(app).get("/metrics", extra_environ={"REMOTE_ADDR": "127.0.0.1"}, status=404)
    finally:
        app.close()


def test_answers_carry_the_request_id(app: IppApplication) -> None:
    client = client_for(app)
    body = encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES))
    given = client.post("/ipp/print", body, content_type=IPP, headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    made = client.post("/ipp/print", body, content_type=IPP, headers={"X-Request-Id": "bad id\n"})
    assert len(made.headers["X-Request-Id"]) == 16 and made.headers["X-Request-Id"] != "bad id"


def test_the_lease_gauge_of_a_process_killed_without_a_word_is_forgotten(tmp_path: Path) -> None:
    """A spooler process killed with SIGKILL says nothing on its way out: the next scrape must not show it
    still holding its printer's lease."""
    directory = tmp_path / "multiprocess"
    directory.mkdir()
    holder = ("import os\nfrom ipp_wsgi.metrics import metrics\n"
              "metrics().lease_holder.labels(printer='print').set(1)\nos.kill(os.getpid(), 9)\n")
    ended = subprocess.run([sys.executable, "-c", holder], env={**os.environ, MULTIPROC_ENV: str(directory)},
                           check=False, timeout=60)
    assert ended.returncode == -signal.SIGKILL
    assert _lease_holders(directory) == [1.0], "the dead process's gauge is there to forget"
    forget_dead_processes(str(directory))
    assert _lease_holders(directory) == []


def _lease_holders(directory: Path) -> list[float]:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return [sample.value for family in registry.collect() for sample in family.samples
            if sample.name == "ipp_printing_lease_holder"]
