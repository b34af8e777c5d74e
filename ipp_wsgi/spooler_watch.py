"""What the embedded spooler's events make in this server: a log line for each job state change, and the
spooler's Prometheus metrics (:mod:`ipp_wsgi.metrics`).

:func:`watch_spooler` installs :class:`SpoolerWatch` as an observer of the embedded spooler
(:mod:`ipp_wsgi.backends.embedded.observe`), in every process that may run it: the WSGI application's
and ``ipp-wsgi spooler``. A job state change is one line of the ``ipp_wsgi.jobs`` logger (as the
``created`` line of :mod:`ipp_wsgi.request_log`), with the request id of the request that created the
job, so a job can be followed from its request to its device: ``event`` is the state the job entered
(``pending``, ``processing``, ``completed``, ``canceled``, ``aborted``...), with its ``reasons`` and
``state_message`` (job-state-message: why it was aborted). An aborted job is a warning, every other
change is info.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from ipp_wsgi.backends.base import JOB_ABORTED
from ipp_wsgi.backends.embedded import observe
from ipp_wsgi.backends.embedded.observe import JobChange
from ipp_wsgi.codec.registry import enum_name
from ipp_wsgi.metrics import metrics
from ipp_wsgi.request_log import jobs_log, key_values

RETRYABLE, FINAL = "retryable", "final"
"""The ``reason`` of ipp_delivery_failures_total: the delivery will be tried again (a device out of
reach, busy...), or the failure ends the job."""


class SpoolerWatch:
    """The observer of the embedded spooler that logs job changes and updates the spooler's metrics."""

    def job_changed(self, change: JobChange) -> None:
        """Count the change and write its line."""
        state = enum_name("job-state", change.state) or str(change.state)
        metrics().job_state_changes.labels(change.printer, state).inc()
        level = logging.WARNING if change.state == JOB_ABORTED else logging.INFO
        if not jobs_log.isEnabledFor(level):
            return
        values: dict[str, Any] = {"request_id": change.request_id, "event": state, "printer": change.printer,
                                  "job_id": change.job_id, "user": change.owner,
                                  "reasons": list(change.reasons), "state_message": change.message}
        text = {**values, "reasons": ",".join(change.reasons)}
        jobs_log.log(level, "job %s", key_values(text), extra={"ipp": values})

    def delivery_failed(self, printer: str, retryable: bool, message: str) -> None:
        """Count a failed delivery."""
        metrics().delivery_failures.labels(printer, RETRYABLE if retryable else FINAL).inc()

    def delivery_retried(self, printer: str) -> None:
        """Count a delivery tried again."""
        metrics().delivery_retries.labels(printer).inc()

    def lease_held(self, printer: str, held: bool) -> None:
        """1 while this process holds ``printer``'s printing lease, else 0."""
        metrics().lease_holder.labels(printer).set(1 if held else 0)

    def store_called(self, call: str, seconds: float) -> None:
        """Time a store call."""
        metrics().store_duration.labels(call).observe(seconds)


@functools.cache
def watch_spooler() -> SpoolerWatch:
    """Install this process's :class:`SpoolerWatch` (once)."""
    watch = SpoolerWatch()
    observe.add_observer(watch)
    return watch
