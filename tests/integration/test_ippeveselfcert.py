"""The PWG's IPP Everywhere self-certification tests (``ipp-tests.test``, ``document-tests.test`` of
istopwg/ippeveselfcert, vendored in ``ippeveselfcert/``) against ``ipp-wsgi serve``, and against CUPS's
ippeveprinter for comparison.

Each file is run as the PWG's ``ipp-tests.sh``/``document-tests.sh`` run it (``ipptool -I -T 120`` /
``-T 300``, a plist with ``-P``), after :func:`harness.selfcert.prepare_selfcert` replaced its libcups 3
``GENERATE-FILE`` blocks by PWG raster files rendered with ghostscript for the printer under test. The
verdicts are read from the plist (whole test names; ``-t`` cuts long ones). Every test must pass except
the ones named in the expected-failure tables below, each with its reason; a listed test that passes
fails the test too, so the table cannot go stale. The counts, the skipped tests (what the PWG file skips
because the printer does not support it) and the failures are printed in the terminal summary.

The printer is addressed as ``ipp://localhost:PORT``: CUPS's HTTP client sends ``Host: localhost`` for a
loopback address, ipp-wsgi (as cupsd) builds the URIs of its answers from the Host header, and the PWG
file compares ``job-printer-uri`` with the URI ipptool was given.

ipp-wsgi's printer (a command that takes a second over each document) writes each document to a
directory: after the run, the documents found there must be byte for byte documents the file sent.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import Ippeveprinter, IppServer, Ipptool, IpptoolResult, SampleDocuments
from harness.ipptool import assert_ipptool_passed, parse_plist
from harness.selfcert import (
    SELFCERT_DIR,
    SELFCERT_FILES,
    SELFCERT_RUNS,
    PreparedFile,
    RasterCapabilities,
    SelfcertRun,
    prepare_selfcert,
    raster_capabilities,
)

MEDIA_NEEDED = "I-20.1 media-needed (Get-Printer-Attributes)"
"""Needs an operator and paper: I-20 PAUSEs for the tester to take the paper out of the printer, prints,
and I-20.1 then waits two minutes for ``media-needed`` in printer-state-reasons. A virtual printer never
runs out of paper (ippeveprinter 2.4.2 fails it the same way)."""

EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "ipp-tests.test": {MEDIA_NEEDED: "needs an operator to remove the paper: no media-needed to report"},
    "document-tests.test": {},
}
"""File -> test NAME -> why it fails against ipp-wsgi and ippeveprinter alike."""

# The PWG scripts' -T (seconds ipptool waits for an answer).
TIMEOUTS = {"ipp-tests.test": 120, "document-tests.test": 300}


def run_selfcert(ipptool: Ipptool, uri: str, prepared: PreparedFile, name: str) -> IpptoolResult:
    """Run the prepared file against *uri*; the result's verdicts are those of ipptool's plist."""
    plist = prepared.path.with_suffix(".plist")
    options = ["-T", str(TIMEOUTS[name]), "-P", str(plist)]
    result = ipptool.run(uri, prepared.path, options=options, retry_busy=False)
    if not plist.exists():
        pytest.fail(f"ipptool wrote no plist\n{result.report(('FAIL',))}", pytrace=False)
    from_plist = parse_plist(plist, name)
    # The plist and the -t transcript are two reports of the same run: same tests, same outcomes.
    assert [v.outcome for v in from_plist.verdicts] == [v.outcome for v in result.transcript.verdicts], (
        result.report(("PASS", "FAIL", "SKIP"))
    )
    transcript = dataclasses.replace(from_plist, fatal=result.transcript.fatal)
    return dataclasses.replace(result, transcript=transcript)


def check_selfcert(
    printer: str, ipptool: Ipptool, uri: str, name: str, documents: SampleDocuments, work_dir: Path
) -> tuple[PreparedFile, IpptoolResult]:
    """Prepare *name* for the printer at *uri*, run it, record it for the summary and assert its verdicts."""
    caps = raster_capabilities(ipptool, uri, work_dir / "probe")
    prepared = prepare_selfcert(name, caps, documents, work_dir / "run")
    result = run_selfcert(ipptool, uri, prepared, name)
    expected = EXPECTED_FAILURES[name]
    SELFCERT_RUNS.append(SelfcertRun(printer, name, result.transcript, expected))
    assert_ipptool_passed(result, known_failures=expected)
    return prepared, result


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def file_output_server(
    ipp_server_factory: Callable[..., IppServer], tmp_path: Path
) -> tuple[IppServer, Path]:
    """``ipp-wsgi serve`` with a printer that takes a second over each document, then writes it into a
    directory of its own.

    The second is a real printer's: I-13 and I-13.1 of ipp-tests.test list the job of I-12's Print-Job as
    not completed unless its Print-Job answer already said completed, and a directory output finishes a
    small job in the milliseconds between the answer and the next request (ippeveprinter, the reference,
    also takes its time over each job)."""
    output_dir = tmp_path / "output"
    output_dir.mkdir()
    config = tmp_path / "ipp-wsgi.toml"
    config.write_text(f'[[printers]]\nname = "print"\noutput = "command"\n'
                      f'command = ["sh", "-c", {json.dumps(_SLOW_PRINTER)}, "{output_dir}"]\n')
    return ipp_server_factory(config=config), output_dir


_SLOW_PRINTER = ('sleep 1; name="$0/$IPP_JOB_ID-$IPP_DOCUMENT_NUMBER";'
                 ' cat > "$name.part" && mv "$name.part" "$name"')
"""The printer's command: a second, then the document written whole under its job's and number's name."""


