"""What the pages read: printers, a page of jobs, one job with its documents and history, all through
Get-Printer-Attributes, Get-Jobs, Get-Job-Attributes, Get-Documents, Get-Subscriptions and
Get-Notifications as the browser's user."""

from __future__ import annotations

from dataclasses import dataclass, field

from ipp_wsgi.codec import operations as ops
from ipp_wsgi.codec import tags
from ipp_wsgi.ops.service import PrinterEntry
from ipp_wsgi.web.ipp_client import Answer, IppClient, integer, keyword, requested
from ipp_wsgi.web.views import (
    JOB_LIST_ATTRIBUTES,
    PRINTER_ATTRIBUTES,
    DocumentView,
    HistoryEntry,
    JobView,
    PrinterView,
    job_times,
)

STATE_FILTERS = {
    "active": "not-completed", "history": "completed", "all": "all", "pending": "pending",
    "pending-held": "pending-held", "processing": "processing", "processing-stopped": "processing-stopped",
    "canceled": "canceled", "aborted": "aborted", "completed": "completed",
}
"""The job list's state filter -> Get-Jobs which-jobs (``completed`` keeps only job-state completed of
which-jobs ``completed``, which means every ended job)."""
_COMPLETED = 9


class ReadError(Exception):
    """An operation the page needs was refused: its answer says why."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.text)
        self.answer = answer


def _checked(answer: Answer) -> Answer:
    if not answer.ok:
        raise ReadError(answer)
    return answer


def printer(client: IppClient, entry: PrinterEntry) -> PrinterView:
    """One printer, as Get-Printer-Attributes tells the caller."""
    answer = _checked(client.on_printer(ops.GET_PRINTER_ATTRIBUTES, entry, [requested(*PRINTER_ATTRIBUTES)]))
    groups = answer.groups(tags.PRINTER_ATTRIBUTES)
    return PrinterView.from_group(entry.name, groups[0])


def printers(client: IppClient) -> list[PrinterView]:
    """Every printer."""
    return [printer(client, entry) for entry in client.service.printers]


@dataclass(frozen=True, slots=True)
class JobFilter:
    """The job list's filter and page: printer name ("" every printer), owner ("" anyone), state (a key of
    :data:`STATE_FILTERS`), 1-based page."""

    printer: str = ""
    owner: str = ""
    state: str = "active"
    page: int = 1

    def query(self, **changes: object) -> dict[str, str]:
        """The query string of this filter (with ``changes``), defaults left out."""
        values = {"printer": self.printer, "owner": self.owner, "state": self.state, "page": self.page}
        values.update(changes)
        defaults = {"printer": "", "owner": "", "state": "active", "page": 1}
        return {key: str(value) for key, value in values.items() if value != defaults[key]}


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of the job list."""

    jobs: list[JobView]
    filter: JobFilter
    has_next: bool
    page_size: int
    states: list[str] = field(default_factory=lambda: list(STATE_FILTERS))


def job_page(client: IppClient, wanted: JobFilter, page_size: int) -> JobPage:
    """The jobs ``wanted`` selects, a page of them. Get-Jobs pages by itself (first-index, limit) unless
    the owner or the completed state is filtered here: an owner the caller may not see matches nothing."""
    entry = client.service.printer(wanted.printer) if wanted.printer else None
    which = STATE_FILTERS.get(wanted.state, "not-completed")
    attributes: list[tuple[str, object, int]] = [keyword("which-jobs", which),
                                                 requested(*JOB_LIST_ATTRIBUTES)]
    first = (wanted.page - 1) * page_size
    here = bool(wanted.owner) or wanted.state == "completed"
    if not here:
        attributes += [integer("first-index", first + 1), integer("limit", page_size + 1)]
    answer = _checked(client.on_printer(ops.GET_JOBS, entry, attributes))
    jobs = [JobView.from_group(group, client.service, client.context)
            for group in answer.groups(tags.JOB_ATTRIBUTES)]
    if here:
        jobs = [job for job in jobs if (not wanted.owner or job.owner == wanted.owner)
                and (wanted.state != "completed" or job.state_code == _COMPLETED)][first:]
    return JobPage(jobs[:page_size], wanted, len(jobs) > page_size, page_size)


@dataclass(frozen=True, slots=True)
class JobDetails:
    """A job's page: the job, its documents and its state history."""

    job: JobView
    documents: list[DocumentView]
    history: list[HistoryEntry]


def job_details(client: IppClient, job_id: int) -> JobDetails:
    """Job ``job_id`` with everything the caller may see of it."""
    answer = _checked(client.on_job(ops.GET_JOB_ATTRIBUTES, job_id, [requested("all")]))
    job = JobView.from_group(answer.groups(tags.JOB_ATTRIBUTES)[0], client.service, client.context)
    documents = client.on_job(ops.GET_DOCUMENTS, job_id, [requested("all")])
    groups = documents.groups(tags.DOCUMENT_ATTRIBUTES) if documents.ok else []
    docs = [DocumentView.from_group(group, job.name is not None) for group in groups]
    return JobDetails(job, docs, sorted(job_times(job) + _events(client, job), key=_order))


def _order(entry: HistoryEntry) -> tuple[float, tuple[int, int]]:
    return (entry.when.timestamp() if entry.when is not None else 0.0, entry.sequence)


def _events(client: IppClient, job: JobView) -> list[HistoryEntry]:
    """The kept events of ``job``, from the job's subscriptions and its printer's, those the caller may
    read (its own subscriptions, or every one for an administrator)."""
    entry = client.service.printer(job.printer)
    if entry is None:
        return []
    ids: set[int] = set()
    for scope in ([integer("notify-job-id", job.job_id)], []):
        answer = client.on_printer(ops.GET_SUBSCRIPTIONS, entry,
                                   [*scope, requested("notify-subscription-id")])
        if answer.ok:
            ids.update(int(group.value("notify-subscription-id", 0))
                       for group in answer.groups(tags.SUBSCRIPTION_ATTRIBUTES))
    found: dict[tuple[int, int], HistoryEntry] = {}
    for subscription in sorted(ids):
        answer = client.on_printer(ops.GET_NOTIFICATIONS, entry,
                                   [integer("notify-subscription-ids", subscription)])
        if not answer.ok:
            continue  # someone else's subscription
        for group in answer.groups(tags.EVENT_NOTIFICATION_ATTRIBUTES):
            if group.value("job-id") == job.job_id:
                event = HistoryEntry.from_event(group)
                found[event.sequence] = event
    return list(found.values())
