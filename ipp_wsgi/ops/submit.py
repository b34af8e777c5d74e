"""Job submission: Print-Job, Validate-Job, Create-Job, Send-Document, Close-Job."""

from __future__ import annotations

from typing import BinaryIO

from ipp_wsgi.backends import Document, Job, JobRequest
from ipp_wsgi.codec import AttributeGroup, status, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.documents import COMPRESSIONS, open_document, peek_has_data
from ipp_wsgi.ops.job_attributes import add_job_reply
from ipp_wsgi.ops.printer_description import JOB_TEMPLATE
from ipp_wsgi.ops.registry import Target, operation
from ipp_wsgi.ops.reply import OpError
from ipp_wsgi.ops.service import PrinterEntry
from ipp_wsgi.ops.subscriptions import add_job_subscriptions, subscription_requests
from ipp_wsgi.ops.template import check_template

CUPS_RAW = "application/vnd.cups-raw"
OCTET_STREAM = "application/octet-stream"


def _reject_unsupported_value(call: Call, name: str, code: int, what: str) -> OpError:
    attr = call.operation[name]
    call.reply.add_unsupported(attr)
    return OpError(code, f"{what} {attr.value!r} is not supported")


def document_format(call: Call, printer: PrinterEntry) -> str:
    """The request's document-format (the printer's default when absent), checked; CUPS's raw format is
    taken as application/octet-stream where the printer takes that."""
    fmt = call.arg("document-format")
    if fmt is None:
        return str(printer.description.value("document-format-default"))
    supported = printer.description["document-format-supported"].values
    if fmt == CUPS_RAW and fmt not in supported and OCTET_STREAM in supported:
        return OCTET_STREAM  # lp -o raw: the bytes as they are, what application/octet-stream means here
    if fmt not in supported:
        raise _reject_unsupported_value(call, "document-format",
                                        status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED, "document-format")
    return str(fmt)


def compression(call: Call) -> str:
    """The request's compression (``none`` when absent), checked."""
    value = call.arg("compression", "none")
    if value not in COMPRESSIONS:
        raise _reject_unsupported_value(call, "compression", status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED,
                                        "compression")
    return str(value)


def template_attributes(call: Call) -> AttributeGroup:
    """The request's job template attributes: its job group, plus job template attributes a client put in
    the operation group (as ipptool's print-job-hold.test does with job-hold-until; CUPS honours them too).
    The job group wins where both name one."""
    job = call.request.job
    misplaced = [a for a in call.operation.attributes() if a.name in JOB_TEMPLATE]
    if not misplaced:
        return job if job is not None else AttributeGroup()
    merged = AttributeGroup(misplaced)
    for attr in job.attributes() if job is not None else ():
        merged.append(attr)
    return merged


def job_request(call: Call, printer: PrinterEntry) -> JobRequest:
    """The checked job-creation request: unsupported job template attributes are reported (and refused
    when ``ipp-attribute-fidelity`` is true)."""
    accepted, unsupported = check_template(template_attributes(call), printer.description)
    for attr in unsupported:
        call.reply.add_unsupported(attr)
    if unsupported and call.arg("ipp-attribute-fidelity") is True:
        raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                      "unsupported job attributes with ipp-attribute-fidelity")
    name = call.arg("job-name") or call.arg("document-name") or "Untitled"
    subscriptions = subscription_requests(call, printer, None) if _subscribes(call, printer) else []
    return JobRequest(owner=call.user, name=str(name), origin_host=call.context.remote_addr,
                      attributes=accepted, subscriptions=[r for r, _ in subscriptions if r is not None],
                      owner_authenticated=call.context.remote_user is not None,
                      request_id=call.context.request_id)


def _subscribes(call: Call, printer: PrinterEntry) -> bool:
    """True when the request carries subscription templates and the backend keeps subscriptions."""
    if not call.request.groups_of(tags.SUBSCRIPTION_ATTRIBUTES):
        return False
    if not printer.backend.supports("create_subscription"):
        raise OpError(status.SERVER_ERROR_OPERATION_NOT_SUPPORTED, "this printer keeps no subscriptions")
    return True


def _reply(call: Call, printer: PrinterEntry, job: Job) -> None:
    """The job group of a job-creation response, then a subscription group per subscription template."""
    add_job_reply(call, printer, job)
    if _subscribes(call, printer):
        add_job_subscriptions(call, printer, job.job_id, subscription_requests(call, printer, job.job_id))


def _document(call: Call, fmt: str) -> Document:
    return Document(format=fmt, name=str(call.arg("document-name") or ""))


def _data(call: Call, source: BinaryIO, coding: str) -> BinaryIO:
    """The document stream, decompressed and bounded by the configured maximum document size."""
    return open_document(source, coding, call.context.max_document_bytes)


@operation(ops.PRINT_JOB, Target.PRINTER, "submit_job")
def print_job(call: Call) -> None:
    """Create a job with one document read from the request body."""
    printer = call.target_printer
    fmt, coding = document_format(call, printer), compression(call)
    request = job_request(call, printer)
    data = _data(call, call.document, coding)
    _reply(call, printer, printer.backend.submit_job(printer.name, request, data, _document(call, fmt)))


@operation(ops.VALIDATE_JOB, Target.PRINTER)
def validate_job(call: Call) -> None:
    """Check a job-creation request without creating anything."""
    printer = call.target_printer
    document_format(call, printer)
    compression(call)
    request = job_request(call, printer)
    if printer.backend.supports("validate_job"):
        printer.backend.validate_job(printer.name, request)


@operation(ops.CREATE_JOB, Target.PRINTER, "create_job", "add_document")
def create_job(call: Call) -> None:
    """Create a job that will receive its documents through Send-Document."""
    printer = call.target_printer
    job = printer.backend.create_job(printer.name, job_request(call, printer))
    _reply(call, printer, job)


@operation(ops.SEND_DOCUMENT, Target.JOB, "add_document", "close_job")
def send_document(call: Call) -> None:
    """Add a document to a job created by Create-Job (``last-document`` closes it)."""
    printer, job = call.target_printer, call.target_job
    last = call.arg("last-document")
    if not isinstance(last, bool):
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing or bad last-document")
    fmt, coding = document_format(call, printer), compression(call)
    has_data, raw = peek_has_data(call.document)
    if not has_data and last:
        job = printer.backend.close_job(printer.name, job.job_id)
    else:
        data = _data(call, raw, coding)
        job = printer.backend.add_document(printer.name, job.job_id, data, _document(call, fmt), last)
    add_job_reply(call, printer, job)


@operation(ops.CLOSE_JOB, Target.JOB, "close_job")
def close_job(call: Call) -> None:
    """Close a job: no more documents will come."""
    printer = call.target_printer
    job = printer.backend.close_job(printer.name, call.target_job.job_id)
    add_job_reply(call, printer, job)
