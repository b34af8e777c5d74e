"""Access control per ipp_wsgi/ops/policy.py, beyond the matrix of test_access_matrix.py: what allowed
operations do to whose jobs (cancel, Cancel-Jobs, Cancel-My-Jobs), anonymous owners, and what no answer
ever reveals (spool paths, output directories, command lines).

Callers: anonymous (no ``REMOTE_USER``; ``requesting-user-name`` is only a claim), authenticated users
``alice`` and ``bob`` (``REMOTE_USER``), and the administrator ``root``.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from hostile_helpers import (
    ADMIN,
    OTHER_URI,
    PRINTER_URI,
    as_caller,
    client_for,
    ipp_request,
    job_state,
    strings_in,
    submit,
    subscribe,
    subscription_op,
    wait_until_ended,
    write_config,
)

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import Message, operations, status, tags
from ipp_wsgi.config import Config
from ipp_wsgi.ops.policy import ADMIN_OPERATIONS

NOT_AUTHENTICATED = status.CLIENT_ERROR_NOT_AUTHENTICATED
NOT_AUTHORIZED = status.CLIENT_ERROR_NOT_AUTHORIZED
OK = status.SUCCESSFUL_OK
CANCELED = 7
JOB_OPERATIONS = (operations.CANCEL_JOB, operations.HOLD_JOB, operations.RELEASE_JOB, operations.RESTART_JOB,
                  operations.SET_JOB_ATTRIBUTES, operations.SEND_DOCUMENT, operations.CLOSE_JOB,
                  operations.CUPS_MOVE_JOB)


def job_op(operation: int, job_id: int, user: str) -> Message:
    message = ipp_request(operation, job_id=job_id, user=user, last_document=True)
    if operation == operations.CUPS_MOVE_JOB:
        message.operation.add("job-printer-uri", OTHER_URI, tags.URI)
    if operation == operations.SET_JOB_ATTRIBUTES:
        message.add_group(tags.JOB_ATTRIBUTES)["job-name"] = "renamed"
    return message


def held_job(client: webtest.TestApp, user: str, remote_user: str | None) -> int:
    """A job that stays pending-held, so every job operation has something to act on."""
    return submit(client, user, remote_user=remote_user, held=True)


def test_admin_operations_are_forbidden_without_administrators(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    application = IppApplication(_without_admins(config))
    try:
        answer = as_caller(client_for(application), ipp_request(operations.PAUSE_PRINTER), ADMIN)
    finally:
        application.close()
    assert answer.code == status.CLIENT_ERROR_FORBIDDEN


def _without_admins(config: Config) -> Config:
    return dataclasses.replace(config, policy=dataclasses.replace(config.policy, admins=frozenset()))


def test_authenticated_user_cancels_own_job(client: webtest.TestApp) -> None:
    job_id = held_job(client, "bob", "bob")
    assert as_caller(client, job_op(operations.CANCEL_JOB, job_id, "whoever"), "bob").code == OK
    assert job_state(client, job_id) == CANCELED


def test_anonymous_owner_cancels_own_job(client: webtest.TestApp) -> None:
    """CUPS's rule for unauthenticated queues: the requesting-user-name that made the job may cancel it."""
    job_id = held_job(client, "carol", None)
    assert as_caller(client, job_op(operations.CANCEL_JOB, job_id, "carol"), None).code == OK


def test_admin_may_do_everything_to_any_job(client: webtest.TestApp) -> None:
    first, second = held_job(client, "alice", "alice"), held_job(client, "bob", None)
    steps = [(operations.SET_JOB_ATTRIBUTES, first), (operations.CANCEL_JOB, first),
             (operations.RELEASE_JOB, second)]
    for operation, job_id in steps:
        answer = as_caller(client, job_op(operation, job_id, ADMIN), ADMIN)
        assert answer.code == OK, (operations.op_name(operation), answer.operation.value("status-message"))
    assert job_state(client, first) == CANCELED
    assert wait_until_ended(client, second) == 9
    assert as_caller(client, job_op(operations.RESTART_JOB, second, ADMIN), ADMIN).code == OK


