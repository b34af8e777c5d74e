"""Event notifications (RFC 3995, ippget RFC 3996): subscriptions, events in order, leases, owners."""

from __future__ import annotations

from typing import Any

from ops_helpers import ADMIN, PRINTER_URI, Call, job_id_of, make_request, operation_group

from ipp_wsgi.backends.base import JOB_COMPLETED, JOB_PROCESSING, PRINTER_IDLE, PRINTER_STOPPED
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, Message, Range, operations, status, tags
from ipp_wsgi.ops.subscriptions import EVENTS_COMPLETE, GET_INTERVAL


def template(events: list[str] | None = None, **attrs: Any) -> AttributeGroup:
    group = AttributeGroup()
    group.add("notify-pull-method", "ippget", tags.KEYWORD)
    if events is not None:
        group.add("notify-events", events, tags.KEYWORD)
    for name, value in attrs.items():
        group[name.replace("_", "-")] = value
    return group


def with_groups(request: Message, *templates: AttributeGroup) -> Message:
    for group in templates:
        request.groups.append((tags.SUBSCRIPTION_ATTRIBUTES, group))
    return request


def subscribe(call: Call, *templates: AttributeGroup, user: str = "alice") -> Message:
    group = operation_group(requesting_user_name=user)
    return call(with_groups(make_request(operations.CREATE_PRINTER_SUBSCRIPTIONS, group), *templates))


def subscription_ids(response: Message) -> list[int | None]:
    return [g.value("notify-subscription-id") for g in response.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)]


def notifications(call: Call, *ids: int, user: str = "alice", first: list[int] | None = None) -> Message:
    attrs: dict[str, Any] = {"requesting_user_name": user}
    group = operation_group(**attrs)
    group.add("notify-subscription-ids", list(ids), tags.INTEGER)
    if first is not None:
        group.add("notify-sequence-numbers", first, tags.INTEGER)
    return call(make_request(operations.GET_NOTIFICATIONS, group))


def events_of(response: Message) -> list[tuple[int, str]]:
    return [(g.value("notify-sequence-number"), g.value("notify-subscribed-event"))
            for g in response.groups_of(tags.EVENT_NOTIFICATION_ATTRIBUTES)]


def admin_op(call: Call, code: int) -> None:
    assert call(make_request(code), user=ADMIN).code == status.SUCCESSFUL_OK


def test_printer_advertises_what_subscriptions_honour(call: Call) -> None:
    printer = call(make_request(operations.GET_PRINTER_ATTRIBUTES)).printer
    assert printer is not None
    supported = set(printer["notify-events-supported"].values)
    assert {"job-completed", "job-state-changed", "printer-state-changed", "printer-stopped"} <= supported
    assert set(printer["notify-events-default"].values) <= supported
    assert printer.value("notify-max-events-supported") == len(supported)
    assert printer["notify-pull-method-supported"].values == ["ippget"]
    assert isinstance(printer.value("notify-lease-duration-supported"), Range)
    assert printer.value("ippget-event-life") >= 15
    offered = set(printer["operations-supported"].values)
    assert {operations.CREATE_PRINTER_SUBSCRIPTIONS, operations.CREATE_JOB_SUBSCRIPTIONS,
            operations.GET_SUBSCRIPTION_ATTRIBUTES, operations.GET_SUBSCRIPTIONS,
            operations.RENEW_SUBSCRIPTION, operations.CANCEL_SUBSCRIPTION,
            operations.GET_NOTIFICATIONS} <= offered


