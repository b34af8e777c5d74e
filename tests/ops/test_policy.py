"""Policy: locations by longest path prefix, enabled operations, who may run what."""

from __future__ import annotations

import pytest

from ipp_wsgi.codec import operations, status
from ipp_wsgi.ops.policy import ADMIN_OPERATIONS, Location, Policy, operation_code


def test_location_prefix_matches_whole_segments() -> None:
    admin = Location("/admin")
    assert admin.matches("/admin") and admin.matches("/admin/") and admin.matches("/admin/x")
    assert not admin.matches("/administrator") and not admin.matches("/")
    assert Location("/").matches("/anything")


def test_longest_prefix_wins() -> None:
    policy = Policy.solaris(["root"])
    location = policy.location("/admin/")
    assert location is not None and location.prefix == "/admin"
    location = policy.location("/printers/print")
    assert location is not None and location.prefix == "/"


def test_enabled_filters_implemented_operations() -> None:
    policy = Policy((Location("/", frozenset({operations.PRINT_JOB, operations.GET_JOBS})),))
    implemented = {operations.PRINT_JOB, operations.CANCEL_JOB}
    assert policy.enabled("/ipp/print", implemented) == {operations.PRINT_JOB}
    assert Policy((Location("/only"),)).enabled("/elsewhere", implemented) == frozenset()


@pytest.mark.parametrize(("user", "expected"), [
    (None, status.CLIENT_ERROR_NOT_AUTHENTICATED),
    ("alice", status.CLIENT_ERROR_NOT_AUTHORIZED),
    ("root", None),
])
def test_admin_operations(user: str | None, expected: int | None) -> None:
    assert Policy.default(["root"]).authorize(operations.PAUSE_PRINTER, "/", user) == expected


def test_authenticated_operations() -> None:
    policy = Policy((Location("/", None, frozenset({operations.PRINT_JOB})),))
    assert policy.authorize(operations.PRINT_JOB, "/", None) == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert policy.authorize(operations.PRINT_JOB, "/", "anyone") is None
    assert policy.authorize(operations.GET_JOBS, "/", None) is None


def test_job_management() -> None:
    policy = Policy.default(["root"])
    assert policy.may_manage_job("alice", "alice", None) is None
    assert policy.may_manage_job("alice", "bob", None) == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert policy.may_manage_job("alice", "bob", "bob") == status.CLIENT_ERROR_NOT_AUTHORIZED
    assert policy.may_manage_job("alice", "root", "root") is None


@pytest.mark.parametrize(("user", "remote_user", "expected"), [
    ("alice", None, status.CLIENT_ERROR_NOT_AUTHENTICATED),  # an anonymous namesake
    ("bob", "bob", status.CLIENT_ERROR_NOT_AUTHORIZED),
    ("alice", "alice", None),
    ("root", "root", None),
])
def test_a_job_of_an_authenticated_owner(user: str, remote_user: str | None, expected: int | None) -> None:
    policy = Policy.default(["root"])
    assert policy.may_manage_job("alice", user, remote_user, owner_authenticated=True) == expected
    assert policy.owns_job("alice", user, remote_user, True) is (user == "alice" and remote_user == "alice")


def test_operation_names() -> None:
    assert operation_code("Print-Job") == operations.PRINT_JOB
    assert operation_code("cups-get-default") == operations.CUPS_GET_DEFAULT
    assert operation_code("0x0038") == operations.CANCEL_JOBS
    with pytest.raises(ValueError, match="unknown operation"):
        operation_code("Make-Coffee")


def test_default_policy_keeps_admin_operations_behind_admins() -> None:
    location = Policy.default().location("/")
    assert location is not None and location.admin == ADMIN_OPERATIONS and location.enabled is None
