"""Printer and job administration of RFC 3998 / PWG 5100.11: what each changes in what clients then see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.spool import opened
from ops_helpers import ADMIN, Call, job_id_of, make_request, operation_group

from ipp_wsgi.backends.base import (
    JOB_CANCELED,
    JOB_COMPLETED,
    JOB_PENDING,
    JOB_PENDING_HELD,
    JOB_PROCESSING,
    JOB_PROCESSING_STOPPED,
    PRINTER_STOPPED,
)
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import Attribute, AttributeGroup, Message, operations, status, tags


def _printer(call: Call) -> AttributeGroup:
    printer = call(make_request(operations.GET_PRINTER_ATTRIBUTES)).printer
    assert printer is not None
    return printer


def _job(call: Call, job_id: int) -> AttributeGroup:
    job = call(make_request(operations.GET_JOB_ATTRIBUTES, operation_group(job_id=job_id))).job
    assert job is not None
    return job


def _print(call: Call) -> int:
    request = make_request(operations.PRINT_JOB, operation_group(requesting_user_name="alice"))
    return job_id_of(call(request, b"data"))


def _admin(call: Call, code: int, user: str | None = ADMIN, **attrs: Any) -> Message:
    return call(make_request(code, operation_group(**attrs)), user=user)


def test_administration_operations_need_an_administrator(call: Call) -> None:
    for code in (operations.HOLD_NEW_JOBS, operations.RELEASE_HELD_NEW_JOBS,
                 operations.PAUSE_PRINTER_AFTER_CURRENT_JOB,
                 operations.CANCEL_CURRENT_JOB, operations.GET_PRINTER_SUPPORTED_VALUES,
                 operations.SHUTDOWN_PRINTER, operations.STARTUP_PRINTER, operations.RESTART_PRINTER,
                 operations.SUSPEND_CURRENT_JOB, operations.SCHEDULE_JOB_AFTER):
        assert _admin(call, code, user=None).code == status.CLIENT_ERROR_NOT_AUTHENTICATED
        assert _admin(call, code, user="alice").code == status.CLIENT_ERROR_NOT_AUTHORIZED


def test_hold_new_jobs_then_release_them(call: Call) -> None:
    before = _print(call)
    assert _admin(call, operations.HOLD_NEW_JOBS).code == status.SUCCESSFUL_OK
    assert "hold-new-jobs" in _printer(call)["printer-state-reasons"].values
    held = _print(call)
    job = _job(call, held)
    assert job.value("job-state") == JOB_PENDING_HELD
    assert job["job-state-reasons"].values == ["job-held-for-release"]
    assert _job(call, before).value("job-state") == JOB_PENDING

    assert _admin(call, operations.RELEASE_HELD_NEW_JOBS).code == status.SUCCESSFUL_OK
    assert _printer(call)["printer-state-reasons"].values == ["none"]
    assert (_job(call, held).value("job-state"), _job(call, held)["job-state-reasons"].values) == \
        (JOB_PENDING, ["job-queued"])
    assert _job(call, _print(call)).value("job-state") == JOB_PENDING


def test_held_new_job_stays_held_when_modified(call: Call) -> None:
    _admin(call, operations.HOLD_NEW_JOBS)
    held = _print(call)
    change = AttributeGroup()
    change.add("copies", 2, tags.INTEGER)
    request = make_request(operations.SET_JOB_ATTRIBUTES,
                           operation_group(job_id=held, requesting_user_name="alice"), change)
    assert call(request).code == status.SUCCESSFUL_OK
    assert _job(call, held)["job-state-reasons"].values == ["job-held-for-release"]


def test_pause_printer_after_current_job(call: Call) -> None:
    assert _admin(call, operations.PAUSE_PRINTER_AFTER_CURRENT_JOB).code == status.SUCCESSFUL_OK
    printer = _printer(call)
    assert printer.value("printer-state") == PRINTER_STOPPED
    assert printer["printer-state-reasons"].values == ["paused"]
    assert operations.PAUSE_PRINTER_AFTER_CURRENT_JOB in printer["operations-supported"].values


def test_promote_job_prints_it_next(call: Call, spooler: EmbeddedSpooler) -> None:
    _admin(call, operations.PAUSE_PRINTER)
    first, second = _print(call), _print(call)
    assert _admin(call, operations.PROMOTE_JOB, job_id=second).code == status.SUCCESSFUL_OK
    # Get-Jobs lists waiting jobs in the order they will print
    response = call(make_request(operations.GET_JOBS, operation_group(which_jobs="not-completed")))
    assert [g.value("job-id") for g in response.groups_of(tags.JOB_ATTRIBUTES)] == [second, first]
    _admin(call, operations.RESUME_PRINTER)
    subscribe = AttributeGroup()
    subscribe.add("notify-pull-method", "ippget", tags.KEYWORD)
    subscribe.add("notify-events", "job-state-changed", tags.KEYWORD)
    request = make_request(operations.CREATE_PRINTER_SUBSCRIPTIONS)
    request.groups.append((tags.SUBSCRIPTION_ATTRIBUTES, subscribe))
    response = call(request)
    subscription_id = response.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)[0].value("notify-subscription-id")
    assert spooler.process_pending() == 2
    started = [e.job_id for e in spooler.events("print", subscription_id)
               if e.attributes.value("job-state") == JOB_PROCESSING]
    assert started == [second, first]


def test_promote_job_refuses_an_ended_job(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _print(call)
    spooler.process_pending()
    assert _admin(call, operations.PROMOTE_JOB, job_id=job_id).code == status.CLIENT_ERROR_NOT_POSSIBLE


def test_cancel_current_job_without_a_printing_job(call: Call) -> None:
    _print(call)
    assert _admin(call, operations.CANCEL_CURRENT_JOB).code == status.CLIENT_ERROR_NOT_POSSIBLE


def test_cancel_current_job_cancels_the_printing_job(call: Call, spool_dir: Path, store_url: str) -> None:
    waiting, printing = _print(call), _print(call)
    _printing(spool_dir, store_url, printing)
    not_current = _admin(call, operations.CANCEL_CURRENT_JOB, job_id=waiting)
    assert not_current.code == status.CLIENT_ERROR_NOT_POSSIBLE
    assert _admin(call, operations.CANCEL_CURRENT_JOB).code == status.SUCCESSFUL_OK
    job = _job(call, printing)
    assert job.value("job-state") == JOB_CANCELED
    assert job["job-state-reasons"].values == ["job-canceled-by-operator"]
    assert _job(call, waiting).value("job-state") == JOB_PENDING


def test_get_printer_supported_values(call: Call) -> None:
    response = _admin(call, operations.GET_PRINTER_SUPPORTED_VALUES)
    assert response.code == status.SUCCESSFUL_OK
    assert response.printer is not None and len(response.printer) == 0


def test_reprocess_job_prints_a_copy(call: Call, spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    original = _print(call)
    not_ended = _admin(call, operations.REPROCESS_JOB, job_id=original)
    assert not_ended.code == status.CLIENT_ERROR_NOT_POSSIBLE
    spooler.process_pending()
    response = _admin(call, operations.REPROCESS_JOB, job_id=original)
    assert response.code == status.SUCCESSFUL_OK
    copy_id = job_id_of(response)
    assert copy_id > original
    copied = _job(call, copy_id)
    assert (copied.value("job-state"), copied.value("job-originating-user-name")) == (JOB_PENDING, "alice")
    assert spooler.process_pending() == 1
    outputs = sorted(p.name for p in (spool_dir / "output" / "print").iterdir())
    assert len(outputs) == 2 and all(p.startswith((f"{original}-", f"{copy_id}-")) for p in outputs)


def _resubmit(job_id: int, user: str, job: AttributeGroup | None) -> Message:
    group = operation_group(job_id=job_id, requesting_user_name=user)
    return make_request(operations.RESUBMIT_JOB, group, job)


def test_resubmit_job_changes_the_copy_only(call: Call, spooler: EmbeddedSpooler) -> None:
    original = _print(call)
    spooler.process_pending()
    change = AttributeGroup()
    change.add("copies", 3, tags.INTEGER)
    response = call(_resubmit(original, "alice", change))
    assert response.code == status.SUCCESSFUL_OK
    assert _job(call, job_id_of(response)).value("copies") == 3
    assert "copies" not in _job(call, original)
    assert call(_resubmit(original, "bob", None)).code == status.CLIENT_ERROR_NOT_AUTHENTICATED
    bad = AttributeGroup()
    bad.add("copies", 0, tags.INTEGER)
    refused = call(_resubmit(original, "alice", bad))
    assert refused.code == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED


def test_message_from_operator_is_settable_up_to_127_characters(call: Call) -> None:
    assert _printer(call).value("printer-message-from-operator") == ""
    for text, expected in (("Toner arrives Monday.", status.SUCCESSFUL_OK),
                           ("x" * 128, status.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE)):
        change = AttributeGroup()
        change.add("printer-message-from-operator", text, tags.TEXT_WITHOUT_LANGUAGE)
        request = make_request(operations.SET_PRINTER_ATTRIBUTES)
        request.groups.append((tags.PRINTER_ATTRIBUTES, change))
        assert call(request, user=ADMIN).code == expected
    assert _printer(call).value("printer-message-from-operator") == "Toner arrives Monday."


def _printing(spool_dir: Path, store_url: str, job_id: int) -> None:
    """Make ``job_id`` processing, as a printing thread of another process would."""
    with opened(spool_dir, store_url) as other_process, other_process.write() as tx:
        tx.update_job(job_id, state=JOB_PROCESSING, reasons=["job-printing"])


def _subscribe(call: Call, *events: str) -> int:
    subscribe = AttributeGroup()
    subscribe.add("notify-pull-method", "ippget", tags.KEYWORD)
    subscribe.add("notify-events", list(events), tags.KEYWORD)
    request = make_request(operations.CREATE_PRINTER_SUBSCRIPTIONS)
    request.groups.append((tags.SUBSCRIPTION_ATTRIBUTES, subscribe))
    return int(call(request).groups_of(tags.SUBSCRIPTION_ATTRIBUTES)[0].value("notify-subscription-id"))


def _notified(call: Call, subscription_id: int) -> list[str]:
    """The events Get-Notifications returns, oldest first."""
    request = make_request(operations.GET_NOTIFICATIONS,
                           operation_group(notify_subscription_ids=subscription_id))
    groups = call(request).groups_of(tags.EVENT_NOTIFICATION_ATTRIBUTES)
    return [g.value("notify-subscribed-event") for g in groups]


def test_the_rfc_3998_operations_are_supported(call: Call) -> None:
    supported = set(_printer(call)["operations-supported"].values)
    assert supported >= {operations.RESTART_PRINTER, operations.SHUTDOWN_PRINTER, operations.STARTUP_PRINTER,
                         operations.SUSPEND_CURRENT_JOB, operations.RESUME_JOB, operations.SCHEDULE_JOB_AFTER,
                         operations.CANCEL_DOCUMENT}
    assert "2.2" in _printer(call)["ipp-versions-supported"].values


def test_a_backend_without_them_does_not_offer_them() -> None:
    from ipp_wsgi.backends import Backend
    from ipp_wsgi.ops.registry import offered

    assert not offered([Backend()]) & {operations.SHUTDOWN_PRINTER, operations.SUSPEND_CURRENT_JOB,
                                       operations.SCHEDULE_JOB_AFTER, operations.CANCEL_DOCUMENT}


def test_shutdown_until_startup(call: Call, spooler: EmbeddedSpooler) -> None:
    waiting = _print(call)
    watch = _subscribe(call, "printer-shutdown", "printer-state-changed")
    assert _admin(call, operations.SHUTDOWN_PRINTER).code == status.SUCCESSFUL_OK
    printer = _printer(call)
    assert (printer.value("printer-state"), printer["printer-state-reasons"].values,
            printer.value("printer-is-accepting-jobs")) == (PRINTER_STOPPED, ["shutdown"], False)
    refused = call(make_request(operations.PRINT_JOB, operation_group(requesting_user_name="alice")), b"x")
    assert refused.code == status.SERVER_ERROR_NOT_ACCEPTING_JOBS
    assert _admin(call, operations.RESTART_PRINTER).code == status.CLIENT_ERROR_NOT_POSSIBLE
    assert _admin(call, operations.RESUME_PRINTER).code == status.SUCCESSFUL_OK  # not out of shutdown
    assert spooler.process_pending() == 0

    assert _admin(call, operations.STARTUP_PRINTER).code == status.SUCCESSFUL_OK
    printer = _printer(call)
    assert (printer.value("printer-state"), printer.value("printer-is-accepting-jobs")) == (3, True)
    assert spooler.process_pending() == 1
    assert _job(call, waiting).value("job-state") == JOB_COMPLETED
    # shut down, resumed (still stopped: shut down), started up, then printing
    assert _notified(call, watch)[:4] == ["printer-stopped", "printer-shutdown", "printer-stopped",
                                          "printer-state-changed"]


def test_restart_printer_requeues_the_printing_job(call: Call, spooler: EmbeddedSpooler, spool_dir: Path,
                                                   store_url: str) -> None:
    job_id = _print(call)
    _printing(spool_dir, store_url, job_id)
    watch = _subscribe(call, "printer-restarted")
    assert _admin(call, operations.RESTART_PRINTER).code == status.SUCCESSFUL_OK
    job = _job(call, job_id)
    assert (job.value("job-state"), job["job-state-reasons"].values) == (JOB_PENDING, ["job-queued"])
    assert spooler.process_pending() == 1
    assert _notified(call, watch) == ["printer-restarted"]


def test_suspend_current_job_then_resume_it(call: Call, spooler: EmbeddedSpooler, spool_dir: Path,
                                            store_url: str) -> None:
    job_id, other = _print(call), _print(call)
    assert _admin(call, operations.SUSPEND_CURRENT_JOB).code == status.CLIENT_ERROR_NOT_POSSIBLE  # idle
    _printing(spool_dir, store_url, job_id)
    wrong = _admin(call, operations.SUSPEND_CURRENT_JOB, job_id=other)
    assert wrong.code == status.CLIENT_ERROR_NOT_POSSIBLE
    assert _admin(call, operations.SUSPEND_CURRENT_JOB, job_id=job_id).code == status.SUCCESSFUL_OK
    job = _job(call, job_id)
    assert (job.value("job-state"), job["job-state-reasons"].values) == \
        (JOB_PROCESSING_STOPPED, ["job-suspended"])
    stopped = call(make_request(operations.GET_JOBS, operation_group(which_jobs="processing-stopped")))
    assert [g.value("job-id") for g in stopped.groups_of(tags.JOB_ATTRIBUTES)] == [job_id]
    assert spooler.process_pending() == 1  # the printer goes on with the next job, not the suspended one
    assert _job(call, job_id).value("job-state") == JOB_PROCESSING_STOPPED

    resume = make_request(operations.RESUME_JOB, operation_group(job_id=job_id, requesting_user_name="bob"))
    assert call(resume).code == status.CLIENT_ERROR_NOT_AUTHENTICATED  # only its owner or an administrator
    resume = make_request(operations.RESUME_JOB, operation_group(job_id=job_id, requesting_user_name="alice"))
    assert call(resume).code == status.SUCCESSFUL_OK
    assert _job(call, job_id)["job-state-reasons"].values == ["job-queued"]
    assert call(resume).code == status.CLIENT_ERROR_NOT_POSSIBLE  # no longer suspended
    assert spooler.process_pending() == 1
    assert _job(call, job_id).value("job-state") == JOB_COMPLETED


def _queue(call: Call, which: str = "not-completed") -> list[int]:
    """Job-ids as Get-Jobs lists them: waiting jobs in the order they will print."""
    response = call(make_request(operations.GET_JOBS, operation_group(which_jobs=which)))
    return [g.value("job-id") for g in response.groups_of(tags.JOB_ATTRIBUTES)]


def _schedule(call: Call, job_id: int, predecessor: int | None = None) -> Message:
    after = {} if predecessor is None else {
        "predecessor": Attribute("predecessor-job-id", [tags.INTEGER], [predecessor])}
    return _admin(call, operations.SCHEDULE_JOB_AFTER, job_id=job_id, **after)


def test_schedule_job_after_reorders_get_jobs(call: Call, spooler: EmbeddedSpooler, spool_dir: Path,
                                              store_url: str) -> None:
    _admin(call, operations.PAUSE_PRINTER)
    a, b, c = _print(call), _print(call), _print(call)
    assert _schedule(call, c, a).code == status.SUCCESSFUL_OK
    assert _queue(call) == [a, c, b]
    assert _schedule(call, b).code == status.SUCCESSFUL_OK
    assert _queue(call) == [b, a, c]
    assert _schedule(call, b, 0).code == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert _schedule(call, b, 999).code == status.CLIENT_ERROR_NOT_FOUND
    _printing(spool_dir, store_url, a)
    assert _schedule(call, a, c).code == status.CLIENT_ERROR_NOT_POSSIBLE  # printing: not waiting
    assert _schedule(call, c, a).code == status.SUCCESSFUL_OK  # after the printing job: next
    assert _queue(call, "pending") == [c, b]
