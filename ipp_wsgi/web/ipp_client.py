"""IPP operations run for a browser: the request an IPP client would send, through the operation layer.

Every page reads printers and jobs, and every action changes them, by building the IPP request of the
operation and running it through :func:`ipp_wsgi.ops.dispatch` with the browser request's own
:class:`~ipp_wsgi.ops.context.RequestContext` (its ``REMOTE_USER``, address and path). So the pages obey the
policy, the job owners' rights and the job privacy rules exactly as the IPP operations do: a page shows what
Get-Jobs would answer that user, and an action does what the operation would do, or is refused with the
operation's status.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ipp_wsgi.codec import AttributeGroup, Message, status, status_name, tags
from ipp_wsgi.ops import dispatch
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.service import PrinterEntry, Service

_REQUEST_IDS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Answer:
    """The response to one operation."""

    message: Message

    @property
    def status(self) -> int:
        """The IPP status code."""
        return self.message.code

    @property
    def ok(self) -> bool:
        """True for a successful-ok* status."""
        return self.message.code < 0x0100

    @property
    def text(self) -> str:
        """status-message, else the status's registry name."""
        message = self.message.operation.value("status-message")
        return str(message) if message else status_name(self.message.code)

    def groups(self, tag: int) -> list[AttributeGroup]:
        """The response's groups of ``tag`` (job, printer, document, event...)."""
        return self.message.groups_of(tag)


class IppClient:
    """Runs operations as the caller of one browser request."""

    def __init__(self, service: Service, context: RequestContext) -> None:
        self.service = service
        self.context = context

    def printer_uri(self, printer: PrinterEntry | None) -> str:
        """The printer's URI, or the server's (every printer) for None."""
        return self.context.base_uri + (printer.path if printer is not None else "/")

    def job_uri(self, job_id: int) -> str:
        """A job URI that names the job whatever its printer (CUPS's ``/jobs/N``)."""
        return f"{self.context.base_uri}/jobs/{job_id}"

    def run(self, operation: int, target: dict[str, Any], attributes: Iterable[tuple[str, Any, int]] = (),
            groups: Iterable[tuple[int, AttributeGroup]] = ()) -> Answer:
        """Run ``operation`` on ``target`` (``printer-uri`` or ``job-uri`` and its other operation attributes,
        names to values, tags guessed as the codec does) with further operation ``attributes`` (name, value,
        tag) and ``groups`` (job or printer attributes to set)."""
        request = Message(operation, next(_REQUEST_IDS) % 0x7FFFFFFF + 1, (2, 0))
        group = request.operation
        group.add("attributes-charset", "utf-8", tags.CHARSET)
        group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
        for name, value in target.items():
            group.add(name, value, tags.URI if name.endswith("-uri") else tags.INTEGER)
        if self.context.remote_user:
            group.add("requesting-user-name", self.context.remote_user, tags.NAME_WITHOUT_LANGUAGE)
        for name, value, tag in attributes:
            group.add(name, value, tag)
        for tag, extra in groups:
            request.add_group(tag, extra)
        return Answer(dispatch(request, io.BytesIO(b""), self.context, self.service))

    def on_printer(self, operation: int, printer: PrinterEntry | None,
                   attributes: Iterable[tuple[str, Any, int]] = (),
                   groups: Iterable[tuple[int, AttributeGroup]] = ()) -> Answer:
        """``operation`` on ``printer`` (the server, every printer, for None)."""
        return self.run(operation, {"printer-uri": self.printer_uri(printer)}, attributes, groups)

    def on_job(self, operation: int, job_id: int, attributes: Iterable[tuple[str, Any, int]] = (),
               groups: Iterable[tuple[int, AttributeGroup]] = ()) -> Answer:
        """``operation`` on job ``job_id``."""
        return self.run(operation, {"job-uri": self.job_uri(job_id)}, attributes, groups)


def requested(*names: str) -> tuple[str, list[str], int]:
    """A requested-attributes operation attribute."""
    return ("requested-attributes", list(names), tags.KEYWORD)


def keyword(name: str, value: str) -> tuple[str, str, int]:
    """A keyword operation attribute."""
    return (name, value, tags.KEYWORD)


def integer(name: str, value: int) -> tuple[str, int, int]:
    """An integer operation attribute."""
    return (name, value, tags.INTEGER)


NOT_FOUND = status.CLIENT_ERROR_NOT_FOUND
