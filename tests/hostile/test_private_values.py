"""Private values (CUPS's JobPrivateValues / JobPrivateAccess, PWG job-privacy-attributes and
job-privacy-scope): other users' job names, user names and hosts stay out of Get-Jobs and
Get-Job-Attributes answers, and out of the documents that repeat them (Get-Documents,
Get-Document-Attributes: a document's name is its job's); the job's owner and administrators see them.
Other users' subscriptions (owner, events, lease, user data) are not shown at all (Get-Subscriptions,
Get-Subscription-Attributes)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import pytest
import webtest
from hostile_helpers import (
    ADMIN,
    as_caller,
    client_for,
    ipp_request,
    post,
    submit,
    subscribe,
    subscription_op,
)

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import Message, operations, status, tags
from ipp_wsgi.config import Config

PRIVATE = ("job-name", "job-originating-user-name", "job-originating-host-name")
SECRET = "alice-secret-report.pdf"

Group = dict[str, object]


def groups_of(client: webtest.TestApp, message: Message, remote_user: str | None, tag: int) -> list[Group]:
    environ = {"REMOTE_USER": remote_user} if remote_user else {}
    answer = post(client, message, extra_environ=environ)
    assert answer.code == status.SUCCESSFUL_OK, answer.operation.value("status-message")
    return [{attr.name: attr.value for attr in group.attributes()} for group in answer.groups_of(tag)]


def get_jobs(client: webtest.TestApp, remote_user: str | None, user: str = "someone") -> dict[int, Group]:
    message = ipp_request(operations.GET_JOBS, user=user, which_jobs="all")
    message.operation.add("requested-attributes", ["all"], tags.KEYWORD)
    groups = groups_of(client, message, remote_user, tags.JOB_ATTRIBUTES)
    return {int(group["job-id"]): group for group in groups}  # type: ignore[call-overload]


def get_job(client: webtest.TestApp, job_id: int, remote_user: str | None) -> Group:
    message = ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=job_id, user="someone")
    return groups_of(client, message, remote_user, tags.JOB_ATTRIBUTES)[0]


def get_documents(client: webtest.TestApp, job_id: int, remote_user: str | None) -> list[Group]:
    message = ipp_request(operations.GET_DOCUMENTS, job_id=job_id, user="someone")
    message.operation.add("requested-attributes", ["all"], tags.KEYWORD)
    return groups_of(client, message, remote_user, tags.DOCUMENT_ATTRIBUTES)


def get_document(client: webtest.TestApp, job_id: int, remote_user: str | None) -> Group:
    message = ipp_request(operations.GET_DOCUMENT_ATTRIBUTES, job_id=job_id, user="someone",
                          document_number=1)
    return groups_of(client, message, remote_user, tags.DOCUMENT_ATTRIBUTES)[0]


def job_views(client: webtest.TestApp, job_id: int, remote_user: str | None) -> list[Group]:
    """The job as Get-Jobs and Get-Job-Attributes show it to the caller."""
    return [get_jobs(client, remote_user)[job_id], get_job(client, job_id, remote_user)]


def document_views(client: webtest.TestApp, job_id: int, remote_user: str | None) -> list[Group]:
    """The job's first document as Get-Documents and Get-Document-Attributes show it to the caller."""
    return [get_documents(client, job_id, remote_user)[0], get_document(client, job_id, remote_user)]


def secret_job(client: webtest.TestApp) -> int:
    """Alice's held job, named :data:`SECRET`: Print-Job names its document after the job."""
    return submit(client, "alice", remote_user="alice", held=True, job_name=SECRET)


@contextlib.contextmanager
def client_with_privacy(config: Config, **attributes: object) -> Iterator[webtest.TestApp]:
    """A client of ``config``'s server, its printers' job privacy attributes replaced by ``attributes``."""
    printers = tuple(dataclasses.replace(p, description=dataclasses.replace(
        p.description, extra={**p.description.extra, **attributes})) for p in config.printers)
    application = IppApplication(dataclasses.replace(config, printers=printers))
    try:
        yield client_for(application)
    finally:
        application.close()


@pytest.mark.parametrize("who", ["bob", None])
def test_other_users_do_not_see_private_values(client: webtest.TestApp, who: str | None) -> None:
    job_id = secret_job(client)
    for group in job_views(client, job_id, who):
        assert not set(PRIVATE) & set(group), group
        assert group["job-id"] == job_id and "job-state" in group and "job-uri" in group
        assert "secret" not in repr(group)
    for document in document_views(client, job_id, who):
        assert "document-name" not in document and "secret" not in repr(document), document
        assert (document["document-number"], document["document-job-id"]) == (1, job_id)
        assert "document-state" in document and "document-format" in document


@pytest.mark.parametrize("who", ["alice", ADMIN])
def test_owner_and_administrator_see_private_values(client: webtest.TestApp, who: str) -> None:
    job_id = secret_job(client)
    for group in job_views(client, job_id, who):
        assert group["job-name"] == SECRET
        assert group["job-originating-user-name"] == "alice"
    assert [d["document-name"] for d in document_views(client, job_id, who)] == [f"{SECRET} 1"] * 2


