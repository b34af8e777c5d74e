"""Polls answered again from the answer cache, and only while nothing they show has changed."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ipp_wsgi import app as app_module
from ipp_wsgi.answer_cache import AnswerCache
from ipp_wsgi.app import BODY_KEY, IppApplication
from ipp_wsgi.codec import Message, decode, encode, operations, status, tags
from ipp_wsgi.config import load_config
from ipp_wsgi.ops import printer_attributes as printer_attributes_module

HOST = "localhost:8631"
ADMIN = "root"


def request(operation: int, request_id: int, printer: str = "print", **attributes: Any) -> bytes:
    message = Message(operation, request_id, (2, 0))
    group = message.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    group.add("printer-uri", f"ipp://{HOST}/ipp/{printer}", tags.URI)
    group.add("requesting-user-name", "alice", tags.NAME_WITHOUT_LANGUAGE)
    for name, value in attributes.items():
        group[name.replace("_", "-")] = value
    return encode(message)


def gpa(request_id: int, printer: str = "print") -> bytes:
    return request(operations.GET_PRINTER_ATTRIBUTES, request_id, printer,
                   requested_attributes=["printer-state", "queued-job-count", "printer-uri-supported"])


def post(app: IppApplication, body: bytes, *, whole: bool = True, path: str = "/ipp/print",
         **environ: str) -> tuple[bytes, Message]:
    """POST ``body`` as a server that buffered it whole (``whole``) would; the raw and decoded answer."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/ipp", "CONTENT_LENGTH": str(len(body)),
        "PATH_INFO": path, "SCRIPT_NAME": "", "HTTP_HOST": HOST, "SERVER_NAME": "localhost",
        "SERVER_PORT": "8631", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True, **environ,
    }
    if whole:
        env[BODY_KEY] = body
    answer = b"".join(app(env, lambda status, headers, exc_info=None: None))
    return answer, decode(answer)


@pytest.fixture
def application(tmp_path: Path) -> Iterator[IppApplication]:
    config = tmp_path / "ipp.toml"
    config.write_text(f'[policy]\nadmins = ["{ADMIN}"]\n\n'
                      '[[printers]]\nname = "print"\npaths = ["/ipp/print"]\n')
    app = IppApplication(load_config(config, spool_dir=tmp_path / "spool"))
    yield app
    app.close()


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The request-ids that reached the dispatcher."""
    calls: list[int] = []
    real = app_module.dispatch

    def counting(request: Message, *args: Any, **kwargs: Any) -> Message:
        calls.append(request.request_id)
        return real(request, *args, **kwargs)

    monkeypatch.setattr(app_module, "dispatch", counting)
    return calls


@pytest.fixture
def one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer built in the same second (printer-up-time changes with the clock): the clock stops
    at the middle of this one."""
    frozen = int(time.time()) + 0.5
    monkeypatch.setattr(time, "time", lambda: frozen)


def test_a_repeated_poll_is_answered_from_the_cache(application: IppApplication, dispatched: list[int],
                                                    one_second: None) -> None:
    first, answer = post(application, gpa(1))
    second, again = post(application, gpa(2))
    assert dispatched == [1]
    assert (answer.request_id, again.request_id) == (1, 2)
    assert second[:4] == first[:4] and second[8:] == first[8:]
    assert again.code == status.SUCCESSFUL_OK


def test_a_change_of_state_is_seen_at_once(application: IppApplication, dispatched: list[int]) -> None:
    assert post(application, gpa(1))[1].printer.value("queued-job-count") == 0  # type: ignore[union-attr]
    created = post(application, request(operations.CREATE_JOB, 2), whole=False)[1]
    assert created.code == status.SUCCESSFUL_OK
    assert post(application, gpa(3))[1].printer.value("queued-job-count") == 1  # type: ignore[union-attr]
    paused = post(application, request(operations.PAUSE_PRINTER, 4), whole=False, REMOTE_USER=ADMIN)[1]
    assert paused.code == status.SUCCESSFUL_OK
    assert post(application, gpa(5))[1].printer.value("printer-state") == 5  # type: ignore[union-attr]
    assert dispatched == [1, 2, 3, 4, 5]


