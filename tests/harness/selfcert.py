"""The PWG's IPP Everywhere self-certification test files, made runnable with ipptool 2.4.

``tests/integration/ippeveselfcert/`` holds ``ipp-tests.test`` and ``document-tests.test`` exactly as the
PWG publishes them (see the README there). They ask libcups 3's ipptool to make the PWG raster documents
they print (``GENERATE-FILE { COLORSPACE auto RESOLUTION min }``), a directive ipptool 2.4 does not know:
it stops reading the file at it. :func:`prepare_selfcert` writes a copy of a file into a run directory
where each ``GENERATE-FILE`` block is replaced by a ``FILE`` line naming a PWG raster document rendered
beforehand with ghostscript (:class:`~harness.documents.SampleDocuments`) for the printer under test:

- ``COLORSPACE auto``: the raster type of the printer's ``print-color-mode-default`` (``color``:
  ``srgb_8``, ``monochrome``: ``sgray_8``, ``bi-level``: ``black_1``) when it supports it, else the
  first of ``srgb_8``, ``sgray_8``, ``black_1`` it supports; a named type (``black_1``) is that type;
- ``RESOLUTION min``/``max``: the lowest/highest of ``pwg-raster-document-resolution-supported``;
- ``NUM-PAGES n``: *n* pages (1 without it);
- the page size: the ``media`` keyword the test sends (``ATTR keyword media iso_a4_210x297mm``), else
  the printer's ``media-default``.

A document is rendered even for a type the printer lacks (``cmyk_8``): ipptool 2.4 aborts a file at a
``FILE`` it cannot read even inside a test it skips. The JPEG and PDF documents of
``document-tests.test`` (``color.jpg``, ``document-a4.pdf``, ``document-letter.pdf``: 4 pages, as the
PWG's) are rendered with ghostscript too and linked into the run directory; its ``FILE`` lines name them
by absolute path (ipptool 2.4 looks for a relative name in its working directory before the test
file's).

The DNS-SD tests (``dnssd-tests.sh``, a shell script running ippfind and ipptool) need no change:
:func:`prepare_dnssd` copies them into a run directory, where the script finds the files it names
relatively, and :func:`dnssd_results` reads the plist it writes there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.parsers.expat import ExpatError

from .documents import SampleDocuments
from .ipptool import Counts, Ipptool, Transcript, parse_plist

SELFCERT_DIR = Path(__file__).resolve().parents[1] / "integration" / "ippeveselfcert"
"""The vendored PWG files."""

SELFCERT_FILES = ("ipp-tests.test", "document-tests.test")

# The documents document-tests.test prints by name -> the SampleDocuments document that stands in for it.
SELFCERT_DOCUMENTS = {
    "color.jpg": "color.jpg",
    "document-a4.pdf": "fourpage-a4.pdf",
    "document-letter.pdf": "fourpage-letter.pdf",
}

_MEDIA_PAPER = {"na_letter_8.5x11in": "letter", "iso_a4_210x297mm": "a4"}
_COLOR_MODE_TYPE = {"color": "srgb_8", "monochrome": "sgray_8", "bi-level": "black_1"}
_AUTO_ORDER = ("srgb_8", "sgray_8", "black_1")
_PAGES_NAME = {1: "onepage", 4: "fourpage"}

_GENERATE_START = re.compile(r"^(?P<indent>\s*)GENERATE-FILE\s*\{\s*$")
_MEDIA_ATTR = re.compile(r'^\s*ATTR\s+keyword\s+media\s+"?(?P<media>[^"$\s]+)"?\s*$')
_FILE = re.compile(r'^\s*FILE\s+"?(?P<file>[^"\s]+)"?\s*$')
_RESOLUTION = re.compile(r"^(?P<x>\d+)(?:x\d+)?dpi$")

_PROBE = """{
	NAME "Raster capabilities"
	OPERATION Get-Printer-Attributes
	GROUP operation-attributes-tag
	ATTR charset attributes-charset utf-8
	ATTR naturalLanguage attributes-natural-language en
	ATTR uri printer-uri $uri
	STATUS successful-ok
	EXPECT media-default
	EXPECT pwg-raster-document-resolution-supported
	EXPECT pwg-raster-document-type-supported
	DISPLAY media-default
	DISPLAY print-color-mode-default
	DISPLAY pwg-raster-document-resolution-supported
	DISPLAY pwg-raster-document-type-supported
}
"""
_DISPLAYED = re.compile(r"^(?P<name>[a-z-]+) \([^)]*\) = (?P<values>.*)$")


@dataclass(frozen=True)
class RasterCapabilities:
    """What the printer says about PWG raster: what ``GENERATE-FILE``'s ``auto``/``min``/``max`` mean."""

    types: tuple[str, ...]
    """``pwg-raster-document-type-supported`` (``srgb_8``, ...)."""
    resolutions: tuple[int, ...]
    """``pwg-raster-document-resolution-supported``: the horizontal dpi of each value."""
    media_default: str
    color_mode_default: str
    """``print-color-mode-default``, or ``""``."""

    def auto_type(self) -> str:
        """The raster type of ``COLORSPACE auto``."""
        preferred = _COLOR_MODE_TYPE.get(self.color_mode_default)
        if preferred in self.types:
            return preferred
        for candidate in _AUTO_ORDER:
            if candidate in self.types:
                return candidate
        raise ValueError(f"the printer supports none of {_AUTO_ORDER}: {self.types}")


