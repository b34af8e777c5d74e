"""Shared machinery of the hostile-input tests: a two-printer server, request builders, raw wire entries,
and the check every answer to a hostile request must pass.

The server has two printers on one embedded spooler: ``print`` (documents written to a directory) and
``other`` (documents piped to ``record_command.py``, which records its argv, environment and input), an
administrator ``root``, and the default policy unless a test asks for another preset.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import webtest
from werkzeug.middleware.lint import LintMiddleware

from ipp_wsgi.app import BODY_KEY, IppApplication
from ipp_wsgi.codec import Attribute, Limits, Message, decode, encode, operations, status, tags
from ipp_wsgi.config import Config, load_config

IPP = "application/ipp"
HOST = "localhost:8631"
PRINTER_URI = f"ipp://{HOST}/ipp/print"
OTHER_URI = f"ipp://{HOST}/ipp/other"
ADMIN = "root"
RECORD_COMMAND = Path(__file__).with_name("record_command.py")
CODEC_TESTS = Path(__file__).parent.parent / "codec"

# The codec's bad-input corpus and capture mutator are replayed through the app: make tests/codec
# importable (``from test_codec_errors import CASES`` after importing this module).
if str(CODEC_TESTS) not in sys.path:
    sys.path.append(str(CODEC_TESTS))

_HEADER = struct.Struct(">BBHI")

ANSWER_LIMITS = Limits(max_attribute_bytes=1 << 30, max_attributes=1 << 24, max_values=1 << 24)
"""Answers are decoded without the server's request limits: Get-Jobs of a long history is large."""

FUZZ_COUNTS: dict[str, int] = {}
"""Inputs tried by each fuzz test (test name -> count); reported at the end of the run (conftest)."""


def write_config(root: Path, preset: str = "default", command: list[str] | None = None,
                 private_access: str = "default") -> Config:
    """A config file in ``root`` (spool, output dirs and the command's record dir below it), loaded.

    ``command`` replaces the ``other`` printer's recording command; ``private_access`` is the
    ``[jobs]`` setting of who sees job names and users (``all``: everyone, as the status page then shows).
    """
    command = command or [sys.executable, str(RECORD_COMMAND), str(root / "records")]
    toml = f"""
spool_dir = "spool"
[jobs]
private_access = "{private_access}"
[policy]
preset = "{preset}"
admins = ["{ADMIN}"]
[[printers]]
name = "print"
paths = ["/ipp/print"]
output_dir = "output/print"
[[printers]]
name = "other"
paths = ["/ipp/other"]
output = "command"
command = {json.dumps(command)}
"""
    path = root / "ipp-wsgi.toml"
    path.write_text(toml, "utf-8")
    return load_config(path)


