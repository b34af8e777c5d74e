"""Every job store's transactions (on the ``store_url`` fixture): a write is all or nothing, writers that
read for update never lose each other's update, and a wake-up of one store reaches the waiters of another
over the same data."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.spool import opened
from spooler_helpers import insert_job

from ipp_wsgi.backends.embedded.spool import INLINE_BYTES
from ipp_wsgi.backends.embedded.store import Store, open_document
from ipp_wsgi.codec import AttributeGroup


@pytest.fixture
def stores(spool_dir: Path, store_url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores over the same data, as two processes have."""
    with opened(spool_dir, store_url) as first, opened(spool_dir, store_url) as second:
        yield first, second


def _priority(store: Store, job_id: int) -> float:
    with store.read() as tx:
        job = tx.job(job_id)
    assert job is not None
    return job.priority


def test_writers_of_two_stores_take_turns(stores: tuple[Store, Store]) -> None:
    first, second = stores
    job_id = insert_job(first)
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.write() as tx:
            tx.job(job_id, for_update=True)
            order.append("first in")
            inside.set()
            release.wait()
            order.append("first out")

    def follow() -> None:
        with second.write() as tx:
            tx.job(job_id, for_update=True)
            order.append("second in")

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait()
    follower = threading.Thread(target=follow)
    follower.start()
    follower.join(0.2)  # it must still be waiting for its turn: no timing assertion, only a chance to run
    release.set()
    holder.join()
    follower.join()
    assert order == ["first in", "first out", "second in"]


def test_writers_reading_for_update_lose_no_update(stores: tuple[Store, Store]) -> None:
    job_id = insert_job(stores[0])

    def add(store: Store) -> None:
        for _ in range(25):
            with store.write() as tx:
                job = tx.job(job_id, for_update=True)
                assert job is not None
                tx.update_job(job_id, priority=job.priority + 1)

    threads = [threading.Thread(target=add, args=(stores[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _priority(stores[1], job_id) == 150


def test_job_ids_of_two_stores_writing_at_once_are_unique_and_increasing(stores: tuple[Store, Store]) -> None:
    """Two processes (or hosts) insert jobs at once: no job-id is given twice, and each writer's grow."""
    ids: list[list[int]] = [[], [], [], []]

    def insert(store: Store, mine: list[int]) -> None:
        for _ in range(20):
            mine.append(insert_job(store))

    writers = [threading.Thread(target=insert, args=(stores[index % 2], ids[index])) for index in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    every = [job_id for mine in ids for job_id in mine]
    assert len(set(every)) == len(every) == 80
    assert all(mine == sorted(mine) for mine in ids)


def test_a_failed_write_changes_nothing_and_the_next_one_goes_ahead(stores: tuple[Store, Store]) -> None:
    store = stores[0]
    job_id = insert_job(store)
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.update_job(job_id, priority=7)
        raise RuntimeError("refused")
    assert _priority(stores[1], job_id) == 0
    with store.write() as tx:  # would wait forever if the failed one still held its turn
        tx.update_job(job_id, priority=8)
    assert _priority(stores[1], job_id) == 8


def test_a_wake_up_of_one_store_reaches_the_waiter_of_another(stores: tuple[Store, Store]) -> None:
    sender, listening = stores
    sender.wake()  # nobody listens yet: dropped, no error, never blocks
    waiter = listening.waiter()
    try:
        assert not waiter.wait(0)
        sender.wake()
        sender.wake()
        assert waiter.wait(5)
        # One wait takes every wake-up that has arrived; over a network (PostgreSQL's NOTIFY) the second
        # may arrive just after it, and is then taken by the next wait. Never more wake-ups than sent:
        waiter.wait(1)
        assert not waiter.wait(0.5), "a wait woken with no wake-up sent"
    finally:
        waiter.close()


def test_the_version_moves_with_what_answers_show_not_with_leases(stores: tuple[Store, Store]) -> None:
    """A printing lease is renewed every second: that must not look like a change to the answers kept
    while the store is unchanged (a poll answered again from the answer cache)."""
    reader, printing = stores
    job_id = insert_job(printing)
    with printing.write() as tx:
        lease = tx.take_lease("print", "here:1:token", time.time() + 5)
    unchanged = reader.version()
    assert reader.version() == unchanged
    for _ in range(3):
        with printing.write() as tx:
            renewed = tx.renew_lease(lease, time.time(), time.time() + 5)
            assert renewed is not None
            tx.check_lease(renewed, time.time())
        assert reader.version() == unchanged
        assert printing.version() == printing.version()
    with reader.write() as tx:  # its own writes of a lease count no more than another's
        tx.renew_lease(lease, time.time(), time.time() + 5)
    assert reader.version() == unchanged
    with printing.write() as tx:
        tx.update_job(job_id, priority=9)
    changed = reader.version()
    assert changed != unchanged
    with reader.write() as tx:
        tx.set_device_status("print", ["offline-report"], "unreachable", time.time())
    assert reader.version() not in (unchanged, changed)


def test_a_document_kept_by_a_write_not_committed_survives_a_recovery(stores: tuple[Store, Store]) -> None:
    """A spooler starting (recover) while a worker of the same service stores a job: the worker's
    document is in place before its transaction commits, and must not be swept as an orphan."""
    writer, starting = stores
    job_id = insert_job(writer)
    received = writer.receive(io.BytesIO(b"%PDF" * (INLINE_BYTES // 2)))
    inside, release = threading.Event(), threading.Event()

    def keep() -> None:
        with writer.write() as tx:
            tx.add_document(job_id, 1, "application/pdf", "kept", AttributeGroup(), received)
            inside.set()
            release.wait()

    holder = threading.Thread(target=keep)
    holder.start()
    inside.wait()
    recovering = threading.Thread(target=starting.recover)
    recovering.start()
    recovering.join(0.3)  # it must wait for the writer: no timing assertion, only a chance to sweep
    release.set()
    holder.join()
    recovering.join()
    with starting.read() as tx:
        (document,) = tx.documents(job_id)
    with open_document(starting.document_source(document)) as data:
        assert data.read() == b"%PDF" * (INLINE_BYTES // 2)
