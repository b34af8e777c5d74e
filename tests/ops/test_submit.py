"""Print-Job, Validate-Job, Create-Job, Send-Document, Close-Job through ``dispatch``."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import pytest
from ops_helpers import Call, job_id_of, make_request, operation_group

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_COMPLETED, JOB_PENDING, JOB_PENDING_HELD
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, Message, Range, operations, status, tags
from ipp_wsgi.ops.documents import DocumentTooLarge

PDF = b"%PDF-1.4 a tiny document\n" * 100


def _output(spool_dir: Path, job_id: int, number: int = 1) -> bytes:
    return next((spool_dir / "output" / "print").glob(f"{job_id}-{number}*")).read_bytes()


def _print(call: Call, document: bytes = PDF, job: AttributeGroup | None = None, **attrs: object) -> Message:
    attrs.setdefault("requesting_user_name", "alice")
    attrs.setdefault("document_format", "application/pdf")
    return call(make_request(operations.PRINT_JOB, operation_group(**attrs), job), document)


def test_print_job_spools_the_document_and_answers_the_job(call: Call, spooler: EmbeddedSpooler,
                                                           spool_dir: Path) -> None:
    response = _print(call, job_name="report")
    assert response.code == status.SUCCESSFUL_OK
    job = response.job
    assert job is not None
    job_id = job_id_of(response)
    assert job.value("job-uri") == f"ipp://localhost:8631/ipp/print/{job_id}"
    assert job.value("job-state") == JOB_PENDING
    assert set(job.names()) <= {"job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message"}
    stored = spooler.get_job("print", job_id)
    assert (stored.owner, stored.name, stored.origin_host) == ("alice", "report", "192.0.2.7")
    spooler.process_pending()
    assert spooler.get_job("print", job_id).state == JOB_COMPLETED
    assert _output(spool_dir, job_id) == PDF


def test_remote_user_owns_the_job_whatever_requesting_user_name_says(call: Call,
                                                                      spooler: EmbeddedSpooler) -> None:
    response = call(make_request(operations.PRINT_JOB, operation_group(requesting_user_name="mallory")),
                    PDF, user="bob")
    assert spooler.get_job("print", job_id_of(response)).owner == "bob"


def test_anonymous_without_requesting_user_name(call: Call, spooler: EmbeddedSpooler) -> None:
    response = call(make_request(operations.PRINT_JOB), PDF)
    assert spooler.get_job("print", job_id_of(response)).owner == "anonymous"


@pytest.mark.parametrize("compress", [gzip.compress, zlib.compress,
                                      lambda d: zlib.compress(d, wbits=-15)])
def test_compressed_documents_are_decompressed(call: Call, spooler: EmbeddedSpooler, spool_dir: Path,
                                               compress: object) -> None:
    coding = "gzip" if compress is gzip.compress else "deflate"
    response = _print(call, compress(PDF), compression=coding)  # type: ignore[operator]
    assert response.code == status.SUCCESSFUL_OK
    spooler.process_pending()
    assert _output(spool_dir, job_id_of(response)) == PDF


def test_corrupt_compressed_document_is_a_compression_error_and_leaves_no_job(
        call: Call, spooler: EmbeddedSpooler) -> None:
    response = _print(call, b"\x1f\x8b\x08\x00garbage that is not gzip", compression="gzip")
    assert response.code == status.CLIENT_ERROR_COMPRESSION_ERROR
    assert response.job is None
    assert spooler.jobs("print", "not-completed") == []


def test_truncated_gzip_is_a_compression_error(call: Call) -> None:
    response = _print(call, gzip.compress(PDF)[:-12], compression="gzip")
    assert response.code == status.CLIENT_ERROR_COMPRESSION_ERROR


def test_unknown_compression_is_not_supported_and_reported(call: Call) -> None:
    response = _print(call, compression="compress")
    assert response.code == status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED
    assert response.unsupported is not None
    assert response.unsupported.value("compression") == "compress"


def test_unsupported_document_format(call: Call, spooler: EmbeddedSpooler) -> None:
    response = _print(call, document_format="application/x-unknown")
    assert response.code == status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED
    assert response.unsupported is not None and "document-format" in response.unsupported
    assert spooler.jobs(None, "all") == []


def test_cups_raw_is_taken_as_octet_stream(call: Call, spooler: EmbeddedSpooler) -> None:
    """lp -o raw sends application/vnd.cups-raw: the bytes as they are, where octet-stream is accepted."""
    response = _print(call, document_format="application/vnd.cups-raw")
    assert response.code == status.SUCCESSFUL_OK
    (job,) = spooler.jobs(None, "all")
    assert [d.format for d in spooler.documents(None, job.job_id)] == ["application/octet-stream"]


def _template(**attrs: object) -> AttributeGroup:
    group = AttributeGroup()
    for name, value in attrs.items():
        group[name.replace("_", "-")] = value
    return group


def test_unsupported_values_come_back_right_after_the_operation_group(call: Call,
                                                                      spooler: EmbeddedSpooler) -> None:
    job = _template(copies=5000, sides="two-sided-long-edge", media="na_foolscap_9x99in")
    job.add("x-unknown-thing", 3, tags.INTEGER)
    response = _print(call, job=job)
    assert response.code == status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert [tag for tag, _ in response.groups] == [tags.OPERATION_ATTRIBUTES, tags.UNSUPPORTED_ATTRIBUTES,
                                                   tags.JOB_ATTRIBUTES]
    unsupported = response.unsupported
    assert unsupported is not None
    assert unsupported.names() == ["copies", "media", "x-unknown-thing"]
    assert unsupported["x-unknown-thing"].tag == tags.UNSUPPORTED
    stored = spooler.get_job("print", job_id_of(response)).attributes
    assert stored.value("sides") == "two-sided-long-edge"
    assert "copies" not in stored


def test_fidelity_refuses_the_job(call: Call, spooler: EmbeddedSpooler) -> None:
    response = _print(call, job=_template(copies=0), ipp_attribute_fidelity=True)
    assert response.code == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert response.unsupported is not None and response.unsupported.value("copies") == 0
    assert spooler.jobs(None, "all") == []


@pytest.mark.parametrize("attrs", [
    {"copies": 2}, {"media": "iso_a4_210x297mm"}, {"print-quality": 5}, {"orientation-requested": 4},
    {"finishings": [3]}, {"page-ranges": [Range(1, 2), Range(4, 9)]}, {"job-priority": 100},
    {"print-color-mode": "monochrome"}, {"job-hold-until": "no-hold"}, {"output-bin": "face-up"},
])
def test_supported_template_values_are_accepted(call: Call, attrs: dict[str, object]) -> None:
    job = AttributeGroup()
    for name, value in attrs.items():
        job[name] = value
    assert _print(call, job=job).code == status.SUCCESSFUL_OK


@pytest.mark.parametrize("attrs", [
    {"copies": 1000}, {"print-quality": 7}, {"page-ranges": [Range(4, 9), Range(1, 2)]},
    {"sides": ["one-sided", "two-sided-long-edge"]}, {"number-up": 2},
])
def test_unsupported_template_values_are_reported(call: Call, attrs: dict[str, object]) -> None:
    job = AttributeGroup()
    for name, value in attrs.items():
        job[name] = value
    response = _print(call, job=job)
    assert response.code == status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert response.unsupported is not None and response.unsupported.names() == list(attrs)


def _media_col(width: int, length: int) -> AttributeGroup:
    job = AttributeGroup()
    job["media-col"] = {"media-size": {"x-dimension": width, "y-dimension": length}, "media-source": "main"}
    return job


def test_media_col_size_is_checked(call: Call) -> None:
    assert _print(call, job=_media_col(21000, 29700)).code == status.SUCCESSFUL_OK
    response = _print(call, job=_media_col(12345, 29700))
    assert response.code == status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert response.unsupported is not None and "media-col" in response.unsupported


def test_validate_job_creates_nothing(call: Call, spooler: EmbeddedSpooler) -> None:
    response = call(make_request(operations.VALIDATE_JOB, operation_group(document_format="image/jpeg")))
    assert response.code == status.SUCCESSFUL_OK
    assert response.job is None
    assert spooler.jobs(None, "all") == []
    response = call(make_request(operations.VALIDATE_JOB, operation_group(document_format="text/x-nope")))
    assert response.code == status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED


def _create(call: Call) -> int:
    return job_id_of(call(make_request(operations.CREATE_JOB, operation_group(requesting_user_name="alice"))))


def _send(call: Call, job_id: int, data: bytes, last: bool | None, user: str = "alice",
          **attrs: object) -> Message:
    group = operation_group(job_id=job_id, requesting_user_name=user, **attrs)
    if last is not None:
        group.add("last-document", last, tags.BOOLEAN)
    return call(make_request(operations.SEND_DOCUMENT, group), data)


def test_create_job_then_documents(call: Call, spooler: EmbeddedSpooler, spool_dir: Path) -> None:
    job_id = _create(call)
    assert _send(call, job_id, b"first", False).code == status.SUCCESSFUL_OK
    second = _send(call, job_id, gzip.compress(b"second"), True, compression="gzip")
    assert second.code == status.SUCCESSFUL_OK
    assert second.job is not None and second.job.value("job-id") == job_id
    spooler.process_pending()
    assert _output(spool_dir, job_id, 1) == b"first"
    assert _output(spool_dir, job_id, 2) == b"second"


def test_send_document_needs_last_document(call: Call) -> None:
    job_id = _create(call)
    assert _send(call, job_id, b"data", None).code == status.CLIENT_ERROR_BAD_REQUEST


def test_send_document_by_another_user_is_refused(call: Call) -> None:
    job_id = _create(call)
    assert _send(call, job_id, b"data", True, user="eve").code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def test_empty_last_send_document_closes_the_job(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _create(call)
    assert _send(call, job_id, b"only", False).code == status.SUCCESSFUL_OK
    assert _send(call, job_id, b"", True).code == status.SUCCESSFUL_OK
    assert spooler.get_job("print", job_id).documents == 1
    spooler.process_pending()
    assert spooler.get_job("print", job_id).state == JOB_COMPLETED


def test_close_job_without_documents_aborts_it(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _create(call)
    closed = call(make_request(operations.CLOSE_JOB, operation_group(job_id=job_id,
                                                                     requesting_user_name="alice")))
    assert closed.code == status.SUCCESSFUL_OK
    assert spooler.get_job("print", job_id).state == JOB_ABORTED


class _TooLarge(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        raise DocumentTooLarge("over the limit")


def test_document_too_large(service: object, spooler: EmbeddedSpooler) -> None:
    from ipp_wsgi.ops import RequestContext, Service, dispatch

    assert isinstance(service, Service)
    context = RequestContext("ipp://localhost:8631", "/ipp/print")
    request = make_request(operations.PRINT_JOB, operation_group(requesting_user_name="alice"))
    response = dispatch(request, io.BufferedReader(_TooLarge()), context, service)
    assert response.code == status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert spooler.jobs(None, "not-completed") == []


def test_disabled_printer_refuses_jobs(call: Call, spooler: EmbeddedSpooler) -> None:
    spooler.disable_printer("print")
    assert _print(call).code == status.SERVER_ERROR_NOT_ACCEPTING_JOBS


def test_job_template_attributes_in_the_operation_group_are_honoured(call: Call,
                                                                       spooler: EmbeddedSpooler) -> None:
    response = _print(call, job_hold_until="indefinite")
    assert response.code == status.SUCCESSFUL_OK
    job = spooler.get_job("print", job_id_of(response))
    assert job.state == JOB_PENDING_HELD
    assert job.attributes.value("job-hold-until") == "indefinite"


def test_the_job_group_wins_over_the_operation_group(call: Call, spooler: EmbeddedSpooler) -> None:
    job_group = AttributeGroup()
    job_group.add("job-hold-until", "no-hold", tags.KEYWORD)
    response = _print(call, job=job_group, job_hold_until="indefinite")
    assert spooler.get_job("print", job_id_of(response)).attributes.value("job-hold-until") == "no-hold"
