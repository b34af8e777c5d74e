"""The ``ipp`` output: the document sent to a network IPP/IPPS printer, whose job is followed to its end.

Create-Job + Send-Document when the printer lists both in operations-supported, else Print-Job; the
request streams with chunked encoding (never the whole document in memory). The printer's job is then
polled with Get-Job-Attributes until it ends; cancelling our job cancels it there.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from ipp_wsgi.backends.base import JOB_ABORTED, JOB_CANCELED, JOB_COMPLETED, TERMINAL_JOB_STATES
from ipp_wsgi.backends.embedded.delivery import Delivery, DeliveryError, DeliveryStopped, Progress
from ipp_wsgi.backends.embedded.outputs_net import CONNECTING, OFFLINE, network_error
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.codec import AttributeGroup, IppDecodeError, Message, decode, encode, operations, status, tags
from ipp_wsgi.codec import status_name as _status_name

POLL_SECONDS = 0.5
OCTET_STREAM = "application/octet-stream"
_MAX_RESPONSE_BYTES = 1024 * 1024
_request_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class IppTarget:
    """Where requests go: the printer-uri, and the host, port, path and TLS of its HTTP requests."""

    uri: str
    host: str
    port: int
    path: str
    tls: bool

    @classmethod
    def parse(cls, uri: str) -> IppTarget:
        """The target of an ``ipp://`` or ``ipps://`` device-uri (port 631 by default)."""
        parts = urlsplit(uri)
        assert parts.hostname is not None
        return cls(uri, parts.hostname, parts.port or 631, parts.path or "/", parts.scheme == "ipps")


