"""The pages' actions, each the IPP operation an IPP client would send for it.

A job action or a printer action names an operation and the attributes it sends; :func:`run_job_action`
and :func:`run_printer_action` build the request from the submitted form and run it through the operation
layer (:class:`~ipp_wsgi.web.ipp_client.IppClient`), so the policy and the job owners' rights decide, as
for any IPP client. :func:`offered_job_actions` and :func:`offered_printer_actions` say which buttons a page
shows: those whose operation the printer offers at the page's path and the policy lets this caller run
(and, for a job, only on the caller's own jobs unless an administrator, in the job's current state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ipp_wsgi.backends.base import JOB_PENDING, JOB_PENDING_HELD, JOB_PROCESSING, JOB_PROCESSING_STOPPED
from ipp_wsgi.codec import AttributeGroup, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.service import PrinterEntry
from ipp_wsgi.web.ipp_client import Answer, IppClient
from ipp_wsgi.web.views import DESCRIPTION_FIELDS, JobView, PrinterView

Form = Mapping[str, str]

_ACTIVE = frozenset({JOB_PENDING, JOB_PENDING_HELD, JOB_PROCESSING, JOB_PROCESSING_STOPPED})
_WAITING = frozenset({JOB_PENDING, JOB_PENDING_HELD})
_ENDED = frozenset({7, 8, 9})
PRIORITY_RANGE = range(1, 101)


class FormError(ValueError):
    """A form that names no action, or a value the action cannot send (answered 400)."""


@dataclass(frozen=True, slots=True)
class Action:
    """One button: its label, the operation it runs, the states of a job it applies to, and what it
    says when done."""

    name: str
    label: str
    operation: int
    done: str
    states: frozenset[int] = frozenset()


JOB_ACTIONS = {a.name: a for a in (
    Action("cancel", "Cancel", ops.CANCEL_JOB, "Job canceled.", _ACTIVE),
    Action("hold", "Hold", ops.HOLD_JOB, "Job held.", frozenset({JOB_PENDING})),
    Action("release", "Release", ops.RELEASE_JOB, "Job released.", frozenset({JOB_PENDING_HELD})),
    Action("restart", "Print again", ops.RESTART_JOB, "Job restarted.", _ENDED),
    Action("promote", "Print next", ops.PROMOTE_JOB, "Job moved to the front of the queue.",
           frozenset({JOB_PENDING})),
    Action("priority", "Set priority", ops.SET_JOB_ATTRIBUTES, "Job priority changed.", _WAITING),
    Action("move", "Move", ops.CUPS_MOVE_JOB, "Job moved.", _WAITING),
)}

PRINTER_ACTIONS = {a.name: a for a in (
    Action("pause", "Pause", ops.PAUSE_PRINTER, "Printer paused."),
    Action("resume", "Resume", ops.RESUME_PRINTER, "Printer resumed."),
    Action("reject", "Reject jobs", ops.CUPS_REJECT_JOBS, "The printer rejects new jobs."),
    Action("accept", "Accept jobs", ops.CUPS_ACCEPT_JOBS, "The printer accepts new jobs."),
    Action("purge", "Purge jobs", ops.PURGE_JOBS, "Every job of the printer was removed."),
    Action("describe", "Save description", ops.SET_PRINTER_ATTRIBUTES, "Printer description saved."),
)}

DONE_MESSAGES = {f"{kind}-{action.name}": action.done
                 for kind, table in (("job", JOB_ACTIONS), ("printer", PRINTER_ACTIONS))
                 for action in table.values()}
"""What a page says after an action succeeded, by the ``done`` query value it was redirected with."""


def _permitted(client: IppClient, printer: PrinterView, action: Action) -> bool:
    """True when the printer offers ``action``'s operation at the page's path and the policy lets the
    caller run it there."""
    policy = client.service.policy
    context = client.context
    return (action.operation in printer.operations
            and policy.authorize(action.operation, context.path, context.remote_user) is None)


def offered_printer_actions(client: IppClient, printer: PrinterView) -> list[Action]:
    """The printer actions to offer: pause or resume, reject or accept (whichever changes something),
    purge, and the description form when the printer has settable description attributes."""
    wanted = ["resume" if printer.stopped else "pause", "reject" if printer.accepting else "accept", "purge"]
    if printer.settable:
        wanted.append("describe")
    return [PRINTER_ACTIONS[name] for name in wanted if _permitted(client, printer, PRINTER_ACTIONS[name])]


def offered_job_actions(client: IppClient, job: JobView, printer: PrinterView | None,
                        move_targets: list[str]) -> list[Action]:
    """The job actions to offer on ``job``: for its owner (as far as the caller can see) or an
    administrator, those that apply to the job's state and that the policy lets the caller run."""
    if printer is None:
        return []
    user = client.context.remote_user
    mine = user is not None and job.owner == user
    if not (mine or client.service.policy.is_admin(user)):
        return []
    return [action for action in JOB_ACTIONS.values()
            if job.state_code in action.states and _permitted(client, printer, action)
            and (action.name != "move" or move_targets)]


def move_targets(client: IppClient, printer_name: str) -> list[str]:
    """The printers a job of ``printer_name`` can move to (the same backend serves them)."""
    source = client.service.printer(printer_name)
    if source is None:
        return []
    return [p.name for p in client.service.printers if p.backend is source.backend and p is not source]


def run_job_action(client: IppClient, job_id: int, form: Form) -> tuple[Action, Answer]:
    """Run the job action the form names on job ``job_id``."""
    action = _chosen(JOB_ACTIONS, form)
    attributes: list[tuple[str, object, int]] = []
    groups: list[tuple[int, AttributeGroup]] = []
    if action.name == "hold":
        attributes.append(("job-hold-until", "indefinite", tags.KEYWORD))
    elif action.name == "move":
        target = client.service.printer(form.get("printer", ""))
        if target is None:
            raise FormError("choose the printer to move the job to")
        attributes.append(("job-printer-uri", client.printer_uri(target), tags.URI))
    elif action.name == "priority":
        groups.append((tags.JOB_ATTRIBUTES, _priority(form)))
    return action, client.on_job(action.operation, job_id, attributes, groups)


def _priority(form: Form) -> AttributeGroup:
    try:
        priority = int(form.get("priority", ""))
    except ValueError:
        raise FormError("the priority is a number from 1 to 100") from None
    if priority not in PRIORITY_RANGE:
        raise FormError("the priority is a number from 1 to 100")
    group = AttributeGroup()
    group.add("job-priority", priority, tags.INTEGER)
    return group


def run_printer_action(client: IppClient, printer: PrinterEntry, form: Form) -> tuple[Action, Answer]:
    """Run the printer action the form names on ``printer``."""
    action = _chosen(PRINTER_ACTIONS, form)
    groups: list[tuple[int, AttributeGroup]] = []
    if action.name == "describe":
        changes = AttributeGroup()
        for name in DESCRIPTION_FIELDS:
            if name in form:
                changes.add(name, form[name].strip(), tags.TEXT_WITHOUT_LANGUAGE)
        if not len(changes):
            raise FormError("nothing to change")
        groups.append((tags.PRINTER_ATTRIBUTES, changes))
    return action, client.on_printer(action.operation, printer, groups=groups)


def _chosen(table: Mapping[str, Action], form: Form) -> Action:
    action = table.get(form.get("action", ""))
    if action is None:
        raise FormError("unknown action")
    return action

