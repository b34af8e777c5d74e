"""Sample print documents for ipptool's stock test files, generated with ghostscript.

Debian ships ``/usr/share/cups/ipptool/*.test`` but none of the documents they print (document-a4.pdf,
color.jpg, ``pwg-raster-samples-<res>dpi/<type>/...pwg``), so they are made here, on demand, into a
session-wide cache directory.

:meth:`SampleDocuments.suite` builds an ipptool *suite directory*: copies of the stock test files next
to the documents (ipptool resolves ``FILE`` relative to the test file and aborts the whole file at the
first ``FILE`` it cannot read, even inside a test that ``SKIP-IF-MISSING`` would skip). Where a test is
guarded by ``SKIP-IF-MISSING X`` and X was not generated (a resolution or color space not asked for),
its ``FILE X`` line is dropped from the copy, so the test reports ``[SKIP]`` instead of aborting the
file; everything else runs unmodified.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

STOCK_TESTS = Path("/usr/share/cups/ipptool")

# PWG raster color space keyword -> (cupsColorSpace, cupsBitsPerColor) for ghostscript's pwgraster device.
PWG_TYPES: dict[str, tuple[int, int]] = {
    "black-1": (3, 1),  # CUPS_CSPACE_K
    "sgray-8": (18, 8),  # CUPS_CSPACE_SW
    "srgb-8": (19, 8),  # CUPS_CSPACE_SRGB
    "srgb-16": (19, 16),
    "cmyk-8": (6, 8),  # CUPS_CSPACE_CMYK
}
DEFAULT_RESOLUTIONS = (300, 600)
DEFAULT_PWG_TYPES = ("black-1", "sgray-8", "srgb-8")

_PWG_NAME = re.compile(r"^pwg-raster-samples-(\d+)dpi/([a-z0-9-]+)/(.+)-\2-\1dpi\.pwg$")
_MEDIA = {"a4": "a4", "letter": "letter"}
# Page count of the PDF documents <name>-<media>.pdf (fourpage-*: document-tests.test of the PWG).
_PAGES = {"onepage": 1, "document": 2, "fourpage": 4}

# Two pages of text and color shapes; PAGES_TO_DRAW is replaced by the page count.
_SOURCE_PS = """%!PS
/Helvetica findfont 28 scalefont setfont
1 1 PAGES_TO_DRAW {
  /n exch def
  0 setgray 72 700 moveto (ipp-wsgi sample document) show
  72 650 moveto (page ) show n 3 string cvs show
  0 0 1 setrgbcolor 72 200 moveto 300 300 rlineto 12 setlinewidth stroke
  1 0 0 setrgbcolor 300 300 60 0 360 arc fill
  0 0.6 0 setrgbcolor 100 80 200 60 rectfill
  showpage
} for
"""
_TEXT = "ipp-wsgi sample plain-text document\n" + "".join(
    f"line {i}: The quick brown fox jumps over the lazy dog.\n" for i in range(1, 61)
)

BASIC_DOCUMENTS = (
    "document-a4.pdf",
    "document-letter.pdf",
    "document-a4.ps",
    "document-letter.ps",
    "onepage-a4.pdf",
    "onepage-letter.pdf",
    "color.jpg",
    "gray.jpg",
    "testfile.pdf",
    "testfile.jpg",
    "testfile.txt",
    "testfile.ps",
)


@dataclass(frozen=True)
class Suite:
    """An ipptool suite directory: run ipptool with ``cwd=path`` and test files from it."""

    path: Path
    patched: dict[str, int]
    """Test file name -> how many ``FILE`` lines of missing (skipped) samples were dropped from it."""

    def test_file(self, name: str) -> Path:
        """The suite's copy of the stock test file *name* (e.g. ``"ipp-1.1.test"``)."""
        return self.path / name


def pwg_sample_names(resolutions: Iterable[int], types: Iterable[str]) -> list[str]:
    """The PWG raster sample paths the stock test files name for these resolutions and color spaces."""
    wanted_res, wanted_types = set(resolutions), set(types)
    names = set()
    for test in STOCK_TESTS.glob("*.test"):
        for name in re.findall(r"^\s*FILE\s+(pwg-raster-samples-\S+)", test.read_text(), re.MULTILINE):
            match = _PWG_NAME.match(name)
            if match and int(match[1]) in wanted_res and match[2] in wanted_types:
                names.add(name)
    return sorted(names)


