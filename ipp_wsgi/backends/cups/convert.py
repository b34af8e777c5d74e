"""CUPS's answers in the backend interface's terms: job groups to :class:`Job`, printer groups cleaned of
what is CUPS's own (its URIs, device and policy settings)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from ipp_wsgi.backends.base import Job
from ipp_wsgi.codec import AttributeGroup, NameWithLanguage, TextWithLanguage, tags

PRINTER_INTERNALS = frozenset({
    "device-uri",  # where CUPS sends the bytes: nothing for a client to see
    "printer-uri-supported",  # ours are built by the operation layer ...
    "uri-authentication-supported",  # ... as are the two lists parallel to it
    "uri-security-supported",
    "member-uris",
    "printer-more-info",
    "printer-icons",
    "printer-supply-info-uri",
    "printer-error-policy",
    "printer-op-policy",
    "port-monitor",
    "ppd-name",
    "requesting-user-name-allowed",
    "requesting-user-name-denied",
    "auth-info-required",
})
"""Printer attributes of CUPS that describe CUPS's own set-up (or carry its URIs) and are never passed on."""

_JOB_FIELDS = frozenset({
    "job-id", "job-uuid", "job-name", "job-state", "job-state-reasons", "job-state-message",
    "job-originating-user-name", "job-originating-host-name", "job-k-octets", "number-of-documents",
    "job-printer-up-time", "job-impressions", "job-impressions-completed",
    "time-at-creation", "time-at-processing", "time-at-completed",
    "date-time-at-creation", "date-time-at-processing", "date-time-at-completed",
})
"""Job attributes that :class:`Job` carries as fields, or that the operation layer computes itself."""

_KEPT_URIS = frozenset({"job-uuid", "printer-uuid"})
"""URI-valued attributes that name an object rather than locate it on CUPS, and so are passed on."""


def queue_name(uri: str) -> str:
    """The queue a CUPS printer or class URI names (``ipp://localhost/printers/q`` -> ``q``)."""
    return unquote(urlsplit(uri).path.rstrip("/").rpartition("/")[2])


def _is_uri(group: AttributeGroup, name: str) -> bool:
    return name not in _KEPT_URIS and tags.URI in group[name].tags


def printer_group(cups: AttributeGroup) -> AttributeGroup:
    """CUPS's printer attributes without its internals and URIs, as a new group."""
    return AttributeGroup(attr for attr in cups.attributes()
                          if attr.name not in PRINTER_INTERNALS and not _is_uri(cups, attr.name))


def _int(group: AttributeGroup, name: str, default: int = 0) -> int:
    value = group.value(name)
    return value if type(value) is int else default


def _known(group: AttributeGroup, name: str) -> int | None:
    # CUPS answers no-value for a count it does not know.
    value = group.value(name)
    return value if type(value) is int and value >= 0 else None


def _time(group: AttributeGroup, name: str) -> float | None:
    # CUPS answers no-value (or 0) for an event that has not happened yet.
    value = _int(group, name)
    return float(value) if value > 0 else None


def _text(group: AttributeGroup, name: str) -> str:
    value: Any = group.value(name, "")
    if isinstance(value, TextWithLanguage | NameWithLanguage):
        return value[0]
    return value if isinstance(value, str) else ""  # no-value and friends: empty


def job_from_group(cups: AttributeGroup) -> Job:
    """The :class:`Job` CUPS describes in a job attributes group (of Get-Job-Attributes or Get-Jobs)."""
    reasons = [str(r) for r in (cups.get("job-state-reasons") or ()) if r != "none"]
    return Job(
        job_id=_int(cups, "job-id"),
        printer=queue_name(_text(cups, "job-printer-uri")),
        owner=_text(cups, "job-originating-user-name"),
        name=_text(cups, "job-name"),
        state=_int(cups, "job-state"),
        state_reasons=reasons,
        created=_time(cups, "time-at-creation") or 0.0,
        processing=_time(cups, "time-at-processing"),
        completed=_time(cups, "time-at-completed"),
        k_octets=_int(cups, "job-k-octets"),
        documents=_int(cups, "number-of-documents"),
        origin_host=_text(cups, "job-originating-host-name"),
        state_message=_text(cups, "job-state-message"),
        uuid=_text(cups, "job-uuid"),
        impressions=_known(cups, "job-impressions"),
        impressions_completed=_int(cups, "job-impressions-completed"),
        attributes=AttributeGroup(attr for attr in cups.attributes()
                                  if attr.name not in _JOB_FIELDS and not _is_uri(cups, attr.name)),
    )
