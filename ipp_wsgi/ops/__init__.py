"""IPP operations: one function per operation, registered by operation-id, behind one dispatcher.

``dispatch(request, document, context, service)`` validates a request once and routes it to its handler
(:mod:`~ipp_wsgi.ops.submit`, :mod:`~ipp_wsgi.ops.job_ops`, :mod:`~ipp_wsgi.ops.printer_ops`).
"""

from __future__ import annotations

from ipp_wsgi.ops import admin_ops, document_ops, job_ops, printer_ops, submit, subscriptions
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.dispatcher import dispatch
from ipp_wsgi.ops.documents import DocumentTooLarge
from ipp_wsgi.ops.policy import Location, Policy
from ipp_wsgi.ops.printer_description import PrinterDescription
from ipp_wsgi.ops.reply import error_response
from ipp_wsgi.ops.service import PrinterConfig, PrinterEntry, Service

__all__ = [
    "DocumentTooLarge",
    "Location",
    "Policy",
    "PrinterConfig",
    "PrinterDescription",
    "PrinterEntry",
    "RequestContext",
    "Service",
    "admin_ops",
    "dispatch",
    "document_ops",
    "error_response",
    "job_ops",
    "printer_ops",
    "submit",
    "subscriptions",
]
