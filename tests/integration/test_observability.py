"""Metrics and logs of a real ``ipp-wsgi serve`` with two gunicorn workers and its spooler process:
/metrics scraped and parsed with prometheus_client's parser adds up every process, and every request
and every job change of the test is in the JSON log, one object a line."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_servers import Deployment, gunicorn_process, ipp_request, post_ipp, running
from harness import IppServer, free_port, wait_for
from prometheus_client.parser import text_string_to_metric_families

from ipp_wsgi.codec import Message, operations, status

pytestmark = pytest.mark.integration

STARTING = "--- starting: "
"""What :class:`harness.ManagedProcess` writes to a log before each start."""
PRINT_JOBS = 6
MAX_POLLS = 400
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def served(ipp_server_factory: Callable[..., IppServer]) -> IppServer:
    return ipp_server_factory(extra_args=["--workers", "2", "--log-format", "json"])


def _scrape(server: IppServer) -> Samples:
    with urllib.request.urlopen(f"{server.base_url}/metrics", timeout=30) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _log_lines(server: IppServer) -> list[dict[str, Any]]:
    """Every line of the server's log, each parsed as JSON (a line that is not fails the test), but the
    harness's own ``--- starting`` lines."""
    lines = [line for line in server.log.read_text().splitlines() if not line.startswith(STARTING)]
    parsed = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise AssertionError(f"log line {number} is not JSON: {line!r}") from exc
    return parsed


def _requests(server: IppServer) -> dict[str, dict[str, Any]]:
    return {line["request_id"]: line for line in _log_lines(server) if line["logger"] == "ipp_wsgi.requests"}


def test_metrics_and_logs_add_up_across_workers(served: IppServer) -> None:
    sent: dict[str, tuple[str, str]] = {}
    jobs = []
    for n in range(PRINT_JOBS):
        request_id = f"test-print-{n}"
        answer = post_ipp(served.port, "/ipp/print", ipp_request(operations.PRINT_JOB, served.uri, "bob"),
                          tls=False, headers={"X-Request-Id": request_id}, document=b"%PDF-1.4 metrics\n")
        assert answer.ipp is not None and answer.ipp.job is not None
        jobs.append(int(answer.ipp.job.value("job-id")))
        sent[request_id] = ("Print-Job", "successful-ok")
    pause = ipp_request(operations.PAUSE_PRINTER, served.uri)
    refused = post_ipp(served.port, "/ipp/print", pause, tls=False, headers={"X-Request-Id": "test-pause"})
    assert refused.ipp is not None and refused.ipp.code == status.CLIENT_ERROR_FORBIDDEN
    sent["test-pause"] = ("Pause-Printer", "client-error-forbidden")
    polls = 0
    while polls < MAX_POLLS:  # new connections until both workers answered some (each request on its own)
        request_id = f"test-poll-{polls}"
        post_ipp(served.port, "/ipp/print", ipp_request(operations.GET_PRINTER_ATTRIBUTES, served.uri),
                 tls=False, headers={"X-Request-Id": request_id})
        sent[request_id] = ("Get-Printer-Attributes", "successful-ok")
        polls += 1
        if polls >= 10 and len({line["pid"] for line in _requests(served).values()}) >= 2:
            break
    logged = _requests(served)
    workers = {line["pid"] for line in logged.values()}
    assert len(workers) == 2, f"one worker answered all {polls} polls"

    # Every request of the test is in the log, with its operation, status, printer and user.
    for request_id, (operation, answered) in sent.items():
        line = logged[request_id]
        assert (line["operation"], line["status"], line["printer"]) == (operation, answered, "print"), line
        assert line["bytes"] > 0 and line["duration"] >= 0
    assert [logged[f"test-print-{n}"]["job_id"] for n in range(PRINT_JOBS)] == jobs
    assert {logged[f"test-print-{n}"]["user"] for n in range(PRINT_JOBS)} == {"bob"}
    created = [line for line in _log_lines(served)
               if line["logger"] == "ipp_wsgi.jobs" and line["event"] == "created"]
    assert sorted(line["job_id"] for line in created) == jobs
    assert {line["request_id"] for line in created} == {f"test-print-{n}" for n in range(PRINT_JOBS)}

    # The counters of both workers add up to what the test sent.
    def completed() -> bool:
        return _scrape(served)[("ipp_jobs", (("printer", "print"), ("state", "completed")))] == PRINT_JOBS

    wait_for("the jobs to be printed", completed)
    samples = _scrape(served)
    total = {key: value for key, value in samples.items() if key[0] == "ipp_requests_total"}
    assert total == {
        ("ipp_requests_total", (("operation", "Print-Job"), ("status", "successful-ok"))): PRINT_JOBS,
        ("ipp_requests_total", (("operation", "Pause-Printer"), ("status", "client-error-forbidden"))): 1,
        ("ipp_requests_total", (("operation", "Get-Printer-Attributes"), ("status", "successful-ok"))): polls,
    }
    durations = ("ipp_request_duration_seconds_count", (("operation", "Get-Printer-Attributes"),))
    assert samples[durations] == polls
    assert samples[("ipp_received_bytes_total", (("operation", "Print-Job"),))] == sum(
        logged[f"test-print-{n}"]["bytes"] for n in range(PRINT_JOBS))
    assert samples[("ipp_jobs_created_total", (("printer", "print"),))] == PRINT_JOBS
    assert samples[("ipp_queued_jobs", (("printer", "print"),))] == 0
    assert samples[("ipp_printer_state", (("printer", "print"),))] == 3
    assert {line["logger"] for line in _log_lines(served)} >= {"gunicorn.error", "ipp_wsgi.requests",
                                                              "ipp_wsgi.jobs", "ipp_wsgi.spooler_process"}


def test_metrics_refused_from_another_address(served: IppServer, tmp_path: Path) -> None:
    request = urllib.request.Request(f"{served.base_url}/metrics",
                                     headers={"X-Forwarded-For": "192.0.2.9"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403


def test_the_gunicorn_recipe_logs_json_and_counts(request: pytest.FixtureRequest) -> None:
    """deploy/gunicorn/gunicorn.conf.py with IPP_WSGI_LOG_FORMAT=json and two workers."""
    def start(root: Path) -> Deployment:
        deployment = Deployment(root, free_port(), None)
        log = root / "gunicorn.log"
        deployment.logs = {"gunicorn": log}
        env = {"IPP_WSGI_BIND": f"127.0.0.1:{deployment.port}", "IPP_WSGI_WORKERS": "2",
               "IPP_WSGI_LOG_FORMAT": "json"}
        deployment.start(gunicorn_process(deployment, log, env), deployment.port)
        return deployment

    with running(request, "ipp-wsgi-gunicorn-json-", start) as deployment:
        for n in range(5):
            answer = post_ipp(deployment.port, "/ipp/print",
                              ipp_request(operations.GET_PRINTER_ATTRIBUTES, deployment.uri()), tls=False,
                              headers={"X-Request-Id": f"recipe-{n}"})
            assert answer.ipp is not None and answer.ipp.code == status.SUCCESSFUL_OK
        log = deployment.logs["gunicorn"]
        lines = [json.loads(line) for line in log.read_text().splitlines() if not line.startswith(STARTING)]
        ids = {line.get("request_id") for line in lines if line["logger"] == "ipp_wsgi.requests"}
        assert ids == {f"recipe-{n}" for n in range(5)}
        with urllib.request.urlopen(f"http://127.0.0.1:{deployment.port}/metrics", timeout=30) as response:
            text = response.read().decode()
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(text) for s in family.samples}
        assert samples[("ipp_requests_total", (("operation", "Get-Printer-Attributes"),
                                               ("status", "successful-ok")))] == 5


def _dead_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served_two_printers(ipp_server_factory: Callable[..., IppServer], tmp_path: Path) -> IppServer:
    """``print`` (a directory) and ``dead`` (a socket printer nobody listens for: two attempts, then the
    job is aborted), two workers, JSON logs."""
    config = tmp_path / "ipp.toml"
    config.write_text('[[printers]]\nname = "print"\npaths = ["/ipp/print"]\n\n'
                      '[[printers]]\nname = "dead"\npaths = ["/ipp/dead"]\noutput = "socket"\n'
                      f'device_uri = "socket://127.0.0.1:{_dead_port()}"\n'
                      "retries = 1\nretry_delay = 0.2\ndevice_timeout = 5\n")
    return ipp_server_factory(config=config, extra_args=["--workers", "2", "--log-format", "json"])


def _print(server: IppServer, printer: str, request_id: str) -> int:
    uri = server.uri.replace("/ipp/print", f"/ipp/{printer}")
    answer = post_ipp(server.port, f"/ipp/{printer}", ipp_request(operations.PRINT_JOB, uri, "carol"),
                      tls=False, headers={"X-Request-Id": request_id}, document=b"%PDF-1.4 followed\n")
    assert answer.ipp is not None and answer.ipp.job is not None, answer
    return int(answer.ipp.job.value("job-id"))


def _printer_state(server: IppServer, printer: str) -> Message:
    uri = server.uri.replace("/ipp/print", f"/ipp/{printer}")
    answer = post_ipp(server.port, f"/ipp/{printer}", ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri),
                      tls=False)
    assert answer.ipp is not None and answer.ipp.printer is not None
    return answer.ipp


