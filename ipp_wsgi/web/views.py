"""What the pages show of printers, jobs, documents and events, read from IPP answers.

An attribute the answer leaves out (a private job-name the caller may not see) is None here, and the
pages say "(private)".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ipp_wsgi.backends.base import TERMINAL_JOB_STATES
from ipp_wsgi.codec import Attribute, AttributeGroup, NameWithLanguage, OutOfBand, TextWithLanguage
from ipp_wsgi.codec.registry import enum_name
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.service import Service
from ipp_wsgi.ops.target import uri_path

PRINTER_ATTRIBUTES = (
    "printer-name", "printer-uri-supported", "uri-security-supported", "printer-state",
    "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs", "queued-job-count",
    "printer-make-and-model", "printer-location", "printer-info", "printer-organization",
    "printer-organizational-unit", "document-format-supported", "media-supported",
    "printer-settable-attributes-supported", "operations-supported", "printer-more-info",
)
"""What the printer views ask Get-Printer-Attributes for."""

JOB_LIST_ATTRIBUTES = (
    "job-id", "job-name", "job-originating-user-name", "job-state", "job-state-reasons", "job-printer-uri",
    "job-k-octets", "time-at-creation", "job-priority",
)
"""What the job list asks Get-Jobs for."""

DESCRIPTION_FIELDS = {
    "printer-info": "Description",
    "printer-location": "Location",
    "printer-make-and-model": "Make and model",
    "printer-organization": "Organization",
    "printer-organizational-unit": "Organizational unit",
}
"""Printer text attributes the description form edits (those the printer says are settable)."""


def text(value: Any) -> str:
    """A value as the pages print it (language tags dropped, out-of-band values named)."""
    if isinstance(value, TextWithLanguage):
        return value.text
    if isinstance(value, NameWithLanguage):
        return value.name
    if isinstance(value, OutOfBand):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def _strings(group: AttributeGroup, name: str) -> list[str]:
    attr = group.get(name)
    return [text(v) for v in attr.values] if attr is not None else []


def _optional(group: AttributeGroup, name: str) -> str | None:
    attr = group.get(name)
    return text(attr.value) if attr is not None else None


def _time(group: AttributeGroup, name: str) -> datetime | None:
    value = group.value(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return datetime.fromtimestamp(value, UTC)


def state_name(attribute: str, value: Any) -> str:
    """The keyword of an enum value (``job-state`` 5: ``processing``)."""
    return (enum_name(attribute, value) if isinstance(value, int) else None) or str(value)


def attribute_rows(group: AttributeGroup) -> list[tuple[str, str]]:
    """Every attribute of ``group`` as (name, values joined) for an attribute table."""
    return [(attr.name, ", ".join(_value_text(attr, v) for v in attr.values)) for attr in group.attributes()]


def _value_text(attr: Attribute, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and enum_name(attr.name, value):
        return f"{enum_name(attr.name, value)} ({value})"
    if isinstance(value, AttributeGroup):
        return "{" + " ".join(f"{name}={','.join(_strings(value, name))}" for name in value) + "}"
    return text(value)


@dataclass(frozen=True, slots=True)
class PrinterView:
    """One printer."""

    name: str
    uris: list[str]
    state: str
    reasons: list[str]
    message: str
    accepting: bool
    queued: int
    make_and_model: str
    location: str
    info: str
    formats: list[str]
    media: list[str]
    settable: list[str]
    operations: frozenset[int]
    """operations-supported at the page's path: what the printer offers and the policy enables there."""
    description: dict[str, str] = field(default_factory=dict)
    """The current values of :data:`DESCRIPTION_FIELDS`."""

    @classmethod
    def from_group(cls, name: str, group: AttributeGroup) -> PrinterView:
        """The view of printer ``name`` from its Get-Printer-Attributes group."""
        return cls(
            name=name,
            uris=_strings(group, "printer-uri-supported"),
            state=state_name("printer-state", group.value("printer-state", 0)),
            reasons=[r for r in _strings(group, "printer-state-reasons") if r != "none"],
            message=_optional(group, "printer-state-message") or "",
            accepting=group.value("printer-is-accepting-jobs") is True,
            queued=int(group.value("queued-job-count", 0) or 0),
            make_and_model=_optional(group, "printer-make-and-model") or "",
            location=_optional(group, "printer-location") or "",
            info=_optional(group, "printer-info") or "",
            formats=_strings(group, "document-format-supported"),
            media=_strings(group, "media-supported"),
            settable=[n for n in _strings(group, "printer-settable-attributes-supported")
                      if n in DESCRIPTION_FIELDS],
            operations=frozenset(v for v in (group.get("operations-supported") or []) if isinstance(v, int)),
            description={n: _optional(group, n) or "" for n in DESCRIPTION_FIELDS},
        )

    @classmethod
    def unknown(cls, name: str) -> PrinterView:
        """A printer whose attributes could not be read (its spooler is unreachable)."""
        return cls(name, [], "unknown", [], "", False, 0, "", "", "", [], [], [], frozenset())

    @property
    def stopped(self) -> bool:
        """True when the printer is stopped (paused)."""
        return self.state == "stopped"