class IppDevice:
    """A network IPP printer spoken to with our codec and :mod:`http.client`, one connection per request."""

    def __init__(self, target: IppTarget, timeout: float, progress: Progress) -> None:
        self.target = target
        self.timeout = timeout
        self.progress = progress

    def request(self, operation: int, owner: str, attributes: dict[str, tuple[int, object]],
                document: Delivery | None = None) -> Message:
        """Send one request (with ``document``'s data after it, streamed) and return the decoded response.

        Network failures, HTTP errors and undecodable answers are retryable :class:`DeliveryError` s;
        an IPP error status is one too when it is a server error, else final.
        """
        message = Message(operation, next(_request_ids), (2, 0))
        group = message.operation
        group.add("attributes-charset", "utf-8", tag=tags.CHARSET)
        group.add("attributes-natural-language", "en", tag=tags.NATURAL_LANGUAGE)
        group.add("printer-uri", self.target.uri, tag=tags.URI)
        group.add("requesting-user-name", owner or "anonymous", tag=tags.NAME_WITHOUT_LANGUAGE)
        for name, (tag, value) in attributes.items():
            group.add(name, value, tag=tag)
        where = f"{self.target.host}:{self.target.port}"
        connection = self._connection()
        try:
            connection.request("POST", self.target.path, body=self._body(encode(message), document),
                               headers={"Content-Type": "application/ipp"}, encode_chunked=True)
            response = connection.getresponse()
            data = response.read(_MAX_RESPONSE_BYTES)
        except OSError as exc:
            raise network_error(f"IPP request to {where} failed", exc) from exc
        except http.client.HTTPException as exc:
            raise DeliveryError(f"bad HTTP answer from {where}: {exc!r}", retryable=True) from exc
        finally:
            connection.close()
        if response.status != 200:
            raise DeliveryError(f"{where} answered HTTP {response.status} {response.reason}", retryable=True)
        try:
            answer = decode(data)
        except IppDecodeError as exc:
            raise DeliveryError(f"{where} sent a bad IPP answer: {exc}", retryable=True) from exc
        if answer.code >= 0x0100:
            text = answer.operation.value("status-message", "")
            said = f"the printer answered {_status_name(answer.code)}" + (f": {text}" if text else "")
            raise DeliveryError(said, retryable=answer.code >= 0x0500, device_fault=answer.code >= 0x0500)
        return answer

    def _connection(self) -> http.client.HTTPConnection:
        if self.target.tls:
            return http.client.HTTPSConnection(self.target.host, self.target.port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(self.target.host, self.target.port, timeout=self.timeout)

    def _body(self, header: bytes, document: Delivery | None) -> Iterator[bytes]:
        yield header
        if document is None:
            return
        yield from document.chunks(self.progress.check)


CAPABILITIES = (
    "document-format-supported", "document-format-default", "color-supported", "sides-supported",
    "sides-default", "media-supported", "media-default", "media-ready", "media-source-supported",
    "media-type-supported", "pwg-raster-document-resolution-supported",
)
"""What :func:`printer_capabilities` asks the printer for: what the server may advertise of it."""


def printer_capabilities(device_uri: str, timeout: float) -> AttributeGroup:
    """What the IPP printer at ``device_uri`` says of its :data:`CAPABILITIES` (Get-Printer-Attributes);
    :class:`DeliveryError` when it cannot be asked or does not answer."""
    device = IppDevice(IppTarget.parse(device_uri), timeout, Progress(lambda: False))
    answer = device.request(operations.GET_PRINTER_ATTRIBUTES, "ipp-wsgi", {
        "requested-attributes": (tags.KEYWORD, list(CAPABILITIES))})
    if answer.printer is None:
        raise DeliveryError("the printer answered no printer attributes")
    return answer.printer


def to_ipp(printer: EmbeddedPrinter, item: Delivery, progress: Progress) -> None:
    """Print ``item`` on the IPP printer of ``printer.device_uri`` and wait until its job ends there."""
    device = IppDevice(IppTarget.parse(printer.device_uri), printer.device_timeout, progress)
    where = f"{device.target.host}:{device.target.port}"
    progress.report([CONNECTING], f"Connecting to {where}.")
    capabilities = device.request(operations.GET_PRINTER_ATTRIBUTES, item.owner, {
        "requested-attributes": (tags.KEYWORD, ["operations-supported", "document-format-supported"]),
    }).printer or AttributeGroup()
    progress.report([], f"Sending to {where}.")
    format_ = pick_document_format(item.format, capabilities)
    job = _job_attributes(item)
    supported = set(capabilities.get("operations-supported") or ())
    if {operations.CREATE_JOB, operations.SEND_DOCUMENT} <= supported:
        job_id = _job_id(device.request(operations.CREATE_JOB, item.owner, job))
        try:
            device.request(operations.SEND_DOCUMENT, item.owner, {
                "job-id": (tags.INTEGER, job_id), "document-format": (tags.MIME_MEDIA_TYPE, format_),
                "last-document": (tags.BOOLEAN, True),
            }, item)
        except (DeliveryError, DeliveryStopped):
            _cancel(device, item.owner, job_id)
            raise
    else:
        job_id = _job_id(device.request(operations.PRINT_JOB, item.owner, {
            **job, "document-format": (tags.MIME_MEDIA_TYPE, format_)}, item))
    _follow(device, item, job_id, printer.retry.attempts)


def pick_document_format(wanted: str, capabilities: AttributeGroup) -> str:
    """``wanted`` when the printer lists it (or lists nothing), else octet-stream (auto-sense) if it can."""
    listed = set(capabilities.get("document-format-supported") or ())
    if not listed or wanted in listed:
        return wanted
    if OCTET_STREAM in listed:
        return OCTET_STREAM
    raise DeliveryError(f"the printer does not print {wanted}"
                        f" ({_status_name(status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED)})",
                        device_fault=False)


def _job_attributes(item: Delivery) -> dict[str, tuple[int, object]]:
    name = item.document_name or item.job_name or f"job {item.job_id}"
    return {"job-name": (tags.NAME_WITHOUT_LANGUAGE, name)}


def _job_id(answer: Message) -> int:
    job_id = (answer.job or AttributeGroup()).value("job-id")
    if not isinstance(job_id, int):
        raise DeliveryError("the printer did not say which job it created", retryable=True)
    return job_id


def _follow(device: IppDevice, item: Delivery, job_id: int, patience: int) -> None:
    """Poll the printer's job until it ends; our cancellation cancels it. The document has arrived, so a
    printer that stops answering ``patience`` times in a row is left alone rather than sent the job again."""
    failures = 0
    wanted = ["job-state", "job-state-reasons", "job-state-message"]
    requested = {"job-id": (tags.INTEGER, job_id), "requested-attributes": (tags.KEYWORD, wanted)}
    while True:
        if device.progress.stopped():
            _cancel(device, item.owner, job_id)
            raise DeliveryStopped
        try:
            job = device.request(operations.GET_JOB_ATTRIBUTES, item.owner, requested).job or AttributeGroup()
        except DeliveryError as exc:
            failures += 1
            device.progress.report([OFFLINE], f"Printer job {job_id}: {exc}")
            if not exc.retryable or failures >= patience:
                return
        else:
            failures = 0
            state = job.value("job-state")
            reasons = ", ".join(job.get("job-state-reasons") or ())
            device.progress.report([], f"Printer job {job_id}: {job.value('job-state-message') or reasons}")
            if state in TERMINAL_JOB_STATES:
                if state == JOB_COMPLETED:
                    return
                what = "aborted" if state == JOB_ABORTED else "canceled" if state == JOB_CANCELED else "ended"
                raise DeliveryError(f"the printer {what} its job {job_id} ({reasons or 'no reason given'})",
                                    device_fault=False)
        time.sleep(POLL_SECONDS)


def _cancel(device: IppDevice, owner: str, job_id: int) -> None:
    """Cancel the printer's job, as far as it can still be reached."""
    with contextlib.suppress(DeliveryError):
        device.request(operations.CANCEL_JOB, owner, {"job-id": (tags.INTEGER, job_id)})
