"""The access matrix: every operation, on every kind of object (printer, job, document, subscription),
by every kind of caller, at every path of both policy presets.

Callers: ``anonymous`` (no REMOTE_USER), ``user`` (bob, authenticated), ``owner`` (alice, authenticated,
who made the job, its document and the subscription) and ``admin`` (root). Every caller names the one it
would need to be in requesting-user-name (alice, or root for printer administration): only REMOTE_USER
proves who one is. What each gets:

- an operation not enabled at the path (the solaris preset's ``/``): server-error-operation-not-supported,
  for everyone;
- printer administration (policy.ADMIN_OPERATIONS): the administrator only (not-authenticated for the
  anonymous caller, not-authorized for the others);
- an operation on alice's job, its document or her subscription (policy.JOB_OWNER_OPERATIONS,
  Create-Job-Subscriptions, Get-Subscription-Attributes, Renew-Subscription, Cancel-Subscription,
  Get-Notifications): alice and the administrator;
- the queries that show private values (Get-Jobs, Get-Job-Attributes, Get-Documents,
  Get-Document-Attributes, Get-Subscriptions): everyone, but the job's name, the document's name and the
  subscription only to alice and the administrator;
- everything else (submitting, printer queries, Cancel-My-Jobs, ...): everyone.

A refused operation changes nothing: the job, its document, the subscription and the printer are as
they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import webtest
from hostile_helpers import (
    ADMIN,
    OTHER_URI,
    as_caller,
    client_for,
    ipp_request,
    strings_in,
    submit,
    subscribe,
    subscription_op,
    write_config,
)

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import AttributeGroup, Message, operations, status, tags
from ipp_wsgi.ops.policy import ADMIN_OPERATIONS, JOB_OWNER_OPERATIONS, SOLARIS_OPEN_OPERATIONS
from ipp_wsgi.ops.registry import OPERATIONS

ROLES = {"anonymous": None, "user": "bob", "owner": "alice", "admin": ADMIN}
"""Each caller and the REMOTE_USER the web server gives it."""
SECRET = "alice-secret-report.pdf"
PATHS = ("/", "/ipp/print", "/admin")
PRESETS = ("default", "solaris")

OWNER_OPERATIONS = JOB_OWNER_OPERATIONS | {
    operations.CREATE_JOB_SUBSCRIPTIONS, operations.GET_SUBSCRIPTION_ATTRIBUTES,
    operations.RENEW_SUBSCRIPTION, operations.CANCEL_SUBSCRIPTION, operations.GET_NOTIFICATIONS}
PRIVATE_QUERIES = frozenset({operations.GET_JOBS, operations.GET_JOB_ATTRIBUTES, operations.GET_DOCUMENTS,
                             operations.GET_DOCUMENT_ATTRIBUTES, operations.GET_SUBSCRIPTIONS})

# Outcomes, as the table shows them.
ALLOWED, SHOWN, HIDDEN = "allowed", "shown", "hidden"
NOT_AUTHENTICATED, NOT_AUTHORIZED, NOT_SUPPORTED = "not-authenticated", "not-authorized", "not-supported"
REFUSALS = {status.CLIENT_ERROR_NOT_AUTHENTICATED: NOT_AUTHENTICATED,
            status.CLIENT_ERROR_NOT_AUTHORIZED: NOT_AUTHORIZED,
            status.SERVER_ERROR_OPERATION_NOT_SUPPORTED: NOT_SUPPORTED,
            status.CLIENT_ERROR_FORBIDDEN: "forbidden"}


def expected(preset: str, path: str, operation: int) -> tuple[str, ...]:
    """What anonymous, user, owner and admin get (the rules of the module docstring)."""
    if preset == "solaris" and not path.startswith("/admin") and operation not in SOLARIS_OPEN_OPERATIONS:
        return (NOT_SUPPORTED,) * 4
    if operation in ADMIN_OPERATIONS:
        return NOT_AUTHENTICATED, NOT_AUTHORIZED, NOT_AUTHORIZED, ALLOWED
    if operation in OWNER_OPERATIONS:
        return NOT_AUTHENTICATED, NOT_AUTHORIZED, ALLOWED, ALLOWED
    if operation in PRIVATE_QUERIES:
        return HIDDEN, HIDDEN, SHOWN, SHOWN
    return (ALLOWED,) * 4


@dataclass(frozen=True)
class Objects:
    """Alice's held job (its one document named after it) and her printer subscription."""

    job_id: int
    subscription_id: int


