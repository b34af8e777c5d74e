"""Self-tests of the shared harness against the real reference servers (ippeveprinter, cupsd)."""

from __future__ import annotations

import os
import plistlib
import struct
import sys
from pathlib import Path

import pytest
from harness import (
    Ippeveprinter,
    IppServer,
    Ipptool,
    IpptoolResult,
    ManagedProcess,
    PrivateCupsd,
    PrivatePostgres,
    SampleDocuments,
    Suite,
    assert_ipptool_passed,
    attach_log,
    free_port,
    parse_transcript,
    require_tool,
)
from harness.documents import drop_missing_guarded_files
from harness.ipptool import Counts, parse_plist
from harness.logs import failure_sections
from harness.processes import group_members, port_answers

from ipp_wsgi.pagecount.pdf import count_pdf_pages
from ipp_wsgi.pagecount.raster import count_pwg_pages

# Recorded from `ipptool -t -I` (CUPS 2.4.2) against ippeveprinter, shortened: an INCLUDE, a failure
# with its reasons, DISPLAY output under a PASS, a skip and ipptool giving up on a missing FILE.
RECORDED = """\
"/suite/ipp-2.0.test":
    IPP/2.0 Get-Printer-Attributes                                       [PASS]
"/suite/ipp-1.1.test":
    RFC 8011 section 4.1.1: Bad request-id value 0                       [PASS]
    RFC 8011 section 4.2.1: Print-Job Operation                          [FAIL]
        RECEIVED: 160 bytes in response
        status-code = client-error-bad-request (Bad mimeMediaType value "".)
        EXPECTED: STATUS successful-ok (got client-error-bad-request)
        status-message="Unsupported document-format mimeMediaType value."
        EXPECTED: job-id
    RFC 8011 section 4.2.5: Get-Printer-Attributes Operation (default)   [PASS]
        color-supported (boolean) = false
        pages-per-minute (integer) = 10
    Get-Job-Attributes Until Job Complete                                [SKIP]
ipptool: Filename "document-a4.pdf" (mapped to "/s/document-a4.pdf") on line 95 of "/s/x.test" cannot be read.

Summary: 5 tests, 3 passed, 1 failed, 1 skipped
Score: 75%
"""

_WRONG_VALUE_TEST = """\
{
    NAME "printer-name is not what the test claims"
    OPERATION Get-Printer-Attributes
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    ATTR keyword requested-attributes printer-name
    STATUS successful-ok
    EXPECT printer-name OF-TYPE name WITH-VALUE "no-such-printer-name"
}
"""


def _recorded_result(tmp_path: Path) -> IpptoolResult:
    path = tmp_path / "recorded.txt"
    path.write_text(RECORDED)
    return IpptoolResult(("ipptool", "-t"), 1, RECORDED, parse_transcript(RECORDED), path)


def test_parser_counts_verdicts_per_file_and_keeps_reasons() -> None:
    transcript = parse_transcript(RECORDED)
    assert (transcript.passed, transcript.failed, transcript.skipped) == (3, 1, 1)
    counts = transcript.counts()
    assert (counts["ipp-2.0.test"].passed, counts["ipp-2.0.test"].failed) == (1, 0)
    assert (counts["ipp-1.1.test"].passed, counts["ipp-1.1.test"].failed, counts["ipp-1.1.test"].skipped) == (
        2,
        1,
        1,
    )
    [failure] = transcript.failures
    assert failure.name == "RFC 8011 section 4.2.1: Print-Job Operation"
    assert failure.reasons == (
        'status-code = client-error-bad-request (Bad mimeMediaType value "".)',
        "EXPECTED: STATUS successful-ok (got client-error-bad-request)",
        'status-message="Unsupported document-format mimeMediaType value."',
        "EXPECTED: job-id",
    )
    display = transcript.verdicts[3]
    assert display.outcome == "PASS" and display.details[0] == "color-supported (boolean) = false"
    assert transcript.fatal == (
        'ipptool: Filename "document-a4.pdf" (mapped to "/s/document-a4.pdf") on line 95 of '
        '"/s/x.test" cannot be read.',
    )


def test_assertion_turns_each_fail_into_a_failure_with_reasons(tmp_path: Path) -> None:
    result = _recorded_result(tmp_path)
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_ipptool_passed(result)
    message = str(failed.value)
    assert "3 passed, 1 failed, 1 skipped" in message
    assert "[FAIL] RFC 8011 section 4.2.1: Print-Job Operation" in message
    assert "EXPECTED: STATUS successful-ok (got client-error-bad-request)" in message
    assert "cannot be read" in message


