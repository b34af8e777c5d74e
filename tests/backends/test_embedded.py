"""The embedded spooler's operations and job state machine (processing run in the test thread)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.spool import opened
from spooler_helpers import Kept, MakeSpooler, submit, temporary_files

from ipp_wsgi.backends.base import (
    JOB_ABORTED,
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    PRINTER_IDLE,
    PRINTER_STOPPED,
    BackendError,
    Document,
    JobRequest,
    SubscriptionRequest,
)
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.backends.embedded.spool import INLINE_BYTES
from ipp_wsgi.codec import DELETE_ATTRIBUTE, AttributeGroup, status, tags


def output_of(spool_dir: Path, job_id: int, number: int = 1, printer: str = "print") -> bytes:
    return (spool_dir / "output" / printer / f"{job_id}-{number}.pdf").read_bytes()


def hold_until(value: str) -> AttributeGroup:
    group = AttributeGroup()
    group.add("job-hold-until", value, tag=tags.KEYWORD)
    return group


def error_status(excinfo: pytest.ExceptionInfo[BackendError]) -> int:
    return excinfo.value.status


# -- job life

def test_created_job_waits_for_documents(spooler: EmbeddedSpooler) -> None:
    job = spooler.create_job("print", JobRequest("alice", "report", "10.0.0.1"))
    assert (job.state, job.state_reasons, job.documents) == (JOB_PENDING, ["job-incoming"], 0)
    assert (job.owner, job.name, job.origin_host, job.printer) == ("alice", "report", "10.0.0.1", "print")
    assert spooler.process_pending() == 0
    assert spooler.get_job("print", job.job_id).state_reasons == ["job-incoming"]


def test_job_prints_its_documents_to_the_output_directory(spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    first, second = os.urandom(3000), b"second document"
    job = submit(spooler, first, second)
    assert (job.state, job.state_reasons, job.documents, job.k_octets) == (JOB_PENDING, ["job-queued"], 2, 3)

    assert spooler.process_pending() == 1

    done = spooler.get_job(None, job.job_id)
    assert (done.state, done.state_reasons) == (JOB_COMPLETED, ["job-completed-successfully"])
    assert done.created <= (done.processing or 0) <= (done.completed or 0)
    assert output_of(spool_dir, job.job_id, 1) == first
    assert output_of(spool_dir, job.job_id, 2) == second
    assert not [p for p in (spool_dir / "output" / "print").iterdir() if p.name.startswith(".")]


def test_close_job_queues_a_job_and_aborts_an_empty_one(spooler: EmbeddedSpooler) -> None:
    job = spooler.create_job("print", JobRequest("alice", "x"))
    spooler.add_document("print", job.job_id, io.BytesIO(b"data"), Document(), last=False)
    assert spooler.close_job("print", job.job_id).state_reasons == ["job-queued"]

    empty = spooler.create_job("print", JobRequest("alice", "x"))
    closed = spooler.close_job("print", empty.job_id)
    assert (closed.state, closed.state_reasons) == (JOB_ABORTED, ["job-data-insufficient"])


def test_closed_job_takes_no_more_documents(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"one")
    with pytest.raises(BackendError) as excinfo:
        spooler.add_document("print", job.job_id, io.BytesIO(b"two"), Document(), last=True)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE
    assert spooler.get_job("print", job.job_id).documents == 1


def test_held_job_prints_only_once_released(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x", attributes=hold_until("indefinite"))
    assert (job.state, job.state_reasons) == (JOB_PENDING_HELD, ["job-hold-until-specified"])
    assert spooler.process_pending() == 0

    released = spooler.release_job("print", job.job_id)
    assert (released.state, released.attributes.value("job-hold-until")) == (JOB_PENDING, "no-hold")
    assert spooler.process_pending() == 1
    assert spooler.get_job("print", job.job_id).state == JOB_COMPLETED


def test_hold_and_release_rules(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x")
    with pytest.raises(BackendError) as excinfo:
        spooler.release_job(None, job.job_id)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE
    assert spooler.hold_job(None, job.job_id).state == JOB_PENDING_HELD
    spooler.release_job(None, job.job_id)
    spooler.process_pending()
    with pytest.raises(BackendError) as excinfo:
        spooler.hold_job(None, job.job_id)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE


def test_cancel(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x")
    canceled = spooler.cancel_job("print", job.job_id)
    assert (canceled.state, canceled.state_reasons) == (JOB_CANCELED, ["job-canceled-by-user"])
    assert canceled.completed is not None
    assert spooler.process_pending() == 0
    with pytest.raises(BackendError) as excinfo:
        spooler.cancel_job("print", job.job_id)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE

    other = spooler.create_job("print", JobRequest("bob", "y"))
    assert spooler.cancel_job(None, other.job_id, "aborted-by-system").state == JOB_ABORTED


def test_unknown_printer_and_job_are_not_found(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x")
    calls: list[Callable[[], object]] = [
        lambda: spooler.printer_attributes("nope"),
        lambda: spooler.pause_printer("nope"),
        lambda: spooler.create_job("nope", JobRequest("a", "b")),
        lambda: spooler.get_job(None, 999),
        lambda: spooler.get_job("other", job.job_id),
        lambda: spooler.cancel_job(None, 999),
        lambda: spooler.jobs("nope"),
        lambda: spooler.move_job(None, job.job_id, "nope"),
    ]
    for call in calls:
        with pytest.raises(BackendError) as excinfo:
            call()
        assert error_status(excinfo) == status.CLIENT_ERROR_NOT_FOUND


def test_restart_prints_an_ended_job_again(spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    job = submit(spooler, b"again")
    with pytest.raises(BackendError) as excinfo:
        spooler.restart_job(None, job.job_id)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE
    spooler.process_pending()
    output = spool_dir / "output" / "print" / f"{job.job_id}-1.pdf"
    output.unlink()

    restarted = spooler.restart_job(None, job.job_id)
    assert (restarted.state, restarted.completed) == (JOB_PENDING, None)
    spooler.process_pending()
    assert output.read_bytes() == b"again"


def test_set_job_attributes(spooler: EmbeddedSpooler) -> None:
    low, high = submit(spooler, b"low"), submit(spooler, b"high")
    changes = AttributeGroup()
    changes.add("job-name", "renamed", tag=tags.NAME_WITHOUT_LANGUAGE)
    changes.add("job-priority", 90, tag=tags.INTEGER)
    changes.add("copies", 3, tag=tags.INTEGER)
    changed = spooler.set_job_attributes("print", high.job_id, changes)
    assert (changed.name, changed.attributes.value("copies")) == ("renamed", 3)

    held = spooler.set_job_attributes("print", low.job_id, hold_until("indefinite"))
    assert held.state == JOB_PENDING_HELD
    assert spooler.process_pending() == 1
    assert spooler.get_job(None, high.job_id).state == JOB_COMPLETED

    removal = AttributeGroup()
    removal.add("job-hold-until", DELETE_ATTRIBUTE, tag=tags.DELETE_ATTRIBUTE)
    assert spooler.set_job_attributes(None, low.job_id, removal).state == JOB_PENDING
    with pytest.raises(BackendError) as excinfo:
        spooler.set_job_attributes(None, high.job_id, changes)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE


def test_priority_orders_the_queue(spooler: EmbeddedSpooler) -> None:
    urgent = AttributeGroup()
    urgent.add("job-priority", 80, tag=tags.INTEGER)
    first, second = submit(spooler, b"1"), submit(spooler, b"2", attributes=urgent)
    spooler.process_pending()
    started = [spooler.get_job(None, job.job_id).processing or 0.0 for job in (second, first)]
    assert started == sorted(started) and started[0] > 0


def test_move_job(spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    job = submit(spooler, b"moved")
    assert spooler.move_job("print", job.job_id, "other").printer == "other"
    spooler.process_pending()
    assert output_of(spool_dir, job.job_id, printer="other") == b"moved"
    with pytest.raises(BackendError) as excinfo:
        spooler.move_job(None, job.job_id, "print")
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE


# -- printers

def test_printer_attributes_add_status_to_a_fresh_copy(spooler: EmbeddedSpooler) -> None:
    attributes = spooler.printer_attributes("print")
    assert attributes.value("printer-make-and-model") == "Test print"
    assert attributes.value("printer-state") == PRINTER_IDLE
    assert attributes["printer-state-reasons"].values == ["none"]
    assert attributes.value("printer-is-accepting-jobs") is True
    assert attributes.value("queued-job-count") == 0
    assert attributes["printer-state"].tag == tags.ENUM
    attributes.add("printer-make-and-model", "changed", tag=tags.TEXT_WITHOUT_LANGUAGE)
    submit(spooler, b"x")
    again = spooler.printer_attributes("print")
    assert again.value("printer-make-and-model") == "Test print"
    assert again.value("queued-job-count") == 1


def test_pause_stops_processing_and_resume_restarts_it(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x")
    spooler.pause_printer("print")
    attributes = spooler.printer_attributes("print")
    assert attributes.value("printer-state") == PRINTER_STOPPED
    assert attributes["printer-state-reasons"].values == ["paused"]
    assert spooler.process_pending() == 0
    assert submit(spooler, b"still accepted").state == JOB_PENDING

    spooler.resume_printer("print")
    assert spooler.process_pending() == 2
    assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED


def test_disabled_printer_refuses_jobs_but_prints_its_queue(spooler: EmbeddedSpooler) -> None:
    job = submit(spooler, b"x")
    spooler.disable_printer("print")
    assert spooler.printer_attributes("print").value("printer-is-accepting-jobs") is False
    for call in (lambda: spooler.create_job("print", JobRequest("a", "b")),
                 lambda: spooler.validate_job("print", JobRequest("a", "b"))):
        with pytest.raises(BackendError) as excinfo:
            call()
        assert error_status(excinfo) == status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    spooler.validate_job("other", JobRequest("a", "b"))
    assert spooler.process_pending() == 1
    assert spooler.get_job(None, job.job_id).state == JOB_COMPLETED
    spooler.enable_printer("print")
    spooler.validate_job("print", JobRequest("a", "b"))


def test_set_printer_attributes(spooler: EmbeddedSpooler) -> None:
    change = AttributeGroup()
    change.add("printer-location", "Room 12", tag=tags.TEXT_WITHOUT_LANGUAGE)
    before = spooler.printer_attributes("print").value("printer-config-change-time")
    spooler.set_printer_attributes("print", change)
    after = spooler.printer_attributes("print")
    assert after.value("printer-location") == "Room 12"
    assert after.value("printer-config-change-time") >= before
    assert "printer-location" not in spooler.printer_attributes("other")

    refused = AttributeGroup()
    refused.add("printer-make-and-model", "hacked", tag=tags.TEXT_WITHOUT_LANGUAGE)
    with pytest.raises(BackendError) as excinfo:
        spooler.set_printer_attributes("print", refused)
    assert error_status(excinfo) == status.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE

    delete = AttributeGroup()
    delete.add("printer-location", DELETE_ATTRIBUTE, tag=tags.DELETE_ATTRIBUTE)
    spooler.set_printer_attributes("print", delete)
    assert "printer-location" not in spooler.printer_attributes("print")


def test_purge_jobs_removes_jobs_and_files(kept: Kept, spooler: EmbeddedSpooler) -> None:
    done, waiting = submit(spooler, b"1"), submit(spooler, b"2")
    elsewhere = submit(spooler, b"3", printer="other")
    spooler.process_pending()
    spooler.purge_jobs("print")
    for job in (done, waiting):
        with pytest.raises(BackendError):
            spooler.get_job(None, job.job_id)
    assert list(kept()) == [f"{elsewhere.job_id}-1"]


def test_identify_printer_is_accepted(spooler: EmbeddedSpooler) -> None:
    spooler.identify_printer("print", ["display"], "hello")
    with pytest.raises(BackendError):
        spooler.identify_printer("nope", ["display"], "hello")


# -- listing

def test_jobs_selection_and_order(spooler: EmbeddedSpooler) -> None:
    a = submit(spooler, b"a", owner="alice")
    b = submit(spooler, b"b", owner="bob")
    spooler.process_pending()
    c = submit(spooler, b"c", owner="alice")
    d = submit(spooler, b"d", owner="bob", attributes=hold_until("indefinite"))
    e = submit(spooler, b"e", printer="other")
    canceled = submit(spooler, b"f", owner="carol")
    spooler.cancel_job(None, canceled.job_id)

    def ids(**query: object) -> list[int]:
        return [job.job_id for job in spooler.jobs(**query)]  # type: ignore[arg-type]

    assert ids(printer="print") == [c.job_id, d.job_id]
    assert ids(printer=None) == [c.job_id, d.job_id, e.job_id]
    assert ids(printer="print", which="completed") == [canceled.job_id, b.job_id, a.job_id]
    assert ids(printer="print", which="all") == [a.job_id, b.job_id, c.job_id, d.job_id, canceled.job_id]
    assert ids(printer="print", which="pending-held") == [d.job_id]
    assert ids(printer="print", which="pending") == [c.job_id]
    assert ids(printer="print", which="canceled") == [canceled.job_id]
    assert ids(printer="print", which="fetchable") == []
    assert ids(printer="print", which="all", owner="alice") == [a.job_id, c.job_id]
    assert ids(printer="print", which="all", limit=2, first_index=2) == [b.job_id, c.job_id]
    with pytest.raises(BackendError) as excinfo:
        spooler.jobs("print", which="bogus")
    assert error_status(excinfo) == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED


def test_history_is_purged_by_count_with_its_files(kept: Kept, make_spooler: MakeSpooler) -> None:
    spooler = make_spooler(history_jobs=2, start=False)
    try:
        jobs = [submit(spooler, bytes([n])) for n in range(4)]
        spooler.process_pending()
        spooler.purge_history()
        ended = [job.job_id for job in spooler.jobs("print", which="completed")]
        assert ended == [jobs[3].job_id, jobs[2].job_id]
        assert sorted(kept()) == sorted(f"{i}-1" for i in ended)
    finally:
        spooler.close()


def test_history_is_purged_by_age(make_spooler: MakeSpooler) -> None:
    spooler = make_spooler(history_seconds=0, start=False)
    try:
        waiting = submit(spooler, b"w", attributes=hold_until("indefinite"))
        ended = submit(spooler, b"x")
        spooler.process_pending()
        spooler.purge_history()
        assert spooler.jobs("print", which="completed") == []
        assert [job.job_id for job in spooler.jobs("print", which="all")] == [waiting.job_id]
        with pytest.raises(BackendError):
            spooler.get_job(None, ended.job_id)
    finally:
        spooler.close()


# -- documents as streams

class FailingStream(io.RawIOBase):
    """Gives ``size`` bytes, then fails as a client that went away would."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        count = min(len(buffer), self.left)
        buffer[:count] = b"\x01" * count
        self.left -= count
        return count


