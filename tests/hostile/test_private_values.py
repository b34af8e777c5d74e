"""Private job values (CUPS's JobPrivateValues / JobPrivateAccess, PWG job-privacy-attributes and
job-privacy-scope): other users' job names, user names and hosts stay out of Get-Jobs and
Get-Job-Attributes answers; the job's owner and administrators see them."""

from __future__ import annotations

import dataclasses

import pytest
import webtest
from hostile_helpers import ADMIN, client_for, ipp_request, post, submit

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import Message, operations, tags
from ipp_wsgi.config import Config

PRIVATE = ("job-name", "job-originating-user-name", "job-originating-host-name")


def job_groups(client: webtest.TestApp, message: Message, remote_user: str | None) -> list[dict[str, object]]:
    environ = {"REMOTE_USER": remote_user} if remote_user else {}
    answer = post(client, message, extra_environ=environ)
    return [{attr.name: attr.value for attr in group.attributes()}
            for group in answer.groups_of(tags.JOB_ATTRIBUTES)]


def get_jobs(client: webtest.TestApp, remote_user: str | None, user: str = "someone") -> dict[int, dict]:
    message = ipp_request(operations.GET_JOBS, user=user, **{"which-jobs": "all"})
    message.operation.add("requested-attributes", ["all"], tags.KEYWORD)
    return {int(group["job-id"]): group for group in job_groups(client, message, remote_user)}  # type: ignore


def get_job(client: webtest.TestApp, job_id: int, remote_user: str | None) -> dict[str, object]:
    return job_groups(client, ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=job_id, user="someone"),
                      remote_user)[0]


@pytest.mark.parametrize("who", ["bob", None])
def test_other_users_do_not_see_private_values(client: webtest.TestApp, who: str | None) -> None:
    job_id = submit(client, "alice", remote_user="alice", held=True, **{"job-name": "salaries-2026"})
    for group in (get_jobs(client, who)[job_id], get_job(client, job_id, who)):
        assert not set(PRIVATE) & set(group), group
        assert group["job-id"] == job_id and "job-state" in group and "job-uri" in group
        assert "salaries" not in repr(group)


@pytest.mark.parametrize("who", ["alice", ADMIN])
def test_owner_and_administrator_see_private_values(client: webtest.TestApp, who: str) -> None:
    job_id = submit(client, "alice", remote_user="alice", held=True, **{"job-name": "salaries-2026"})
    for group in (get_jobs(client, who)[job_id], get_job(client, job_id, who)):
        assert group["job-name"] == "salaries-2026"
        assert group["job-originating-user-name"] == "alice"


@pytest.mark.parametrize(("scope", "bob_sees", "alice_sees"), [("all", True, True), ("none", False, False)])
def test_private_access_decides_who_sees(config: Config, scope: str, bob_sees: bool,
                                         alice_sees: bool) -> None:
    printers = tuple(dataclasses.replace(p, description=dataclasses.replace(
        p.description, extra={**p.description.extra, "job-privacy-scope": scope})) for p in config.printers)
    application = IppApplication(dataclasses.replace(config, printers=printers))
    try:
        client = client_for(application)
        job_id = submit(client, "alice", remote_user="alice", held=True, **{"job-name": "menu"})
        assert ("job-name" in get_job(client, job_id, "bob")) is bob_sees
        assert ("job-name" in get_job(client, job_id, "alice")) is alice_sees
        assert get_job(client, job_id, ADMIN)["job-name"] == "menu"
    finally:
        application.close()


def test_default_config_keeps_job_names_private(config: Config) -> None:
    extra = config.printers[0].description.extra
    assert (extra["job-privacy-attributes"], extra["job-privacy-scope"]) == (["default"], "default")