def test_known_failures_must_still_fail(tmp_path: Path) -> None:
    result = _recorded_result(tmp_path)
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_ipptool_passed(
            result, known_failures={"RFC 8011 section 4.2.1: Print-Job Operation", "Not failing"}
        )
    message = str(failed.value)
    assert "[FAIL]" not in message
    assert "did not fail: ['Not failing']" in message


def test_require_tool_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-xyz is not installed"):
        require_tool("no-such-tool-xyz")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must not skip"):
        require_tool("no-such-tool-xyz")
    assert Path(require_tool("sh")).is_absolute()


def test_logs_attached_to_a_test_appear_in_its_failure_sections(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    log.write_text("first line\nlast line\n")
    attach_log(request.node, "example server", log)
    [(title, text)] = [s for s in failure_sections(request.node) if s[0].startswith("log example server")]
    assert str(log) in title
    assert text == "first line\nlast line"


def test_managed_process_restarts_and_dies_by_pid(tmp_path: Path) -> None:
    port = free_port()
    # A server with a child (like gunicorn's workers): both must die with the group.
    script = f'sleep 60 & exec "{sys.executable}" -m http.server --bind 127.0.0.1 {port}'
    server = ManagedProcess(["sh", "-c", script], tmp_path / "http.log", cwd=tmp_path)
    try:
        server.start()
        server.wait_for_port(port)
        first = server.pid
        assert len(group_members(first)) == 2
        server.kill9()
        assert not server.running() and not port_answers(port)
        assert group_members(first) == []
        server.start()
        server.wait_for_port(port)
        assert server.pid != first
        assert server.stop() is not None
        with pytest.raises(ProcessLookupError):
            os.kill(server.pid, 0)
        assert "--- starting" in server.log.read_text()
    finally:
        server.stop()


def _pwg_header(path: Path) -> tuple[int, int, int]:
    """(x resolution, bits per color, color space) from a PWG raster file's first page header."""
    head = path.read_bytes()[:408]
    assert head[:4] == b"RaS2" and head[4:13] == b"PwgRaster"
    return (
        struct.unpack(">I", head[280:284])[0],
        struct.unpack(">I", head[388:392])[0],
        struct.unpack(">I", head[404:408])[0],
    )


def test_plist_parser_keeps_whole_names_skips_and_errors(tmp_path: Path) -> None:
    # Shaped as ipptool 2.4 -P wrote it for a failing test with a long name and a skipped test.
    long_name = "A test whose name is long enough to be cut by ipptool in its -t output, surely it is"
    plist = tmp_path / "results.plist"
    with plist.open("wb") as stream:
        plistlib.dump(
            {
                "ipptoolVersion": "CUPS v2.4.2",
                "Successful": False,
                "Tests": [
                    {
                        "Name": long_name,
                        "Operation": "Get-Printer-Attributes",
                        "Successful": False,
                        "StatusCode": "successful-ok",
                        "Errors": ['EXPECTED: printer-name WITH-VALUE "nope"', 'GOT: printer-name="print"'],
                    },
                    {"Name": "skipped", "Successful": True, "Skipped": True, "StatusCode": "skip"},
                    {"Name": "passed", "Successful": True, "StatusCode": "successful-ok"},
                ],
            },
            stream,
        )
    transcript = parse_plist(plist, "x.test")
    assert [(v.name, v.outcome) for v in transcript.verdicts] == [
        (long_name, "FAIL"),
        ("skipped", "SKIP"),
        ("passed", "PASS"),
    ]
    assert transcript.failures[0].reasons == (
        'EXPECTED: printer-name WITH-VALUE "nope"',
        'GOT: printer-name="print"',
    )
    assert transcript.counts() == {"x.test": Counts(1, 1, 1)}


def test_sample_documents_are_what_their_names_say(sample_documents: SampleDocuments) -> None:
    magic = {".pdf": b"%PDF-", ".ps": b"%!PS", ".jpg": b"\xff\xd8\xff"}
    for path in sample_documents.basic():
        if path.suffix in magic:
            assert path.read_bytes().startswith(magic[path.suffix]), path
    assert "quick brown fox" in sample_documents.path("testfile.txt").read_text()
    a4 = sample_documents.path("pwg-raster-samples-300dpi/sgray-8/document-a4-sgray-8-300dpi.pwg")
    assert _pwg_header(a4) == (300, 8, 18)
    photo = sample_documents.path("pwg-raster-samples-600dpi/black-1/color.jpg-4x6-black-1-600dpi.pwg")
    assert _pwg_header(photo) == (600, 1, 3)
    for name, pages in [("onepage-letter.pdf", 1), ("document-a4.pdf", 2), ("fourpage-letter.pdf", 4)]:
        with sample_documents.path(name).open("rb") as stream:
            assert count_pdf_pages(stream) == pages, name
    with sample_documents.path(
        "pwg-raster-samples-300dpi/srgb-8/fourpage-a4-srgb-8-300dpi.pwg"
    ).open("rb") as stream:
        assert count_pwg_pages(stream) == 4


def test_suite_drops_only_files_of_guarded_missing_samples(ipptool_suite: Suite) -> None:
    everywhere = ipptool_suite.test_file("ipp-everywhere.test").read_text()
    assert "FILE pwg-raster-samples-600dpi/srgb-8/document-a4-srgb-8-600dpi.pwg" in everywhere
    assert "FILE pwg-raster-samples-720dpi/" not in everywhere
    assert "SKIP-IF-MISSING pwg-raster-samples-720dpi/srgb-8/document-a4-srgb-8-720dpi.pwg" in everywhere
    assert list(ipptool_suite.patched) == ["ipp-everywhere.test"]
    unguarded = "{\n\tNAME x\n\tFILE missing.pdf\n}\n"
    assert drop_missing_guarded_files(unguarded, ipptool_suite.path) == (unguarded, 0)


def test_get_printer_attributes_passes_against_ippeveprinter(
    ipptool: Ipptool, ippeveprinter: Ippeveprinter
) -> None:
    result = ipptool.run(ippeveprinter.uri, "get-printer-attributes.test")
    assert_ipptool_passed(result)
    assert result.transcript.passed == 1


def test_ipp_1_1_passes_against_ippeveprinter_with_generated_documents(
    ipptool: Ipptool, ippeveprinter: Ippeveprinter
) -> None:
    result = ipptool.run(ippeveprinter.uri, "ipp-1.1.test")
    assert_ipptool_passed(result)
    assert result.transcript.failed == 0 and result.transcript.passed > 0
    assert result.transcript.counts()["ipp-1.1.test"].passed == result.transcript.passed
    # ippeveprinter -k keeps what it printed: the documents really went over the wire.
    assert any(path.is_file() for path in ippeveprinter.spool_dir.rglob("*"))


def test_a_wrong_expectation_is_a_failure_with_ipptool_reasons(
    ipptool: Ipptool, ippeveprinter: Ippeveprinter, tmp_path: Path
) -> None:
    test_file = tmp_path / "wrong-value.test"
    test_file.write_text(_WRONG_VALUE_TEST)
    result = ipptool.run(ippeveprinter.uri, test_file)
    assert (result.transcript.passed, result.transcript.failed) == (0, 1)
    assert result.returncode != 0
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_ipptool_passed(result)
    message = str(failed.value)
    assert "[FAIL] printer-name is not what the test claims" in message
    assert "EXPECTED: printer-name WITH-VALUE" in message
    assert "GOT: printer-name=" in message


def test_cupsd_raw_queue_is_listed_by_lpstat(cupsd: PrivateCupsd) -> None:
    cupsd.add_queue("nullq", "file:///dev/null")
    lpstat = require_tool("lpstat")
    listed = cupsd.run(lpstat, "-h", cupsd.server, "-v")
    assert "device for nullq:" in listed.stdout and "/dev/null" in listed.stdout


def test_ipp_server_serves_get_printer_attributes_across_restarts(
    ipptool: Ipptool, ipp_server: IppServer
) -> None:
    assert ipp_server.uri == f"ipp://127.0.0.1:{ipp_server.port}/ipp/print"
    assert_ipptool_passed(ipptool.run(ipp_server.uri, "get-printer-attributes.test"))
    first = ipp_server.pid
    ipp_server.restart()
    assert ipp_server.pid != first
    assert_ipptool_passed(ipptool.run(ipp_server.uri, "get-printer-attributes.test"))
    ipp_server.kill9()
    assert not port_answers(ipp_server.port)
    ipp_server.start()
    assert_ipptool_passed(ipptool.run(ipp_server.uri, "get-printer-attributes.test"))


@pytest.mark.integration
def test_private_postgres_keeps_data_across_a_restart_and_dies_by_pid(postgres_server: PrivatePostgres,
                                                                        postgres_url: str) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    assert postgres_url.startswith(f"postgresql://ippwsgi@127.0.0.1:{postgres_server.port}/")
    postgres_server.sql("CREATE TABLE t (n integer); INSERT INTO t VALUES (7)", database)
    first = postgres_server.pid
    if os.geteuid() == 0:  # PostgreSQL refuses root: the harness runs it as an unprivileged user
        assert Path(f"/proc/{first}").stat().st_uid != 0
    postgres_server.restart()
    assert postgres_server.pid != first and group_members(first) == []
    assert postgres_server.sql("SELECT n FROM t", database) == "7"
    # Loopback only: the server listens on 127.0.0.1, nothing else.
    listening = Path("/proc/net/tcp").read_text()
    assert f"0100007F:{postgres_server.port:04X}" in listening
    assert f"00000000:{postgres_server.port:04X}" not in listening
