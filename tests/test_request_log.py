"""One log line per IPP request, one per job change (created, processing, completed...) with the id of the
request that created the job, in text or JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import wait_for
from test_app import IPP, client_for, ipp_request, post

from ipp_wsgi.app import BODY_KEY, IppApplication
from ipp_wsgi.codec import encode, operations
from ipp_wsgi.config import load_config
from ipp_wsgi.logs import JsonFormatter, formatter
from ipp_wsgi.request_log import FIELDS, key_values


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IppApplication]:
    made = IppApplication(load_config(spool_dir=tmp_path / "spool"))
    yield made
    made.close()


def lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    return [record.ipp for record in caplog.records if record.name == logger]  # type: ignore[attr-defined]


def test_each_request_has_its_line(app: IppApplication, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ipp_wsgi")
    client = client_for(app)
    submitted = post(client, ipp_request(operations.PRINT_JOB), b"hello",
                     extra_environ={"REMOTE_USER": "bob"})
    assert submitted.job is not None
    job_id = submitted.job.value("job-id")
    post(client, ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=job_id), headers={"X-Request-Id": "r-2"})
    post(client, ipp_request(operations.PAUSE_PRINTER))
    first, second, third = lines(caplog, "ipp_wsgi.requests")
    assert list(first) == list(FIELDS)
    assert (first["operation"], first["printer"], first["job_id"], first["user"], first["status"]) == (
        "Print-Job", "print", job_id, "bob", "successful-ok")
    assert first["bytes"] == len(encode(ipp_request(operations.PRINT_JOB))) + len(b"hello")
    assert first["duration"] >= 0
    assert (second["request_id"], second["operation"], second["job_id"], second["user"]) == (
        "r-2", "Get-Job-Attributes", job_id, "alice")
    assert (third["operation"], third["status"]) == ("Pause-Printer", "client-error-forbidden")  # no admins
    [created] = [line for line in lines(caplog, "ipp_wsgi.jobs") if line["event"] == "created"]
    assert created == {"request_id": first["request_id"], "event": "created", "printer": "print",
                       "job_id": job_id, "user": "bob"}


def test_answers_given_again_are_logged_like_the_first(app: IppApplication,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ipp_wsgi.requests")
    body = encode(ipp_request(operations.GET_PRINTER_ATTRIBUTES))
    client = client_for(app)
    for _ in range(3):
        client.post("/ipp/print", body, content_type=IPP, extra_environ={BODY_KEY: body})
    logged = lines(caplog, "ipp_wsgi.requests")
    assert len(logged) == 3
    assert {(line["operation"], line["printer"], line["user"], line["bytes"]) for line in logged} == {
        ("Get-Printer-Attributes", "print", "alice", len(body))}
    assert len({line["request_id"] for line in logged}) == 3


def test_undecodable_requests_are_logged(app: IppApplication, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ipp_wsgi.requests")
    client_for(app).post("/ipp/print", b"\x02\x00\x00\x0b\x00\x00\x00\x07garbage", content_type=IPP)
    [line] = lines(caplog, "ipp_wsgi.requests")
    assert (line["operation"], line["status"]) == ("unknown", "client-error-bad-request")


def test_text_lines_cannot_be_forged() -> None:
    text = key_values({"user": 'x\nfake line "quoted" \\', "printer": "print", "job_id": None})
    assert text == 'user="x\\nfake line \\"quoted\\" \\\\" printer=print job_id=-'
    assert "\n" not in text


def test_json_lines() -> None:
    record = logging.LogRecord("ipp_wsgi.requests", logging.INFO, __file__, 1, "ipp %s", ("x",), None)
    record.ipp = {"operation": "Print-Job", "job_id": 3, "user": "b\u00f6b\n"}
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("info", "ipp_wsgi.requests", "ipp x")
    assert (line["operation"], line["job_id"], line["user"]) == ("Print-Job", 3, "b\u00f6b\n")
    assert line["time"].endswith("+00:00") and isinstance(line["pid"], int)
    assert "\n" not in JsonFormatter().format(record)
    assert not isinstance(formatter("text"), JsonFormatter)


def test_every_job_change_has_its_line_with_the_request_id(app: IppApplication,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ipp_wsgi.jobs")
    client = client_for(app)
    submitted = post(client, ipp_request(operations.PRINT_JOB), b"followed",
                     headers={"X-Request-Id": "r-job"})
    assert submitted.job is not None
    job_id = submitted.job.value("job-id")
    held = post(client, ipp_request(operations.CREATE_JOB, job_hold_until="indefinite"),
                headers={"X-Request-Id": "r-held"})
    assert held.job is not None
    held_id = held.job.value("job-id")
    post(client, ipp_request(operations.CANCEL_JOB, job_id=held_id), headers={"X-Request-Id": "r-cancel"})

    def events() -> list[tuple[int, str, str]]:
        logged = lines(caplog, "ipp_wsgi.jobs")
        return sorted((line["job_id"], line["event"], line["request_id"]) for line in logged)

    wait_for("the job to be printed", lambda: (job_id, "completed", "r-job") in events())
    assert events() == sorted([(job_id, "created", "r-job"), (job_id, "processing", "r-job"),
                               (job_id, "completed", "r-job"), (held_id, "created", "r-held"),
                               (held_id, "canceled", "r-held")])
    [completed] = [r for r in caplog.records if getattr(r, "ipp", {}).get("event") == "completed"]
    assert completed.ipp["reasons"] == ["job-completed-successfully"]  # type: ignore[attr-defined]
    text = formatter("text").format(completed)
    assert f"job request_id=r-job event=completed printer=print job_id={job_id}" in text
    assert "reasons=job-completed-successfully" in text
    [canceled] = [r for r in caplog.records if getattr(r, "ipp", {}).get("event") == "canceled"]
    assert canceled.ipp["reasons"] == ["job-canceled-by-user"]  # type: ignore[attr-defined]
