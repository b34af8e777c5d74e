"""Request builders and the test service for the operation tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.spool import embedded_spooler

from ipp_wsgi.backends.embedded import EmbeddedPrinter
from ipp_wsgi.codec import Attribute, AttributeGroup, Message, tags
from ipp_wsgi.ops import Policy, PrinterDescription, Service
from ipp_wsgi.ops.printer_description import build_description
from ipp_wsgi.ops.service import PrinterEntry

BASE_URI = "ipp://localhost:8631"
PRINTER_URI = BASE_URI + "/ipp/print"
ADMIN = "root"


def operation_group(printer_uri: str | None = PRINTER_URI, **attrs: Any) -> AttributeGroup:
    """attributes-charset, attributes-natural-language, printer-uri, then ``attrs`` (underscores -> dashes).

    A value may be an :class:`Attribute` (used as is) or a plain value (tag from the registry).
    """
    group = AttributeGroup()
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    if printer_uri is not None:
        group.add("printer-uri", printer_uri, tags.URI)
    for name, value in attrs.items():
        if isinstance(value, Attribute):
            group.append(value)
        else:
            group[name.replace("_", "-")] = value
    return group


def make_request(code: int, operation: AttributeGroup | None = None, job: AttributeGroup | None = None,
                 request_id: int = 7, version: tuple[int, int] = (2, 0)) -> Message:
    """A request with the given operation group (the default one when None) and job group."""
    groups = [(tags.OPERATION_ATTRIBUTES, operation if operation is not None else operation_group())]
    if job is not None:
        groups.append((tags.JOB_ATTRIBUTES, job))
    return Message(code, request_id, version, groups)


Call = Callable[..., Message]


def build_service(spool_dir: Path, store_url: str, policy: Policy) -> Service:
    """Printers ``print`` (/ipp/print, /printers/print) and ``other`` on one thread-less spooler of the store
    ``store_url``."""
    names = {"print": ("/ipp/print", "/printers/print"), "other": ("/ipp/other",)}
    descriptions = {name: build_description(name, PrinterDescription()) for name in names}
    printers = [EmbeddedPrinter(n, descriptions[n]) for n in names]
    spooler = embedded_spooler(spool_dir, store_url, printers, start=False)
    return Service([PrinterEntry(n, paths, spooler, descriptions[n]) for n, paths in names.items()], policy)


def job_id_of(response: Message) -> int:
    """The job-id of a job-creation response."""
    assert response.job is not None, response
    return int(response.job.value("job-id"))