def test_failed_upload_leaves_nothing(kept: Kept, spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    job = spooler.create_job("print", JobRequest("alice", "x"))
    with pytest.raises(ConnectionResetError):
        stream = io.BufferedReader(FailingStream(200_000))
        spooler.add_document("print", job.job_id, stream, Document(), last=True)
    after = spooler.get_job(None, job.job_id)
    assert (after.documents, after.k_octets, after.state_reasons) == (0, 0, ["job-incoming"])
    assert temporary_files(spool_dir) == []
    assert kept() == {}
    retried = spooler.add_document("print", job.job_id, io.BytesIO(b"retry"), Document(), last=True)
    assert retried.documents == 1


def test_upload_for_an_ended_job_is_refused_before_reading(spooler: EmbeddedSpooler) -> None:
    job = spooler.create_job("print", JobRequest("alice", "x"))
    spooler.cancel_job(None, job.job_id)
    stream = io.BytesIO(b"never read")
    with pytest.raises(BackendError):
        spooler.add_document("print", job.job_id, stream, Document(), last=True)
    assert stream.tell() == 0


def _all_job_ids(spooler: EmbeddedSpooler) -> list[int]:
    return sorted(job.job_id for job in spooler.jobs(None, "all"))


def test_submit_job_creates_a_closed_job_with_its_document(spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    pdf = Document("application/pdf")
    first = spooler.submit_job("print", JobRequest("alice", "one"), io.BytesIO(b"%PDF one"), pdf)
    second = spooler.submit_job("print", JobRequest("bob", "two"), io.BytesIO(b"%PDF two"), pdf)
    assert second.job_id > first.job_id
    assert (first.state, first.state_reasons, first.documents) == (JOB_PENDING, ["job-queued"], 1)
    assert spooler.process_pending() == 2
    assert output_of(spool_dir, first.job_id) == b"%PDF one"


def test_a_failed_submit_job_leaves_no_job_and_no_file(kept: Kept, spooler: EmbeddedSpooler,
                                                       spool_dir: Path) -> None:
    """A half-received document never becomes a job; the next job still gets a greater job-id."""
    before = submit(spooler, b"before").job_id
    with pytest.raises(ConnectionResetError):
        spooler.submit_job("print", JobRequest("alice", "x"), io.BufferedReader(FailingStream(200_000)),
                           Document())
    assert _all_job_ids(spooler) == [before]
    assert temporary_files(spool_dir) == []
    assert list(kept()) == [f"{before}-1"], "only the document of the job before"
    after = spooler.submit_job("print", JobRequest("alice", "y"), io.BytesIO(b"ok"), Document())
    assert after.job_id > before


@pytest.mark.parametrize("size", [10, 4 * INLINE_BYTES])
def test_submit_job_to_a_printer_not_accepting_is_refused_before_any_file(kept: Kept,
                                                                          spooler: EmbeddedSpooler,
                                                                          spool_dir: Path, size: int) -> None:
    """A large document is not read past what tells it is large; a small one is refused by the
    transaction that would have recorded it."""
    spooler.disable_printer("print")
    stream = io.BytesIO(b"x" * size)
    with pytest.raises(BackendError) as excinfo:
        spooler.submit_job("print", JobRequest("alice", "x"), stream, Document())
    assert error_status(excinfo) == status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    assert stream.tell() <= INLINE_BYTES + 1 and _all_job_ids(spooler) == []
    assert temporary_files(spool_dir) == [] and kept() == {}


def test_an_authenticated_owner_is_kept_and_copied(spooler: EmbeddedSpooler) -> None:
    request = JobRequest("alice", "x", owner_authenticated=True)
    job = spooler.submit_job("print", request, io.BytesIO(b"data"), Document())
    created = spooler.create_job("print", JobRequest("alice", "y"))
    assert spooler.get_job(None, job.job_id).owner_authenticated is True
    assert spooler.get_job(None, created.job_id).owner_authenticated is False
    spooler.process_pending()
    copied = spooler.copy_job(None, job.job_id, "alice", AttributeGroup(), owner_authenticated=True)
    anonymous = spooler.copy_job(None, job.job_id, "alice", AttributeGroup())
    assert (copied.owner_authenticated, anonymous.owner_authenticated) == (True, False)


# -- subscriptions and events

def _printer_subscription(spooler: EmbeddedSpooler, lease: int = 0, events: tuple[str,
                          ...] = ("printer-state-changed",)) -> int:
    request = SubscriptionRequest("alice", list(events), lease_duration=lease)
    return spooler.create_subscription("print", request).subscription_id


def test_events_are_shared_by_every_process_and_survive_a_restart(make_spooler: MakeSpooler) -> None:
    first = make_spooler(start=False)
    second = make_spooler(start=False)  # another gunicorn worker
    try:
        subscription_id = _printer_subscription(first)
        second.pause_printer("print")
        assert [e.event for e in first.events("print", subscription_id)] == ["printer-stopped"]
    finally:
        first.close()
        second.close()
    restarted = make_spooler(start=False)
    try:
        restarted.resume_printer("print")
        found = restarted.events("print", subscription_id)
        expected = [(1, "printer-stopped"), (2, "printer-state-changed")]
        assert [(e.sequence, e.event) for e in found] == expected
        assert restarted.get_subscription("print", subscription_id).sequence == 2
    finally:
        restarted.close()


def test_job_events_follow_the_job_state_machine(spooler: EmbeddedSpooler) -> None:
    subscription_id = _printer_subscription(spooler, events=("job-state-changed", "job-config-changed"))
    job = spooler.create_job("print", JobRequest("alice", "report", attributes=hold_until("indefinite")))
    spooler.set_job_attributes("print", job.job_id, hold_until("no-hold"))
    spooler.cancel_job("print", job.job_id)
    found = [(e.event, e.attributes.value("job-state")) for e in spooler.events("print", subscription_id)]
    assert found == [("job-created", JOB_PENDING_HELD), ("job-state-changed", JOB_PENDING),
                     ("job-config-changed", JOB_PENDING), ("job-completed", JOB_CANCELED)]


def test_job_subscription_ends_with_its_job(spooler: EmbeddedSpooler) -> None:
    job = spooler.create_job("print", JobRequest("alice", "report"))
    made = spooler.create_subscription("print", SubscriptionRequest("alice", ["job-completed"], job.job_id))
    assert not made.ended and made.expires is None
    spooler.cancel_job("print", job.job_id)
    assert spooler.get_subscription("print", made.subscription_id).ended
    with pytest.raises(BackendError) as excinfo:
        spooler.create_subscription("print", SubscriptionRequest("alice", ["job-completed"], job.job_id))
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE
    with pytest.raises(BackendError) as excinfo:
        spooler.renew_subscription("print", made.subscription_id, 60)
    assert error_status(excinfo) == status.CLIENT_ERROR_NOT_POSSIBLE


def test_leases_and_event_life_are_enforced(make_spooler: MakeSpooler,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    spooler = make_spooler(start=False, event_life=60)
    try:
        leased = _printer_subscription(spooler, lease=100)
        forever = _printer_subscription(spooler)
        spooler.pause_printer("print")
        now = time.time()
        monkeypatch.setattr(time, "time", lambda: now + 61)
        spooler.housekeeping()
        assert spooler.events("print", forever) == []  # aged out
        assert spooler.get_subscription("print", leased).subscription_id == leased
        monkeypatch.setattr(time, "time", lambda: now + 101)
        with pytest.raises(BackendError) as excinfo:
            spooler.get_subscription("print", leased)
        assert error_status(excinfo) == status.CLIENT_ERROR_NOT_FOUND
        assert [s.subscription_id for s in spooler.subscriptions("print")] == [forever]
    finally:
        spooler.close()


def test_device_status_shows_in_printer_state(spooler: EmbeddedSpooler, spool_dir: Path,
                                              store_url: str) -> None:
    with opened(spool_dir, store_url) as worker, worker.write() as tx:  # what a network output records
        tx.set_device_status("print", ["offline-report"], "The device does not answer.", time.time())
    attributes = spooler.printer_attributes("print")
    assert attributes["printer-state-reasons"].values == ["offline-report"]
    assert attributes.value("printer-state-message") == "The device does not answer."
    assert len(attributes["printer-alert"]) == len(attributes["printer-alert-description"]) == 1