@dataclass(frozen=True)
class GenerateFile:
    """The parameters of one ``GENERATE-FILE { ... }`` block, with the test's media."""

    colorspace: str
    resolution: str
    pages: int
    media: str | None
    """The ``media`` keyword the test sends, or None (the printer's default)."""

    def document(self, caps: RasterCapabilities) -> tuple[str, str, int, str]:
        """(raster type, paper, dpi, PWG sample path) of the document this block asks for on *caps*."""
        pwg_type = caps.auto_type() if self.colorspace == "auto" else self.colorspace
        if self.resolution in ("min", "max"):
            dpi = min(caps.resolutions) if self.resolution == "min" else max(caps.resolutions)
        else:
            match = _RESOLUTION.match(self.resolution)
            if match is None:
                raise ValueError(f"GENERATE-FILE RESOLUTION {self.resolution!r} is not understood")
            dpi = int(match["x"])
        media = self.media or caps.media_default
        if media not in _MEDIA_PAPER:
            raise ValueError(f"no sample document for media {media!r}")
        if self.pages not in _PAGES_NAME:
            raise ValueError(f"no sample document of {self.pages} pages")
        paper = _MEDIA_PAPER[media]
        sample_type = pwg_type.replace("_", "-")
        stem = f"{_PAGES_NAME[self.pages]}-{paper}"
        sample = f"pwg-raster-samples-{dpi}dpi/{sample_type}/{stem}-{sample_type}-{dpi}dpi.pwg"
        return pwg_type, paper, dpi, sample


@dataclass(frozen=True)
class Replacement:
    """One ``GENERATE-FILE`` block of a test file and the document that replaced it."""

    test: str
    """The NAME of the test the block is in."""
    block: GenerateFile
    document: Path


@dataclass(frozen=True)
class PreparedFile:
    """A self-certification file made runnable with ipptool 2.4 (see the module docstring)."""

    path: Path
    replacements: tuple[Replacement, ...]
    documents: dict[str, Path]
    """Test NAME -> the document it sends (its ``FILE``, or the replacement of its ``GENERATE-FILE``)."""

    def describe(self) -> str:
        """One line per replaced block: test name, block parameters, document used."""
        return "\n".join(
            f"{r.test}: GENERATE-FILE {r.block.colorspace}/{r.block.resolution}/{r.block.pages} page(s)"
            f" -> {r.document.name}"
            for r in self.replacements
        )