class WholeBody:
    """Hands ``app`` each body of up to 64 KiB whole in memory too (``environ["ipp_wsgi.body"]``), as
    :mod:`ipp_wsgi.worker` does, so that what the application does with it (the answer cache) is fuzzed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) <= 64 * 1024:
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
            environ[BODY_KEY] = body
        return self.app(environ, start_response)


def client_for(application: IppApplication, *, whole_body: bool = False, **environ: str) -> webtest.TestApp:
    """webtest over werkzeug's LintMiddleware (WSGI compliance checked on every call); ``whole_body``: see
    :class:`WholeBody`."""
    app: Any = WholeBody(application) if whole_body else application
    return webtest.TestApp(LintMiddleware(app), extra_environ={"HTTP_HOST": HOST, **environ})


def ipp_request(operation: int, printer_uri: str | None = PRINTER_URI, request_id: int = 1,
                version: tuple[int, int] = (2, 0), user: str | None = "alice",
                **attributes: Any) -> Message:
    """A well-formed request: charset, language, printer-uri, requesting-user-name, then ``attributes``
    (``name_with_underscores``; an :class:`Attribute` is added as is)."""
    message = Message(operation, request_id, version)
    group = message.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    if printer_uri is not None:
        group.add("printer-uri", printer_uri, tags.URI)
    if user is not None:
        group.add("requesting-user-name", user, tags.NAME_WITHOUT_LANGUAGE)
    for name, value in attributes.items():
        group[name.replace("_", "-")] = value
    return message


def entry(tag: int, name: bytes, value: bytes) -> bytes:
    """One attribute-with-one-value on the wire (no length checks: for building malformed input)."""
    return struct.pack(">BH", tag, len(name)) + name + struct.pack(">H", len(value)) + value


def check_answer(body: bytes, request: bytes) -> Message:
    """Decode an answer and check what every answer to any request must satisfy; return it.

    Well-formed IPP, charset and language first, a status that is a known class (success or a client or
    server error) and never server-error-internal-error (a bug), the request-id echoed when the request
    had a whole header.
    """
    answer = decode(body, ANSWER_LIMITS)
    first = [attr.name for attr in answer.operation.attributes()][:2]
    assert first == ["attributes-charset", "attributes-natural-language"], first
    assert answer.code != status.SERVER_ERROR_INTERNAL_ERROR, answer.operation.value("status-message")
    assert answer.code < 0x0100 or 0x0400 <= answer.code < 0x0600, hex(answer.code)
    if len(request) >= _HEADER.size:
        assert answer.request_id == _HEADER.unpack_from(request)[3]
    return answer


def post_raw(client: webtest.TestApp, body: bytes, path: str = "/ipp/print", **kwargs: Any) -> Message:
    """POST ``body`` as application/ipp; the answer must be 200, application/ipp and pass check_answer."""
    response = client.post(path, body, content_type=IPP, expect_errors=True, **kwargs)
    assert response.status_int == 200, response.status
    assert response.content_type == IPP
    assert response.content_length == len(response.body)
    return check_answer(response.body, body)


def post(client: webtest.TestApp, message: Message, document: bytes = b"", path: str = "/ipp/print",
         **kwargs: Any) -> Message:
    """POST ``message`` followed by ``document``; see :func:`post_raw`."""
    return post_raw(client, encode(message) + document, path, **kwargs)


def submit(client: webtest.TestApp, user: str = "alice", printer_uri: str = PRINTER_URI,
           document: bytes = b"%PDF-1.4 hostile\n", remote_user: str | None = None, held: bool = False,
           **attributes: Any) -> int:
    """Print-Job as ``user`` (authenticated as ``remote_user`` when given); the new job's id.

    ``held``: the job is held (job-hold-until indefinite) so it stays pending-held.
    """
    environ = {"REMOTE_USER": remote_user} if remote_user else {}
    message = ipp_request(operations.PRINT_JOB, printer_uri, user=user, **attributes)
    if held:
        message.add_group(tags.JOB_ATTRIBUTES)["job-hold-until"] = "indefinite"
    answer = post(client, message, document, path=printer_uri.removeprefix(f"ipp://{HOST}"),
                  extra_environ=environ)
    assert answer.code == status.SUCCESSFUL_OK, answer.operation.value("status-message")
    assert answer.job is not None
    return int(answer.job.value("job-id"))


def as_caller(client: webtest.TestApp, message: Message, remote_user: str | None, path: str = "/ipp/print",
              document: bytes = b"") -> Message:
    """POST ``message`` (and ``document``) to ``path``, authenticated as ``remote_user`` when given."""
    environ = {"REMOTE_USER": remote_user} if remote_user else {}
    return post(client, message, document, path=path, extra_environ=environ)


def subscribe(client: webtest.TestApp, user: str, remote_user: str | None,
              events: tuple[str, ...] = ("printer-state-changed",), path: str = "/ipp/print") -> int:
    """Create-Printer-Subscriptions (ippget) as ``user`` (authenticated as ``remote_user`` when given),
    posted to ``path``; the new subscription's id."""
    message = ipp_request(operations.CREATE_PRINTER_SUBSCRIPTIONS, user=user)
    template = message.add_group(tags.SUBSCRIPTION_ATTRIBUTES)
    template.add("notify-pull-method", "ippget", tags.KEYWORD)
    template.add("notify-events", list(events), tags.KEYWORD)
    answer = as_caller(client, message, remote_user, path)
    assert answer.code == status.SUCCESSFUL_OK, answer.operation.value("status-message")
    return int(answer.groups_of(tags.SUBSCRIPTION_ATTRIBUTES)[0].value("notify-subscription-id"))


def subscription_op(operation: int, subscription_id: int, user: str) -> Message:
    """A request of ``operation`` on one subscription (notify-subscription-ids for Get-Notifications)."""
    if operation == operations.GET_NOTIFICATIONS:
        return ipp_request(operation, user=user, notify_subscription_ids=[subscription_id])
    return ipp_request(operation, user=user, notify_subscription_id=subscription_id)


def job_state(client: webtest.TestApp, job_id: int, printer_uri: str = PRINTER_URI) -> int:
    """The job's job-state, asked as the administrator."""
    answer = post(client, ipp_request(operations.GET_JOB_ATTRIBUTES, printer_uri, job_id=job_id),
                  extra_environ={"REMOTE_USER": ADMIN})
    assert answer.code == status.SUCCESSFUL_OK and answer.job is not None
    return int(answer.job.value("job-state"))


def wait_until_ended(client: webtest.TestApp, job_id: int, printer_uri: str = PRINTER_URI) -> int:
    """Poll until the job is completed, canceled or aborted (a stuck job fails after a minute)."""
    deadline = time.monotonic() + 60
    while (state := job_state(client, job_id, printer_uri)) not in (7, 8, 9):
        assert time.monotonic() < deadline, f"job {job_id} stuck in state {state}"
        time.sleep(0.05)
    return state


def strings_in(message: Message) -> Iterable[str]:
    """Every string value of every attribute of ``message`` (collections included)."""
    for _, group in message.groups:
        yield from _strings(group.attributes())


def _strings(attributes: Iterable[Attribute]) -> Iterable[str]:
    for attr in attributes:
        for value in attr.values:
            if isinstance(value, str):
                yield value
            elif isinstance(value, tuple) and value and isinstance(value[-1], str):
                yield value[-1]  # text or name with language
            elif hasattr(value, "attributes"):
                yield from _strings(value.attributes())
