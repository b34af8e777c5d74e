"""What the embedded spooler tells whoever watches it: job state changes, delivery failures and retries,
the printing leases this process holds, and the time of its store calls.

The spooler calls the functions of this module where each event happens (:mod:`.printing`,
:mod:`.printing_lease`, :meth:`.store.StoreTransaction.update_job`); they pass it on to the
:class:`Observer` s :func:`add_observer` installed in this process. The server installs one
(:mod:`ipp_wsgi.spooler_watch`: a log line and Prometheus metrics); without any, the calls cost a loop over
an empty list. This is a hook interface rather than prometheus_client used here, so that the backends
stay free of the server's metrics and log formats, and a test can watch a spooler with an observer of its
own.

A job state change reaches the observers once the transaction that made it committed
(:meth:`.store.StoreTransaction.committed`), in the thread that made it; an observer that raises is
logged and the event goes on to the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobChange:
    """A job entered ``state``: its reasons and message then, its owner, and the request id of the
    request that created it (``""``: unknown, a job of an older release)."""

    job_id: int
    printer: str
    state: int
    reasons: tuple[str, ...]
    message: str
    owner: str
    request_id: str


class Observer(Protocol):
    """Told of the spooler's events (every method is called in the thread of the event: be quick)."""

    def job_changed(self, change: JobChange) -> None:
        """A job's state changed (committed)."""

    def delivery_failed(self, printer: str, retryable: bool, message: str) -> None:
        """A delivery to ``printer``'s device failed (``retryable``: it will be tried again, unless the
        attempts are spent)."""

    def delivery_retried(self, printer: str) -> None:
        """A delivery to ``printer``'s device is tried again."""

    def lease_held(self, printer: str, held: bool) -> None:
        """This process took (``held``) or lost or gave up ``printer``'s printing lease."""

    def store_called(self, call: str, seconds: float) -> None:
        """A store call named ``call`` (``claim``, ``finish``...) took ``seconds``."""


_observers: list[Observer] = []


def add_observer(observer: Observer) -> None:
    """Tell ``observer`` of this process's spooler events from now on (once, however often added)."""
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    """Stop telling ``observer``."""
    if observer in _observers:
        _observers.remove(observer)


def job_changed(change: JobChange) -> None:
    """Tell the observers that a job's state changed."""
    _tell(lambda observer: observer.job_changed(change))


def delivery_failed(printer: str, retryable: bool, message: str) -> None:
    """Tell the observers that a delivery failed."""
    _tell(lambda observer: observer.delivery_failed(printer, retryable, message))


def delivery_retried(printer: str) -> None:
    """Tell the observers that a delivery is tried again."""
    _tell(lambda observer: observer.delivery_retried(printer))


def lease_held(printer: str, held: bool) -> None:
    """Tell the observers that this process took or lost a printing lease."""
    _tell(lambda observer: observer.lease_held(printer, held))


@contextmanager
def timed(call: str) -> Iterator[None]:
    """Time the block, a store call named ``call``, for the observers (whether it succeeds or not)."""
    if not _observers:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        _tell(lambda observer: observer.store_called(call, seconds))


def _tell(event: Callable[[Observer], None]) -> None:
    for observer in _observers:
        try:
            event(observer)
        except Exception:
            log.exception("an observer of the spooler failed")
