"""Validate once, then route (PAPPL's ``_papplClientProcessIPP``).

:func:`dispatch` checks, in order: version, request-id, the operation group and its first two attributes,
the charset, that some printer offers the operation at the request path (RFC 8011 section 4.1.8, before
the target), the target, that its printer offers it, that the caller may run it; only then does it call
the handler registered for the operation-id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import BinaryIO

from ipp_wsgi.backends import BackendError
from ipp_wsgi.codec import Message, op_name, status, status_name, tags
from ipp_wsgi.ops.call import Call, plain
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.documents import DocumentTooLarge
from ipp_wsgi.ops.policy import JOB_OWNER_OPERATIONS
from ipp_wsgi.ops.registry import OPERATIONS, Operation, Target, enabled_operations
from ipp_wsgi.ops.reply import OpError, Reply, error_response
from ipp_wsgi.ops.service import PrinterEntry, Service
from ipp_wsgi.ops.target import resolve_target

log = logging.getLogger(__name__)

VERSIONS = frozenset({(1, 0), (1, 1), (2, 0), (2, 1), (2, 2)})
CHARSETS = frozenset({"utf-8", "us-ascii"})


def dispatch(request: Message, document: BinaryIO, context: RequestContext, service: Service,
             reusable: Callable[[Callable[[], bool]], None] | None = None) -> Message:
    """Answer ``request``: never raises for anything a client sent (a handler bug is logged and answered
    server-error-internal-error).

    ``reusable`` is called with a predicate when the answer may be given again, byte for byte (request-id
    aside), to the same request in the same context for as long as the predicate returns True
    (:attr:`Reply.valid_while`: a printer's attributes, polled over and over).
    """
    version = request.version if request.version in VERSIONS else (2, 0)
    reply = Reply(request.request_id, version)
    try:
        call = _validate(request, document, context, service, reply)
        OPERATIONS[request.code].handler(call)
    except OpError as exc:
        _fail(reply, exc.status, exc.message)
    except BackendError as exc:
        _fail(reply, exc.status, exc.message or status_name(exc.status))
    except DocumentTooLarge as exc:
        _fail(reply, status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, str(exc) or "document too large")
    except Exception:
        log.exception("%s failed", op_name(request.code))
        return error_response(request.request_id, status.SERVER_ERROR_INTERNAL_ERROR, "internal error",
                              version)
    if reusable is not None and reply.valid_while is not None:
        reusable(reply.valid_while)
    return reply.to_message()


def _fail(reply: Reply, code: int, message: str) -> None:
    reply.status = code
    reply.message = message
    reply.groups.clear()
    reply.valid_while = None


def _validate(request: Message, document: BinaryIO, context: RequestContext, service: Service,
              reply: Reply) -> Call:
    if request.version not in VERSIONS:
        raise OpError(status.SERVER_ERROR_VERSION_NOT_SUPPORTED,
                      f"IPP version {request.version[0]}.{request.version[1]} is not supported")
    if request.request_id <= 0:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "request-id must be greater than zero")
    _check_operation_group(request)
    operation = OPERATIONS.get(request.code)
    # RFC 8011 4.1.8 before 4.1.5: an operation no printer here offers is not supported, whatever it names
    _check_offered(request.code, operation, None, context, service)
    try:
        printer, job = resolve_target(request, context, service,
                                       operation.target if operation else Target.PRINTER)
    except OpError:
        _authorize(request.code, context, service)  # a caller who may not run it learns nothing of targets
        raise
    _check_offered(request.code, operation, printer, context, service)
    _authorize(request.code, context, service)
    user = str(context.remote_user or plain(request.operation.value("requesting-user-name")) or "anonymous")
    call = Call(request, context, service, reply, document, user, printer, job)
    if job is not None and request.code in JOB_OWNER_OPERATIONS:
        denied = call.may_manage(job)
        if denied is not None:
            raise OpError(denied, f"job {job.job_id} belongs to another user")
    return call


def _authorize(code: int, context: RequestContext, service: Service) -> None:
    denied = service.policy.authorize(code, context.path, context.remote_user)
    if denied is not None:
        raise OpError(denied, f"{op_name(code)} is not allowed for this user")


def _check_operation_group(request: Message) -> None:
    if not request.groups or request.groups[0][0] != tags.OPERATION_ATTRIBUTES:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "the operation attributes group must come first")
    if any(tag == tags.OPERATION_ATTRIBUTES for tag, _ in request.groups[1:]):
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "more than one operation attributes group")
    first = list(request.groups[0][1].attributes())[:2]
    names = [a.name for a in first]
    if names != ["attributes-charset", "attributes-natural-language"]:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST,
                      "attributes-charset and attributes-natural-language must be the first attributes")
    charset, language = first
    if (len(charset) != 1 or charset.tag != tags.CHARSET or len(language) != 1
            or language.tag != tags.NATURAL_LANGUAGE):
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST,
                      "bad attributes-charset or attributes-natural-language")
    if str(charset.value).lower() not in CHARSETS:
        raise OpError(status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED, f"charset {charset.value} is not supported")


def _check_offered(code: int, operation: Operation | None, printer: PrinterEntry | None,
                   context: RequestContext, service: Service) -> None:
    if operation is None or code not in enabled_operations(service, printer, context.path):
        raise OpError(status.SERVER_ERROR_OPERATION_NOT_SUPPORTED,
                      f"{op_name(code)} is not supported here")

