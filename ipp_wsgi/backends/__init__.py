"""Print services behind the listener: the spooler interface and its implementations."""

from __future__ import annotations

from ipp_wsgi.backends.base import Backend, BackendError, Document, Job, JobRequest

__all__ = ["Backend", "BackendError", "Document", "Job", "JobRequest"]
