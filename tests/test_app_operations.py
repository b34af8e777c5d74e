"""Every registered operation once through the WSGI app (webtest over werkzeug's LintMiddleware), as an
authenticated administrator: the answer a client gets for a representative request.

The operation handlers' detailed behaviour is tested in tests/ops/; this table checks that each one is
reachable over HTTP, answers a well-formed IPP response with the expected status, and never an internal
error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import webtest
from test_app import HOST, IPP, PRINTER_URI, client_for

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import AttributeGroup, Message, decode, encode, op_name, status, tags
from ipp_wsgi.codec import operations as ops
from ipp_wsgi.config import load_config
from ipp_wsgi.ops.registry import OPERATIONS

ADMIN = "root"
OTHER_URI = f"ipp://{HOST}/ipp/other"
OK = status.SUCCESSFUL_OK
NOT_POSSIBLE = status.CLIENT_ERROR_NOT_POSSIBLE
DOCUMENT = b"%PDF-1.4 every operation\n"


@dataclass
class Server:
    """The app with a held job (one document, closed), an open Create-Job job and a subscription."""

    client: webtest.TestApp
    held_job: int = 0
    open_job: int = 0
    subscription: int = 0

    def call(self, code: int, groups: tuple[tuple[int, AttributeGroup], ...] = (), subscription: bool = False,
             document: bytes = b"", **attributes: Any) -> Message:
        """POST operation ``code`` as the administrator: operation ``attributes``, then ``groups``."""
        message = Message(code, 1)
        group = message.operation
        group.add("attributes-charset", "utf-8", tags.CHARSET)
        group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
        group.add("printer-uri", PRINTER_URI, tags.URI)
        group.add("requesting-user-name", ADMIN, tags.NAME_WITHOUT_LANGUAGE)
        for name, value in attributes.items():
            group[name.replace("_", "-")] = value
        for tag, extra in groups:
            message.add_group(tag, extra)
        if subscription:
            sub = message.add_group(tags.SUBSCRIPTION_ATTRIBUTES)
            sub.add("notify-pull-method", "ippget", tags.KEYWORD)
            sub.add("notify-events", "job-state-changed", tags.KEYWORD)
        response = self.client.post("/ipp/print", encode(message) + document, content_type=IPP,
                                    extra_environ={"REMOTE_USER": ADMIN})
        assert response.status_int == 200 and response.content_type == IPP
        answer = decode(response.body)
        assert answer.request_id == 1
        assert answer.operation.names()[:2] == ["attributes-charset", "attributes-natural-language"]
        return answer


def _group(tag: int, name: str, value: Any) -> tuple[tuple[int, AttributeGroup], ...]:
    """One extra group holding one attribute (its value tag from the registry)."""
    group = AttributeGroup()
    group[name] = value
    return ((tag, group),)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    config_file = tmp_path / "ipp-wsgi.toml"
    config_file.write_text(f'spool_dir = "spool"\n[policy]\nadmins = ["{ADMIN}"]\n'
                           '[[printers]]\nname = "print"\npaths = ["/ipp/print"]\n'
                           '[[printers]]\nname = "other"\npaths = ["/ipp/other"]\n')
    application = IppApplication(load_config(config_file))
    try:
        server = Server(client_for(application))
        held = server.call(ops.PRINT_JOB, _group(tags.JOB_ATTRIBUTES, "job-hold-until", "indefinite"),
                           document=DOCUMENT)
        opened = server.call(ops.CREATE_JOB)
        subscribed = server.call(ops.CREATE_PRINTER_SUBSCRIPTIONS, subscription=True)
        assert OK == held.code == opened.code == subscribed.code
        assert held.job is not None and opened.job is not None
        server.held_job = held.job.value("job-id")
        server.open_job = opened.job.value("job-id")
        subscriptions = subscribed.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)
        server.subscription = subscriptions[0].value("notify-subscription-id")
        yield server
    finally:
        application.close()


@dataclass(frozen=True)
class Case:
    """One operation's representative request and the status it must get."""

    code: int
    expected: int = OK
    request: Callable[[Server], dict[str, Any]] = field(default=lambda s: {})


def _held_job(s: Server) -> dict[str, Any]:
    return {"job_id": s.held_job}


def _open_job(s: Server) -> dict[str, Any]:
    return {"job_id": s.open_job}


def _sub(s: Server) -> dict[str, Any]:
    return {"notify_subscription_id": s.subscription}


