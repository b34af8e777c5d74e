"""Running CUPS's ``ipptool -t`` and turning its verdicts into test results.

A transcript of ``ipptool -t`` looks like::

    "/path/ipp-1.1.test":
        RFC 8011 section 4.2.1: Print-Job Operation                          [FAIL]
            RECEIVED: 160 bytes in response
            EXPECTED: STATUS successful-ok (got client-error-bad-request)
        Get-Job-Attributes Until Job Complete                                [SKIP]
    ipptool: Filename "x.pdf" ... cannot be read.
    Summary: 37 tests, 27 passed, 4 failed, 6 skipped

The bracketed verdicts are counted per file header (the ``Summary:`` line undercounts files that
``INCLUDE`` others, so it is ignored); lines starting with ``ipptool:`` are fatal errors (ipptool gave up
on the file).
"""

from __future__ import annotations

import plistlib
import re
import subprocess
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .documents import Suite

_HEADER = re.compile(r'^"(?P<file>.+)":$')
_VERDICT = re.compile(r"^    (?P<name>\S.*?)\s*\[(?P<outcome>PASS|FAIL|SKIP)\]$")
_DETAIL = re.compile(r"^        (?P<text>.*)$")
_FATAL = re.compile(r"^ipptool: ")
_REASON_PREFIXES = ("EXPECTED:", "GOT:", "BAD ", "WITH-VALUE", "status-code =", "status-message=")


@dataclass(frozen=True)
class Verdict:
    """One test of an ipptool file and what ipptool said about it."""

    file: str
    name: str
    outcome: str
    """``"PASS"``, ``"FAIL"`` or ``"SKIP"``."""
    details: tuple[str, ...] = ()
    """The indented lines ipptool printed under the verdict (reasons of a failure, DISPLAY output)."""

    @property
    def reasons(self) -> tuple[str, ...]:
        """The ``EXPECTED:``/``GOT:``/status lines among :attr:`details`."""
        return tuple(line for line in self.details if line.startswith(_REASON_PREFIXES))

    def describe(self) -> str:
        """The verdict line with its details below it, as ipptool printed them."""
        return "\n".join([f"[{self.outcome}] {self.name}", *(f"    {line}" for line in self.details)])


