"""Printing leases (on every store): one holder per printer at a time, renewed by its holder, taken over
once expired or once its holder died on this machine, each change of holder with the next fencing token;
a write fenced by a lease that was taken over changes nothing. And the spoolers of one store: the one that
holds the lease prints, the others wake it when they queue a job and take over when it stops."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.spool import opened
from spooler_helpers import MakeSpooler, dead_pid, make_printer, submit, wait_until

from ipp_wsgi.backends.base import JOB_COMPLETED, JOB_PENDING, JOB_PROCESSING
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded import printing_lease as printing_lease_module
from ipp_wsgi.backends.embedded import processor as processor_module
from ipp_wsgi.backends.embedded.printing_lease import (
    LEASE_SECONDS,
    PrintingLeases,
    holder_name,
    requeue_orphans,
    takeable,
)
from ipp_wsgi.backends.embedded.processes import host_id
from ipp_wsgi.backends.embedded.store import DeliveryProcess, LeaseLost, NewJob, Store
from ipp_wsgi.codec import AttributeGroup

NOW = 1_000_000.0


@pytest.fixture
def store(spool_dir: Path, store_url: str) -> Iterator[Store]:
    with opened(spool_dir, store_url) as opened_store:
        with opened_store.write() as tx:
            for printer in ("print", "other"):
                tx.ensure_printer(printer, NOW)
        yield opened_store


def test_a_lease_is_held_by_one_holder_and_renewed_by_it(store: Store) -> None:
    with store.write() as tx:
        assert tx.lease("print") is None and takeable(tx.lease("print"), NOW)
        first = tx.take_lease("print", "host/a:1:a", NOW + 5)
    assert (first.holder, first.token, first.expires) == ("host/a:1:a", 1, NOW + 5)
    with store.write() as tx:
        assert not takeable(tx.lease("print"), NOW + 1), "held and not expired"
        renewed = tx.renew_lease(first, NOW + 1, NOW + 6)
        assert renewed is not None and (renewed.token, renewed.expires) == (1, NOW + 6)
        tx.check_lease(first, NOW + 5.5)  # the renewal counts: not expired
        assert tx.renew_lease(first, NOW + 7, NOW + 12) is None, "an expired lease is taken again"


def test_an_expired_lease_is_taken_over_with_the_next_token(store: Store) -> None:
    with store.write() as tx:
        first = tx.take_lease("print", "host/a:1:a", NOW + 5)
    with store.write() as tx:
        current = tx.lease("print", for_update=True)
        assert takeable(current, NOW + 5), "expired"
        second = tx.take_lease("print", "host/b:2:b", NOW + 10)
    assert (second.holder, second.token) == ("host/b:2:b", 2)
    with store.write() as tx:
        assert tx.renew_lease(first, NOW + 6, NOW + 11) is None
        with pytest.raises(LeaseLost):
            tx.check_lease(first, NOW + 6)
        tx.check_lease(second, NOW + 6)
        with pytest.raises(LeaseLost):  # expired at its expiry time
            tx.check_lease(second, NOW + 10)
        assert tx.lease("other") is None, "each printer has its own lease"


def test_a_released_lease_may_be_taken_at_once_and_keeps_counting(store: Store) -> None:
    with store.write() as tx:
        first = tx.take_lease("print", "host/a:1:a", NOW + 5)
        tx.release_lease(first)
        released = tx.lease("print")
        assert released is not None and released.holder is None and takeable(released, NOW)
        assert tx.take_lease("print", "host/b:2:b", NOW + 5).token == 2


def test_the_lease_of_a_holder_that_died_here_may_be_taken_before_it_expires(store: Store) -> None:
    dead = dead_pid()
    with store.write() as tx:
        tx.take_lease("print", f"{host_id()}:{dead}:token", NOW + 3600)
        tx.take_lease("other", holder_name("alive"), NOW + 3600)
        assert takeable(tx.lease("print"), NOW)
        assert not takeable(tx.lease("other"), NOW), "this process runs"


def test_a_fenced_write_of_a_lease_taken_over_changes_nothing(store: Store) -> None:
    with store.write() as tx:
        job = tx.insert_job(NewJob(printer="print", owner="alice", name="j", state=JOB_PENDING,
                                   reasons=["job-queued"], created=NOW, attributes=AttributeGroup(),
                                   priority=50, closed=True))
        old = tx.take_lease("print", "host/a:1:a", NOW + 5)
    with store.write() as tx:
        tx.take_lease("print", "host/b:2:b", NOW + 10)
    with pytest.raises(LeaseLost), store.write() as tx:
        tx.update_job(job.job_id, state=JOB_PROCESSING, reasons=["job-printing"], holder=old.holder,
                      lease_token=old.token)
        tx.check_lease(old, NOW + 6)  # the old holder's claim, fenced
    with pytest.raises(LeaseLost), store.write() as tx:
        tx.record_delivery(old, DeliveryProcess(host_id(), 1, 1), NOW + 6)
    with store.read() as tx:
        unchanged = tx.job(job.job_id)
        lease = tx.lease("print")
    assert unchanged is not None and (unchanged.state, unchanged.holder) == (JOB_PENDING, None)
    assert lease is not None and lease.delivery is None


def test_a_delivery_recorded_under_a_lease_is_kept_for_its_next_holder(store: Store) -> None:
    delivery = DeliveryProcess(host_id(), 1234, 5678)
    with store.write() as tx:
        old = tx.take_lease("print", "host/a:1:a", NOW + 5)
        tx.record_delivery(old, delivery, NOW + 1)
    with store.write() as tx:
        taken = tx.take_lease("print", "host/b:2:b", NOW + 10)
    assert taken.delivery == delivery


def test_jobs_printing_under_a_lease_no_longer_held_are_orphans(store: Store) -> None:
    with store.write() as tx:
        lease = tx.take_lease("print", "host/a:1:a", NOW + 5)
        ids = [tx.insert_job(NewJob(printer="print", owner="alice", name="j", state=JOB_PENDING,
                                    reasons=["job-queued"], created=NOW, attributes=AttributeGroup(),
                                    priority=50, closed=True)).job_id for _ in range(2)]
        for job_id in ids:
            tx.update_job(job_id, state=JOB_PROCESSING, holder=lease.holder, lease_token=lease.token)
        assert requeue_orphans(tx, NOW + 1) == 0, "its lease holds"
        assert requeue_orphans(tx, NOW + 5) == 2, "its lease expired"
        assert [job.state for job in tx.select_jobs([JOB_PENDING])] == [JOB_PENDING] * 2


def test_printing_leases_take_free_printers_and_give_up_leases_gone_stale(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = PrintingLeases(store, ["print", "other"], holder_name("first"))
    second = PrintingLeases(store, ["print", "other"], holder_name("second"))
    taken, lost = first.keep()
    assert sorted(t.lease.printer for t in taken) == ["other", "print"] and lost == []
    assert second.keep() == ([], [])
    assert first.keep() == ([], []), "renewed"
    first.release(["print"])
    taken, _ = second.keep()
    assert [(t.lease.printer, t.lease.token) for t in taken] == [("print", 2)]
    later = time.monotonic() + LEASE_SECONDS
    monkeypatch.setattr(printing_lease_module.time, "monotonic", lambda: later)
    assert first.keep() == ([], ["other"]), "not renewed for a lease period: given up"
    assert first.held() == []


# -- spoolers of one store

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


def test_a_standby_spooler_has_kept_the_leases_at_once(spoolers: list[EmbeddedSpooler]) -> None:
    """A spooler whose printers another live process prints has done all it can at its first lease round:
    ``ipp-wsgi serve`` waits for that (not for printing) before it starts its workers, so that a second host
    of one store serves at once."""
    holder, standby = holder_and_standby(spoolers)
    assert holder.wait_leases_kept(0)
    assert standby.wait_leases_kept(5), "it has taken what it could: nothing"
    assert not standby.wait_printing(0)


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
