"""Event notification operations (RFC 3995) with the ``ippget`` pull delivery method (RFC 3996).

Subscriptions and events live in the backend; this module checks subscription templates against the
printer's ``notify-*`` attributes, builds URIs and the subscription and event-notification groups.
``notify-wait`` is honoured by answering at once with ``notify-get-interval``: the client asks again then.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ipp_wsgi.backends.base import BackendError, Event, Subscription, SubscriptionRequest
from ipp_wsgi.codec import AttributeGroup, Range, status, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.ops.call import Call
from ipp_wsgi.ops.privacy import hide_private_values, sees_private_values, sees_subscription
from ipp_wsgi.ops.registry import Target, operation
from ipp_wsgi.ops.reply import OpError
from ipp_wsgi.ops.requested import SUBSCRIPTION, select
from ipp_wsgi.ops.service import PrinterEntry

EVENTS_COMPLETE = status.status_code("successful-ok-events-complete") or 0x0007
GET_INTERVAL = 30
"""notify-get-interval: seconds a client should wait before its next Get-Notifications."""
USER_DATA_MAX = 63
_CHARSETS = frozenset({"utf-8", "us-ascii"})


class TemplateError(Exception):
    """A subscription template the printer cannot honour: ``status`` goes in notify-status-code."""

    def __init__(self, status_code: int) -> None:
        super().__init__(status_code)
        self.status = status_code


def _one(group: AttributeGroup, name: str, tag: int) -> Any:
    attr = group.get(name)
    if attr is None:
        return None
    if len(attr) != 1 or attr.tag != tag:
        raise TemplateError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED)
    return attr.value


def parse_template(template: AttributeGroup, capabilities: AttributeGroup, owner: str,
                   job_id: int | None, owner_authenticated: bool = False) -> tuple[SubscriptionRequest, bool]:
    """The request a subscription template group makes, and whether something in it was ignored.

    Raises :class:`TemplateError` for a template that cannot make a subscription.
    """
    if "notify-recipient-uri" in template:
        raise TemplateError(status.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED)
    method = _one(template, "notify-pull-method", tags.KEYWORD)
    if method is None:
        raise TemplateError(status.CLIENT_ERROR_BAD_REQUEST)
    if method not in capabilities["notify-pull-method-supported"].values:
        raise TemplateError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED)
    ignored = False
    supported = set(capabilities["notify-events-supported"].values)
    asked = template.get("notify-events")
    events = list(asked.values if asked is not None else capabilities["notify-events-default"].values)
    if asked is not None and any(t != tags.KEYWORD for t in asked.tags):
        raise TemplateError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED)
    known = [e for e in dict.fromkeys(events) if e in supported]
    ignored |= len(known) < len(events)
    if not known or len(known) > capabilities.value("notify-max-events-supported"):
        raise TemplateError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED)
    kept = AttributeGroup()
    kept.add("notify-pull-method", method, tags.KEYWORD)
    user_data = _one(template, "notify-user-data", tags.OCTET_STRING)
    if user_data is not None:
        if len(user_data) > USER_DATA_MAX:
            raise TemplateError(status.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG)
        kept.add("notify-user-data", user_data, tags.OCTET_STRING)
    charset = _one(template, "notify-charset", tags.CHARSET)
    if charset is not None and str(charset).lower() not in _CHARSETS:
        raise TemplateError(status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED)
    kept.add("notify-charset", str(charset or "utf-8").lower(), tags.CHARSET)
    language = _one(template, "notify-natural-language", tags.NATURAL_LANGUAGE)
    kept.add("notify-natural-language", str(language or "en"), tags.NATURAL_LANGUAGE)
    interval = _one(template, "notify-time-interval", tags.INTEGER)
    if interval is not None and interval < 0:
        raise TemplateError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED)
    lease = _lease(template, capabilities)
    if job_id is not None and "notify-lease-duration" in template:
        ignored, lease = True, 0
    return SubscriptionRequest(owner=owner, events=known, job_id=job_id, lease_duration=lease,
                               time_interval=int(interval or 0), attributes=kept,
                               owner_authenticated=owner_authenticated), ignored


def _lease(group: AttributeGroup, capabilities: AttributeGroup) -> int:
    lease = _one(group, "notify-lease-duration", tags.INTEGER)
    if lease is None:
        return int(capabilities.value("notify-lease-duration-default"))
    bounds: Range = capabilities.value("notify-lease-duration-supported")
    if not bounds.lower <= lease <= bounds.upper:
        raise TemplateError(status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED)
    return int(lease)


def capabilities_of(printer: PrinterEntry) -> AttributeGroup:
    """The printer's notify-* attributes (from its backend)."""
    return printer.backend.printer_attributes(printer.name)