@dataclass(frozen=True)
class Counts:
    """How many tests of one file passed, failed and were skipped."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Transcript:
    """The parsed output of one ``ipptool -t`` run."""

    verdicts: tuple[Verdict, ...]
    fatal: tuple[str, ...] = ()
    """``ipptool: ...`` lines: errors after which ipptool stopped reading a test file."""

    @property
    def passed(self) -> int:
        """Number of ``[PASS]`` verdicts."""
        return self._count("PASS")

    @property
    def failed(self) -> int:
        """Number of ``[FAIL]`` verdicts."""
        return self._count("FAIL")

    @property
    def skipped(self) -> int:
        """Number of ``[SKIP]`` verdicts."""
        return self._count("SKIP")

    @property
    def failures(self) -> list[Verdict]:
        """The ``[FAIL]`` verdicts."""
        return [v for v in self.verdicts if v.outcome == "FAIL"]

    def counts(self) -> dict[str, Counts]:
        """Pass/fail/skip counts per test file (an INCLUDEd file is counted under its own name)."""
        result: dict[str, Counts] = {}
        for verdict in self.verdicts:
            old = result.get(Path(verdict.file).name, Counts())
            result[Path(verdict.file).name] = Counts(
                old.passed + (verdict.outcome == "PASS"),
                old.failed + (verdict.outcome == "FAIL"),
                old.skipped + (verdict.outcome == "SKIP"),
            )
        return result

    def _count(self, outcome: str) -> int:
        return sum(v.outcome == outcome for v in self.verdicts)


def parse_transcript(text: str) -> Transcript:
    """Parse the output of ``ipptool -t`` (see the module docstring for its shape)."""
    verdicts: list[Verdict] = []
    fatal: list[str] = []
    current_file = ""
    details: list[str] = []

    def flush() -> None:
        if verdicts and details:
            last = verdicts[-1]
            verdicts[-1] = Verdict(last.file, last.name, last.outcome, (*last.details, *details))
        details.clear()

    for line in text.splitlines():
        if header := _HEADER.match(line):
            flush()
            current_file = header["file"]
        elif verdict := _VERDICT.match(line):
            flush()
            verdicts.append(Verdict(current_file, verdict["name"], verdict["outcome"]))
        elif (detail := _DETAIL.match(line)) and verdicts:
            details.append(detail["text"])
        elif _FATAL.match(line):
            fatal.append(line)
    flush()
    return Transcript(tuple(verdicts), tuple(fatal))


def parse_plist(path: Path, file: str) -> Transcript:
    """The verdicts of the plist ``ipptool -P path`` wrote (one test file's run), named *file*.

    Unlike ``-t``, which cuts long test names to fit its column, the plist has each test's whole NAME;
    a failure's details are its ``Errors``, a test with ``Skipped`` true is ``"SKIP"``.
    """
    with path.open("rb") as stream:
        data = plistlib.load(stream)
    verdicts = []
    for test in data.get("Tests", []):
        outcome = "SKIP" if test.get("Skipped") else "PASS" if test.get("Successful") else "FAIL"
        verdicts.append(Verdict(file, str(test["Name"]), outcome, tuple(map(str, test.get("Errors", ())))))
    return Transcript(tuple(verdicts))


@dataclass(frozen=True)
class IpptoolResult:
    """One ipptool run: the command, its exit code, its output and the parsed verdicts."""

    argv: tuple[str, ...]
    returncode: int
    output: str
    transcript: Transcript
    output_path: Path
    """Where the full output was saved."""

    def report(self, only: Collection[str] = ("FAIL",)) -> str:
        """The command, the verdicts whose outcome is in *only*, and any fatal errors, for a message."""
        lines = [f"$ {' '.join(self.argv)}  (exit {self.returncode}, output in {self.output_path})"]
        lines += [v.describe() for v in self.transcript.verdicts if v.outcome in only]
        lines += list(self.transcript.fatal)
        return "\n".join(lines)


def assert_ipptool_passed(result: IpptoolResult, known_failures: Collection[str] = ()) -> None:
    """Fail the current test unless ipptool ran every test of the file(s) without a ``[FAIL]``.

    Each ``[FAIL]`` is listed with ipptool's reasons. A fatal ``ipptool:`` error, or a run without a
    single ``[PASS]``, is a failure too. Tests named in *known_failures* may fail, but must still be run
    (a listed test that no longer fails is reported, so the list cannot go stale).
    """
    transcript = result.transcript
    unexpected = [v for v in transcript.failures if v.name not in known_failures]
    stale = sorted(set(known_failures) - {v.name for v in transcript.failures})
    problems = [v.describe() for v in unexpected]
    problems += list(transcript.fatal)
    if stale:
        problems.append(f"listed as known failures but did not fail: {stale}")
    if transcript.passed == 0:
        problems.append("no test passed")
    if not unexpected and not transcript.failures and not transcript.fatal and result.returncode != 0:
        problems.append(f"ipptool exited with {result.returncode}")
    if problems:
        summary = f"{transcript.passed} passed, {transcript.failed} failed, {transcript.skipped} skipped"
        command = f"$ {' '.join(result.argv)}  (output in {result.output_path})"
        pytest.fail("\n".join([f"ipptool: {summary}", command, *problems]), pytrace=False)


@dataclass
class Ipptool:
    """Runs ``ipptool -t`` with the suite directory as working directory.

    ``test`` is a stock test file name (``"ipp-1.1.test"``, taken from the suite) or a path to a test
    file a test wrote (its ``FILE`` names resolve relative to its own directory: use absolute paths or
    :class:`~harness.documents.SampleDocuments` paths).
    """

    binary: str
    suite: Suite
    output_dir: Path
    timeout: float = 600.0
    _runs: int = field(default=0, init=False)

    def run(
        self,
        uri: str,
        test: str | Path,
        *,
        file: str | Path | None = None,
        defines: Mapping[str, str] | None = None,
        options: Sequence[str] = (),
        ignore_errors: bool = True,
        retry_busy: bool = True,
    ) -> IpptoolResult:
        """Run *test* against *uri* and return the parsed result (never raises on test failures).

        *file* is passed as ``-f`` (the ``$filename`` of the stock files); when None and the test file
        uses ``$filename``, the suite's ``testfile.pdf`` is used. *defines* become ``-d name=value``;
        *ignore_errors* adds ``-I`` (keep going after a failure), *retry_busy* adds ``-R``.
        """
        test_path = self.suite.test_file(test) if isinstance(test, str) else test
        if file is None and "$filename" in test_path.read_text():
            file = "testfile.pdf"
        argv = [self.binary, "-t"]
        argv += ["-I"] if ignore_errors else []
        argv += ["-R"] if retry_busy else []
        argv += ["-f", str(file)] if file is not None else []
        for name, value in (defines or {}).items():
            argv += ["-d", f"{name}={value}"]
        argv += [*options, uri, str(test_path)]
        # A session of its own, so no controlling terminal: a PAUSE (ipp-tests.test of the PWG) waits for
        # a key on /dev/tty, which would hang the run when pytest is started from a terminal.
        done = subprocess.run(
            argv,
            cwd=self.suite.path,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
            start_new_session=True,
        )
        output = done.stdout + done.stderr
        self._runs += 1
        self.output_dir.mkdir(parents=True, exist_ok=True)
        output_path = self.output_dir / f"ipptool-{self._runs}-{test_path.stem}.txt"
        output_path.write_text(f"$ {' '.join(argv)}\n{output}")
        return IpptoolResult(tuple(argv), done.returncode, output, parse_transcript(output), output_path)