def test_a_new_second_builds_the_answer_again(application: IppApplication, dispatched: list[int],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    now = 2_000_000_000.5
    monkeypatch.setattr(printer_attributes_module.time, "time", lambda: now)
    post(application, gpa(1))
    post(application, gpa(2))
    now += 1
    post(application, gpa(3))
    assert dispatched == [1, 3]


def test_what_the_answer_may_depend_on_is_part_of_the_key(application: IppApplication,
                                                          dispatched: list[int]) -> None:
    post(application, gpa(1))
    other_host = post(application, gpa(2), HTTP_HOST="printers.example:8631")[1]
    assert other_host.printer.value("printer-uri-supported") == (  # type: ignore[union-attr]
        "ipp://printers.example:8631/ipp/print")
    post(application, gpa(3), REMOTE_USER="bob")
    post(application, gpa(4), **{"wsgi.url_scheme": "https"})
    post(application, gpa(5), REMOTE_ADDR="192.0.2.1")
    post(application, gpa(6), SCRIPT_NAME="/prefix")
    assert dispatched == [1, 2, 3, 4, 5, 6]


def test_only_whole_bodies_and_successful_answers_are_kept(application: IppApplication,
                                                           dispatched: list[int]) -> None:
    post(application, gpa(1), whole=False)
    post(application, gpa(2), whole=False)
    missing = post(application, gpa(3, printer="nowhere"))[1]
    assert missing.code == status.CLIENT_ERROR_NOT_FOUND
    post(application, gpa(4, printer="nowhere"))
    assert dispatched == [1, 2, 3, 4]


def _job_ids(answer: Message) -> list[int]:
    return [int(group.value("job-id")) for group in answer.groups_of(tags.JOB_ATTRIBUTES)]


def test_a_get_jobs_poll_is_answered_again_until_a_job_changes(
        application: IppApplication, dispatched: list[int], one_second: None) -> None:
    assert _job_ids(post(application, request(operations.GET_JOBS, 1))[1]) == []
    assert _job_ids(post(application, request(operations.GET_JOBS, 2))[1]) == []
    created = post(application, request(operations.CREATE_JOB, 3), whole=False)[1]
    assert created.job is not None
    job_id = created.job.value("job-id")
    assert _job_ids(post(application, request(operations.GET_JOBS, 4))[1]) == [job_id]
    assert _job_ids(post(application, request(operations.GET_JOBS, 5))[1]) == [job_id]
    canceled = post(application, request(operations.CANCEL_JOB, 6, job_id=job_id), whole=False)[1]
    assert canceled.code == status.SUCCESSFUL_OK
    assert _job_ids(post(application, request(operations.GET_JOBS, 7))[1]) == []
    assert dispatched == [1, 3, 4, 6, 7]


def test_a_job_made_by_another_process_ends_the_reuse(application: IppApplication, tmp_path: Path,
                                                      dispatched: list[int], one_second: None) -> None:
    """Workers of one service answer from caches of their own: a change made through another worker (its
    own store connection) is in the next answer."""
    post(application, request(operations.GET_JOBS, 1))
    other = IppApplication(load_config(tmp_path / "ipp.toml", spool_dir=tmp_path / "spool"))
    try:
        created = post(other, request(operations.CREATE_JOB, 2), whole=False)[1]
    finally:
        other.close()
    assert created.job is not None
    assert _job_ids(post(application, request(operations.GET_JOBS, 3))[1]) == [created.job.value("job-id")]
    assert dispatched == [1, 2, 3]


def test_the_cache_stays_bounded() -> None:
    cache = AnswerCache(max_entries=4)
    for index in range(10):
        key = cache.key({}, b"\x02\x00\x00\x0b" + index.to_bytes(4, "big") + bytes([index]))
        assert key is not None
        cache.put(key, b"\x02\x00\x00\x00\x00\x00\x00\x01\x03", lambda: True)
        assert len(cache._answers) <= 4
        assert cache.get(key, b"\x00\x00\x00\x09") == b"\x02\x00\x00\x00\x00\x00\x00\x09\x03"
    assert cache.key({}, b"\x02\x00" + b"\x00" * 5000) is None