def subscription_requests(call: Call, printer: PrinterEntry,
                          job_id: int | None) -> list[tuple[SubscriptionRequest | None, int]]:
    """Each subscription template group of the request: the request it makes (None when refused) and the
    notify-status-code to answer for it."""
    capabilities = capabilities_of(printer)
    found: list[tuple[SubscriptionRequest | None, int]] = []
    for template in call.request.groups_of(tags.SUBSCRIPTION_ATTRIBUTES):
        try:
            request, ignored = parse_template(template, capabilities, call.user, job_id,
                                              call.context.remote_user is not None)
        except TemplateError as exc:
            found.append((None, exc.status))
        else:
            found.append((request, status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES if ignored
                          else status.SUCCESSFUL_OK))
    return found


def add_subscription_results(call: Call, results: list[tuple[int | None, int]]) -> None:
    """One subscription group per template (notify-subscription-id and/or notify-status-code), and the
    overall status: some refused -> successful-ok-ignored-subscriptions."""
    for subscription_id, code in results:
        group = call.reply.add_group(tags.SUBSCRIPTION_ATTRIBUTES, AttributeGroup())
        if subscription_id is not None:
            group.add("notify-subscription-id", subscription_id, tags.INTEGER)
        if code != status.SUCCESSFUL_OK:
            group.add("notify-status-code", code, tags.ENUM)
    if any(subscription_id is None for subscription_id, _ in results):
        call.reply.set_status(status.SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS, "some subscriptions were refused")


def add_job_subscriptions(call: Call, printer: PrinterEntry, job_id: int,
                          requests: list[tuple[SubscriptionRequest | None, int]]) -> None:
    """Report the subscriptions a job-creation request made with its job (created by the backend in
    template order, so their ids ascend in that order)."""
    if not requests:
        return
    made = iter(s.subscription_id for s in printer.backend.subscriptions(printer.name, job_id))
    add_subscription_results(call, [(next(made, None) if request is not None else None, code)
                                    for request, code in requests])


def _create(call: Call, job_id: int | None) -> None:
    printer = call.target_printer
    requests = subscription_requests(call, printer, job_id)
    if not requests:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "no subscription template attributes")
    if all(request is None for request, _ in requests):
        add_subscription_results(call, [(None, code) for _, code in requests])
        call.reply.status = status.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS
        call.reply.message = "no subscription could be created"
        return
    results: list[tuple[int | None, int]] = []
    for request, code in requests:
        made = printer.backend.create_subscription(printer.name, request) if request is not None else None
        results.append((made.subscription_id if made is not None else None, code))
    add_subscription_results(call, results)


@operation(ops.CREATE_PRINTER_SUBSCRIPTIONS, Target.PRINTER, "create_subscription")
def create_printer_subscriptions(call: Call) -> None:
    """Subscribe to the printer's events (and every job's)."""
    _create(call, None)


@operation(ops.CREATE_JOB_SUBSCRIPTIONS, Target.PRINTER, "create_subscription", "get_job")
def create_job_subscriptions(call: Call) -> None:
    """Subscribe to the events of the job ``notify-job-id`` (its owner or an administrator)."""
    job_id = _integer_arg(call, "notify-job-id")
    printer = call.target_printer
    job = printer.backend.get_job(printer.name, job_id)
    denied = call.may_manage(job)
    if denied is not None:
        raise OpError(denied, f"job {job_id} belongs to another user")
    _create(call, job_id)


def _integer_arg(call: Call, name: str) -> int:
    """Required operation attribute ``name`` as a positive integer (client-error-bad-request when absent)."""
    value = call.positive_integer(name)
    if value is None:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, f"missing {name}")
    return value