@dataclass(frozen=True, slots=True)
class JobView:
    """One job; ``name`` and ``owner`` are None when the caller may not see them."""

    job_id: int
    printer: str
    name: str | None
    owner: str | None
    state_code: int
    state: str
    reasons: list[str]
    message: str
    k_octets: int
    created: datetime | None
    processing: datetime | None
    completed: datetime | None
    priority: int | None
    documents: int
    attributes: AttributeGroup

    @classmethod
    def from_group(cls, group: AttributeGroup, service: Service, context: RequestContext) -> JobView:
        """The view of a job from its Get-Jobs or Get-Job-Attributes group."""
        state = int(group.value("job-state", 0) or 0)
        return cls(
            job_id=int(group.value("job-id", 0)),
            printer=printer_name(group.value("job-printer-uri"), service, context),
            name=_optional(group, "job-name"),
            owner=_optional(group, "job-originating-user-name"),
            state_code=state,
            state=state_name("job-state", state),
            reasons=[r for r in _strings(group, "job-state-reasons") if r != "none"],
            message=_optional(group, "job-state-message") or "",
            k_octets=int(group.value("job-k-octets", 0) or 0),
            created=_time(group, "time-at-creation"),
            processing=_time(group, "time-at-processing"),
            completed=_time(group, "time-at-completed"),
            priority=group.value("job-priority") if isinstance(group.value("job-priority"), int) else None,
            documents=int(group.value("number-of-documents", 0) or 0),
            attributes=group,
        )

    @property
    def ended(self) -> bool:
        """True once the job is canceled, aborted or completed."""
        return self.state_code in TERMINAL_JOB_STATES


def printer_name(uri: Any, service: Service, context: RequestContext) -> str:
    """The name of the printer a job-printer-uri names ("" when it names none of ours)."""
    if not isinstance(uri, str):
        return ""
    entry = service.printer_for_path(uri_path(uri, context))
    return entry.name if entry is not None else ""


@dataclass(frozen=True, slots=True)
class DocumentView:
    """One document of a job."""

    number: int
    name: str | None
    """None when the job's name is private to the caller: a document's name defaults to the job's."""
    format: str
    k_octets: int
    state: str

    @classmethod
    def from_group(cls, group: AttributeGroup, name_visible: bool) -> DocumentView:
        """The view of a document from its Get-Documents group (its name only when ``name_visible``)."""
        return cls(
            number=int(group.value("document-number", 0)),
            name=(_optional(group, "document-name") or "") if name_visible else None,
            format=_optional(group, "document-format") or "",
            k_octets=int(group.value("k-octets", 0) or 0),
            state=_document_state(group.value("document-state", 0)),
        )


def _document_state(value: Any) -> str:
    """A document-state's keyword (a document of a held job says its job's state, pending-held)."""
    if isinstance(value, int) and enum_name("document-state", value):
        return state_name("document-state", value)
    return state_name("job-state", value)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a job's state history: when, what, and the text that came with it."""

    when: datetime | None
    event: str
    state: str
    text: str
    sequence: tuple[int, int] = (0, 0)
    """(subscription, sequence number) of an event, to keep each once and in order."""

    @classmethod
    def from_event(cls, group: AttributeGroup) -> HistoryEntry:
        """An entry from an event-notification group (Get-Notifications)."""
        when = group.value("printer-current-time")
        return cls(
            when=when if isinstance(when, datetime) else _time(group, "printer-up-time"),
            event=_optional(group, "notify-subscribed-event") or "",
            state=state_name("job-state", group.value("job-state")) if "job-state" in group else "",
            text=_optional(group, "notify-text") or "",
            sequence=(int(group.value("notify-subscription-id", 0)),
                      int(group.value("notify-sequence-number", 0))),
        )


def job_times(job: JobView) -> list[HistoryEntry]:
    """The history a job's own attributes tell: created, started, ended (and its state now)."""
    entries = [HistoryEntry(job.created, "job-created", "pending", "Job created.")]
    if job.processing is not None:
        entries.append(HistoryEntry(job.processing, "job-processing", "processing", "Printing started."))
    if job.completed is not None:
        reasons = ", ".join(job.reasons)
        entries.append(HistoryEntry(job.completed, "job-completed", job.state,
                                    f"Job {job.state}" + (f" ({reasons})." if reasons else ".")))
    return entries
