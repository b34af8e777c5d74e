"""Actions from the administration pages: each is its IPP operation, under the same policy."""

from __future__ import annotations

import logging

import pytest
import webtest
from web_helpers import (
    ADMIN,
    OTHER_URI,
    browser,
    form_post,
    ipp,
    job_state,
    printer_state,
    submit,
    token_of,
)

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import operations

PENDING, HELD, CANCELED = 3, 4, 7
IDLE, STOPPED = 3, 5


def _act(client: webtest.TestApp, path: str, action: str, **fields: str) -> webtest.TestResponse:
    page = client.get(path)
    return form_post(client, path, {"action": action, **fields}, token_of(page))


def test_admin_pauses_and_resumes_the_printer(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    page = admin.get("/admin/")
    assert page.html.find("button", value="pause") is not None
    done = form_post(admin, "/admin/printers/print", {"action": "pause", "next": "/admin/"}, token_of(page))
    assert done.status_int == 303 and done.headers["Location"].endswith("/admin/?done=printer-pause")
    assert printer_state(browser(app)) == (STOPPED, True)
    after = admin.get("/admin/?done=printer-pause")
    assert "Printer paused." in after.text and after.html.find("button", value="resume") is not None
    assert _act(admin, "/admin/printers/print", "resume").status_int == 303
    assert printer_state(browser(app)) == (IDLE, True)


def test_admin_rejects_accepts_and_purges(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    job_id = submit(browser(app), "bob", held=True)
    assert _act(admin, "/admin/printers/print", "reject").status_int == 303
    assert printer_state(browser(app)) == (IDLE, False)
    assert _act(admin, "/admin/printers/print", "accept").status_int == 303
    assert printer_state(browser(app)) == (IDLE, True)
    assert _act(admin, "/admin/printers/print", "purge").status_int == 303
    assert ipp(browser(app), operations.GET_JOB_ATTRIBUTES, job_id=job_id).code == 0x0406  # not found


def test_admin_edits_the_description(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    page = admin.get("/admin/printers/print")
    field_names = {field["name"] for field in page.html.select("form.describe input:not([type=hidden])")}
    assert field_names == {"printer-info", "printer-location", "printer-organization",
                           "printer-organizational-unit"}  # what printer-settable-attributes-supported says
    fields = {"printer-info": "Second floor laser", "printer-location": "Room 2.14 <east>"}
    assert _act(admin, "/admin/printers/print", "describe", **fields).status_int == 303
    answer = ipp(browser(app), operations.GET_PRINTER_ATTRIBUTES)
    assert answer.printer is not None
    assert answer.printer.value("printer-info") == "Second floor laser"
    assert answer.printer.value("printer-location") == "Room 2.14 <east>"
    assert "Room 2.14 &lt;east&gt;" in browser(app).get("/printers/print").text
    refused = _act(admin, "/admin/printers/print", "describe", **{"printer-make-and-model": "x"})
    assert refused.status_int == 400  # not settable here: the operation refuses it


def test_cancel_hold_release_restart_from_the_pages(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    held = submit(browser(app), "bob", held=True)
    queued = submit(browser(app), "bob")
    path = f"/admin/jobs/{held}"
    buttons = admin.get(path).html.select("form button[name=action]")
    assert {button["value"] for button in buttons} == {"cancel", "release"}
    assert _act(admin, path, "release").status_int == 303
    assert job_state(browser(app), held) == PENDING
    assert _act(admin, path, "hold").status_int == 303
    assert job_state(browser(app), held) == HELD
    assert _act(admin, f"/admin/jobs/{queued}", "cancel").status_int == 303
    assert job_state(browser(app), queued) == CANCELED
    assert _act(admin, f"/admin/jobs/{queued}", "restart").status_int == 303
    assert job_state(browser(app), queued) == PENDING


def test_move_and_reprioritise(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    job_id = submit(browser(app), "bob", held=True)
    page = admin.get(f"/admin/jobs/{job_id}")
    assert [o.get_text() for o in page.html.select("select[name=printer] option")] == ["other"]
    assert _act(admin, f"/admin/jobs/{job_id}", "priority", priority="90").status_int == 303
    answer = ipp(browser(app), operations.GET_JOB_ATTRIBUTES, job_id=job_id)
    assert answer.job is not None and answer.job.value("job-priority") == 90
    assert _act(admin, f"/admin/jobs/{job_id}", "priority", priority="101").status_int == 400
    assert _act(admin, f"/admin/jobs/{job_id}", "move", printer="other").status_int == 303
    moved = ipp(browser(app), operations.GET_JOB_ATTRIBUTES, OTHER_URI, job_id=job_id)
    assert moved.job is not None and moved.job.value("job-printer-uri") == OTHER_URI
    assert _act(admin, f"/admin/jobs/{job_id}", "move", printer="nowhere").status_int == 400


def test_a_user_acts_on_their_own_jobs_only(app: IppApplication) -> None:
    mine = submit(browser(app), "alice", name="letter", held=True)
    theirs = submit(browser(app), "bob", name="report", held=True)
    alice = browser(app, "alice")
    page = alice.get("/admin/jobs")
    assert page.html.select(f'tr[data-job-id="{mine}"] button[value=release]')
    assert not page.html.select(f'tr[data-job-id="{theirs}"] button')
    token = token_of(page)
    refused = form_post(alice, f"/admin/jobs/{theirs}", {"action": "cancel"}, token)
    assert refused.status_int == 403 and "belongs to another user" in refused.text
    assert job_state(browser(app), theirs) == HELD
    done = form_post(alice, f"/admin/jobs/{mine}", {"action": "release"}, token)
    assert done.status_int == 303
    assert job_state(browser(app), mine) == PENDING


def test_admin_actions_are_neither_offered_nor_allowed_to_a_user(app: IppApplication) -> None:
    alice = browser(app, "alice")
    page = alice.get("/admin/")
    assert not page.html.select("button[value=pause]") and not page.html.select("button[value=purge]")
    assert not alice.get("/admin/printers/print").html.select("form.describe")
    token = token_of(alice.get("/admin/jobs/" + str(submit(browser(app), "alice", held=True))))
    for action in ("pause", "reject", "purge"):
        refused = form_post(alice, "/admin/printers/print", {"action": action}, token)
        assert refused.status_int == 403, action
    assert printer_state(browser(app)) == (IDLE, True)
    promote = form_post(alice, "/admin/jobs/1", {"action": "promote"}, token)
    assert promote.status_int == 403  # Promote-Job is an operator's operation


def test_actions_only_by_post(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    admin.get("/admin/printers/print?action=pause")
    assert printer_state(browser(app)) == (IDLE, True)
    job_id = submit(browser(app), "bob", held=True)
    browser(app, ADMIN).post(f"/jobs/{job_id}", {"action": "cancel"}, status=400)  # the read-only pages
    assert job_state(browser(app), job_id) == HELD
    admin.put("/admin/printers/print", status=405)


def test_unknown_actions_and_printers(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    token = token_of(admin.get("/admin/"))
    assert form_post(admin, "/admin/printers/print", {"action": "explode"}, token).status_int == 400
    assert form_post(admin, "/admin/printers/nope", {"action": "pause"}, token).status_int == 404
    assert form_post(admin, "/admin/jobs/999", {"action": "cancel"}, token).status_int == 404


def test_next_is_only_an_admin_page(app: IppApplication) -> None:
    admin = browser(app, ADMIN)
    token = token_of(admin.get("/admin/"))
    for wanted in ("https://evil.example/", "//evil.example/admin/", "/jobs", "/\\evil.example"):
        done = form_post(admin, "/admin/printers/print", {"action": "pause", "next": wanted}, token)
        assert done.headers["Location"].endswith("/admin/printers/print?done=printer-pause"), wanted


def test_each_action_is_logged(app: IppApplication, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ipp_wsgi.web")
    alice = browser(app, "alice")
    job_id = submit(browser(app), "alice", held=True)
    _act(alice, f"/admin/jobs/{job_id}", "release")
    token = token_of(alice.get(f"/admin/jobs/{job_id}"))
    form_post(alice, "/admin/printers/print", {"action": "pause"}, token)
    logged = [record.ipp for record in caplog.records if record.name == "ipp_wsgi.web.interface"]
    assert [(line["operation"], line["user"], line["status"], line["via"]) for line in logged] == [
        ("Release-Job", "alice", "successful-ok", "web"),
        ("Pause-Printer", "alice", "client-error-not-authorized", "web")]