def test_cancel_jobs_of_a_non_admin_cancels_only_their_own(client: webtest.TestApp) -> None:
    alice, bob = held_job(client, "alice", "alice"), held_job(client, "bob", "bob")
    for operation in (operations.CANCEL_JOBS, operations.CANCEL_MY_JOBS):
        assert as_caller(client, ipp_request(operation, user="bob"), "bob").code == OK
    assert (job_state(client, alice), job_state(client, bob)) == (4, CANCELED)
    listed = ipp_request(operations.CANCEL_MY_JOBS, user="bob", job_ids=[alice])
    assert as_caller(client, listed, "bob").code == NOT_AUTHORIZED
    assert job_state(client, alice) == 4


def test_cancel_jobs_of_the_admin_cancels_everyones(client: webtest.TestApp) -> None:
    jobs = [held_job(client, "alice", "alice"), held_job(client, "bob", None)]
    assert as_caller(client, ipp_request(operations.CANCEL_JOBS, user=ADMIN), ADMIN).code == OK
    assert [job_state(client, job_id) for job_id in jobs] == [CANCELED, CANCELED]


@pytest.fixture
def solaris(tmp_path: Path) -> Iterator[webtest.TestApp]:
    application = IppApplication(write_config(tmp_path, preset="solaris"))
    yield client_for(application)
    application.close()


def test_solaris_policy_offers_no_administration_at_the_root(solaris: webtest.TestApp) -> None:
    """operations-supported at ``/`` leaves out what only ``/admin`` enables (test_access_matrix: the
    operations themselves)."""
    at_root = as_caller(solaris, ipp_request(operations.GET_PRINTER_ATTRIBUTES), None)
    assert at_root.printer is not None
    assert not set(at_root.printer["operations-supported"].values) & ADMIN_OPERATIONS
    at_admin = as_caller(solaris, ipp_request(operations.GET_PRINTER_ATTRIBUTES), None, path="/admin")
    assert at_admin.printer is not None
    assert set(at_admin.printer["operations-supported"].values) >= ADMIN_OPERATIONS


# -- what answers never reveal
def _secrets(config: Config) -> list[str]:
    found = [str(config.spool_dir), str(config.spool_dir.resolve())]
    for printer in config.printers:
        found += [str(printer.output_dir)] if printer.output_dir else []
        found += [arg for arg in printer.command if len(arg) > 3]
    return found


def _every_answer(client: webtest.TestApp, job_ids: list[int]) -> list[Message]:
    admin = ADMIN
    answers = [as_caller(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri,
                                             requested_attributes=["all", "media-col-database"]), admin)
               for uri in (PRINTER_URI, OTHER_URI)]
    answers.append(as_caller(client, ipp_request(operations.GET_JOBS, None, which_jobs="all",
                                                 requested_attributes=["all"]), admin, path="/"))
    answers.append(as_caller(client, ipp_request(operations.CUPS_GET_PRINTERS, None), admin, path="/"))
    answers += [as_caller(client, ipp_request(operations.GET_JOB_ATTRIBUTES, OTHER_URI, job_id=job_id), admin)
                for job_id in job_ids]
    return answers


def test_answers_never_reveal_spool_output_or_command(client: webtest.TestApp, config: Config) -> None:
    job_ids = [submit(client), submit(client, printer_uri=OTHER_URI)]
    wait_until_ended(client, job_ids[1], OTHER_URI)
    leaks = [(value, secret) for answer in _every_answer(client, job_ids[1:]) for value in strings_in(answer)
             for secret in _secrets(config) if secret in value]
    assert leaks == []


FAILING_COMMAND = [sys.executable, "-c", "import sys; sys.exit('usage: ' + ' '.join(sys.argv))",
                   "--token=s3cr3t-backend-credential"]


@pytest.mark.parametrize("command", [
    pytest.param(["/opt/secret-filters/bin/no-such-filter", "--token=s3cr3t-backend-credential"],
                 id="command that does not exist"),
    pytest.param(FAILING_COMMAND, id="command that fails echoing its argv"),
])
def test_a_failing_command_is_not_revealed(tmp_path: Path, command: list[str]) -> None:
    config = write_config(tmp_path, command=command)
    application = IppApplication(config)
    try:
        client = client_for(application)
        job_id = submit(client, printer_uri=OTHER_URI)
        assert wait_until_ended(client, job_id, OTHER_URI) == 8, "aborted"
        leaks = [(value, secret) for answer in _every_answer(client, [job_id]) for value in strings_in(answer)
                 for secret in _secrets(config) if secret in value]
    finally:
        application.close()
    assert leaks == []