CASES = [
    Case(ops.PRINT_JOB, request=lambda s: {"document": DOCUMENT}),
    Case(ops.VALIDATE_JOB),
    Case(ops.CREATE_JOB),
    Case(ops.SEND_DOCUMENT, request=lambda s: {**_open_job(s), "last_document": True, "document": DOCUMENT}),
    Case(ops.CANCEL_JOB, request=_held_job),
    Case(ops.GET_JOB_ATTRIBUTES, request=_held_job),
    Case(ops.GET_JOBS, request=lambda s: {"which_jobs": "all"}),
    Case(ops.GET_PRINTER_ATTRIBUTES),
    Case(ops.HOLD_JOB, request=_held_job),
    Case(ops.RELEASE_JOB, request=_held_job),
    Case(ops.RESTART_JOB, NOT_POSSIBLE, _held_job),  # it has not ended
    Case(ops.PAUSE_PRINTER),
    Case(ops.RESUME_PRINTER),
    Case(ops.PURGE_JOBS),
    Case(ops.SET_PRINTER_ATTRIBUTES,
         request=lambda s: {"groups": _group(tags.PRINTER_ATTRIBUTES, "printer-info", "Front desk")}),
    Case(ops.SET_JOB_ATTRIBUTES,
         request=lambda s: {**_held_job(s), "groups": _group(tags.JOB_ATTRIBUTES, "job-name", "renamed")}),
    Case(ops.GET_PRINTER_SUPPORTED_VALUES),
    Case(ops.CREATE_PRINTER_SUBSCRIPTIONS, request=lambda s: {"subscription": True}),
    Case(ops.CREATE_JOB_SUBSCRIPTIONS, request=lambda s: {"notify_job_id": s.held_job, "subscription": True}),
    Case(ops.GET_SUBSCRIPTION_ATTRIBUTES, request=_sub),
    Case(ops.GET_SUBSCRIPTIONS),
    Case(ops.RENEW_SUBSCRIPTION, request=_sub),
    Case(ops.CANCEL_SUBSCRIPTION, request=_sub),
    Case(ops.GET_NOTIFICATIONS, request=lambda s: {"notify_subscription_ids": s.subscription}),
    Case(ops.ENABLE_PRINTER),
    Case(ops.DISABLE_PRINTER),
    Case(ops.PAUSE_PRINTER_AFTER_CURRENT_JOB),
    Case(ops.HOLD_NEW_JOBS),
    Case(ops.RELEASE_HELD_NEW_JOBS),
    Case(ops.RESTART_PRINTER),
    Case(ops.SHUTDOWN_PRINTER),
    Case(ops.STARTUP_PRINTER),
    Case(ops.REPROCESS_JOB, NOT_POSSIBLE, _held_job),  # it has not ended
    Case(ops.CANCEL_CURRENT_JOB, NOT_POSSIBLE),  # nothing is printing
    Case(ops.SUSPEND_CURRENT_JOB, NOT_POSSIBLE),  # nothing is printing
    Case(ops.RESUME_JOB, NOT_POSSIBLE, _held_job),  # it was not suspended
    Case(ops.PROMOTE_JOB, request=_held_job),
    Case(ops.SCHEDULE_JOB_AFTER, request=_held_job),
    Case(ops.CANCEL_DOCUMENT, request=lambda s: {**_held_job(s), "document_number": 1}),
    Case(ops.GET_DOCUMENT_ATTRIBUTES, request=lambda s: {**_held_job(s), "document_number": 1}),
    Case(ops.GET_DOCUMENTS, request=_held_job),
    Case(ops.SET_DOCUMENT_ATTRIBUTES, request=lambda s: {
        **_held_job(s), "document_number": 1,
        "groups": _group(tags.DOCUMENT_ATTRIBUTES, "document-name", "new"),
    }),
    Case(ops.CANCEL_JOBS),
    Case(ops.CANCEL_MY_JOBS),
    Case(ops.RESUBMIT_JOB, NOT_POSSIBLE, _held_job),
    Case(ops.CLOSE_JOB, request=_open_job),
    Case(ops.IDENTIFY_PRINTER),
    Case(ops.CUPS_GET_DEFAULT),
    Case(ops.CUPS_GET_PRINTERS),
    Case(ops.CUPS_GET_CLASSES),
    Case(ops.CUPS_ACCEPT_JOBS),
    Case(ops.CUPS_REJECT_JOBS),
    Case(ops.CUPS_MOVE_JOB, request=lambda s: {**_held_job(s), "job_printer_uri": OTHER_URI}),
]


def test_every_registered_operation_has_a_case() -> None:
    assert sorted(case.code for case in CASES) == sorted(OPERATIONS)


@pytest.mark.parametrize("case", CASES, ids=lambda case: op_name(case.code))
def test_operation_through_the_app(server: Server, case: Case) -> None:
    answer = server.call(case.code, **case.request(server))
    assert answer.code == case.expected, (op_name(case.code), answer.operation.value("status-message"))