class SampleDocuments:
    """Generates sample documents into *root* on first use and returns their paths."""

    def __init__(self, root: Path, gs: str) -> None:
        self.root = root
        self.gs = gs
        root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        """The document *name* (a :data:`BASIC_DOCUMENTS` name or a PWG sample path), generated if missing."""
        target = self.root / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            self._generate(name, partial)
            partial.rename(target)
        return target

    def basic(self) -> list[Path]:
        """All :data:`BASIC_DOCUMENTS`."""
        return [self.path(name) for name in BASIC_DOCUMENTS]

    def pwg_samples(
        self, resolutions: Sequence[int] = DEFAULT_RESOLUTIONS, types: Sequence[str] = DEFAULT_PWG_TYPES
    ) -> list[Path]:
        """The PWG raster samples ipp-everywhere.test names for *resolutions* x *types*."""
        return [self.path(name) for name in pwg_sample_names(resolutions, types)]

    def suite(
        self, resolutions: Sequence[int] = DEFAULT_RESOLUTIONS, types: Sequence[str] = DEFAULT_PWG_TYPES
    ) -> Suite:
        """The suite directory ``root/suite``: every stock test file, the basic documents and the PWG
        samples for *resolutions* x *types* (a few seconds once per session, then cached)."""
        self.basic()
        self.pwg_samples(resolutions, types)
        suite_dir = self.root / "suite"
        suite_dir.mkdir(exist_ok=True)
        for entry in self.root.iterdir():
            link = suite_dir / entry.name
            if entry != suite_dir and not entry.name.endswith(".partial") and not link.exists():
                link.symlink_to(entry)
        # create-job-format.test and friends print ../data/testprint.ps
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        if not (data / "testprint.ps").exists():
            (data / "testprint.ps").symlink_to(self.path("document-letter.ps"))
        patched = {}
        for stock in sorted(STOCK_TESTS.glob("*.test")):
            text, dropped = drop_missing_guarded_files(stock.read_text(), suite_dir)
            (suite_dir / stock.name).write_text(text)
            if dropped:
                patched[stock.name] = dropped
        return Suite(suite_dir, patched)

    def _generate(self, name: str, out: Path) -> None:
        match = _PWG_NAME.match(name)
        if match:
            self._pwg(match[3], match[2], int(match[1]), out)
            return
        stem, _, ext = name.rpartition(".")
        if stem.split("-", 1)[0] in _PAGES and ext == "pdf":
            pages = _PAGES[stem.split("-", 1)[0]]
            media = _MEDIA[stem.split("-", 1)[1]]
            source = self.root / f"source-{pages}.ps"
            if not source.exists():
                source.write_text(_SOURCE_PS.replace("PAGES_TO_DRAW", str(pages)))
            self._gs("pdfwrite", out, str(source), f"-sPAPERSIZE={media}", "-dFIXEDMEDIA")
        elif name.startswith("document-") and ext == "ps":
            self._gs("ps2write", out, str(self.path(f"{stem}.pdf")))
        elif name == "color.jpg":
            self._gs("jpeg", out, str(self.path("onepage-letter.pdf")), "-r50", "-dJPEGQ=85")
        elif name == "gray.jpg":
            self._gs("jpeggray", out, str(self.path("onepage-letter.pdf")), "-r50", "-dJPEGQ=85")
        elif name == "testfile.txt":
            out.write_text(_TEXT)
        elif name.startswith("testfile."):
            source_name = {"pdf": "onepage-letter.pdf", "jpg": "color.jpg", "ps": "document-letter.ps"}[ext]
            shutil.copyfile(self.path(source_name), out)
        else:
            raise ValueError(f"no recipe for sample document {name!r}")

    def _pwg(self, document: str, pwg_type: str, resolution: int, out: Path) -> None:
        color_space, bits = PWG_TYPES[pwg_type]
        raster = [f"-r{resolution}", f"-dcupsColorSpace={color_space}", f"-dcupsBitsPerColor={bits}"]
        if document.endswith(".jpg-4x6"):
            # A 4x6 in page (288x432 pt) with the JPEG drawn at its natural size.
            image = self.path(document.removesuffix("-4x6"))
            viewjpeg = _viewjpeg_ps()
            self._gs(
                "pwgraster",
                out,
                viewjpeg,
                *raster,
                "-dDEVICEWIDTHPOINTS=288",
                "-dDEVICEHEIGHTPOINTS=432",
                "-dFIXEDMEDIA",
                f"--permit-file-read={image}",
                "-c",
                f"({image}) viewJPEG showpage",
            )
        else:
            media = _MEDIA[document.split("-", 1)[1]]
            self._gs(
                "pwgraster",
                out,
                str(self.path(f"{document}.pdf")),
                *raster,
                f"-sPAPERSIZE={media}",
                "-dFIXEDMEDIA",
            )

    def _gs(self, device: str, out: Path, source: str, *options: str) -> None:
        # Options come before the input file, except after "-c" (PostScript to run after the source).
        argv = [self.gs, "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", f"-sDEVICE={device}", f"-sOutputFile={out}"]
        if "-c" in options:
            cut = options.index("-c")
            argv += [*options[:cut], source, *options[cut:]]
        else:
            argv += [*options, source]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            raise RuntimeError(
                f"ghostscript failed ({done.returncode}) making {out}: {' '.join(argv)}\n{done.stderr}"
            )


def _viewjpeg_ps() -> str:
    found = sorted(Path("/usr/share/ghostscript").glob("*/lib/viewjpeg.ps"))
    if not found:
        raise RuntimeError("ghostscript's viewjpeg.ps not found under /usr/share/ghostscript")
    return str(found[-1])


def drop_missing_guarded_files(text: str, base: Path) -> tuple[str, int]:
    """Remove ``FILE X`` lines whose X is missing under *base* inside a ``{ }`` test that has
    ``SKIP-IF-MISSING X``; returns the new text and how many lines were dropped."""
    out: list[str] = []
    block: list[str] = []
    depth = 0
    dropped = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if depth == 0 and stripped != "{":
            out.append(line)
            continue
        block.append(line)
        if not stripped.startswith("#"):
            depth += stripped.count("{") - stripped.count("}")
        if depth == 0:
            kept = _filter_block(block, base)
            dropped += len(block) - len(kept)
            out.extend(kept)
            block = []
    out.extend(block)
    return "".join(out), dropped


def _filter_block(block: list[str], base: Path) -> list[str]:
    guarded = {
        line.split(None, 1)[1].strip() for line in block if line.strip().startswith("SKIP-IF-MISSING ")
    }
    return [
        line
        for line in block
        if not (
            line.strip().startswith("FILE ")
            and (name := line.split(None, 1)[1].strip()) in guarded
            and not (base / name).exists()
        )
    ]
