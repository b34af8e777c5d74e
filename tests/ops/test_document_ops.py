"""Document objects (PWG 5100.5): Get-Documents and Get-Document-Attributes of multi-document jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ops_helpers import PRINTER_URI, Call, job_id_of, make_request, operation_group

from ipp_wsgi.backends.base import JOB_CANCELED, JOB_COMPLETED, JOB_PENDING
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, Message, operations, status, tags


def _two_document_job(call: Call) -> int:
    create = make_request(operations.CREATE_JOB, operation_group(requesting_user_name="alice"))
    job_id = job_id_of(call(create))
    for name, last, data in (("first", False, b"one"), ("second", True, b"two" * 1000)):
        group = operation_group(job_id=job_id, requesting_user_name="alice", last_document=last,
                                document_name=name, document_format="application/pdf")
        assert call(make_request(operations.SEND_DOCUMENT, group), data).code == status.SUCCESSFUL_OK
    return job_id


def _documents(call: Call, job_id: int, **attrs: Any) -> Message:
    return call(make_request(operations.GET_DOCUMENTS, operation_group(job_id=job_id, **attrs)))


def test_get_documents_lists_each_document(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _two_document_job(call)
    response = _documents(call, job_id)
    assert response.code == status.SUCCESSFUL_OK
    groups = response.groups_of(tags.DOCUMENT_ATTRIBUTES)
    assert [(g.value("document-number"), g.value("document-state")) for g in groups] == [
        (1, JOB_PENDING), (2, JOB_PENDING)]
    assert all(set(g.names()) == {"document-number", "document-state"} for g in groups)

    spooler.process_pending()
    everything = _documents(call, job_id, requested_attributes="all").groups_of(tags.DOCUMENT_ATTRIBUTES)
    first, second = everything
    assert first.value("document-name") == "first" and second.value("document-name") == "second"
    assert (first.value("document-state"), first["document-state-reasons"].values) == (
        JOB_COMPLETED, ["document-completed"])
    assert first.value("document-job-uri") == f"{PRINTER_URI}/{job_id}"
    assert first.value("document-format") == "application/pdf"
    assert (first.value("k-octets"), second.value("k-octets")) == (1, 3)
    assert (first.value("last-document"), second.value("last-document")) == (False, True)


def test_get_document_attributes(call: Call) -> None:
    job_id = _two_document_job(call)
    group = operation_group(job_id=job_id, document_number=2)
    response = call(make_request(operations.GET_DOCUMENT_ATTRIBUTES, group))
    document = response.group(tags.DOCUMENT_ATTRIBUTES)
    assert document is not None and document.value("document-name") == "second"
    missing = operation_group(job_id=job_id, document_number=3)
    assert call(make_request(operations.GET_DOCUMENT_ATTRIBUTES, missing)).code == \
        status.CLIENT_ERROR_NOT_FOUND
    no_number = operation_group(job_id=job_id)
    assert call(make_request(operations.GET_DOCUMENT_ATTRIBUTES, no_number)).code == \
        status.CLIENT_ERROR_BAD_REQUEST


def _set_document(call: Call, job_id: int, number: int, changes: AttributeGroup,
                  user: str = "alice") -> Message:
    request = make_request(operations.SET_DOCUMENT_ATTRIBUTES,
                           operation_group(job_id=job_id, document_number=number, requesting_user_name=user))
    request.groups.append((tags.DOCUMENT_ATTRIBUTES, changes))
    return call(request)


def test_set_document_attributes(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _two_document_job(call)
    changes = AttributeGroup()
    changes.add("document-name", "renamed", tags.NAME_WITHOUT_LANGUAGE)
    changes.add("copies", 2, tags.INTEGER)
    assert _set_document(call, job_id, 2, changes).code == status.SUCCESSFUL_OK
    group = operation_group(job_id=job_id, document_number=2)
    document = call(make_request(operations.GET_DOCUMENT_ATTRIBUTES, group)).group(tags.DOCUMENT_ATTRIBUTES)
    assert document is not None
    assert (document.value("document-name"), document.value("copies")) == ("renamed", 2)

    assert _set_document(call, job_id, 1, changes, user="bob").code == status.CLIENT_ERROR_NOT_AUTHENTICATED
    unknown = AttributeGroup()
    unknown.add("document-format", "text/plain", tags.MIME_MEDIA_TYPE)
    refused = _set_document(call, job_id, 1, unknown)
    assert refused.code == status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert _set_document(call, job_id, 9, changes).code == status.CLIENT_ERROR_NOT_FOUND
    spooler.process_pending()
    assert _set_document(call, job_id, 1, changes).code == status.CLIENT_ERROR_NOT_POSSIBLE


def _cancel_document(call: Call, job_id: int, number: int | None, user: str = "alice") -> Message:
    numbered = {} if number is None else {"document_number": number}
    group = operation_group(job_id=job_id, requesting_user_name=user, **numbered)
    return call(make_request(operations.CANCEL_DOCUMENT, group))


def _states(call: Call, job_id: int) -> list[tuple[int, list[str]]]:
    groups = _documents(call, job_id, requested_attributes="all").groups_of(tags.DOCUMENT_ATTRIBUTES)
    return [(g.value("document-state"), list(g["document-state-reasons"].values)) for g in groups]


def test_cancel_document_skips_it_when_the_job_prints(call: Call, spooler: EmbeddedSpooler,
                                                      spool_dir: Path) -> None:
    job_id = _two_document_job(call)
    assert _cancel_document(call, job_id, 1, user="bob").code == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert _cancel_document(call, job_id, None).code == status.CLIENT_ERROR_BAD_REQUEST
    assert _cancel_document(call, job_id, 3).code == status.CLIENT_ERROR_NOT_FOUND
    assert _cancel_document(call, job_id, 1).code == status.SUCCESSFUL_OK
    assert _cancel_document(call, job_id, 1).code == status.CLIENT_ERROR_NOT_POSSIBLE  # already canceled
    assert _states(call, job_id) == [(JOB_CANCELED, ["document-canceled-by-user"]), (JOB_PENDING, ["none"])]

    assert spooler.process_pending() == 1
    assert sorted(p.name for p in (spool_dir / "output" / "print").iterdir()) == [f"{job_id}-2.pdf"]
    assert _states(call, job_id) == [(JOB_CANCELED, ["document-canceled-by-user"]),
                                     (JOB_COMPLETED, ["document-completed"])]
    assert _cancel_document(call, job_id, 2).code == status.CLIENT_ERROR_NOT_POSSIBLE  # the job ended


def test_canceling_the_last_document_left_cancels_the_job(call: Call, spooler: EmbeddedSpooler) -> None:
    job_id = _two_document_job(call)
    for number in (2, 1):
        assert _cancel_document(call, job_id, number).code == status.SUCCESSFUL_OK
    job = call(make_request(operations.GET_JOB_ATTRIBUTES, operation_group(job_id=job_id))).job
    assert job is not None and job.value("job-state") == JOB_CANCELED
    assert spooler.process_pending() == 0
