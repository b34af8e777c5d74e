"""Counting a document's impressions (ipp_wsgi.pagecount) on real files: PDFs written by ghostscript and
rewritten by qpdf (object streams, linearized, encrypted), PWG and Apple rasters rendered by ghostscript,
JPEG; damaged and truncated ones, and the memory a large one takes."""

from __future__ import annotations

import io
import re
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.tools import require_tool

from ipp_wsgi.pagecount import count_pages

_PAGES_PS = """%!PS
/Helvetica findfont 28 scalefont setfont
1 1 {pages} {{ /n exch def 72 700 moveto (page ) show n 3 string cvs show
  1 0 0 setrgbcolor 300 300 60 0 360 arc fill 0 setgray showpage }} for
"""
_NOISE_PS = """%!PS
% One page of an image of random bytes (incompressible): a PDF of megabytes with one page.
/rnd {{ rand -16 bitshift 255 and }} def
/row {side} 3 mul string def
72 72 translate 450 450 scale
{side} {side} 8 [{side} 0 0 {side} 0 0]
{{ 0 1 row length 1 sub {{ row exch rnd put }} for row }} false 3 colorimage
showpage
"""

Make = Callable[..., Path]


@pytest.fixture(scope="module")
def make(tmp_path_factory: pytest.TempPathFactory) -> Make:
    """``make(name, pages=N, device=...)``: a document of N pages, rendered by ghostscript (cached)."""
    gs = require_tool("gs")
    root = tmp_path_factory.mktemp("pagecount")

    def made(name: str, pages: int = 1, device: str = "pdfwrite", *options: str, source: str = "") -> Path:
        out = root / name
        if not out.exists():
            ps = root / f"{name}.ps"
            ps.write_text(source or _PAGES_PS.format(pages=pages))
            subprocess.run([gs, "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", f"-sDEVICE={device}",
                            f"-sOutputFile={out}", "-sPAPERSIZE=a4", *options, str(ps)],
                           check=True, capture_output=True, timeout=120)
        return out

    return made


def _qpdf(source: Path, out: Path, *options: str) -> Path:
    subprocess.run([require_tool("qpdf"), *options, str(source), str(out)], check=True, capture_output=True,
                   timeout=60)
    return out


def _count(path: Path, document_format: str) -> int | None:
    with path.open("rb") as stream:
        return count_pages(document_format, stream)


@pytest.mark.parametrize("pages", [1, 7])
def test_pdf_pages_are_counted_from_the_page_tree(make: Make, tmp_path: Path, pages: int) -> None:
    pdf = make(f"pages-{pages}.pdf", pages)
    assert _count(pdf, "application/pdf") == pages
    assert _count(pdf, "application/octet-stream") == pages  # auto-sensed
    streams = _qpdf(pdf, tmp_path / "streams.pdf", "--object-streams=generate")
    linear = _qpdf(pdf, tmp_path / "linear.pdf", "--linearize")
    split = _qpdf(pdf, tmp_path / "first.pdf", "--pages", str(pdf), "1", "--")
    assert [_count(p, "application/pdf") for p in (streams, linear, split)] == [pages, pages, 1]


def test_a_pdf_with_an_appended_update_and_one_with_a_password(make: Make, tmp_path: Path) -> None:
    pdf = make("pages-7.pdf", 7)
    # An update appended to the file (PDF's incremental save) that deletes pages is read as the new tree.
    fewer = _qpdf(pdf, tmp_path / "fewer.pdf", "--pages", str(pdf), "1-3", "--")
    assert _count(fewer, "application/pdf") == 3
    locked = _qpdf(pdf, tmp_path / "locked.pdf", "--encrypt", "user-secret", "owner-secret", "256", "--")
    assert _count(locked, "application/pdf") is None  # document-password-supported is 0


