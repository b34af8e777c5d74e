"""Which printer or job a request targets: ``printer-uri``, ``job-uri``, or ``printer-uri`` + ``job-id``.

Printer URIs resolve by path whatever their host (CUPS clients say ``localhost``); job URIs are
``<printer-uri>/<job-id>`` (what this server hands out) or CUPS's ``/jobs/<job-id>``. ``/`` (and
``/printers``, ``/jobs``) names the server: every printer.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ipp_wsgi.backends import Backend, BackendError, Job
from ipp_wsgi.codec import Message, status, tags
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.registry import Target
from ipp_wsgi.ops.reply import OpError
from ipp_wsgi.ops.service import PrinterEntry, Service

_URI_SCHEMES = frozenset({"ipp", "ipps", "http", "https"})
_SERVER_PATHS = frozenset({"", "/printers", "/classes", "/jobs"})


def uri_path(uri: object, context: RequestContext) -> str:
    """The path of ``uri`` below the mount prefix (``/ipp/print``, ``/jobs/3``, ``/``)."""
    if not isinstance(uri, str):
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "bad target URI")
    try:
        parts = urlsplit(uri)
    except ValueError as exc:  # an unbalanced '[' or ']' in the host
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, "not a URI of this server") from exc
    if parts.scheme.lower() not in _URI_SCHEMES:
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"{uri} is not a URI of this server")
    path = unquote(parts.path) or "/"
    prefix = urlsplit(context.base_uri).path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    return path


def resolve_target(request: Message, context: RequestContext, service: Service,
                    target: Target) -> tuple[PrinterEntry | None, Job | None]:
    op = request.operation
    if target is Target.JOB:
        return _resolve_job(request, context, service)
    printer_uri = op.value("printer-uri")
    if printer_uri is None:
        if target is Target.SERVER:
            return None, None
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing printer-uri")
    path = uri_path(printer_uri, context)
    if target is Target.SERVER and path.rstrip("/") in _SERVER_PATHS:
        return None, None
    printer = service.printer_for_path(path)
    if printer is None:
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"no printer at {printer_uri}")
    return printer, None


def _resolve_job(request: Message, context: RequestContext,
                 service: Service) -> tuple[PrinterEntry | None, Job | None]:
    op = request.operation
    job_uri = op.value("job-uri")
    if job_uri is not None:
        path = uri_path(job_uri, context)
        head, _, tail = path.rstrip("/").rpartition("/")
        if not tail.isdigit():
            raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"no job at {job_uri}")
        printer = None if head == "/jobs" else service.printer_for_path(head)
        if printer is None and head != "/jobs":
            raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"no job at {job_uri}")
        return _find_job(service, printer, int(tail))
    printer_uri, job_id = op.value("printer-uri"), op.value("job-id")
    if printer_uri is None or job_id is None:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing job-uri, or printer-uri and job-id")
    if op["job-id"].tag != tags.INTEGER or job_id <= 0:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "bad job-id")
    path = uri_path(printer_uri, context)
    printer = service.printer_for_path(path)
    if printer is None and path.rstrip("/") not in _SERVER_PATHS:
        raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"no printer at {printer_uri}")
    return _find_job(service, printer, job_id)


def _find_job(service: Service, printer: PrinterEntry | None,
              job_id: int) -> tuple[PrinterEntry | None, Job | None]:
    backends: list[Backend] = [printer.backend] if printer is not None else service.backends
    for backend in backends:
        try:
            job = backend.get_job(printer.name if printer is not None else None, job_id)
        except BackendError as exc:
            if exc.status == status.CLIENT_ERROR_NOT_FOUND:
                continue
            raise
        owner = service.printer(job.printer)
        if owner is not None:
            return owner, job
    raise OpError(status.CLIENT_ERROR_NOT_FOUND, f"job {job_id} does not exist")