def raster_capabilities(ipptool: Ipptool, uri: str, work_dir: Path) -> RasterCapabilities:
    """Ask the printer at *uri* (with ipptool) what ``GENERATE-FILE`` needs to know."""
    work_dir.mkdir(parents=True, exist_ok=True)
    probe = work_dir / "raster-capabilities.test"
    probe.write_text(_PROBE)
    result = ipptool.run(uri, probe)
    verdicts = result.transcript.verdicts
    if len(verdicts) != 1 or verdicts[0].outcome != "PASS":
        raise RuntimeError(f"could not read the printer's raster capabilities:\n{result.report(('FAIL',))}")
    shown: dict[str, list[str]] = {}
    for line in verdicts[0].details:
        if match := _DISPLAYED.match(line.strip()):
            shown[match["name"]] = match["values"].split(",")
    resolutions = []
    for value in shown.get("pwg-raster-document-resolution-supported", []):
        match = _RESOLUTION.match(value)
        if match is None:
            raise RuntimeError(f"unexpected resolution {value!r} in {result.output_path}")
        resolutions.append(int(match["x"]))
    return RasterCapabilities(
        types=tuple(shown.get("pwg-raster-document-type-supported", [])),
        resolutions=tuple(resolutions),
        media_default=shown.get("media-default", [""])[0],
        color_mode_default=shown.get("print-color-mode-default", [""])[0],
    )


def prepare_selfcert(
    name: str, caps: RasterCapabilities, documents: SampleDocuments, run_dir: Path
) -> PreparedFile:
    """Write *run_dir*/*name*: the vendored PWG file with each ``GENERATE-FILE`` block replaced by a
    ``FILE`` line naming its rendered document, the JPEG/PDF documents it prints linked next to it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for link_name, source in SELFCERT_DOCUMENTS.items():
        link = run_dir / link_name
        if not link.exists():
            link.symlink_to(documents.path(source))
    out: list[str] = []
    replacements: list[Replacement] = []
    sent: dict[str, Path] = {}
    test_name = ""
    media: str | None = None
    lines = (SELFCERT_DIR / name).read_text().splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped == "{":
            test_name, media = "", None
        elif stripped.startswith("NAME "):
            test_name = stripped.removeprefix("NAME ").strip().strip('"')
        elif match := _MEDIA_ATTR.match(line):
            media = match["media"]
        elif match := _FILE.match(line):
            # Absolute: ipptool 2.4 looks for a relative FILE in its working directory first.
            sent[test_name] = run_dir / match["file"]
            line = line.replace(match["file"], str(sent[test_name]))
        start = _GENERATE_START.match(line)
        if start is None:
            out.append(line)
            index += 1
            continue
        params: dict[str, str] = {}
        index += 1
        while lines[index].strip() != "}":
            key, _, value = lines[index].strip().partition(" ")
            params[key] = value.strip()
            index += 1
        index += 1
        block = GenerateFile(
            colorspace=params.pop("COLORSPACE", "auto"),
            resolution=params.pop("RESOLUTION", "default"),
            pages=int(params.pop("NUM-PAGES", "1")),
            media=media,
        )
        if params:
            raise ValueError(f"{name}: {test_name}: GENERATE-FILE parameters not handled: {params}")
        *_, sample = block.document(caps)
        document = documents.path(sample)
        replacements.append(Replacement(test_name, block, document))
        sent[test_name] = document
        indent = start["indent"]
        out.append(f"{indent}# GENERATE-FILE (libcups 3) replaced by a PWG raster file rendered with gs\n")
        out.append(f'{indent}FILE "{document}"\n')
    target = run_dir / name
    target.write_text("".join(out))
    return PreparedFile(target, tuple(replacements), sent)


@dataclass(frozen=True)
class SelfcertRun:
    """The verdicts of one self-certification file against one printer, for the run's summary."""

    printer: str
    """Who was tested: ``"ipp-wsgi"``, ``"ippeveprinter"``."""
    file: str
    transcript: Transcript
    expected_failures: Mapping[str, str]
    """Test NAME -> why it is expected to fail."""

    def summary(self) -> list[str]:
        """Counts, then every skipped and every failed test (expected ones with their reason)."""
        t = self.transcript
        lines = [f"{self.printer} {self.file}: {t.passed} passed, {t.failed} failed, {t.skipped} skipped"]
        lines += [f"    skipped: {v.name}" for v in t.verdicts if v.outcome == "SKIP"]
        for verdict in t.failures:
            reason = self.expected_failures.get(verdict.name)
            why = f"expected: {reason}" if reason else "NOT EXPECTED"
            lines.append(f"    failed ({why}): {verdict.name}")
        return lines