def subscription_attributes(call: Call, printer: PrinterEntry, subscription: Subscription) -> AttributeGroup:
    """Every attribute of ``subscription``, as Get-Subscription-Attributes reports it."""
    g = AttributeGroup()
    g.add("notify-subscription-id", subscription.subscription_id, tags.INTEGER)
    g.add("notify-printer-uri", call.printer_uri(printer), tags.URI)
    if subscription.job_id is not None:
        g.add("notify-job-id", subscription.job_id, tags.INTEGER)
    else:
        g.add("notify-lease-duration", subscription.lease_duration, tags.INTEGER)
        g.add("notify-lease-expiration-time", int(subscription.expires or 0), tags.INTEGER)
    g.add("notify-subscriber-user-name", subscription.owner, tags.NAME_WITHOUT_LANGUAGE)
    g.add("notify-events", list(subscription.events), tags.KEYWORD)
    g.add("notify-time-interval", subscription.time_interval, tags.INTEGER)
    g.add("notify-sequence-number", subscription.sequence, tags.INTEGER)
    g.add("notify-printer-up-time", int(time.time()), tags.INTEGER)
    for attr in subscription.attributes.attributes():
        g.append(attr)
    return g


def _owned(call: Call, subscription: Subscription) -> None:
    denied = call.may_manage(subscription)
    if denied is not None:
        raise OpError(denied, f"subscription {subscription.subscription_id} belongs to another user")


@operation(ops.GET_SUBSCRIPTION_ATTRIBUTES, Target.PRINTER, "get_subscription")
def get_subscription_attributes(call: Call) -> None:
    """The attributes of subscription ``notify-subscription-id`` (for those who may see it: its owner,
    administrators; everyone with job-privacy-scope ``all``)."""
    printer = call.target_printer
    found = printer.backend.get_subscription(printer.name, _integer_arg(call, "notify-subscription-id"))
    if not sees_subscription(call, printer.description, found):
        raise OpError(call.service.policy.denied(call.context.remote_user),
                      f"subscription {found.subscription_id} belongs to another user")
    attributes = subscription_attributes(call, printer, found)
    call.reply.add_group(tags.SUBSCRIPTION_ATTRIBUTES, select(attributes, call.requested(), SUBSCRIPTION))


@operation(ops.GET_SUBSCRIPTIONS, Target.PRINTER, "subscriptions")
def get_subscriptions(call: Call) -> None:
    """The printer's subscriptions (or ``notify-job-id``'s) that the caller may see, the caller's only
    with my-subscriptions."""
    printer = call.target_printer
    job_id = call.positive_integer("notify-job-id")
    limit = call.positive_integer("limit")
    owner = call.user if call.arg("my-subscriptions") is True else None
    requested = call.requested()
    # Those the caller may not see are left out before the limit counts, so the backend gets none.
    found = [subscription for subscription in printer.backend.subscriptions(printer.name, job_id, owner)
             if (call.owns(subscription) if owner is not None
                 else sees_subscription(call, printer.description, subscription))]
    for subscription in found[:limit]:
        attributes = subscription_attributes(call, printer, subscription)
        call.reply.add_group(tags.SUBSCRIPTION_ATTRIBUTES, select(attributes, requested, SUBSCRIPTION))


@operation(ops.RENEW_SUBSCRIPTION, Target.PRINTER, "get_subscription", "renew_subscription")
def renew_subscription(call: Call) -> None:
    """Restart a printer subscription's lease (notify-lease-duration, else the default)."""
    printer = call.target_printer
    subscription_id = _integer_arg(call, "notify-subscription-id")
    _owned(call, printer.backend.get_subscription(printer.name, subscription_id))
    template = call.request.group(tags.SUBSCRIPTION_ATTRIBUTES) or call.operation
    try:
        lease = _lease(template, capabilities_of(printer))
    except TemplateError as exc:
        call.reply.add_unsupported(template["notify-lease-duration"])
        raise OpError(exc.status, "bad notify-lease-duration") from exc
    renewed = printer.backend.renew_subscription(printer.name, subscription_id, lease)
    call.reply.operation.add("notify-lease-duration", renewed.lease_duration, tags.INTEGER)


@operation(ops.CANCEL_SUBSCRIPTION, Target.PRINTER, "get_subscription", "cancel_subscription")
def cancel_subscription(call: Call) -> None:
    """Delete a subscription (its owner or an administrator)."""
    printer = call.target_printer
    subscription_id = _integer_arg(call, "notify-subscription-id")
    _owned(call, printer.backend.get_subscription(printer.name, subscription_id))
    printer.backend.cancel_subscription(printer.name, subscription_id)