def make_objects(client: webtest.TestApp) -> Objects:
    job_id = submit(client, "alice", remote_user="alice", held=True, job_name=SECRET)
    return Objects(job_id, subscribe(client, "alice", remote_user="alice", path="/admin"))


def _template(message: Message) -> Message:
    template = message.add_group(tags.SUBSCRIPTION_ATTRIBUTES)
    template.add("notify-pull-method", "ippget", tags.KEYWORD)
    template.add("notify-events", ["job-completed"], tags.KEYWORD)
    return message


def request_for(operation: int, objects: Objects, user: str) -> tuple[Message, bytes]:
    """A well-formed request of ``operation`` on the objects, as ``user``, and its document."""
    subscription = {operations.GET_SUBSCRIPTION_ATTRIBUTES, operations.RENEW_SUBSCRIPTION,
                    operations.CANCEL_SUBSCRIPTION, operations.GET_NOTIFICATIONS}
    if operation in subscription:
        return subscription_op(operation, objects.subscription_id, user), b""
    extra: dict[str, Any] = {}
    if OPERATIONS[operation].target.name == "JOB":
        extra["job_id"] = objects.job_id
    extra.update(_EXTRA.get(operation, {}))
    message = ipp_request(operation, user=user, **extra)
    if operation == operations.CREATE_JOB_SUBSCRIPTIONS:
        message.operation.add("notify-job-id", objects.job_id, tags.INTEGER)
    if operation in (operations.CREATE_PRINTER_SUBSCRIPTIONS, operations.CREATE_JOB_SUBSCRIPTIONS):
        _template(message)
    if operation in (operations.SET_JOB_ATTRIBUTES, operations.RESUBMIT_JOB):
        message.add_group(tags.JOB_ATTRIBUTES)["job-name"] = "renamed"
    if operation == operations.SET_DOCUMENT_ATTRIBUTES:
        message.add_group(tags.DOCUMENT_ATTRIBUTES)["document-name"] = "renamed"
    if operation == operations.SET_PRINTER_ATTRIBUTES:
        message.add_group(tags.PRINTER_ATTRIBUTES)["printer-info"] = "renamed"
    document = b"%PDF-1.4 matrix\n" if operation in (operations.PRINT_JOB, operations.SEND_DOCUMENT) else b""
    return message, document


_EVERYTHING = {"requested_attributes": ["all"]}
_EXTRA: dict[int, dict[str, Any]] = {
    operations.GET_JOBS: {**_EVERYTHING, "which_jobs": "all"},
    operations.GET_JOB_ATTRIBUTES: _EVERYTHING,
    operations.GET_DOCUMENTS: _EVERYTHING,
    operations.GET_DOCUMENT_ATTRIBUTES: {**_EVERYTHING, "document_number": 1},
    operations.SET_DOCUMENT_ATTRIBUTES: {"document_number": 1},
    operations.CANCEL_DOCUMENT: {"document_number": 1},
    operations.SEND_DOCUMENT: {"last_document": True},
    operations.CUPS_MOVE_JOB: {"job_printer_uri": OTHER_URI},
}


def outcome(operation: int, answer: Message, objects: Objects) -> str:
    """What the caller got: a refusal, or for the private queries whether alice's values were shown."""
    refused = REFUSALS.get(answer.code)
    if refused is not None:
        return refused
    if operation not in PRIVATE_QUERIES:
        return ALLOWED
    if operation == operations.GET_SUBSCRIPTIONS:
        listed = [g.value("notify-subscription-id") for g in answer.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)]
        return SHOWN if objects.subscription_id in listed else HIDDEN
    shown = any(SECRET in value for value in strings_in(answer))
    groups = answer.groups_of(tags.JOB_ATTRIBUTES) + answer.groups_of(tags.DOCUMENT_ATTRIBUTES)
    assert groups, f"{operations.op_name(operation)} answered no group: {answer}"
    return SHOWN if shown else HIDDEN


