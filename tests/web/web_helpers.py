"""Helpers of the browser pages' tests: a two-printer server that prints nothing (jobs stay queued), jobs
submitted over IPP, and form POSTs as a browser sends them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import webtest
from test_app import HOST, client_for, ipp_request, post

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import Message, operations, status, tags
from ipp_wsgi.config import load_config

ADMIN = "admin"
ORIGIN = f"http://{HOST}"
PRINTER_URI = f"ipp://{HOST}/ipp/print"
OTHER_URI = f"ipp://{HOST}/ipp/other"


def write_config(root: Path, extra: str = "") -> Path:
    """Two embedded printers (``print``, ``other``) that never print (no printing thread), ``admin`` the
    administrator; ``extra`` TOML appended."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "ipp-wsgi.toml"
    path.write_text(f"""spool_dir = "spool"
[spooler]
workers = 0
[policy]
admins = ["{ADMIN}"]
[[printers]]
name = "print"
paths = ["/ipp/print", "/printers/print"]
[[printers]]
name = "other"
paths = ["/ipp/other"]
{extra}""")
    return path


def application(root: Path, extra: str = "") -> IppApplication:
    """An application of :func:`write_config`'s configuration."""
    return IppApplication(load_config(write_config(root, extra)))


def browser(app: IppApplication, user: str | None = None) -> webtest.TestApp:
    """A client that is ``user`` (REMOTE_USER, as the web server authenticated it) or anonymous."""
    client = client_for(app)
    if user is not None:
        client.extra_environ["REMOTE_USER"] = user
    return client


def submit(client: webtest.TestApp, user: str, name: str = "doc", printer_uri: str = PRINTER_URI,
           held: bool = False, authenticated: bool = True) -> int:
    """Print-Job as ``user`` (REMOTE_USER when ``authenticated``); the job-id."""
    message = ipp_request(operations.PRINT_JOB, printer_uri, job_name=name)
    message.operation["requesting-user-name"] = user
    if held:
        message.add_group(tags.JOB_ATTRIBUTES).add("job-hold-until", "indefinite", tags.KEYWORD)
    environ = {"REMOTE_USER": user} if authenticated else {}
    answer = post(client, message, b"%PDF-1.4 test\n", path=printer_uri.removeprefix(f"ipp://{HOST}"),
                  extra_environ=environ)
    assert answer.code == status.SUCCESSFUL_OK, answer.operation.value("status-message")
    assert answer.job is not None
    return int(answer.job.value("job-id"))


def ipp(client: webtest.TestApp, operation: int, printer_uri: str = PRINTER_URI,
        **attributes: Any) -> Message:
    """An IPP request's answer (anonymous, as ``alice``)."""
    return post(client, ipp_request(operation, printer_uri, **attributes))


def printer_state(client: webtest.TestApp, printer_uri: str = PRINTER_URI) -> tuple[int, bool]:
    """printer-state and printer-is-accepting-jobs, asked over IPP."""
    answer = ipp(client, operations.GET_PRINTER_ATTRIBUTES, printer_uri)
    assert answer.printer is not None
    return answer.printer.value("printer-state"), answer.printer.value("printer-is-accepting-jobs")


def job_state(client: webtest.TestApp, job_id: int) -> int:
    """job-state, asked over IPP."""
    answer = ipp(client, operations.GET_JOB_ATTRIBUTES, job_id=job_id)
    assert answer.job is not None, answer.operation.value("status-message")
    return int(answer.job.value("job-state"))


def token_of(page: webtest.TestResponse) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has no form"
    return found[1]


def form_post(client: webtest.TestApp, path: str, fields: dict[str, str], token: str | None,
              origin: str | None = ORIGIN, headers: dict[str, str] | None = None) -> webtest.TestResponse:
    """A form POST as a browser sends it (Origin header, the token as csrf_token)."""
    data = dict(fields)
    if token is not None:
        data["csrf_token"] = token
    sent = {"Origin": origin} if origin is not None else {}
    return client.post(path, data, headers={**sent, **(headers or {})}, expect_errors=True)
