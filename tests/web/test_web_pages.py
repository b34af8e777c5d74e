"""The read-only pages and the administration pages' views: what they show, to whom, and their headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import webtest
from test_app import ipp_request, post
from web_helpers import ADMIN, OTHER_URI, application, browser, ipp, submit

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import operations, status, tags
from ipp_wsgi.middleware import IppMiddleware


def test_printers_page_shows_each_printer(app: IppApplication) -> None:
    page = browser(app).get("/")
    assert page.content_type == "text/html"
    for text in ("print", "other", "ipp://localhost:8631/ipp/print", "ipp://localhost:8631/ipp/other",
                 "idle, accepting jobs", "ipp-wsgi virtual printer"):
        assert text in page.text
    assert page.html.find("link", rel="stylesheet")["href"] == "/static/app.css"


def test_every_page_carries_the_security_headers(app: IppApplication) -> None:
    client = browser(app)
    for path in ("/", "/jobs", "/printers/print", "/ipp/print", "/no/such/page"):
        response = client.get(path, expect_errors=True)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert browser(app, ADMIN).get("/admin/").headers["Cache-Control"] == "no-store"


def test_the_printer_page_is_at_its_printer_more_info(app: IppApplication) -> None:
    client = browser(app)
    answer = ipp(client, operations.GET_PRINTER_ATTRIBUTES, OTHER_URI)
    assert answer.printer is not None
    more_info = answer.printer.value("printer-more-info")
    page = client.get(more_info.removeprefix("http://localhost:8631"))
    assert "<h1>Printer other</h1>" in page.text
    assert "application/pdf" in page.text and "iso_a4_210x297mm" in page.text
    assert client.get("/printers/other").text == page.text


def test_static_files(app: IppApplication) -> None:
    client = browser(app)
    assert client.get("/static/app.css").content_type == "text/css"
    assert "setInterval" in client.get("/static/refresh.js").text
    client.get("/static/../app.py", status=404)
    client.get("/static/nothing.css", status=404)


def test_anonymous_pages_hide_private_names(app: IppApplication) -> None:
    client = browser(app)
    job_id = submit(client, "bob", name="bob secret report", held=True)
    page = client.get("/jobs").text
    assert "bob secret report" not in page and "(private)" in page
    assert f'href="/jobs/{job_id}"' in page
    assert "bob secret report" not in client.get(f"/jobs/{job_id}").text
    assert "bob secret report" not in client.get("/?format=text").text


def test_a_signed_in_user_sees_only_their_own_names(app: IppApplication) -> None:
    client = browser(app)
    submit(client, "bob", name="bob report", held=True)
    mine = submit(client, "alice", name="alice letter", held=True)
    page = browser(app, "alice").get("/admin/jobs").text
    assert "alice letter" in page and "bob report" not in page and "(private)" in page
    assert "alice letter" in browser(app, "alice").get(f"/admin/jobs/{mine}").text
    assert "bob report" in browser(app, ADMIN).get("/admin/jobs").text


def test_names_are_escaped(make_app: Callable[..., IppApplication]) -> None:
    app = make_app('[jobs]\nprivate_access = "all"\n')
    client = browser(app)
    job_id = submit(client, "<b>mallory</b>", name="<script>alert(1)</script>", held=True)
    for path in ("/", "/jobs", f"/jobs/{job_id}"):
        text = client.get(path).text
        assert "<script>alert" not in text and "<b>mallory" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_text_format_is_the_status_page_of_old(make_app: Callable[..., IppApplication]) -> None:
    app = make_app('[jobs]\nprivate_access = "all"\n')
    client = browser(app)
    job_id = submit(client, "b\u2028ob", name="x\nprinter evil: idle\x1b[2J\u00e9", held=True)
    text = client.get("/", headers={"Accept": "text/plain"}).text
    assert text.splitlines()[:3] == [
        "printer print: idle, accepting jobs", "  uri: ipp://localhost:8631/ipp/print",
        f"  job {job_id} | x\\nprinter evil: idle\\x1b[2J\u00e9 | b\\u2028ob | pending-held | 1 KiB"]
    assert text.splitlines()[3:] == ["printer other: idle, accepting jobs",
                                     "  uri: ipp://localhost:8631/ipp/other", "  no queued jobs"]
    assert client.get("/?format=text").text == text


def test_job_list_filters_and_pages(make_app: Callable[..., IppApplication]) -> None:
    app = make_app("[web]\npage_size = 2\n")
    client = browser(app)
    ids = [submit(client, "alice", name=f"a{n}", authenticated=False) for n in range(3)]
    bob = submit(client, "bob", name="b", printer_uri=OTHER_URI, held=True)
    admin = browser(app, ADMIN)
    first = admin.get("/admin/jobs")
    assert _rows(first) == ids[:2]
    assert first.html.find("a", rel="next")["href"] == "/admin/jobs?page=2"
    second = admin.get("/admin/jobs?page=2")
    assert _rows(second) == [ids[2], bob]
    assert second.html.find("a", rel="prev") is not None and second.html.find("a", rel="next") is None

    def listed(query: str) -> list[int]:
        return _rows(admin.get(f"/admin/jobs?{query}"))

    assert listed("printer=other") == [bob]
    assert listed("owner=bob") == [bob]
    assert listed("state=pending-held") == [bob]
    assert listed("owner=alice&page=2") == [ids[2]]
    ipp(client, operations.CANCEL_JOB, job_id=ids[0])
    assert listed("state=history") == [ids[0]]
    assert listed("state=canceled") == [ids[0]]
    assert listed("state=completed") == []
    assert listed("state=nonsense&printer=nonsense&page=x") == ids[1:3]  # the defaults: active, page 1


def _rows(page: webtest.TestResponse) -> list[int]:
    return [int(row["data-job-id"]) for row in page.html.select("tr[data-job-id]")]


def test_job_page_shows_attributes_documents_and_history(app: IppApplication) -> None:
    client = browser(app)
    job_id = submit(client, "alice", name="letter", held=True, authenticated=False)
    message = ipp_request(operations.CREATE_JOB_SUBSCRIPTIONS, notify_job_id=job_id)
    template = message.add_group(tags.SUBSCRIPTION_ATTRIBUTES)
    template.add("notify-pull-method", "ippget", tags.KEYWORD)
    template.add("notify-events", ["job-state-changed"], tags.KEYWORD)
    assert post(client, message).code == status.SUCCESSFUL_OK
    assert ipp(client, operations.RELEASE_JOB, job_id=job_id).code == status.SUCCESSFUL_OK
    page = browser(app, "alice").get(f"/admin/jobs/{job_id}")
    history = [item.get_text(" ", strip=True) for item in page.html.select("ol.history li")]
    assert history[0].endswith("job-created (pending): Job created.")
    assert any("job-state-changed (pending)" in line for line in history), history
    documents = page.html.find("caption", string=f"Documents of job {job_id}").find_parent("table")
    assert "application/octet-stream" in documents.get_text() or "application/pdf" in documents.get_text()
    rows = page.html.select("table.attributes tbody tr")
    attributes = {row.th.get_text(): row.td.get_text() for row in rows}
    assert attributes["job-name"] == "letter" and attributes["job-state"] == "pending (3)"


def test_unknown_job_and_printer_are_404(app: IppApplication) -> None:
    client = browser(app)
    assert "does not exist" in client.get("/jobs/999", status=404).text
    client.get("/printers/nope", status=404)
    browser(app, ADMIN).get("/admin/jobs/999", status=404)


def test_admin_pages_need_a_user(app: IppApplication) -> None:
    client = browser(app)
    for path in ("/admin/", "/admin/jobs", "/admin/printers/print"):
        response = client.get(path, status=401)
        realm = response.headers["WWW-Authenticate"]
        assert realm == 'Basic realm="ipp-wsgi administration", charset="UTF-8"'
    assert client.get("/admin", status=308).headers["Location"].endswith("/admin/")


def test_where_the_pages_live_is_configured(make_app: Callable[..., IppApplication]) -> None:
    app = make_app('[web]\npath = "/printing"\nadmin_path = "/printing/manage"\n')
    client = browser(app)
    assert "<h1>Printers</h1>" in client.get("/printing/").text
    client.get("/jobs", status=404)
    client.get("/admin/", status=404)
    client.get("/printing/manage/", status=401)
    assert "ipp-wsgi virtual printer" in client.get("/ipp/print").text  # printer-more-info still answers


def test_the_middleware_leaves_the_sites_paths_alone(tmp_path: Path) -> None:
    def site(environ: dict[str, str], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"the site"]

    from web_helpers import write_config

    from ipp_wsgi.config import load_config

    wrapped = IppMiddleware(site, load_config(write_config(tmp_path)))
    try:
        client = browser(wrapped.ipp_app)
        client.app = wrapped
        for path in ("/", "/jobs", "/admin/", "/metrics", "/ipp/print"):
            assert client.get(path).text == "the site"
    finally:
        wrapped.ipp_app.close()
    mounted = IppMiddleware(site, load_config(write_config(tmp_path, '[web]\npath = "/printing"\n'
                                                                     'admin_path = "/printing/admin"\n')))
    try:
        client = browser(mounted.ipp_app)
        client.app = mounted
        assert client.get("/").text == "the site"
        assert client.get("/admin/").text == "the site"
        assert "<h1>Printers</h1>" in client.get("/printing/").text
        client.get("/printing/admin/", status=401)
    finally:
        mounted.ipp_app.close()


@pytest.mark.parametrize("extra", ['[web]\npath = "admin"\n', '[web]\nadmin_path = "/"\n',
                                   '[web]\npage_size = 0\n', '[web]\nnope = 1\n'])
def test_bad_web_settings_are_refused(tmp_path: Path, extra: str) -> None:
    from ipp_wsgi.config import ConfigError

    with pytest.raises(ConfigError, match="web"):
        application(tmp_path, extra)
