"""Prometheus metrics: the metric objects, and ``GET /metrics`` in the Prometheus text format.

The metrics are made on first use (:func:`metrics`), so that a process started with
``PROMETHEUS_MULTIPROC_DIR`` in its environment counts in prometheus_client's multiprocess mode: each
process (gunicorn's workers, the ``ipp-wsgi spooler`` process) writes its values to files in that
directory, and a scrape of any worker adds them all up. ``ipp-wsgi serve`` (and
``deploy/gunicorn/gunicorn.conf.py``) make a fresh directory for each run; under another server set it to
an empty directory writable by every process of the server, the same for all of them, emptied before the
server starts.

What the request path counts (:mod:`ipp_wsgi.request_log`): ``ipp_requests_total{operation,status}``,
``ipp_request_duration_seconds{operation}``, ``ipp_received_bytes_total{operation}``,
``ipp_jobs_created_total{printer}``. What a scrape reads from the backends at that moment:
``ipp_jobs{printer,state}``, ``ipp_queued_jobs{printer}``, ``ipp_printer_state{printer}``,
``ipp_printer_accepting_jobs{printer}``. Updated by the embedded spooler's events, wherever it runs
(:mod:`ipp_wsgi.spooler_watch`): job state changes, delivery failures and retries, the printing-lease
holder and the store's latency.

Who may read ``/metrics`` is the policy's ``metrics`` setting (default: a client on this machine, and
administrators).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from ipp_wsgi.backends.base import BackendError
from ipp_wsgi.backends.embedded.processes import pid_alive
from ipp_wsgi.codec.registry import enum_name
from ipp_wsgi.environ import is_local

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ipp_wsgi.ops.service import Service

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    30.0, 60.0)
"""Request durations: IPP polls take well under a millisecond, document uploads seconds to minutes."""
JOB_STATES = tuple(enum_name("job-state", code) or str(code) for code in range(3, 10))


@dataclass(frozen=True, slots=True)
class Metrics:
    """The metric objects of this process."""

    requests: Counter
    """ipp_requests_total{operation,status}: IPP requests answered, by operation and IPP status."""
    duration: Histogram
    """ipp_request_duration_seconds{operation}: from the request's start to its encoded answer."""
    received: Counter
    """ipp_received_bytes_total{operation}: request bytes read (attributes and documents)."""
    jobs_created: Counter
    """ipp_jobs_created_total{printer}: jobs a job-creation request created."""
    # -- hooks for the spooler (updated by the printing process)
    job_state_changes: Counter
    """ipp_job_state_changes_total{printer,state}: a job entered ``state`` (processing, completed...)."""
    delivery_failures: Counter
    """ipp_delivery_failures_total{printer,reason}: a delivery to the device failed; ``reason``
    ``retryable`` (tried again unless the attempts are spent) or ``final`` (the job is aborted)."""
    delivery_retries: Counter
    """ipp_delivery_retries_total{printer}: deliveries tried again after a failure."""
    lease_holder: Gauge
    """ipp_printing_lease_holder{printer,pid}: 1 in the process that holds the printer's printing lease,
    0 in one that held it (multiprocess mode ``liveall``: one series per live process)."""
    store_duration: Histogram
    """ipp_store_operation_duration_seconds{operation}: time of one job store call (claim, finish...)."""


REGISTRY = CollectorRegistry(auto_describe=True)
"""This process's metric objects (never prometheus_client's global registry)."""


@functools.cache
def metrics() -> Metrics:
    """The metric objects, made on first use (in the multiprocess mode when the environment says so)."""
    if multiprocess() and values.ValueClass is values.MutexValue:
        # prometheus_client chose its value class when it was imported, maybe before ``ipp-wsgi serve`` (or
        # gunicorn.conf.py) set PROMETHEUS_MULTIPROC_DIR: choose again, before the first metric is made.
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return Metrics(
        requests=Counter("ipp_requests", "IPP requests answered, by operation and IPP status.",
                         ["operation", "status"], registry=REGISTRY),
        duration=Histogram("ipp_request_duration_seconds", "Time to answer an IPP request.", ["operation"],
                           buckets=DURATION_BUCKETS, registry=REGISTRY),
        received=Counter("ipp_received_bytes", "Bytes of IPP requests read, documents included.",
                         ["operation"], registry=REGISTRY),
        jobs_created=Counter("ipp_jobs_created", "Jobs created by IPP requests.", ["printer"],
                             registry=REGISTRY),
        job_state_changes=Counter("ipp_job_state_changes", "Jobs that entered a state.", ["printer", "state"],
                                  registry=REGISTRY),
        delivery_failures=Counter("ipp_delivery_failures", "Failed deliveries of a job to its device.",
                                  ["printer", "reason"], registry=REGISTRY),
        delivery_retries=Counter("ipp_delivery_retries", "Deliveries tried again.", ["printer"],
                                 registry=REGISTRY),
        lease_holder=Gauge("ipp_printing_lease_holder", "1 in the process that holds the printer's printing"
                           " lease.", ["printer"], registry=REGISTRY, multiprocess_mode="liveall"),
        store_duration=Histogram("ipp_store_operation_duration_seconds", "Time of one job store call.",
                                 ["operation"], buckets=DURATION_BUCKETS, registry=REGISTRY),
    )


