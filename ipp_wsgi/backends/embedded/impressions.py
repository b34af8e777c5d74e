"""A job's job-impressions, counted from each document as it is received (:mod:`ipp_wsgi.pagecount`) and
kept with the job's attributes: the sum over its documents while every count is known, no-value once one
is not. job-impressions-completed follows from it (:func:`~.store.records.impressions_completed`)."""

from __future__ import annotations

import logging

from ipp_wsgi.backends.embedded.store import ReceivedDocument
from ipp_wsgi.codec import NO_VALUE, AttributeGroup, tags
from ipp_wsgi.pagecount import count_pages

log = logging.getLogger(__name__)


def count(received: ReceivedDocument, document_format: str) -> int | None:
    """The impressions of a received document (None: its format does not tell, or it is damaged)."""
    try:
        with received.open() as stream:
            return count_pages(document_format, stream)
    except OSError as exc:  # the spool file cannot be read back: the job goes on, uncounted
        log.warning("cannot count the pages of a %s document: %s", document_format, exc)
        return None


def add(attributes: AttributeGroup, pages: int | None) -> None:
    """Add a document's ``pages`` to the job-impressions of a job's ``attributes`` (a job without one yet
    has none so far)."""
    so_far = attributes.value("job-impressions", 0)
    if type(so_far) is int and pages is not None:
        attributes.add("job-impressions", so_far + pages, tags.INTEGER)
    else:
        attributes.add("job-impressions", NO_VALUE, tags.NO_VALUE)
