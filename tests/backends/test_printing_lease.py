"""One process of a spool directory prints at a time (the printing lease); the others stand by, wake it
through the FIFO when they queue a job, and take over when it stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spooler_helpers import make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_COMPLETED
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import processor as processor_module
from ipp_wsgi.backends.embedded.printing_lease import PrintingLease, WakeSignal


def test_the_lease_has_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = PrintingLease(tmp_path), PrintingLease(tmp_path)
    assert first.try_acquire() and first.held
    assert not second.try_acquire() and not second.held
    first.release()
    assert second.try_acquire()
    second.release()


def test_a_wake_signal_reaches_its_listener_and_is_dropped_without_one(tmp_path: Path) -> None:
    sender, listener = WakeSignal(tmp_path), WakeSignal(tmp_path)
    sender.send()  # nobody listens: dropped, no error, never blocks
    listener.listen()
    try:
        assert not listener.wait(0)
        for _ in range(100_000):  # more than the pipe holds: the extra ones are dropped
            sender.send()
        assert listener.wait(5) and not listener.wait(0), "one wait takes every wake-up sent"
    finally:
        listener.close()
        sender.close()


@pytest.fixture
def spoolers(spool_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EmbeddedSpooler]]:
    """Two spoolers of one spool directory, as two server processes would have; polling slowed down so
    that only a wake-up through the FIFO prints a job within the tests' deadline."""
    monkeypatch.setattr(processor_module, "POLL_SECONDS", 60.0)
    made = [EmbeddedSpooler(spool_dir, [make_printer("print")]) for _ in range(2)]
    yield made
    for spooler in made:
        spooler.close()


def holder_and_standby(spoolers: list[EmbeddedSpooler]) -> tuple[EmbeddedSpooler, EmbeddedSpooler]:
    """The spooler that took the printing lease, and the other, once one has."""
    wait_until(lambda: any(spooler.wait_printing(0) for spooler in spoolers))
    holder, standby = sorted(spoolers, key=lambda spooler: not spooler.wait_printing(0))
    return holder, standby


def test_one_spooler_prints_and_the_other_wakes_it(spoolers: list[EmbeddedSpooler]) -> None:
    holder, standby = holder_and_standby(spoolers)
    assert not standby.wait_printing(0.5), "one printer at a time"
    job = submit(standby, b"queued by the process that does not print")
    wait_until(lambda: holder.get_job(None, job.job_id).state == JOB_COMPLETED)


def test_the_standby_spooler_takes_over(spoolers: list[EmbeddedSpooler]) -> None:
    holder, standby = holder_and_standby(spoolers)
    holder.close()
    assert standby.wait_printing(10)
    job = submit(standby, b"printed after the takeover")
    wait_until(lambda: standby.get_job(None, job.job_id).state == JOB_COMPLETED)


def test_a_spooler_without_printing_threads_never_takes_the_lease(spool_dir: Path) -> None:
    idle = EmbeddedSpooler(spool_dir, [make_printer("print")], workers=0)
    try:
        assert not idle.wait_printing(1.5)
        lease = PrintingLease(spool_dir)
        assert lease.try_acquire(), "the lease is free"
        lease.release()
    finally:
        idle.close()