def multiprocess() -> bool:
    """True when this process counts in prometheus_client's multiprocess mode."""
    return bool(os.environ.get(MULTIPROC_ENV))


def clear_multiprocess_dir(directory: str) -> None:
    """Empty ``directory`` of the files of a previous run (as prometheus_client asks before a start)."""
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.unlink(os.path.join(directory, name))


def process_exited(pid: int) -> None:
    """Forget the live gauges of an exited process (gunicorn's ``child_exit``)."""
    if multiprocess():
        mark_process_dead(pid)  # type: ignore[no-untyped-call]


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db")
"""prometheus_client's file of one process's live gauges (``liveall``, ``livesum``...), named by its pid."""


def forget_dead_processes(directory: str) -> None:
    """Forget the live gauges of every process of ``directory`` that no longer runs: gunicorn tells us of
    its workers' ends (:func:`process_exited`), not of a spooler process killed with SIGKILL, whose lease
    gauge would say it still prints."""
    for name in os.listdir(directory):
        found = _LIVE_GAUGE_FILE.fullmatch(name)
        if found is not None and not pid_alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), directory)  # type: ignore[no-untyped-call]


class ServiceCollector(Collector):
    """The backends' state at scrape time: jobs by state and queue length per printer, printer state."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterable[Metric]:
        jobs = GaugeMetricFamily("ipp_jobs", "Jobs kept by the spooler, by printer and job state.",
                                 labels=["printer", "state"])
        queued = GaugeMetricFamily("ipp_queued_jobs", "Jobs waiting or printing (queued-job-count).",
                                   labels=["printer"])
        state = GaugeMetricFamily("ipp_printer_state", "printer-state: 3 idle, 4 processing, 5 stopped.",
                                  labels=["printer"])
        accepting = GaugeMetricFamily("ipp_printer_accepting_jobs", "1 when the printer accepts jobs.",
                                      labels=["printer"])
        for entry in self.service.printers:
            try:
                attributes = entry.backend.printer_attributes(entry.name)
                counts = dict.fromkeys(JOB_STATES, 0)
                for job in entry.backend.jobs(entry.name, "all"):
                    name = enum_name("job-state", job.state) or str(job.state)
                    counts[name] = counts.get(name, 0) + 1
            except BackendError:
                continue  # a spooler out of reach: no values rather than wrong ones
            for name, count in counts.items():
                jobs.add_metric([entry.name, name], count)
            queued.add_metric([entry.name], int(attributes.value("queued-job-count", 0) or 0))
            state.add_metric([entry.name], int(attributes.value("printer-state", 3) or 3))
            is_accepting = attributes.value("printer-is-accepting-jobs", True) is True
            accepting.add_metric([entry.name], 1 if is_accepting else 0)
        return [jobs, queued, state, accepting]


class _ThisProcess(Collector):
    """The metric objects of this process, when not in the multiprocess mode."""

    def collect(self) -> Iterator[Metric]:
        metrics()
        return iter(REGISTRY.collect())


def exposition(service: Service) -> bytes:
    """Every metric in the Prometheus text format."""
    registry = CollectorRegistry()
    if multiprocess():
        forget_dead_processes(os.environ[MULTIPROC_ENV])
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(ServiceCollector(service))
    return generate_latest(registry)


class MetricsEndpoint:
    """``GET /metrics`` for those the policy lets read it (403 for others)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        user = environ.get("REMOTE_USER") or None
        if not self.service.policy.may_read_metrics(user, is_local(environ)):
            body = b"The metrics are not for you: see the policy's metrics setting.\n"
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        body = exposition(self.service)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []
