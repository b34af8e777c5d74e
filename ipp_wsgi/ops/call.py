"""One operation call: the request, its resolved target, the caller and the response being built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from ipp_wsgi.backends import Job
from ipp_wsgi.codec import AttributeGroup, Message, NameWithLanguage, TextWithLanguage, status, tags
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.reply import OpError, Reply
from ipp_wsgi.ops.requested import Requested, parse_requested
from ipp_wsgi.ops.service import PrinterEntry, Service


def plain(value: Any) -> Any:
    """A text or name value without its language (``TextWithLanguage`` -> ``str``)."""
    if isinstance(value, TextWithLanguage):
        return value.text
    if isinstance(value, NameWithLanguage):
        return value.name
    return value


class Owned(Protocol):
    """An object with an owner (a :class:`~ipp_wsgi.backends.Job`, a subscription)."""

    @property
    def owner(self) -> str: ...
    @property
    def owner_authenticated(self) -> bool: ...


@dataclass(slots=True)
class Call:
    """Everything a handler needs; built by the dispatcher after the request passed validation."""

    request: Message
    context: RequestContext
    service: Service
    reply: Reply
    document: BinaryIO
    user: str
    """The caller's identity: REMOTE_USER, else requesting-user-name, else "anonymous"."""
    printer: PrinterEntry | None = None
    """The target printer (None: the server, all printers)."""
    job: Job | None = None
    """The target job of a job operation."""

    def owns(self, owned: Owned) -> bool:
        """True when the caller is the owner of ``owned`` (a job or a subscription; authenticated, if the
        owner was when making it)."""
        return self.service.policy.owns_job(owned.owner, self.user, self.context.remote_user,
                                            owned.owner_authenticated)

    def may_manage(self, owned: Owned) -> int | None:
        """None when the caller may act on ``owned`` (a job or a subscription: its owner or an
        administrator), else the error status."""
        return self.service.policy.may_manage_job(owned.owner, self.user, self.context.remote_user,
                                                  owned.owner_authenticated)

    @property
    def operation(self) -> AttributeGroup:
        """The request's operation attributes."""
        return self.request.operation

    def arg(self, name: str, default: Any = None) -> Any:
        """The first value of operation attribute ``name`` (language stripped), or ``default``."""
        return plain(self.operation.value(name, default))

    def positive_integer(self, name: str) -> int | None:
        """Operation attribute ``name`` as one positive integer (a job-id, limit, ...), None when absent.

        Any other value is reported in the unsupported group and answered
        client-error-attributes-or-values-not-supported.
        """
        attr = self.operation.get(name)
        if attr is None:
            return None
        if len(attr) != 1 or attr.tag != tags.INTEGER or attr.value < 1:
            self.reply.add_unsupported(attr)
            raise OpError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, f"bad {name}")
        return int(attr.value)

    def requested(self, default: tuple[str, ...] = ("all",)) -> Requested:
        """The requested-attributes of the request."""
        attr = self.operation.get("requested-attributes")
        if attr is not None and any(tag != tags.KEYWORD for tag in attr.tags):
            raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "requested-attributes must be keywords")
        return parse_requested(list(attr.values) if attr is not None else None, default)

    @property
    def target_printer(self) -> PrinterEntry:
        """The target printer of a printer operation (the dispatcher guarantees one)."""
        if self.printer is None:
            raise OpError(status.CLIENT_ERROR_NOT_FOUND, "no such printer")
        return self.printer

    @property
    def target_job(self) -> Job:
        """The target job of a job operation (the dispatcher guarantees one)."""
        if self.job is None:
            raise OpError(status.CLIENT_ERROR_NOT_FOUND, "no such job")
        return self.job

    # -- URIs, all built from the address the client used
    def printer_uri(self, entry: PrinterEntry) -> str:
        """printer-uri-supported of ``entry``."""
        return self.context.base_uri + entry.path

    def job_uri(self, entry: PrinterEntry, job_id: int) -> str:
        """The job-uri of job ``job_id`` of ``entry``: the printer URI followed by ``/job-id``."""
        return f"{self.printer_uri(entry)}/{job_id}"

    def http_uri(self, path: str) -> str:
        """An http(s) URL of ``path`` on the same host (printer-more-info, printer-icons)."""
        scheme, sep, rest = self.context.base_uri.partition("://")
        return ("https" if scheme == "ipps" else "http") + sep + rest + path