def _sum(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples with ``labels`` (whatever their other labels, the pid's)."""
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and labels.items() <= dict(sample_labels).items())


def test_jobs_are_followed_from_request_to_device(served_two_printers: IppServer) -> None:
    """Counters of the spooler process add up with the workers', and each job's changes are logged with
    the request id of the request that created it."""
    served = served_two_printers
    good = {_print(served, "print", f"good-{n}"): f"good-{n}" for n in range(3)}
    dead_job = _print(served, "dead", "to-the-dead")

    def ended() -> bool:
        samples = _scrape(served)
        return (samples.get(("ipp_jobs", (("printer", "print"), ("state", "completed")))) == len(good)
                and samples.get(("ipp_jobs", (("printer", "dead"), ("state", "aborted")))) == 1)

    wait_for("the jobs to end", ended, timeout=60)
    samples = _scrape(served)
    changes = "ipp_job_state_changes_total"
    assert _sum(samples, changes, printer="print", state="processing") == len(good)
    assert _sum(samples, changes, printer="print", state="completed") == len(good)
    assert _sum(samples, changes, printer="dead", state="processing") == 1
    assert _sum(samples, changes, printer="dead", state="aborted") == 1
    assert _sum(samples, changes) == 2 * len(good) + 2
    assert _sum(samples, "ipp_jobs_created_total", printer="print") == len(good)
    assert _sum(samples, "ipp_delivery_failures_total", printer="dead", reason="retryable") == 2
    assert _sum(samples, "ipp_delivery_failures_total", printer="print") == 0
    assert _sum(samples, "ipp_delivery_retries_total", printer="dead") == 1
    store_calls = "ipp_store_operation_duration_seconds_count"
    assert _sum(samples, store_calls, operation="claim") >= 2
    assert _sum(samples, store_calls, operation="finish") >= 2
    assert _sum(samples, store_calls, operation="submit_job") == len(good) + 1

    lines = _log_lines(served)
    workers = {line["pid"] for line in lines if line["logger"] == "ipp_wsgi.requests"}
    holders = {dict(labels)["pid"]: value for (name, labels), value in samples.items()
               if name == "ipp_printing_lease_holder" and dict(labels)["printer"] == "print"}
    assert sum(holders.values()) == 1, holders
    (holder,) = [int(pid) for pid, value in holders.items() if value == 1]
    assert holder not in workers, "the spooler process prints, not a worker"

    # Every change of every job, each once, with the request that created the job.
    jobs = [line for line in lines if line["logger"] == "ipp_wsgi.jobs"]
    seen = sorted((line["job_id"], line["event"], line["request_id"]) for line in jobs)
    expected = [(job_id, event, request_id) for job_id, request_id in good.items()
                for event in ("created", "processing", "completed")]
    expected += [(dead_job, event, "to-the-dead") for event in ("created", "processing", "aborted")]
    assert seen == sorted(expected)
    assert {line["pid"] for line in jobs if line["event"] != "created"} == {holder}
    assert {line["pid"] for line in jobs if line["event"] == "created"} <= workers
    (aborted,) = [line for line in jobs if line["event"] == "aborted"]
    assert aborted["level"] == "warning" and aborted["reasons"] == ["aborted-by-system"]
    assert "gave up after 2 attempts" in aborted["state_message"] and aborted["user"] == "carol"

    # The fault is the dead printer's state while it lasts, and logged once.
    dead = _printer_state(served, "dead").printer
    assert dead is not None and "offline-report" in dead["printer-state-reasons"].values
    assert "Connection refused" in str(dead.value("printer-state-message"))
    faults = [line for line in lines if line["logger"] == "ipp_wsgi.backends.embedded.printing"
              and "offline-report" in line["message"]]
    assert len(faults) == 1, faults
    good_printer = _printer_state(served, "print").printer
    assert good_printer is not None and list(good_printer["printer-state-reasons"].values) == ["none"]