def test_damaged_pdfs(make: Make, tmp_path: Path) -> None:
    data = make("pages-7.pdf", 7).read_bytes()
    misplaced = tmp_path / "misplaced-xref.pdf"
    misplaced.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n12", data))  # a small file pypdf repairs
    assert _count(misplaced, "application/pdf") == 7
    for name, damaged in (("half.pdf", data[:len(data) // 2]), ("noise.pdf", b"%PDF-1.7\n" + bytes(4000)),
                          ("text.pdf", b"not a PDF at all\n" * 10)):
        path = tmp_path / name
        path.write_bytes(damaged)
        assert _count(path, "application/pdf") in (None, 7), name  # never a wrong count, never an error
    assert _count(tmp_path / "text.pdf", "application/pdf") is None


@pytest.mark.parametrize(("space", "bits"), [(3, 1), (18, 8), (19, 8), (19, 16)])
def test_pwg_raster_pages(make: Make, space: int, bits: int) -> None:
    options = ("-r150", f"-dcupsColorSpace={space}", f"-dcupsBitsPerColor={bits}")
    raster = make(f"pages-5-{space}-{bits}.pwg", 5, "pwgraster", *options)
    assert _count(raster, "image/pwg-raster") == 5
    assert _count(raster, "application/octet-stream") == 5
    one = make(f"pages-1-{space}-{bits}.pwg", 1, "pwgraster", *options)
    assert _count(one, "image/pwg-raster") == 1


def test_apple_raster_pages(make: Make) -> None:
    gray = make("pages-4.urf", 4, "urf", "-r150")
    color = make("pages-4-rgb.urf", 4, "urf", "-r150", "-dcupsColorSpace=1", "-dcupsBitsPerColor=8")
    assert _count(gray, "image/urf") == _count(color, "image/urf") == 4
    assert _count(color, "application/octet-stream") == 4


def test_truncated_or_damaged_rasters_are_not_counted(make: Make, tmp_path: Path) -> None:
    pwg = make("pages-5-19-8.pwg", 5, "pwgraster", "-r150", "-dcupsColorSpace=19", "-dcupsBitsPerColor=8")
    urf = make("pages-4-rgb.urf", 4, "urf", "-r150", "-dcupsColorSpace=1", "-dcupsBitsPerColor=8")
    for path, kind in ((pwg, "image/pwg-raster"), (urf, "image/urf")):
        data = path.read_bytes()
        for cut in (len(data) - 10, len(data) // 2, 100):
            short = tmp_path / f"short-{cut}"
            short.write_bytes(data[:cut])
            assert _count(short, kind) is None, (path.name, cut)
        assert count_pages(kind, io.BytesIO(data[:4] + b"\xff" * 2000)) is None
        assert count_pages(kind, io.BytesIO(data + b"trailing garbage" * 200)) is None


def test_jpeg_is_one_impression_and_unknown_formats_none(make: Make) -> None:
    jpeg = make("page.jpg", 1, "jpeg", "-r30")
    assert _count(jpeg, "image/jpeg") == 1 and _count(jpeg, "application/octet-stream") == 1
    postscript = make("pages-2.ps", 2, "ps2write")
    assert _count(postscript, "application/postscript") is None
    assert _count(postscript, "application/octet-stream") is None
    assert count_pages("image/jpeg", io.BytesIO(b"GIF89a")) is None
    assert count_pages("text/plain", io.BytesIO(b"%PDF-1.4 but declared text")) is None
    assert count_pages("application/octet-stream", io.BytesIO(b"")) is None


def _peak_bytes_counting(path: Path, document_format: str) -> tuple[int | None, int]:
    tracemalloc.start()
    try:
        pages = _count(path, document_format)
        return pages, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_large_documents_are_counted_in_bounded_memory(make: Make) -> None:
    uncompressed = ("-dAutoFilterColorImages=false", "-dColorImageFilter=/FlateEncode",
                    "-dDownsampleColorImages=false")
    noise_pdf = make("noise.pdf", 1, "pdfwrite", *uncompressed, source=_NOISE_PS.format(side=1800))
    assert noise_pdf.stat().st_size > 8_000_000
    _count(noise_pdf, "application/pdf")  # pypdf's import is not the count's
    pages, peak = _peak_bytes_counting(noise_pdf, "application/pdf")
    assert pages == 1 and peak < 2_000_000, peak
    raster = make("noise.pwg", 1, "pwgraster", "-r150", "-dcupsColorSpace=19", "-dcupsBitsPerColor=8",
                  source=_NOISE_PS.format(side=1000))
    assert raster.stat().st_size > 2_000_000
    pages, peak = _peak_bytes_counting(raster, "image/pwg-raster")
    assert pages == 1 and peak < 1_500_000, peak