SELFCERT_RUNS: list[SelfcertRun] = []
"""Every run of this session, printed at the end by ``tests/integration/conftest.py``."""


DNSSD_SCRIPT = "dnssd-tests.sh"
"""The PWG's DNS-SD tests (B-1 to B-5.5): a shell script running ippfind and ipptool."""
DNSSD_FILES = (DNSSD_SCRIPT, "dnssd-value-tests.test", "dnssd-access-tests.test")
"""The script and the two ipptool files it runs by relative name."""

_DNSSD_TEST = re.compile(r'^start_test "(?P<name>[^"]+)"$', re.MULTILINE)
_DNSSD_SUMMARY = re.compile(
    r"^Summary: \d+ tests, (?P<passed>\d+) passed, (?P<failed>\d+) failed, (?P<skipped>\d+) skipped$",
    re.MULTILINE,
)


def dnssd_test_names() -> tuple[str, ...]:
    """The names of the tests ``dnssd-tests.sh`` runs, in its order (its ``start_test`` lines)."""
    return tuple(_DNSSD_TEST.findall((SELFCERT_DIR / DNSSD_SCRIPT).read_text()))


def prepare_dnssd(run_dir: Path) -> Path:
    """Copy the DNS-SD files into *run_dir* (the script runs ``./dnssd-tests.sh`` and the ``.test`` files
    by relative name: it is run there) and make the copy of the script executable; return its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in DNSSD_FILES:
        (run_dir / name).write_bytes((SELFCERT_DIR / name).read_bytes())
    script = run_dir / DNSSD_SCRIPT
    script.chmod(0o755)
    return script


def dnssd_plist(run_dir: Path, target: str) -> Path:
    """Where ``dnssd-tests.sh TARGET`` writes its results: ``TARGET DNS-SD Results.plist``, in its
    working directory."""
    return run_dir / f"{target} DNS-SD Results.plist"


@dataclass(frozen=True)
class DnssdResults:
    """What one run of ``dnssd-tests.sh`` reported: its plist's verdicts and its ``Summary:`` line."""

    transcript: Transcript
    summary: Counts | None
    """The counts of the script's last ``Summary:`` line, None when it printed none."""


def dnssd_results(run_dir: Path, target: str, output: str) -> DnssdResults:
    """The verdicts of the plist the script wrote in *run_dir* for *target*, and its *output*'s counts.

    ValueError when there is no plist or it is not one: the script writes it with ``echo``, and a failed
    test whose fallback finds no service (its ``ippfind ... -x ./dnssd-tests.sh _failN``) leaves a test's
    ``<dict>`` open."""
    path = dnssd_plist(run_dir, target)
    if not path.exists():
        raise ValueError(f"{DNSSD_SCRIPT} wrote no {path.name}")
    try:
        transcript = parse_plist(path, DNSSD_SCRIPT)
    except (ValueError, ExpatError, KeyError) as exc:  # plistlib's InvalidFileException is a ValueError
        raise ValueError(f"{path.name} is not a plist ({exc})") from None
    found = list(_DNSSD_SUMMARY.finditer(output))
    summary = None
    if found:
        last = found[-1]
        summary = Counts(int(last["passed"]), int(last["failed"]), int(last["skipped"]))
    return DnssdResults(transcript, summary)
