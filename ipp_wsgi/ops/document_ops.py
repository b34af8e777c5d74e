"""Document objects (PWG 5100.5): Get-Documents, Get-Document-Attributes, Set-Document-Attributes.

Every document of a job is delivered as part of the job, so a document's state is its job's state
(``pending`` until the job prints, ``completed`` once the job completed, ...).
"""

from __future__ import annotations

from ipp_wsgi.backends.base import JOB_CANCELED, Job, StoredDocument
from ipp_wsgi.codec import AttributeGroup, status, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.call import Call, plain
from ipp_wsgi.ops.job_attributes import add_time
from ipp_wsgi.ops.printer_description import DOCUMENT_SETTABLE
from ipp_wsgi.ops.privacy import hide_private_document_values, sees_private_values
from ipp_wsgi.ops.registry import Target, operation
from ipp_wsgi.ops.reply import OpError
from ipp_wsgi.ops.requested import DOCUMENT, Requested, select
from ipp_wsgi.ops.service import PrinterEntry
from ipp_wsgi.ops.template import check_template

_DOCUMENT_STATE_REASONS = {3: "none", 4: "none", 5: "processing-to-stop-point", 6: "none",
                           7: "document-canceled-by-user", 8: "aborted-by-system", 9: "document-completed"}
"""document-state-reasons for each job-state (the document shares it)."""


def document_attributes(call: Call, printer: PrinterEntry, job: Job,
                        document: StoredDocument) -> AttributeGroup:
    """Every attribute of one document."""
    g = AttributeGroup()
    g.add("document-number", document.number, tags.INTEGER)
    g.add("document-job-id", job.job_id, tags.INTEGER)
    g.add("document-job-uri", call.job_uri(printer, job.job_id), tags.URI)
    g.add("document-printer-uri", call.printer_uri(printer), tags.URI)
    g.add("document-name", document.name or f"{job.name} {document.number}", tags.NAME_WITHOUT_LANGUAGE)
    g.add("document-format", document.format, tags.MIME_MEDIA_TYPE)
    state = JOB_CANCELED if document.canceled else job.state  # Cancel-Document canceled it alone
    g.add("document-state", state, tags.ENUM)
    reason = _DOCUMENT_STATE_REASONS.get(state, "none")
    g.add("document-state-reasons", [reason], tags.KEYWORD)
    g.add("k-octets", document.k_octets, tags.INTEGER)
    g.add("last-document", document.number == job.documents and "job-incoming" not in job.state_reasons,
          tags.BOOLEAN)
    add_time(g, "creation", job.created)
    add_time(g, "processing", job.processing)
    add_time(g, "completed", job.completed)
    for attr in document.attributes.attributes():
        if attr.name not in g:
            g.append(attr)
    return g


def document_group(call: Call, printer: PrinterEntry, job: Job, document: StoredDocument,
                   requested: Requested) -> AttributeGroup:
    """The attributes of ``document`` the client asked for and may see (its job's privacy decides)."""
    group = select(document_attributes(call, printer, job, document), requested, DOCUMENT)
    if not sees_private_values(call, printer.description, job):
        hide_private_document_values(group, printer.description)
    return group


@operation(ops.GET_DOCUMENTS, Target.JOB, "documents")
def get_documents(call: Call) -> None:
    """The documents of a job, as requested (by default document-number and document-state)."""
    printer, job = call.target_printer, call.target_job
    requested = call.requested(("document-number", "document-state"))
    limit = call.arg("limit")
    documents = printer.backend.documents(printer.name, job.job_id)
    if isinstance(limit, int) and limit > 0:
        documents = documents[:limit]
    for document in documents:
        group = document_group(call, printer, job, document, requested)
        call.reply.add_group(tags.DOCUMENT_ATTRIBUTES, group)


def _document_number(call: Call) -> int:
    number = call.operation.get("document-number")
    if number is None:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing document-number")
    if len(number) != 1 or number.tag != tags.INTEGER:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "bad document-number")
    return int(number.value)


@operation(ops.GET_DOCUMENT_ATTRIBUTES, Target.JOB, "documents")
def get_document_attributes(call: Call) -> None:
    """The attributes of document ``document-number`` of a job."""
    printer, job = call.target_printer, call.target_job
    number = _document_number(call)
    found = [d for d in printer.backend.documents(printer.name, job.job_id) if d.number == number]
    if not found:
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"job {job.job_id} has no document {number}")
    call.reply.add_group(tags.DOCUMENT_ATTRIBUTES,
                         document_group(call, printer, job, found[0], call.requested()))


@operation(ops.SET_DOCUMENT_ATTRIBUTES, Target.JOB, "set_document_attributes")
def set_document_attributes(call: Call) -> None:
    """Change document-name or template attributes of a waiting job's document: all or none."""
    printer, job = call.target_printer, call.target_job
    number = _document_number(call)
    changes = call.request.group(tags.DOCUMENT_ATTRIBUTES)
    accepted, unsupported = check_template(changes, printer.description, DOCUMENT_SETTABLE)
    if unsupported or not len(accepted):
        for attr in unsupported:
            call.reply.add_unsupported(attr)
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, "nothing settable to set")
    if "document-name" in accepted:
        accepted["document-name"] = str(plain(accepted.value("document-name")))
    printer.backend.set_document_attributes(printer.name, job.job_id, number, accepted)