def test_printer_events_arrive_in_order(call: Call) -> None:
    response = subscribe(call, template(["printer-state-changed"]))
    assert response.code == status.SUCCESSFUL_OK
    [subscription_id] = subscription_ids(response)
    assert isinstance(subscription_id, int)
    admin_op(call, operations.PAUSE_PRINTER)
    admin_op(call, operations.RESUME_PRINTER)

    response = notifications(call, subscription_id)
    assert response.code == status.SUCCESSFUL_OK
    assert events_of(response) == [(1, "printer-stopped"), (2, "printer-state-changed")]
    first, second = response.groups_of(tags.EVENT_NOTIFICATION_ATTRIBUTES)
    assert first.value("printer-state") == PRINTER_STOPPED and second.value("printer-state") == PRINTER_IDLE
    assert first.value("notify-printer-uri") == PRINTER_URI
    assert first.value("notify-subscription-id") == subscription_id
    assert response.operation.value("notify-get-interval") == GET_INTERVAL

    # notify-sequence-numbers: only events from that number on
    assert events_of(notifications(call, subscription_id, first=[2])) == [(2, "printer-state-changed")]


def test_events_not_subscribed_are_not_delivered(call: Call) -> None:
    [subscription_id] = subscription_ids(subscribe(call, template(["printer-config-changed"])))
    assert isinstance(subscription_id, int)
    admin_op(call, operations.PAUSE_PRINTER)
    assert events_of(notifications(call, subscription_id)) == []
    change = AttributeGroup()
    change.add("printer-location", "Room 7", tags.TEXT_WITHOUT_LANGUAGE)
    request = make_request(operations.SET_PRINTER_ATTRIBUTES)
    request.groups.append((tags.PRINTER_ATTRIBUTES, change))
    assert call(request, user=ADMIN).code == status.SUCCESSFUL_OK
    assert events_of(notifications(call, subscription_id)) == [(1, "printer-config-changed")]


def test_job_subscription_made_with_print_job(call: Call, spooler: EmbeddedSpooler) -> None:
    request = make_request(operations.PRINT_JOB, operation_group(requesting_user_name="alice"))
    wanted = template(["job-state-changed"], notify_user_data=b"cookie")
    response = call(with_groups(request, wanted), b"data")
    assert response.code == status.SUCCESSFUL_OK
    job_id = job_id_of(response)
    [subscription_id] = subscription_ids(response)
    assert isinstance(subscription_id, int)
    assert spooler.process_pending() == 1

    response = notifications(call, subscription_id)
    assert events_of(response) == [(1, "job-created"), (2, "job-state-changed"), (3, "job-completed")]
    groups = response.groups_of(tags.EVENT_NOTIFICATION_ATTRIBUTES)
    assert [g.value("job-state") for g in groups[1:]] == [JOB_PROCESSING, JOB_COMPLETED]
    assert {(g.value("job-id"), g.value("notify-user-data")) for g in groups} == {(job_id, b"cookie")}
    # the job ended: no more events will come
    assert response.code == EVENTS_COMPLETE
    assert "notify-get-interval" not in response.operation


def test_create_job_subscriptions_for_an_existing_job(call: Call, spooler: EmbeddedSpooler) -> None:
    job = AttributeGroup()
    job.add("job-hold-until", "indefinite", tags.KEYWORD)
    request = make_request(operations.PRINT_JOB, operation_group(requesting_user_name="alice"), job)
    job_id = job_id_of(call(request, b"data"))
    group = operation_group(requesting_user_name="alice", notify_job_id=job_id)
    response = call(with_groups(make_request(operations.CREATE_JOB_SUBSCRIPTIONS, group),
                                template(["job-completed"])))
    [subscription_id] = subscription_ids(response)
    assert isinstance(subscription_id, int)

    other = operation_group(requesting_user_name="mallory", notify_job_id=job_id)
    refused = call(with_groups(make_request(operations.CREATE_JOB_SUBSCRIPTIONS, other),
                               template(["job-completed"])))
    assert refused.code == status.CLIENT_ERROR_NOT_AUTHENTICATED

    release = operation_group(requesting_user_name="alice", job_id=job_id)
    assert call(make_request(operations.RELEASE_JOB, release)).code == status.SUCCESSFUL_OK
    spooler.process_pending()
    assert events_of(notifications(call, subscription_id)) == [(1, "job-completed")]