# -- subscriptions: owned like jobs; events keep other users' private job values out

def notifications(client: webtest.TestApp, subscription_id: int, user: str,
                  remote_user: str | None) -> list[dict[str, object]]:
    message = subscription_op(operations.GET_NOTIFICATIONS, subscription_id, user)
    answer = as_caller(client, message, remote_user)
    assert answer.code == OK, answer.operation.value("status-message")
    return [{attr.name: attr.value for attr in group.attributes()}
            for group in answer.groups_of(tags.EVENT_NOTIFICATION_ATTRIBUTES)]


SUBSCRIPTION_OPERATIONS = (operations.GET_NOTIFICATIONS, operations.RENEW_SUBSCRIPTION,
                           operations.CANCEL_SUBSCRIPTION)


@pytest.mark.parametrize("operation", SUBSCRIPTION_OPERATIONS)
def test_anonymous_owner_keeps_their_own_subscription(client: webtest.TestApp, operation: int) -> None:
    subscription_id = subscribe(client, "carol", remote_user=None)
    claimant = subscription_op(operation, subscription_id, "mallory")
    assert as_caller(client, claimant, None).code == NOT_AUTHENTICATED
    assert as_caller(client, subscription_op(operation, subscription_id, "carol"), None).code == OK


def test_my_subscriptions_of_an_anonymous_caller_leave_out_the_authenticated_namesakes(
        client: webtest.TestApp) -> None:
    proven = subscribe(client, "alice", remote_user="alice")
    claimed = subscribe(client, "alice", remote_user=None)

    def mine(remote_user: str | None) -> list[int]:
        message = ipp_request(operations.GET_SUBSCRIPTIONS, user="alice", my_subscriptions=True)
        answer = as_caller(client, message, remote_user)
        assert answer.code == OK
        return [g.value("notify-subscription-id") for g in answer.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)]

    assert mine(None) == [claimed]
    assert mine("alice") == [proven, claimed]


JOB_EVENTS = ("job-created", "job-state-changed")


@pytest.mark.parametrize("who", ["bob", None])
def test_events_leave_out_other_users_private_job_values(client: webtest.TestApp, who: str | None) -> None:
    subscription_id = subscribe(client, "bob", remote_user=who, events=JOB_EVENTS)
    job_id = submit(client, "alice", remote_user="alice", held=True, **{"job-name": "salaries-2026"})
    [created] = notifications(client, subscription_id, "bob", who)
    assert (created["notify-subscribed-event"], created["job-id"]) == ("job-created", job_id)
    assert "job-state" in created and "printer-state" in created
    assert "job-name" not in created and "salaries" not in repr(created)


@pytest.mark.parametrize("who", ["alice", ADMIN])
def test_events_carry_the_job_name_to_its_owner_and_administrators(client: webtest.TestApp, who: str) -> None:
    subscription_id = subscribe(client, who, remote_user=who, events=JOB_EVENTS)
    job_id = submit(client, "alice", remote_user="alice", held=True, **{"job-name": "salaries-2026"})
    [created] = notifications(client, subscription_id, who, who)
    assert (created["job-id"], created["job-name"]) == (job_id, "salaries-2026")


def test_events_carry_job_names_when_the_printer_keeps_none_private(config: Config) -> None:
    printers = tuple(dataclasses.replace(p, description=dataclasses.replace(
        p.description, extra={**p.description.extra, "job-privacy-scope": "all"})) for p in config.printers)
    application = IppApplication(dataclasses.replace(config, printers=printers))
    try:
        client = client_for(application)
        subscription_id = subscribe(client, "bob", remote_user="bob", events=JOB_EVENTS)
        submit(client, "alice", remote_user="alice", held=True, **{"job-name": "menu"})
        assert [e["job-name"] for e in notifications(client, subscription_id, "bob", "bob")] == ["menu"]
    finally:
        application.close()
