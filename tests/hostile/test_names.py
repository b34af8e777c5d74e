"""Names from clients (job-name, document-name, requesting-user-name, printer paths in URIs) never reach a
path, a shell or a log line unescaped.

Each hostile name is submitted to both printers; afterwards the temp dir holds exactly the files the server
is expected to make (named by job-id, never by a client), no shell payload ran, the command got its
configured argv and an environment without the name, and no log line carries a raw newline from a client.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from hostile_helpers import (
    ADMIN,
    HOST,
    OTHER_URI,
    PRINTER_URI,
    RECORD_COMMAND,
    client_for,
    ipp_request,
    post,
    submit,
    wait_until_ended,
    write_config,
)

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import operations, status
from ipp_wsgi.config import Config

DOCUMENT = b"%PDF-1.4 names\n"
CANARY = "pwned"
"""Shell payloads below try to create a file called this in the test's temp dir."""


def hostile_names(root: Path) -> dict[str, str]:
    canary = root / CANARY
    return {
        "parent dirs": "../../../../../../tmp/../etc/passwd",
        "absolute path": str(root / "output" / "print" / "1-1.pdf"),
        "NUL": "report\x00.pdf",
        "newlines": "line one\nline two\r\nX-Injected: yes",
        "command substitution": f"$(touch {canary})",
        "backticks": f"`touch {canary}`",
        "shell separators": f"a; touch {canary} && echo | cat > {canary} #",
        "glob and quotes": "*'\"?[a-z]{x,y}~",
        "long UTF-8 (4-byte)": "\U0001f5a8" * 8000,
        "long UTF-8 (3-byte, at the string limit)": "\u6f22" * 10922,
        "bidi and control": "\u202egnp.exe\u0007\u001b[31m",
        "percent-encoded dots": "%2e%2e%2f%2e%2e%2fetc",
    }


@pytest.fixture
def names(tmp_path: Path) -> dict[str, str]:
    return hostile_names(tmp_path)


def _submit_everywhere(client: webtest.TestApp, name: str) -> list[tuple[str, int]]:
    """Print-Job with ``name`` as job-name, document-name and requesting-user-name on both printers."""
    done = []
    for uri in (PRINTER_URI, OTHER_URI):
        job_id = submit(client, user=name, printer_uri=uri, document=DOCUMENT, job_name=name,
                        document_name=name, document_format="application/pdf")
        done.append((uri, job_id))
    for uri, job_id in done:
        assert wait_until_ended(client, job_id, uri) == 9
    return done


def _files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


_EXPECTED = re.compile(r"ipp-wsgi\.toml|spool(/(docs|tmp)(/\d+-\d+)?|/jobs\.sqlite3(-wal|-shm|-journal)?"
                       r"|/printing\.(lock|wake))?"
                       r"|output(/print(/\d+-\d+\.pdf)?)?|records(/\d+-\d+\.json)?")


def test_names_never_become_paths_or_shell_words(client: webtest.TestApp, config: Config, tmp_path: Path,
                                                 names: dict[str, str],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ipp_wsgi")
    jobs = {label: _submit_everywhere(client, name) for label, name in names.items()}
    unexpected = sorted(name for name in _files(tmp_path) if not _EXPECTED.fullmatch(name))
    assert unexpected == []
    assert not (tmp_path / CANARY).exists(), "a shell payload ran"
    # The name is kept as sent (escaping is the job of whoever shows it) and the document is intact.
    for label, name in names.items():
        (_, print_job), (_, other_job) = jobs[label]
        answer = post(client, ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=print_job),
                      extra_environ={"REMOTE_USER": ADMIN})
        assert answer.job is not None
        assert (answer.job.value("job-name"), answer.job.value("job-originating-user-name")) == (name, name)
        assert (tmp_path / "output" / "print" / f"{print_job}-1.pdf").read_bytes() == DOCUMENT
        _check_command_record(tmp_path / "records" / f"{other_job}-1.json", name)
    raw_lines = [record.getMessage() for record in caplog.records
                 if "\nline two" in record.getMessage() or "\nX-Injected" in record.getMessage()]
    assert raw_lines == [], "a client's newline reached a log line unescaped"


def _check_command_record(path: Path, name: str) -> None:
    record = json.loads(path.read_text("utf-8"))
    assert record["argv"] == [str(RECORD_COMMAND), str(path.parent)]
    assert record["size"] == len(DOCUMENT)
    fragments = {part for part in re.split(r"[\x00\n\r/ ;$`()]+", name) if len(part) > 3}
    leaked = [(key, value) for key, value in record["env"].items() for part in fragments if part in value]
    assert leaked == [], "a client's name reached the command's environment"
    assert record["env"]["IPP_PRINTER_NAME"] == "other"


@pytest.mark.parametrize("path", [
    "/ipp/../ipp/print", "/ipp/print/../other", "/ipp/%2e%2e/ipp/print", "/ipp/print%00", "/ipp/print%0a",
    "/ipp/print/..", "/ipp/./print", "//ipp/print/../../etc/passwd", "/ipp/print;rm -rf",
    "/ipp/\u6f22\u6f22" * 200,
])
def test_printer_paths_from_uris_match_configured_paths_only(client: webtest.TestApp, path: str) -> None:
    uri = f"ipp://{HOST}{path}"
    answer = post(client, ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri))
    assert answer.code == status.CLIENT_ERROR_NOT_FOUND
    job_uri = post(client, ipp_request(operations.GET_JOB_ATTRIBUTES, None, job_uri=f"{uri}/1"))
    assert job_uri.code == status.CLIENT_ERROR_NOT_FOUND


FORGED = "x\nprinter evil: idle, accepting jobs\n  uri: ipp://evil.example.com/\x1b[2J"


@pytest.fixture
def public_client(tmp_path: Path) -> Iterator[webtest.TestApp]:
    """A server whose job names and users are public, so that the status page shows them."""
    application = IppApplication(write_config(tmp_path, private_access="all"))
    yield client_for(application)
    application.close()


def test_names_cannot_forge_status_page_lines(public_client: webtest.TestApp) -> None:
    client = public_client
    submit(client, user=FORGED, held=True, job_name=FORGED)
    assert "(private)" not in client.get("/?format=text").text
    page = client.get("/?format=text").text
    printers = [line for line in page.splitlines() if line.startswith("printer ")]
    assert [line.split(":")[0] for line in printers] == ["printer print", "printer other"]
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", page), "control characters from a client"


def test_names_on_the_html_status_page_are_escaped(public_client: webtest.TestApp) -> None:
    client = public_client
    submit(client, user="<img src=x onerror=alert(1)>", held=True, job_name="<script>alert(1)</script>")
    page = client.get("/").text
    assert "<script>alert" not in page and "<img src" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_identify_message_cannot_forge_log_lines(client: webtest.TestApp,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ipp_wsgi")
    message = "hi\n2026-01-01 00:00:00 CRITICAL ipp_wsgi: forged line\x1b[2J"
    answer = post(client, ipp_request(operations.IDENTIFY_PRINTER, message=message))
    assert answer.code == status.SUCCESSFUL_OK
    logged = [record.getMessage() for record in caplog.records]
    assert any("identify" in line for line in logged), "the request is logged"
    assert not [line for line in logged if re.search(r"[\x00-\x1f\x7f]", line)]