def test_a_document_named_by_its_sender_is_private_too(client: webtest.TestApp) -> None:
    """Create-Job then Send-Document with its own document-name (as CUPS clients send the file name)."""
    alice = {"REMOTE_USER": "alice"}
    created = post(client, ipp_request(operations.CREATE_JOB, user="alice"), extra_environ=alice)
    assert created.job is not None
    job_id = int(created.job.value("job-id"))
    send = ipp_request(operations.SEND_DOCUMENT, job_id=job_id, user="alice", last_document=True,
                       document_name=SECRET)
    assert post(client, send, b"%PDF-1.4\n", extra_environ=alice).code == status.SUCCESSFUL_OK
    assert [d.get("document-name") for d in document_views(client, job_id, "bob")] == [None, None]
    assert [d["document-name"] for d in document_views(client, job_id, "alice")] == [SECRET, SECRET]


def test_private_template_values_of_documents_follow_the_jobs(config: Config) -> None:
    """private_values = ["job-template"]: a document's copies is its job's, so it is private as well."""
    with client_with_privacy(config, **{"job-privacy-attributes": ["job-template"]}) as client:
        job_id = submit(client, "alice", remote_user="alice", held=True, copies=3)
        assert get_job(client, job_id, "alice")["copies"] == 3
        assert "copies" not in get_job(client, job_id, "bob")
        document = get_document(client, job_id, "bob")
        assert "copies" not in document and "document-name" in document, document




@pytest.mark.parametrize(("scope", "bob_sees", "alice_sees"), [("all", True, True), ("none", False, False)])
def test_private_access_decides_who_sees(config: Config, scope: str, bob_sees: bool,
                                         alice_sees: bool) -> None:
    with client_with_privacy(config, **{"job-privacy-scope": scope}) as client:
        job_id = secret_job(client)
        assert ("job-name" in get_job(client, job_id, "bob")) is bob_sees
        assert ("job-name" in get_job(client, job_id, "alice")) is alice_sees
        assert ("document-name" in get_document(client, job_id, "bob")) is bob_sees
        assert ("document-name" in get_document(client, job_id, "alice")) is alice_sees
        assert get_job(client, job_id, ADMIN)["job-name"] == SECRET
        assert get_document(client, job_id, ADMIN)["document-name"] == f"{SECRET} 1"


def test_default_config_keeps_job_names_private(config: Config) -> None:
    extra = config.printers[0].description.extra
    assert (extra["job-privacy-attributes"], extra["job-privacy-scope"]) == (["default"], "default")


# -- subscriptions: their owner's (and the administrators'), or everyone's with private_access "all"
def listed_subscriptions(client: webtest.TestApp, remote_user: str | None, user: str = "someone",
                         **attributes: object) -> list[int]:
    """The notify-subscription-id of each subscription Get-Subscriptions shows the caller."""
    message = ipp_request(operations.GET_SUBSCRIPTIONS, user=user, **attributes)
    groups = groups_of(client, message, remote_user, tags.SUBSCRIPTION_ATTRIBUTES)
    return [int(group["notify-subscription-id"]) for group in groups]  # type: ignore[call-overload]


def subscription_status(client: webtest.TestApp, subscription_id: int, user: str,
                        remote_user: str | None) -> int:
    message = subscription_op(operations.GET_SUBSCRIPTION_ATTRIBUTES, subscription_id, user)
    return as_caller(client, message, remote_user).code


def test_other_users_subscriptions_are_hidden(client: webtest.TestApp) -> None:
    alices = subscribe(client, "alice", remote_user="alice")
    carols = subscribe(client, "carol", remote_user=None)
    bobs = subscribe(client, "bob", remote_user="bob")
    assert listed_subscriptions(client, "bob") == [bobs]
    assert listed_subscriptions(client, None, user="carol") == [carols]
    assert listed_subscriptions(client, None, user="mallory") == []
    assert listed_subscriptions(client, "bob", user="alice") == [bobs], "REMOTE_USER wins"
    assert listed_subscriptions(client, "alice", limit=1) == [alices], "the limit counts only those shown"
    assert subscription_status(client, alices, "alice", "bob") == status.CLIENT_ERROR_NOT_AUTHORIZED
    assert subscription_status(client, alices, "alice", None) == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert subscription_status(client, carols, "mallory", None) == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert subscription_status(client, carols, "carol", None) == status.SUCCESSFUL_OK
    assert subscription_status(client, alices, "anyone", "alice") == status.SUCCESSFUL_OK


def test_administrators_see_every_subscription(client: webtest.TestApp) -> None:
    made = [subscribe(client, "alice", remote_user="alice"), subscribe(client, "carol", remote_user=None)]
    assert listed_subscriptions(client, ADMIN) == made
    assert [subscription_status(client, s, ADMIN, ADMIN) for s in made] == [status.SUCCESSFUL_OK] * 2
    message = subscription_op(operations.GET_SUBSCRIPTION_ATTRIBUTES, made[0], ADMIN)
    shown = as_caller(client, message, ADMIN).groups_of(tags.SUBSCRIPTION_ATTRIBUTES)[0]
    assert shown.value("notify-subscriber-user-name") == "alice"


@pytest.mark.parametrize(("scope", "bob_sees", "alice_sees"), [("all", True, True), ("none", False, True)])
def test_private_access_decides_who_sees_subscriptions(config: Config, scope: str, bob_sees: bool,
                                                       alice_sees: bool) -> None:
    """With "none" a subscription is still its owner's to see: it is their own request."""
    with client_with_privacy(config, **{"job-privacy-scope": scope}) as client:
        alices = subscribe(client, "alice", remote_user="alice")
        assert (listed_subscriptions(client, "bob") == [alices]) is bob_sees
        assert (subscription_status(client, alices, "bob", "bob") == status.SUCCESSFUL_OK) is bob_sees
        assert (listed_subscriptions(client, "alice") == [alices]) is alice_sees
        assert listed_subscriptions(client, ADMIN) == [alices]