def test_push_and_unknown_methods_are_refused_per_template(call: Call) -> None:
    push = AttributeGroup()
    push.add("notify-recipient-uri", "mailto:alice@example.com", tags.URI)
    response = subscribe(call, push)
    assert response.code == status.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS
    [group] = response.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)
    assert group.value("notify-status-code") == status.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED

    response = subscribe(call, push, template(["printer-stopped", "no-such-event"]))
    assert response.code == status.SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS
    refused, made = response.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)
    assert "notify-subscription-id" not in refused and isinstance(made.value("notify-subscription-id"), int)
    assert made.value("notify-status-code") == status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES

    no_template = make_request(operations.CREATE_PRINTER_SUBSCRIPTIONS)
    assert call(no_template).code == status.CLIENT_ERROR_BAD_REQUEST
    too_long = template(["printer-stopped"], notify_user_data=b"x" * 64)
    assert subscribe(call, too_long).code == status.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS


def _sub_op(call: Call, code: int, subscription_id: int, user: str = "alice",
            **attrs: Any) -> Message:
    group = operation_group(requesting_user_name=user, notify_subscription_id=subscription_id, **attrs)
    return call(make_request(code, group))


def test_subscription_attributes_renew_and_cancel(call: Call) -> None:
    leased = template(["printer-stopped"], notify_lease_duration=60)
    [subscription_id] = subscription_ids(subscribe(call, leased))
    assert isinstance(subscription_id, int)
    response = _sub_op(call, operations.GET_SUBSCRIPTION_ATTRIBUTES, subscription_id)
    group = response.group(tags.SUBSCRIPTION_ATTRIBUTES)
    assert group is not None
    assert group.value("notify-lease-duration") == 60
    assert group["notify-events"].values == ["printer-stopped"]
    assert group.value("notify-subscriber-user-name") == "alice"
    assert group.value("notify-pull-method") == "ippget"
    expires = group.value("notify-lease-expiration-time")

    renewed = _sub_op(call, operations.RENEW_SUBSCRIPTION, subscription_id, notify_lease_duration=3600)
    assert renewed.code == status.SUCCESSFUL_OK
    assert renewed.operation.value("notify-lease-duration") == 3600
    group = _sub_op(call, operations.GET_SUBSCRIPTION_ATTRIBUTES, subscription_id).group(
        tags.SUBSCRIPTION_ATTRIBUTES)
    assert group is not None and group.value("notify-lease-expiration-time") > expires

    assert _sub_op(call, operations.CANCEL_SUBSCRIPTION, subscription_id, "mallory").code == \
        status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert _sub_op(call, operations.CANCEL_SUBSCRIPTION, subscription_id).code == status.SUCCESSFUL_OK
    assert _sub_op(call, operations.GET_SUBSCRIPTION_ATTRIBUTES, subscription_id).code == \
        status.CLIENT_ERROR_NOT_FOUND


def owners_of(response: Message) -> list[str]:
    return [g.value("notify-subscriber-user-name") for g in response.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)]


def test_get_subscriptions_lists_printer_subscriptions(call: Call) -> None:
    subscribe(call, template(["printer-stopped"]), user="alice")
    subscribe(call, template(["printer-stopped"]), user="bob")
    assert owners_of(call(make_request(operations.GET_SUBSCRIPTIONS))) == ["alice", "bob"]
    mine = call(make_request(operations.GET_SUBSCRIPTIONS,
                             operation_group(requesting_user_name="bob", my_subscriptions=True)))
    assert owners_of(mine) == ["bob"]


def test_only_the_owner_fetches_notifications(call: Call) -> None:
    [subscription_id] = subscription_ids(subscribe(call, template(["printer-stopped"])))
    assert isinstance(subscription_id, int)
    assert notifications(call, subscription_id, user="mallory").code == status.CLIENT_ERROR_NOT_AUTHENTICATED
    assert notifications(call, subscription_id + 100).code == status.CLIENT_ERROR_NOT_FOUND
