"""Resource limits of the embedded spooler: active jobs in all and per user, and spool space.

Statuses, as CUPS answers its MaxJobs / MaxJobsPerUser and a full spool:

- more active jobs (not ended) than ``max_jobs``: server-error-too-many-jobs (PWG 5100.7, 0x050B): the
  printer as a whole is busy, any user may retry later;
- more active jobs of the requesting user than ``max_jobs_per_user``: client-error-not-possible (what
  CUPS answers a user over quota): only that user's own jobs ending lets them submit again;
- documents kept in the spool over ``max_spool_bytes``, or less than ``min_free_bytes`` left on the
  spool's file system: server-error-temporary-error, and the printer reports ``spool-area-full`` in
  printer-state-reasons while it lasts.

The checks run inside the job store's write transaction, so concurrent submissions from several processes
cannot together go past a limit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ipp_wsgi.backends.base import BackendError
from ipp_wsgi.backends.embedded.store import StoreTransaction
from ipp_wsgi.codec import status

SPOOL_AREA_FULL = "spool-area-full"
"""The printer-state-reasons keyword of a spool over its limits."""
SPOOL_FULL_MESSAGE = "No space left in the spool for the document: try again later."


@dataclass(frozen=True, slots=True)
class JobLimits:
    """The limits; None means no limit."""

    max_jobs: int | None = None
    """Active jobs (pending, held, processing, stopped) of every printer of the spooler together."""
    max_jobs_per_user: int | None = None
    """Active jobs of one owner (requesting-user-name or REMOTE_USER)."""
    max_spool_bytes: int | None = None
    """Document bytes kept in the spool, ended jobs' retained documents included."""
    min_free_bytes: int | None = None
    """Space the spool's file system must keep free."""

    def __post_init__(self) -> None:
        for name in ("max_jobs", "max_jobs_per_user", "max_spool_bytes", "min_free_bytes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be positive (None: no limit)")

    def check_job(self, tx: StoreTransaction, owner: str) -> None:
        """Refuse one more active job of ``owner`` (BackendError) when it would pass a job limit."""
        if self.max_jobs is not None and tx.count_active_jobs() >= self.max_jobs:
            raise BackendError(status.SERVER_ERROR_TOO_MANY_JOBS, "Too many active jobs: try again later.")
        if self.max_jobs_per_user is not None and tx.count_active_jobs(owner) >= self.max_jobs_per_user:
            raise BackendError(status.CLIENT_ERROR_NOT_POSSIBLE,
                               f"Too many active jobs: at most {self.max_jobs_per_user} per user.")

    def check_space(self, tx: StoreTransaction, spool_dir: Path, adding: int = 0) -> None:
        """Refuse (server-error-temporary-error) when the spool, with ``adding`` more bytes, is over its
        limits."""
        if self.spool_full(tx, spool_dir, adding):
            raise BackendError(status.SERVER_ERROR_TEMPORARY_ERROR, SPOOL_FULL_MESSAGE)

    def spool_full(self, tx: StoreTransaction, spool_dir: Path, adding: int = 0) -> bool:
        """True when the spool, with ``adding`` more bytes (at least one: is there room for anything?), is
        over ``max_spool_bytes`` or leaves less than ``min_free_bytes`` free (``adding``, already written,
        counts as taken)."""
        if self.max_spool_bytes is not None and tx.spool_bytes() + max(adding, 1) > self.max_spool_bytes:
            return True
        if self.min_free_bytes is not None:
            disk = os.statvfs(spool_dir)
            return disk.f_bavail * disk.f_frsize < self.min_free_bytes
        return False