def snapshot(client: webtest.TestApp, objects: Objects) -> tuple[Any, ...]:
    """The state of the objects and the printer, as the administrator sees it."""
    def ask(message: Message) -> Message:
        answer = as_caller(client, message, ADMIN, path="/admin")
        assert answer.code == status.SUCCESSFUL_OK, answer
        return answer

    job = ask(ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=objects.job_id)).job
    document = ask(ipp_request(operations.GET_DOCUMENT_ATTRIBUTES, job_id=objects.job_id, document_number=1))
    subscription = as_caller(client, subscription_op(operations.GET_SUBSCRIPTION_ATTRIBUTES,
                                                     objects.subscription_id, ADMIN), ADMIN, path="/admin")
    printer = ask(ipp_request(operations.GET_PRINTER_ATTRIBUTES)).printer
    assert job is not None and printer is not None
    # Not printer-state: earlier cases' released jobs print meanwhile; what administration sets is these.
    reasons = set(printer["printer-state-reasons"].values) & ADMINISTERED_REASONS
    return (job.value("job-state"), job.value("job-printer-uri"), job.value("job-name"),
            _lasting(document.group(tags.DOCUMENT_ATTRIBUTES)), subscription.code,
            _lasting(subscription.group(tags.SUBSCRIPTION_ATTRIBUTES)), reasons,
            printer.value("printer-is-accepting-jobs"), printer.value("printer-info"))


ADMINISTERED_REASONS = frozenset({"paused", "moving-to-paused", "shutdown", "hold-new-jobs"})
"""The printer-state-reasons printer administration sets (Pause-Printer, Shutdown-Printer, ...)."""


_MOVING = frozenset({"notify-printer-up-time", "notify-sequence-number"})
"""Subscription attributes that move on by themselves (the clock; printer events of earlier cases' jobs)."""


def _lasting(group: AttributeGroup | None) -> list[tuple[str, list[Any]]]:
    """The attributes of ``group`` but those that move on by themselves."""
    if group is None:
        return []
    return [(a.name, list(a.values)) for a in group.attributes() if a.name not in _MOVING]


@pytest.fixture(scope="module", params=PRESETS)
def preset_client(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, webtest.TestApp]]:
    """A two-printer server under the preset (one per preset: every case makes its own objects)."""
    preset: str = request.param
    application = IppApplication(write_config(tmp_path_factory.mktemp(preset), preset=preset))
    yield preset, client_for(application)
    application.close()


def claimed_user(operation: int) -> str:
    """Who a caller says it is: the administrator for printer administration, else the owner."""
    return ADMIN if operation in ADMIN_OPERATIONS else "alice"


def restore_printer(client: webtest.TestApp) -> None:
    """Undo what printer administration did (the next case submits a job)."""
    for operation in (operations.STARTUP_PRINTER, operations.RESUME_PRINTER, operations.ENABLE_PRINTER,
                      operations.RELEASE_HELD_NEW_JOBS):
        assert as_caller(client, ipp_request(operation), ADMIN, path="/admin").code == status.SUCCESSFUL_OK


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("operation", sorted(OPERATIONS), ids=operations.op_name)
def test_access_matrix(preset_client: tuple[str, webtest.TestApp], path: str, operation: int) -> None:
    preset, client = preset_client
    got = []
    for role, remote_user in ROLES.items():
        objects = make_objects(client)
        before = snapshot(client, objects)
        message, document = request_for(operation, objects, claimed_user(operation))
        answer = as_caller(client, message, remote_user, path=path, document=document)
        got.append(outcome(operation, answer, objects))
        if got[-1] in REFUSALS.values():
            assert snapshot(client, objects) == before, f"{role}'s refused {operations.op_name(operation)}"
        if operation in ADMIN_OPERATIONS and got[-1] == ALLOWED:
            restore_printer(client)
    assert tuple(got) == expected(preset, path, operation), dict(zip(ROLES, got, strict=True))


def test_the_rules_do_not_overlap() -> None:
    """Each operation falls under one rule of :func:`expected`, and each rule names implemented ones."""
    rules = (ADMIN_OPERATIONS, OWNER_OPERATIONS, PRIVATE_QUERIES)
    assert all(rule <= set(OPERATIONS) for rule in rules)
    assert sum(len(rule) for rule in rules) == len(frozenset().union(*rules))


def test_refused_callers_learn_nothing_private(preset_client: tuple[str, webtest.TestApp]) -> None:
    """No answer to bob or to an anonymous caller, refused or not, carries alice's job or document name."""
    _, client = preset_client
    leaks = []
    for operation in sorted(OPERATIONS):
        for remote_user in (None, "bob"):
            objects = make_objects(client)
            message, document = request_for(operation, objects, claimed_user(operation))
            for path in PATHS:
                answer = as_caller(client, message, remote_user, path=path, document=document)
                leaks += [(operations.op_name(operation), path, value) for value in strings_in(answer)
                          if SECRET in value]
    assert leaks == []
