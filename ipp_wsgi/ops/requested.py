"""``requested-attributes``: names and group keywords (like CUPS's ``ippCreateRequestedArray``)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from ipp_wsgi.codec import AttributeGroup
from ipp_wsgi.ops.printer_description import JOB_TEMPLATE

PRINTER = "printer"
JOB = "job"
DOCUMENT = "document"
SUBSCRIPTION = "subscription"

_JOB_TEMPLATE = frozenset(JOB_TEMPLATE)
_TEMPLATE_CAPABILITIES = frozenset({
    "media-bottom-margin-supported", "media-left-margin-supported", "media-right-margin-supported",
    "media-top-margin-supported", "media-size-supported", "media-source-supported", "media-type-supported",
})
"""Printer attributes of the media-col members, in the job-template group (PWG 5100.14 table 6)."""
_CAPABILITY_SUFFIXES = ("-default", "-supported", "-ready", "-database")
_JOB_STATUS = frozenset({
    "job-id", "job-uri", "job-printer-uri", "job-state", "job-state-reasons", "job-state-message",
    "job-printer-up-time", "job-k-octets", "job-k-octets-processed", "job-impressions",
    "job-impressions-completed", "job-media-sheets", "job-media-sheets-completed", "number-of-documents",
    "number-of-intervening-jobs", "time-at-creation", "time-at-processing", "time-at-completed",
    "date-time-at-creation", "date-time-at-processing", "date-time-at-completed",
})
_ONLY_BY_NAME = frozenset({"media-col-database"})
"""Attributes "all" does not include (CUPS): large, and asked for by name when wanted."""


@dataclass(frozen=True, slots=True)
class Requested:
    """What a client asked for: ``everything`` ("all"), group keywords and attribute names."""

    names: frozenset[str]
    groups: frozenset[str] = frozenset()
    everything: bool = False

    def wants(self, name: str, kind: str) -> bool:
        """True when attribute ``name`` of a ``kind`` (PRINTER, JOB, DOCUMENT, SUBSCRIPTION) object was
        asked for."""
        if name in self.names:
            return True
        if name in _ONLY_BY_NAME:
            return False
        return self.everything or bool(self.groups & _groups_of(name, kind))


# Document and subscription objects: either group keyword of the kind selects every attribute.
_WHOLE_OBJECT_GROUPS = {
    DOCUMENT: frozenset({"document-description", "document-status"}),
    SUBSCRIPTION: frozenset({"subscription-template", "subscription-description"}),
}


@functools.lru_cache(maxsize=4096)  # the same few hundred names recur in every response
def _groups_of(name: str, kind: str) -> frozenset[str]:
    whole = _WHOLE_OBJECT_GROUPS.get(kind)
    if whole is not None:
        return whole
    if kind == PRINTER:
        base = next((name[: -len(s)] for s in _CAPABILITY_SUFFIXES if name.endswith(s)), name)
        template = (base in _JOB_TEMPLATE and base != name) or name in _TEMPLATE_CAPABILITIES
        return frozenset({"job-template"} if template else {"printer-description"})
    if name in _JOB_TEMPLATE:
        return frozenset({"job-template"})
    if name in _JOB_STATUS:
        return frozenset({"job-description", "job-status"})
    return frozenset({"job-description"})


_GROUP_KEYWORDS = frozenset({"job-template", "job-description", "job-status", "printer-description"}).union(
    *_WHOLE_OBJECT_GROUPS.values())


def parse_requested(values: Iterable[str] | None, default: Iterable[str] = ("all",)) -> Requested:
    """The :class:`Requested` of a requested-attributes value list (``default`` when absent)."""
    keywords = list(values) if values is not None else list(default)
    everything = "all" in keywords
    groups = frozenset(k for k in keywords if k in _GROUP_KEYWORDS)
    return Requested(frozenset(keywords) - groups - {"all"}, groups, everything)


def select(group: AttributeGroup, requested: Requested, kind: str) -> AttributeGroup:
    """The attributes of ``group`` the client asked for, in order."""
    if not requested.everything and not requested.groups:  # names only: no group keyword to work out
        names = requested.names
        return AttributeGroup(a for a in group.attributes() if a.name in names)
    return AttributeGroup(a for a in group.attributes() if requested.wants(a.name, kind))
