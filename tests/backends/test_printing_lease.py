"""The spoolers of one store (on every store): the one that holds a printer's printing lease prints it, the
others wake it when they queue a job and take over when it stops."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness.spool import opened
from spooler_helpers import MakeSpooler, make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_COMPLETED
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import processor as processor_module
from ipp_wsgi.backends.embedded.printing_lease import takeable


@pytest.fixture
def spoolers(make_spooler: MakeSpooler, monkeypatch: pytest.MonkeyPatch) -> list[EmbeddedSpooler]:
    """Two spoolers of one store, as two server processes would have; polling slowed down so that only a
    wake-up through the store prints a job within the tests' deadline."""
    monkeypatch.setattr(processor_module, "POLL_SECONDS", 60.0)
    return [make_spooler() for _ in range(2)]


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


def test_a_spooler_that_does_not_print_never_takes_a_lease(make_spooler: MakeSpooler, spool_dir: Path,
                                                           store_url: str) -> None:
    idle = make_spooler([make_printer("print")], printing=False)
    assert not idle.wait_printing(1.5)
    with opened(spool_dir, store_url) as store, store.read() as tx:
        assert takeable(tx.lease("print"), time.time()), "the lease is free"
