"""The browser pages in a real browser (headless chromium driven by selenium) against real servers:
``ipp-wsgi serve --htpasswd`` (its own Basic authentication), and the deploy recipes' nginx and Apache.

An administrator pauses a printer from the page (Get-Printer-Attributes then says stopped), releases and
cancels jobs; a plain user acts on their own jobs only and is refused (403) what is not theirs or needs an
administrator, which the pages do not offer; forged POSTs (no token, another origin) are refused. Each page
is kept as a screenshot (see :mod:`browser` for where).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser import (
    check_pause_from_the_page,
    chromium,
    click_and_wait,
    find,
    found,
    printer_state,
    screenshot_dir,
    submit_forged_form,
)
from deploy_servers import (
    ADMIN,
    ADMIN_PASSWORD,
    USER,
    USER_PASSWORD,
    Credentials,
    Deployment,
    ipp_request,
    post_ipp,
    running,
    start_nginx,
)
from harness import IppServer, wait_for

from ipp_wsgi.codec import Message, operations, tags
from ipp_wsgi.htpasswd import set_password

pytestmark = pytest.mark.integration

PENDING_HELD, CANCELED = 4, 7
IDLE, STOPPED = 3, 5


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_dir(tmp_path_factory)


@pytest.fixture
def served(ipp_server_factory: Callable[..., IppServer], tmp_path: Path) -> IppServer:
    """serve with two workers, its own Basic authentication, ``admin`` the administrator."""
    users = tmp_path / "users.htpasswd"
    set_password(users, ADMIN, ADMIN_PASSWORD, cost=4)
    set_password(users, USER, USER_PASSWORD, cost=4)
    return ipp_server_factory(extra_args=["--htpasswd", str(users), "--admin", ADMIN, "--workers", "2"])


def _url(server: IppServer, path: str, user: str | None = None, password: str = "") -> str:
    login = f"{user}:{password}@" if user else ""
    return f"http://{login}127.0.0.1:{server.port}{path}"


def _ipp(server: IppServer, message: Message, document: bytes = b"") -> Message:
    answer = post_ipp(server.port, "/ipp/print", message, tls=False, document=document)
    assert answer.ipp is not None, f"HTTP {answer.status}"
    return answer.ipp


def _submit(server: IppServer, owner: str, name: str) -> int:
    """A held job of ``owner`` (requesting-user-name), submitted over IPP."""
    message = ipp_request(operations.PRINT_JOB, server.uri, owner)
    message.operation.add("job-name", name, tags.NAME_WITHOUT_LANGUAGE)
    message.add_group(tags.JOB_ATTRIBUTES).add("job-hold-until", "indefinite", tags.KEYWORD)
    answer = _ipp(server, message, b"%PDF-1.4 browser test\n")
    assert answer.job is not None, answer
    return int(answer.job.value("job-id"))


def _job_state(server: IppServer, job_id: int) -> int:
    message = ipp_request(operations.GET_JOB_ATTRIBUTES, server.uri, ADMIN)
    message.operation.add("job-id", job_id, tags.INTEGER)
    answer = _ipp(server, message)
    assert answer.job is not None
    return int(answer.job.value("job-state"))


def _printer_state(port: int, uri: str, tls: bool) -> int:
    return printer_state(port, uri, tls)


def test_an_administrator_manages_printers_and_jobs(served: IppServer, screenshots: Path) -> None:
    released = _submit(served, "bob", "quarterly report")
    canceled = _submit(served, "carol", "holiday photos")
    with chromium() as browser:
        browser.get(_url(served, "/admin/", ADMIN, ADMIN_PASSWORD))
        assert "Signed in as admin (administrator)" in find(browser, ".who").text
        browser.save_screenshot(str(screenshots / "admin-printers.png"))
        click_and_wait(browser, "button[value=pause]")
        assert find(browser, ".notice").text == "Printer paused."
        assert _printer_state(served.port, served.uri, tls=False) == STOPPED
        assert "stopped" in find(browser, ".printer .status").text
        browser.save_screenshot(str(screenshots / "admin-printer-paused.png"))
        click_and_wait(browser, "button[value=resume]")
        assert _printer_state(served.port, served.uri, tls=False) != STOPPED

        browser.get(_url(served, "/admin/jobs"))
        assert "quarterly report" in find(browser, f'tr[data-job-id="{released}"]').text
        browser.save_screenshot(str(screenshots / "admin-jobs.png"))
        click_and_wait(browser, f'tr[data-job-id="{released}"] button[value=release]')
        assert find(browser, ".notice").text == "Job released."
        wait_for("the released job to leave pending-held",
                 lambda: _job_state(served, released) != PENDING_HELD)

        browser.get(_url(served, f"/admin/jobs/{canceled}"))
        browser.save_screenshot(str(screenshots / "admin-job.png"))
        click_and_wait(browser, "button[value=cancel]")
        assert find(browser, ".notice").text == "Job canceled."
        assert _job_state(served, canceled) == CANCELED
        history = find(browser, "ol.history").text
        assert "job-created" in history and "canceled" in history

        browser.get(_url(served, "/"))  # the read-only pages: no actions, private names hidden
        assert not found(browser, "button")
        browser.save_screenshot(str(screenshots / "printers.png"))
        browser.get(_url(served, "/jobs?state=all"))
        assert "quarterly report" not in browser.page_source and "(private)" in browser.page_source
        browser.save_screenshot(str(screenshots / "jobs.png"))
        browser.get(_url(served, f"/jobs/{released}"))
        browser.save_screenshot(str(screenshots / "job.png"))
        browser.set_window_size(390, 844)  # a phone
        browser.get(_url(served, "/admin/jobs?state=all"))
        browser.save_screenshot(str(screenshots / "admin-jobs-phone.png"))


def test_a_user_acts_on_their_own_jobs_only(served: IppServer, screenshots: Path) -> None:
    mine = _submit(served, USER, "alice letter")
    theirs = _submit(served, "bob", "bob report")
    with chromium() as browser:
        browser.get(_url(served, "/admin/jobs", USER, USER_PASSWORD))
        assert "Signed in as alice" in find(browser, ".who").text
        assert found(browser, f'tr[data-job-id="{mine}"] button[value=release]')
        assert not found(browser, f'tr[data-job-id="{theirs}"] button')
        assert "bob report" not in browser.page_source and "alice letter" in browser.page_source
        browser.save_screenshot(str(screenshots / "user-jobs.png"))
        token = find(browser, "input[name=csrf_token]").get_attribute("value") or ""
        browser.get(_url(served, "/admin/"))
        assert not found(browser, "button[value=pause]") and not found(browser, "button[value=purge]")

        submit_forged_form(browser, "/admin/printers/print", {"action": "pause", "csrf_token": token})
        assert find(browser, "h1").text == "Not allowed"
        assert "not allowed for this user" in find(browser, ".error").text
        browser.save_screenshot(str(screenshots / "user-refused-pause.png"))
        assert _printer_state(served.port, served.uri, tls=False) == IDLE

        browser.get(_url(served, "/admin/jobs"))
        submit_forged_form(browser, f"/admin/jobs/{theirs}", {"action": "cancel", "csrf_token": token})
        assert find(browser, "h1").text == "Not allowed"
        assert "belongs to another user" in find(browser, ".error").text
        browser.save_screenshot(str(screenshots / "user-refused-cancel.png"))
        assert _job_state(served, theirs) == PENDING_HELD

        browser.get(_url(served, "/admin/jobs"))
        click_and_wait(browser, f'tr[data-job-id="{mine}"] button[value=cancel]')
        assert find(browser, ".notice").text == "Job canceled."
        assert _job_state(served, mine) == CANCELED


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    """Another site's page that submits a form to the print server as soon as it loads."""

    target = ""
    token = ""

    def do_GET(self) -> None:
        token = f'<input type="hidden" name="csrf_token" value="{self.token}">'
        if "token" not in self.path:
            token = ""
        page = (f'<!doctype html><title>Win a prize</title><form method="post" action="{self.target}">'
                f'<input type="hidden" name="action" value="pause">{token}</form>'
                "<script>document.forms[0].submit()</script>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def attacker(served: IppServer) -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _AttackerPage)
    _AttackerPage.target = f"http://127.0.0.1:{served.port}/admin/printers/print"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_forged_posts_are_refused(served: IppServer, attacker: http.server.HTTPServer,
                                  screenshots: Path) -> None:
    with chromium() as browser:
        browser.get(_url(served, "/admin/", ADMIN, ADMIN_PASSWORD))  # the administrator is signed in
        _AttackerPage.token = find(browser, "input[name=csrf_token]").get_attribute("value") or ""
        evil = f"http://127.0.0.1:{attacker.server_address[1]}"
        for page in ("/no-token", "/with-token"):  # the Origin check refuses both, before the token's
            browser.get(evil + page)
            wait_for("the forged form's answer", lambda: "/admin/printers/print" in browser.current_url)
            assert find(browser, "h1").text == "Not allowed", browser.page_source
            assert "comes from another site" in find(browser, ".error").text
            assert _printer_state(served.port, served.uri, tls=False) == IDLE
        browser.save_screenshot(str(screenshots / "forged-post-refused.png"))
        # Without the page's token, from the page itself: refused too.
        browser.get(_url(served, "/admin/"))
        submit_forged_form(browser, "/admin/printers/print", {"action": "pause"})
        assert "security token is missing or wrong" in find(browser, ".error").text
        assert _printer_state(served.port, served.uri, tls=False) == IDLE


def test_an_administrator_behind_nginx(request: pytest.FixtureRequest, credentials: Credentials,
                                      system_venv: Path, screenshots: Path) -> None:
    def start(root: Path) -> Deployment:
        return start_nginx(root, credentials, system_venv)

    with running(request, "ipp-wsgi-browser-nginx-", start) as deployment:
        check_pause_from_the_page(deployment, screenshots / "nginx-admin-paused.png")
