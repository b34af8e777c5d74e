"""The base backend: what it reports as supported."""

from __future__ import annotations

from typing import BinaryIO

from ipp_wsgi.backends.base import Backend, Document, Job, JobRequest


class _CreateAndAdd(Backend):
    def create_job(self, printer: str, request: JobRequest) -> Job:
        raise NotImplementedError

    def add_document(self, printer: str, job_id: int, data: BinaryIO, document: Document, last: bool) -> Job:
        raise NotImplementedError


class _SubmitOnly(Backend):
    def submit_job(self, printer: str, request: JobRequest, data: BinaryIO, document: Document) -> Job:
        raise NotImplementedError


def test_the_base_supports_nothing() -> None:
    assert not any(Backend().supports(m) for m in ("printers", "create_job", "submit_job", "jobs"))


def test_submit_job_is_supported_through_create_job_and_add_document() -> None:
    assert _CreateAndAdd().supports("submit_job")


def test_submit_job_alone_does_not_imply_create_job() -> None:
    backend = _SubmitOnly()
    assert backend.supports("submit_job")
    assert not backend.supports("create_job") and not backend.supports("add_document")