def event_attributes(call: Call, printer: PrinterEntry, subscription: Subscription,
                     event: Event, sees_job_values: bool = True) -> AttributeGroup:
    """One event-notification group (RFC 3995 section 9, RFC 3996 section 5.2); without the job's private
    values (job-name, ...) unless ``sees_job_values``."""
    g = AttributeGroup()
    for name in ("notify-charset", "notify-natural-language"):
        g.append(subscription.attributes[name])
    g.add("notify-subscription-id", subscription.subscription_id, tags.INTEGER)
    g.add("notify-sequence-number", event.sequence, tags.INTEGER)
    g.add("notify-printer-uri", call.printer_uri(printer), tags.URI)
    g.add("notify-subscribed-event", event.event, tags.KEYWORD)
    g.add("printer-up-time", int(event.time), tags.INTEGER)
    g.add("printer-current-time", datetime.fromtimestamp(int(event.time), UTC), tags.DATE_TIME)
    g.add("notify-text", event.text, tags.TEXT_WITHOUT_LANGUAGE)
    if "notify-user-data" in subscription.attributes:
        g.append(subscription.attributes["notify-user-data"])
    g.add("printer-name", printer.name, tags.NAME_WITHOUT_LANGUAGE)
    if event.job_id is not None:
        g.add("job-id", event.job_id, tags.INTEGER)
        g.add("job-uri", call.job_uri(printer, event.job_id), tags.URI)
    job_values = AttributeGroup()
    for attr in event.attributes.attributes():
        (job_values if attr.name.startswith("job-") else g).append(attr)
    if not sees_job_values:
        hide_private_values(job_values, printer.description)
    for attr in job_values.attributes():
        g.append(attr)
    return g


class _JobPrivacy:
    """Whether the caller may see each job's private values, as the printer's job privacy says (each job
    looked up once per request)."""

    def __init__(self, call: Call, printer: PrinterEntry) -> None:
        self._call = call
        self._printer = printer
        self._seen: dict[int, bool] = {}

    def sees(self, job_id: int | None) -> bool:
        """True when the caller may see job ``job_id``'s private values (always for a printer event)."""
        if job_id is None:
            return True
        if job_id not in self._seen:
            try:
                job = self._printer.backend.get_job(self._printer.name, job_id)
            except BackendError:
                # A job gone from the spooler: whose it was is unknown, so its private values stay hidden.
                self._seen[job_id] = False
            else:
                self._seen[job_id] = sees_private_values(self._call, self._printer.description, job)
        return self._seen[job_id]


@operation(ops.GET_NOTIFICATIONS, Target.PRINTER, "get_subscription", "events")
def get_notifications(call: Call) -> None:
    """The kept events of ``notify-subscription-ids`` from ``notify-sequence-numbers`` on, oldest first."""
    printer = call.target_printer
    ids = call.operation.get("notify-subscription-ids")
    if ids is None:
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "missing notify-subscription-ids")
    sequences = call.operation.get("notify-sequence-numbers")
    if any(t != tags.INTEGER for t in ids.tags) or (
            sequences is not None and any(t != tags.INTEGER for t in sequences.tags)):
        raise OpError(status.CLIENT_ERROR_BAD_REQUEST, "bad notify-subscription-ids or -sequence-numbers")
    firsts = list(sequences.values) if sequences is not None else []
    subscriptions = [printer.backend.get_subscription(printer.name, int(i)) for i in ids.values]
    for subscription in subscriptions:
        _owned(call, subscription)
    privacy = _JobPrivacy(call, printer)
    for index, subscription in enumerate(subscriptions):
        first = int(firsts[index]) if index < len(firsts) else 1
        for event in printer.backend.events(printer.name, subscription.subscription_id, first):
            group = event_attributes(call, printer, subscription, event, privacy.sees(event.job_id))
            call.reply.add_group(tags.EVENT_NOTIFICATION_ATTRIBUTES, group)
    call.reply.operation.add("printer-up-time", int(time.time()), tags.INTEGER)
    if all(s.ended for s in subscriptions):
        call.reply.set_status(EVENTS_COMPLETE)
    else:
        call.reply.operation.add("notify-get-interval", GET_INTERVAL, tags.INTEGER)