@pytest.mark.parametrize("name", SELFCERT_FILES)
def test_ipp_wsgi_passes_the_pwg_selfcert_file(
    file_output_server: tuple[IppServer, Path],
    ipptool: Ipptool,
    sample_documents: SampleDocuments,
    tmp_path: Path,
    name: str,
) -> None:
    server, output_dir = file_output_server
    uri = f"ipp://localhost:{server.port}/ipp/print"
    prepared, result = check_selfcert("ipp-wsgi", ipptool, uri, name, sample_documents, tmp_path / "selfcert")

    outcome = {v.name: v.outcome for v in result.transcript.verdicts}
    sent = {test: path for test, path in prepared.documents.items() if outcome.get(test) == "PASS"}
    assert sent, prepared.documents
    written = sorted(output_dir.iterdir())
    sent_digests = {_digest(path) for path in sent.values()}
    strangers = [path.name for path in written if _digest(path) not in sent_digests]
    assert written and not strangers, f"written: {[p.name for p in written]}, not sent: {strangers}"
    if name == "document-tests.test":
        # Nothing is canceled there: every document accepted is printed, once.
        assert len(written) == len(sent), ([p.name for p in written], sorted(sent))


@pytest.mark.parametrize("name", SELFCERT_FILES)
def test_ippeveprinter_passes_the_pwg_selfcert_file(
    ippeveprinter: Ippeveprinter,
    ipptool: Ipptool,
    sample_documents: SampleDocuments,
    tmp_path: Path,
    name: str,
) -> None:
    """The reference: CUPS's ippeveprinter fails the same tests only (and gives counts to compare)."""
    check_selfcert("ippeveprinter", ipptool, ippeveprinter.uri, name, sample_documents, tmp_path / "selfcert")


def test_expected_failures_name_tests_of_the_files() -> None:
    """Every expected failure names a test of its file exactly (a typo would hide a real failure)."""
    for name, failures in EXPECTED_FAILURES.items():
        text = (SELFCERT_DIR / name).read_text()
        for test in failures:
            assert f'NAME "{test}"' in text, (name, test)


# git blob ids of the files at the commit the README names: the vendored files are the PWG's, unedited.
UPSTREAM_BLOBS = {
    "ipp-tests.test": "e9c0ff4ed4aa8b9a2ff2fd47c0992b5c05ee8262",
    "document-tests.test": "b85cdaf28eb531837fe3b36d15d9e82dc08f731d",
    "dnssd-tests.sh": "959d37c6445900803db23ce01955e2aade18565f",
    "dnssd-value-tests.test": "d1e6707715dd44cd24da559a2b080be496547c9f",
    "dnssd-access-tests.test": "0593ad19ae90be568d3352c3e59f8fe737b416ad",
    "LICENSE": "d645695673349e3947e8e5ae42332d0ac3164cd7",
    "NOTICE": "9df20ebd2c5a210e72b508b58f43891bab231e4f",
}


def test_vendored_files_are_the_pwgs() -> None:
    """The vendored files hash to their upstream blobs: every change is made by the harness, at run time."""
    for name, blob in UPSTREAM_BLOBS.items():
        data = (SELFCERT_DIR / name).read_bytes()
        assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob, name


@pytest.mark.parametrize("name", SELFCERT_FILES)
def test_prepared_file_differs_only_in_its_documents(
    sample_documents: SampleDocuments, tmp_path: Path, name: str
) -> None:
    """The run's copy replaces the GENERATE-FILE blocks and the FILE names, and changes nothing else."""
    caps = RasterCapabilities(("black_1", "sgray_8", "srgb_8"), (300, 600), "na_letter_8.5x11in", "color")
    prepared = prepare_selfcert(name, caps, sample_documents, tmp_path)
    original = (SELFCERT_DIR / name).read_text().splitlines()
    copy = prepared.path.read_text().splitlines()
    assert not any("GENERATE-FILE {" in line for line in copy)
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(original, copy):
        if line.startswith("- "):
            removed.append(line[2:].strip())
        elif line.startswith("+ "):
            added.append(line[2:].strip())
    blocks = sum(line.strip() == "GENERATE-FILE {" for line in original)
    assert blocks == len(prepared.replacements) == {"ipp-tests.test": 5, "document-tests.test": 14}[name]
    # Removed: the blocks' lines, and the FILE lines of the JPEG/PDF documents; added: one comment and
    # one absolute FILE per block, and the FILE lines again with absolute paths.
    assert all(
        line.startswith(("GENERATE-FILE {", "COLORSPACE ", "RESOLUTION ", "NUM-PAGES ", "}", "FILE "))
        for line in removed
    ), removed
    assert all(line.startswith(("# GENERATE-FILE (libcups 3)", 'FILE "/')) for line in added), added
    files = [line for line in added if line.startswith("FILE ")]
    assert len(files) == len(prepared.documents)
    for path in prepared.documents.values():
        assert path.is_absolute() and path.stat().st_size > 0
    # "auto" at "min" is srgb_8 at 300 dpi for a colour printer; document-tests' "max" is 600 dpi.
    for replacement in prepared.replacements:
        pwg_type, _, dpi, _ = replacement.block.document(caps)
        if replacement.block.colorspace == "auto":
            assert pwg_type == "srgb_8"
        assert dpi == (600 if replacement.block.resolution == "max" else 300)
        assert replacement.document.read_bytes()[:4] == b"RaS2"
