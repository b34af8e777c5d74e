"""Who may run which operation where: the Solaris listener's ``ipp-operation`` directive, done right.

A :class:`Policy` is a list of :class:`Location` s, each a request-path prefix (``/``, ``/admin``) with the
operations enabled there and those that need an authenticated user or an administrator. The location
with the longest matching prefix applies. ``operations-supported`` lists exactly the operations enabled at
the path asked, including those that need authentication.

Two ready-made policies:

- :meth:`Policy.default`: every operation enabled everywhere; the printer-administration operations need
  ``REMOTE_USER`` in the admin list. Job operations (cancel, hold, release, restart, modify, move, add a
  document) are open, and the handler lets only the job's owner or an administrator touch a job.
- :meth:`Policy.solaris`: the Solaris listener's default: at ``/`` only the submit and query operations,
  everything (administration behind the admin list) under ``/admin``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ipp_wsgi.codec import operations as ops
from ipp_wsgi.codec import status

ADMIN_OPERATIONS = frozenset({
    ops.PAUSE_PRINTER, ops.RESUME_PRINTER, ops.PURGE_JOBS, ops.SET_PRINTER_ATTRIBUTES, ops.ENABLE_PRINTER,
    ops.DISABLE_PRINTER, ops.CUPS_ACCEPT_JOBS, ops.CUPS_REJECT_JOBS, ops.GET_PRINTER_SUPPORTED_VALUES,
    ops.HOLD_NEW_JOBS, ops.RELEASE_HELD_NEW_JOBS, ops.CANCEL_CURRENT_JOB,
    ops.PAUSE_PRINTER_AFTER_CURRENT_JOB, ops.PROMOTE_JOB, ops.REPROCESS_JOB,
    ops.RESTART_PRINTER, ops.SHUTDOWN_PRINTER, ops.STARTUP_PRINTER, ops.SUSPEND_CURRENT_JOB,
    ops.SCHEDULE_JOB_AFTER,
})
"""Printer administration: needs an authenticated administrator by default."""

JOB_OWNER_OPERATIONS = frozenset({
    ops.SEND_DOCUMENT, ops.CLOSE_JOB, ops.CANCEL_JOB, ops.HOLD_JOB, ops.RELEASE_JOB, ops.RESTART_JOB,
    ops.SET_JOB_ATTRIBUTES, ops.CUPS_MOVE_JOB, ops.RESUBMIT_JOB, ops.SET_DOCUMENT_ATTRIBUTES,
    ops.RESUME_JOB, ops.CANCEL_DOCUMENT,
})
"""Operations on one job: only its owner or an administrator may run them (checked per job)."""

SOLARIS_OPEN_OPERATIONS = frozenset({
    ops.PRINT_JOB, ops.VALIDATE_JOB, ops.CREATE_JOB, ops.SEND_DOCUMENT, ops.CANCEL_JOB,
    ops.GET_JOB_ATTRIBUTES, ops.GET_JOBS, ops.GET_PRINTER_ATTRIBUTES, ops.CUPS_GET_DEFAULT,
    ops.CUPS_GET_PRINTERS, ops.CUPS_MOVE_JOB, ops.CLOSE_JOB, ops.CANCEL_MY_JOBS, ops.IDENTIFY_PRINTER,
})
"""What the Solaris listener enabled at ``/`` (plus the IPP Everywhere operations it predates)."""


DEFAULT_METRICS_READERS = frozenset({"local", "admin"})
"""Who may read the metrics by default: callers on this machine and administrators."""
METRICS_READER_KEYWORDS = frozenset({"all", "local", "authenticated", "admin"})
"""The keywords of :attr:`Policy.metrics_readers`; any other entry is a user name."""


def operation_code(name: str) -> int:
    """The operation-id of an operation name as written in a config file (``Print-Job``, ``0x0002``)."""
    if name.lower().startswith("0x"):
        return int(name, 16)
    code = getattr(ops, name.strip().upper().replace("-", "_"), None)
    if not isinstance(code, int):
        raise ValueError(f"unknown operation {name!r}")
    return code


@dataclass(frozen=True, slots=True)
class Location:
    """The rules for requests whose path starts with ``prefix``.

    ``enabled`` None means every operation the server implements.
    """

    prefix: str
    enabled: frozenset[int] | None = None
    authenticated: frozenset[int] = frozenset()
    """Operations that need ``REMOTE_USER`` (any authenticated user)."""
    admin: frozenset[int] = frozenset()
    """Operations that need ``REMOTE_USER`` in the policy's admin list."""

    def matches(self, path: str) -> bool:
        """True when ``path`` is ``prefix`` or below it (``/admin`` matches ``/admin/``, not ``/admins``)."""
        prefix = self.prefix.rstrip("/")
        return not prefix or path == prefix or path.startswith(prefix + "/")

    def enables(self, operation: int) -> bool:
        """True when ``operation`` is enabled here."""
        return self.enabled is None or operation in self.enabled


