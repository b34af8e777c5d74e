"""Operations on jobs: Get-Job-Attributes, Get-Jobs, cancel, hold/release, modify, move; who may do what."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from ops_helpers import (
    ADMIN,
    BASE_URI,
    PRINTER_URI,
    Call,
    build_service,
    job_id_of,
    make_request,
    operation_group,
)

from ipp_wsgi.backends.base import JOB_CANCELED, JOB_PENDING, JOB_PENDING_HELD
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import Attribute, AttributeGroup, Message, operations, status, tags
from ipp_wsgi.ops import Policy, RequestContext, dispatch
from ipp_wsgi.ops.requested import JOB, parse_requested


def _submit(call: Call, user: str = "alice", printer_uri: str = PRINTER_URI, held: bool = True) -> int:
    job = AttributeGroup()
    if held:
        job.add("job-hold-until", "indefinite", tags.KEYWORD)
    request = make_request(operations.PRINT_JOB, operation_group(printer_uri, requesting_user_name=user), job)
    return job_id_of(call(request, b"data"))


def _job_op(call: Call, code: int, job_id: int, user: str = "alice", remote_user: str | None = None,
            job: AttributeGroup | None = None, **attrs: object) -> Message:
    group = operation_group(job_id=job_id, requesting_user_name=user, **attrs)
    return call(make_request(code, group, job), user=remote_user)


def test_get_job_attributes_by_printer_uri_and_job_id(call: Call) -> None:
    job_id = _submit(call)
    response = _job_op(call, operations.GET_JOB_ATTRIBUTES, job_id)
    assert response.code == status.SUCCESSFUL_OK
    job = response.job
    assert job is not None
    assert job.value("job-uri") == f"{PRINTER_URI}/{job_id}"
    assert job.value("job-printer-uri") == PRINTER_URI
    assert job.value("job-originating-user-name") == "alice"
    assert job.value("job-originating-host-name") == "192.0.2.7"
    assert job.value("job-state") == JOB_PENDING_HELD
    assert job["time-at-creation"].tag == tags.INTEGER
    assert job["time-at-completed"].tag == tags.NO_VALUE
    assert job.value("job-hold-until") == "indefinite"


def _job_uuid(call: Call, job_id: int) -> uuid.UUID:
    job = _job_op(call, operations.GET_JOB_ATTRIBUTES, job_id, requested_attributes=["job-uuid"]).job
    assert job is not None and job["job-uuid"].tag == tags.URI
    return uuid.UUID(job.value("job-uuid"))


def test_every_job_has_a_random_job_uuid_of_its_own_kept_with_it(spool_dir: Path, store_url: str,
                                                                 call: Call) -> None:
    first, second = _submit(call), _submit(call)
    uuids = [_job_uuid(call, first), _job_uuid(call, second)]
    assert uuids[0] != uuids[1] and {u.version for u in uuids} == {4}
    assert _job_uuid(call, first) == uuids[0]
    jobs = call(make_request(operations.GET_JOBS, operation_group(
        requested_attributes=["job-id", "job-uuid"], which_jobs="all")))
    assert {uuid.UUID(group.value("job-uuid")) for group in jobs.groups_of(tags.JOB_ATTRIBUTES)} == set(uuids)
    reopened = build_service(spool_dir, store_url, Policy.default())
    try:
        response = dispatch(make_request(operations.GET_JOB_ATTRIBUTES, operation_group(
            job_id=first, requested_attributes=["job-uuid"])), io.BytesIO(b""),
            RequestContext(BASE_URI, "/ipp/print"), reopened)
        assert response.job is not None and uuid.UUID(response.job.value("job-uuid")) == uuids[0]
    finally:
        reopened.close()


def test_impressions_are_no_value_until_known_and_none_completed_before_the_end(call: Call) -> None:
    job = _job_op(call, operations.GET_JOB_ATTRIBUTES, _submit(call),
                  requested_attributes=["job-impressions", "job-impressions-completed"]).job
    assert job is not None  # b"data" tells no page count
    assert job["job-impressions"].tag == tags.NO_VALUE
    assert (job["job-impressions-completed"].tag, job.value("job-impressions-completed")) == (tags.INTEGER, 0)


@pytest.mark.parametrize("form", ["{printer}/{id}", "ipp://localhost/jobs/{id}", "ipp://x/printers/print/{id}"])
def test_both_job_uri_forms_resolve(call: Call, form: str) -> None:
    job_id = _submit(call)
    group = operation_group(None, job_uri=form.format(printer=PRINTER_URI, id=job_id))
    response = call(make_request(operations.GET_JOB_ATTRIBUTES, group))
    assert response.code == status.SUCCESSFUL_OK
    assert response.job is not None and response.job.value("job-id") == job_id


@pytest.mark.parametrize("group", [
    operation_group(None, job_uri=f"{PRINTER_URI}/999"),
    operation_group(None, job_uri=f"{BASE_URI}/jobs/999"),
    operation_group(job_id=999),
    operation_group(None, job_uri=f"{BASE_URI}/ipp/nope/1"),
])
def test_unknown_job_is_not_found(call: Call, group: AttributeGroup) -> None:
    assert call(make_request(operations.GET_JOB_ATTRIBUTES, group)).code == status.CLIENT_ERROR_NOT_FOUND


def test_job_of_another_printer_is_not_found_under_this_printer(call: Call) -> None:
    job_id = _submit(call, printer_uri=f"{BASE_URI}/ipp/other")
    assert _job_op(call, operations.GET_JOB_ATTRIBUTES, job_id).code == status.CLIENT_ERROR_NOT_FOUND


def test_job_operation_without_job_is_a_bad_request(call: Call) -> None:
    assert call(make_request(operations.GET_JOB_ATTRIBUTES)).code == status.CLIENT_ERROR_BAD_REQUEST


def test_requested_attributes_filter_job_attributes(call: Call) -> None:
    job_id = _submit(call)
    response = _job_op(call, operations.GET_JOB_ATTRIBUTES, job_id,
                       requested_attributes=["job-state", "job-template"])
    assert response.job is not None
    assert response.job.names() == ["job-state", "job-hold-until"]


@pytest.mark.parametrize("requested", [
    ["job-id"], ["job-uri", "job-state", "time-at-completed"], ["job-status"], ["job-description"],
    ["job-template", "job-name"], ["job-originating-host-name", "job-hold-until", "no-such-attribute"],
])
def test_only_the_requested_attributes_are_built_and_they_match_all(call: Call, requested: list[str]) -> None:
    job_id = _submit(call)
    everything = _job_op(call, operations.GET_JOB_ATTRIBUTES, job_id, requested_attributes=["all"]).job
    some = _job_op(call, operations.GET_JOB_ATTRIBUTES, job_id, requested_attributes=requested).job
    assert everything is not None and some is not None
    wanted = parse_requested(requested)
    expected = [a for a in everything.attributes() if wanted.wants(a.name, JOB)]
    assert some.names() == [a.name for a in expected]
    # job-printer-up-time is the clock's: it may have ticked between the two requests
    assert [a for a in some.attributes() if a.name != "job-printer-up-time"] == [
        a for a in expected if a.name != "job-printer-up-time"]


def _jobs(call: Call, printer_uri: str = PRINTER_URI, user: str = "alice", remote_user: str | None = None,
          **attrs: object) -> list[AttributeGroup]:
    group = operation_group(printer_uri, requesting_user_name=user, **attrs)
    response = call(make_request(operations.GET_JOBS, group), user=remote_user)
    assert response.code == status.SUCCESSFUL_OK, response
    return response.groups_of(tags.JOB_ATTRIBUTES)


def test_get_jobs_defaults_to_id_and_uri_of_not_completed_jobs(call: Call, spooler: EmbeddedSpooler) -> None:
    first, second = _submit(call), _submit(call, user="bob")
    spooler.cancel_job("print", first)
    jobs = _jobs(call)
    assert [j.names() for j in jobs] == [["job-id", "job-uri"]]
    assert jobs[0].value("job-id") == second
    assert [j.value("job-id") for j in _jobs(call, which_jobs="completed")] == [first]


def test_get_jobs_my_jobs_limit_and_server_target(call: Call) -> None:
    mine = [_submit(call), _submit(call)]
    theirs = _submit(call, user="bob", printer_uri=f"{BASE_URI}/ipp/other")
    assert [j.value("job-id") for j in _jobs(call, my_jobs=True)] == mine
    assert [j.value("job-id") for j in _jobs(call, user="bob", my_jobs=True)] == []
    assert len(_jobs(call, limit=1)) == 1
    everything = _jobs(call, "ipp://localhost/", requested_attributes=["job-id", "job-printer-uri"])
    assert {j.value("job-id") for j in everything} == {*mine, theirs}
    other = next(j for j in everything if j.value("job-id") == theirs)
    assert other.value("job-printer-uri") == f"{BASE_URI}/ipp/other"


def test_get_jobs_rejects_unknown_which_jobs(call: Call) -> None:
    group = operation_group(which_jobs="yesterday")
    response = call(make_request(operations.GET_JOBS, group))
    assert response.code == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert response.unsupported is not None and response.unsupported.value("which-jobs") == "yesterday"


def test_owner_cancels_own_job(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _submit(call)
    assert _job_op(call, operations.CANCEL_JOB, job_id).code == status.SUCCESSFUL_OK
    assert spooler.get_job("print", job_id).state == JOB_CANCELED


@pytest.mark.parametrize(("user", "remote_user", "expected"), [
    ("eve", None, status.CLIENT_ERROR_NOT_AUTHENTICATED),
    ("alice", "eve", status.CLIENT_ERROR_NOT_AUTHORIZED),
    ("eve", ADMIN, status.SUCCESSFUL_OK),
])
def test_only_owner_or_admin_may_cancel(call: Call, user: str, remote_user: str | None,
                                        expected: int) -> None:
    job_id = _submit(call)
    response = _job_op(call, operations.CANCEL_JOB, job_id, user=user, remote_user=remote_user)
    assert response.code == expected


def test_cancel_ended_job_is_not_possible(call: Call) -> None:
    job_id = _submit(call)
    _job_op(call, operations.CANCEL_JOB, job_id)
    assert _job_op(call, operations.CANCEL_JOB, job_id).code == status.CLIENT_ERROR_NOT_POSSIBLE


def test_cancel_jobs_cancels_the_callers_jobs_or_all_for_an_admin(call: Call,
                                                                   spooler: EmbeddedSpooler) -> None:
    alice, bob = _submit(call), _submit(call, user="bob")
    group = operation_group("ipp://localhost/", requesting_user_name="alice")
    assert call(make_request(operations.CANCEL_JOBS, group), path="/admin/").code == status.SUCCESSFUL_OK
    assert spooler.get_job(None, alice).state == JOB_CANCELED
    assert spooler.get_job(None, bob).state == JOB_PENDING_HELD
    assert call(make_request(operations.CANCEL_JOBS, group), path="/admin/", user=ADMIN).code == 0
    assert spooler.get_job(None, bob).state == JOB_CANCELED


def test_cancel_my_jobs(call: Call, spooler: EmbeddedSpooler) -> None:
    alice, bob = _submit(call), _submit(call, user="bob")
    group = operation_group(requesting_user_name="bob")
    assert call(make_request(operations.CANCEL_MY_JOBS, group)).code == status.SUCCESSFUL_OK
    assert (spooler.get_job(None, alice).state, spooler.get_job(None, bob).state) == (JOB_PENDING_HELD,
                                                                                      JOB_CANCELED)


def test_hold_and_release(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _submit(call, held=False)
    spooler.pause_printer("print")
    assert _job_op(call, operations.HOLD_JOB, job_id).code == status.SUCCESSFUL_OK
    assert spooler.get_job("print", job_id).state == JOB_PENDING_HELD
    assert _job_op(call, operations.RELEASE_JOB, job_id).code == status.SUCCESSFUL_OK
    assert spooler.get_job("print", job_id).state == JOB_PENDING
    refused = _job_op(call, operations.HOLD_JOB, job_id, user="eve")
    assert refused.code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def test_set_job_attributes_is_all_or_nothing(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _submit(call)
    good = AttributeGroup()
    good.add("copies", 3, tags.INTEGER)
    good.add("job-name", "renamed", tags.NAME_WITHOUT_LANGUAGE)
    assert _job_op(call, operations.SET_JOB_ATTRIBUTES, job_id, job=good).code == status.SUCCESSFUL_OK
    assert spooler.get_job("print", job_id).attributes.value("copies") == 3
    bad = AttributeGroup()
    bad.add("copies", 4, tags.INTEGER)
    bad.add("sides", "three-sided", tags.KEYWORD)
    response = _job_op(call, operations.SET_JOB_ATTRIBUTES, job_id, job=bad)
    assert response.code == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert spooler.get_job("print", job_id).attributes.value("copies") == 3


def test_cups_move_job(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _submit(call)
    response = _job_op(call, operations.CUPS_MOVE_JOB, job_id, job_printer_uri=f"{BASE_URI}/ipp/other")
    assert response.code == status.SUCCESSFUL_OK
    assert spooler.get_job(None, job_id).printer == "other"
    another = _submit(call)
    response = _job_op(call, operations.CUPS_MOVE_JOB, another, job_printer_uri=f"{BASE_URI}/ipp/none")
    assert response.code == status.CLIENT_ERROR_NOT_FOUND
    assert spooler.get_job(None, another).printer == "print"


def _submit_authenticated(call: Call, user: str) -> int:
    """A held job submitted by ``user`` authenticated as REMOTE_USER."""
    job = AttributeGroup()
    job.add("job-hold-until", "indefinite", tags.KEYWORD)
    group = operation_group(PRINTER_URI, requesting_user_name="ignored")
    return job_id_of(call(make_request(operations.PRINT_JOB, group, job), b"data", user=user))


def test_an_authenticated_owner_is_remembered(call: Call, spooler: EmbeddedSpooler) -> None:
    authenticated, anonymous = _submit_authenticated(call, "alice"), _submit(call)
    assert spooler.get_job(None, authenticated).owner_authenticated is True
    assert spooler.get_job(None, anonymous).owner_authenticated is False


@pytest.mark.parametrize(("remote_user", "expected"), [
    (None, status.CLIENT_ERROR_NOT_AUTHENTICATED),
    ("bob", status.CLIENT_ERROR_NOT_AUTHORIZED),
    ("alice", status.SUCCESSFUL_OK),
    (ADMIN, status.SUCCESSFUL_OK),
])
def test_only_the_authenticated_owner_manages_an_authenticated_job(call: Call, spooler: EmbeddedSpooler,
                                                                  remote_user: str | None,
                                                                  expected: int) -> None:
    job_id = _submit_authenticated(call, "alice")
    answer = _job_op(call, operations.CANCEL_JOB, job_id, user="alice", remote_user=remote_user)
    assert answer.code == expected
    canceled = expected == status.SUCCESSFUL_OK
    assert spooler.get_job(None, job_id).state == (JOB_CANCELED if canceled else JOB_PENDING_HELD)


@pytest.mark.parametrize("code", [operations.CANCEL_MY_JOBS, operations.CANCEL_JOBS], ids=operations.op_name)
def test_anonymous_namesake_cancels_only_anonymous_jobs(call: Call, spooler: EmbeddedSpooler,
                                                        code: int) -> None:
    """Without job-ids: the anonymous "alice" cancels the jobs "alice" submitted anonymously only."""
    authenticated, anonymous = _submit_authenticated(call, "alice"), _submit(call)
    answer = call(make_request(code, operation_group(PRINTER_URI, requesting_user_name="alice")))
    assert answer.code == status.SUCCESSFUL_OK
    assert spooler.get_job(None, authenticated).state == JOB_PENDING_HELD
    assert spooler.get_job(None, anonymous).state == JOB_CANCELED


@pytest.mark.parametrize("code", [operations.CANCEL_MY_JOBS, operations.CANCEL_JOBS], ids=operations.op_name)
def test_anonymous_namesake_cannot_list_an_authenticated_job(call: Call, spooler: EmbeddedSpooler,
                                                             code: int) -> None:
    job_id = _submit_authenticated(call, "alice")
    group = operation_group(PRINTER_URI, requesting_user_name="alice", job_ids=[job_id])
    assert call(make_request(code, group)).code == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert spooler.get_job(None, job_id).state == JOB_PENDING_HELD


@pytest.mark.parametrize("value", ["all", b"\x00\x00\x00\x01"], ids=["keyword", "octetString"])
def test_job_ids_must_be_integers(call: Call, spooler: EmbeddedSpooler, value: object) -> None:
    job_id = _submit(call)
    group = operation_group(PRINTER_URI, requesting_user_name="alice")
    tag = tags.KEYWORD if isinstance(value, str) else tags.OCTET_STRING
    group.append(Attribute("job-ids", [tags.INTEGER, tag], [job_id, value]))
    assert call(make_request(operations.CANCEL_MY_JOBS, group)).code == status.CLIENT_ERROR_BAD_REQUEST
    assert spooler.get_job(None, job_id).state == JOB_PENDING_HELD