@dataclass(frozen=True, slots=True)
class Policy:
    """Locations (longest matching prefix wins) and the administrators' user names."""

    locations: tuple[Location, ...]
    admins: frozenset[str] = frozenset()
    metrics_readers: frozenset[str] = DEFAULT_METRICS_READERS
    """Who may read the metrics: ``all``, ``local`` (a client on this machine), ``authenticated``,
    ``admin``, or user names."""

    @classmethod
    def default(cls, admins: Iterable[str] = ()) -> Policy:
        """Everything enabled at every path; printer administration needs an administrator."""
        return cls((Location("/", None, frozenset(), ADMIN_OPERATIONS),), frozenset(admins))

    @classmethod
    def solaris(cls, admins: Iterable[str] = ()) -> Policy:
        """The Solaris listener's split: submit and query at ``/``, administration only under ``/admin``."""
        return cls(
            (Location("/", SOLARIS_OPEN_OPERATIONS), Location("/admin", None, frozenset(), ADMIN_OPERATIONS)),
            frozenset(admins),
        )

    def location(self, path: str) -> Location | None:
        """The location whose prefix is the longest one matching ``path``."""
        found = [loc for loc in self.locations if loc.matches(path)]
        return max(found, key=lambda loc: len(loc.prefix.rstrip("/")), default=None)

    def enabled(self, path: str, implemented: Iterable[int]) -> frozenset[int]:
        """The operations of ``implemented`` that are enabled at ``path``."""
        location = self.location(path)
        if location is None:
            return frozenset()
        return frozenset(code for code in implemented if location.enables(code))

    def is_admin(self, remote_user: str | None) -> bool:
        """True for an authenticated administrator."""
        return remote_user is not None and remote_user in self.admins

    def may_read_metrics(self, remote_user: str | None, local: bool) -> bool:
        """True when a caller (``local``: on this machine) may read the metrics."""
        readers = self.metrics_readers
        if "all" in readers or (local and "local" in readers):
            return True
        if remote_user is None:
            return False
        named = remote_user in readers and remote_user not in METRICS_READER_KEYWORDS
        return named or "authenticated" in readers or ("admin" in readers and remote_user in self.admins)

    def authorize(self, operation: int, path: str, remote_user: str | None) -> int | None:
        """None when the caller may run ``operation`` at ``path`` (enabled assumed), else the error status."""
        location = self.location(path)
        if location is None:
            return status.SERVER_ERROR_OPERATION_NOT_SUPPORTED
        if operation in location.admin:
            if not self.admins:
                return status.CLIENT_ERROR_FORBIDDEN
            if remote_user is None:
                return status.CLIENT_ERROR_NOT_AUTHENTICATED
            if remote_user not in self.admins:
                return status.CLIENT_ERROR_NOT_AUTHORIZED
        elif operation in location.authenticated and remote_user is None:
            return status.CLIENT_ERROR_NOT_AUTHENTICATED
        return None

    def may_manage_job(self, owner: str, user: str, remote_user: str | None,
                       owner_authenticated: bool = False) -> int | None:
        """None when ``user`` (the caller's identity) may act on a job of ``owner``, else the error status.

        A job an authenticated user submitted (``owner_authenticated``) is only that user's: an anonymous
        caller naming them in requesting-user-name is not them (client-error-not-authenticated).
        """
        if self.is_admin(remote_user) or self.owns_job(owner, user, remote_user, owner_authenticated):
            return None
        return self.denied(remote_user)

    @staticmethod
    def owns_job(owner: str, user: str, remote_user: str | None, owner_authenticated: bool = False) -> bool:
        """True when the caller ``user`` is the job's owner (and authenticated if the owner was)."""
        return owner == user and (remote_user is not None or not owner_authenticated)

    @staticmethod
    def denied(remote_user: str | None) -> int:
        """The status refusing a caller someone else's job: not-authorized, or not-authenticated when
        anonymous (logging in might help)."""
        return status.CLIENT_ERROR_NOT_AUTHORIZED if remote_user else status.CLIENT_ERROR_NOT_AUTHENTICATED
