"""A real cupsd with a driverless (``-m everywhere``) queue on ipp-wsgi prints a PDF through us."""

from __future__ import annotations

import re

from harness import IppServer, PrivateCupsd, SampleDocuments
from test_cups_clients import listed_jobs, output_of, wait_for

# What CUPS's filters may turn the PDF into, among the formats the default printer advertises.
SIGNATURES = {b"%PDF-": "application/pdf", b"RaS2": "image/pwg-raster", b"UNIRAST": "image/urf",
              b"\xff\xd8\xff": "image/jpeg"}


def test_cupsd_everywhere_queue_prints_through_ipp_wsgi(
    cupsd: PrivateCupsd, ipp_server: IppServer, sample_documents: SampleDocuments
) -> None:
    cupsd.add_queue("q", f"ipp://127.0.0.1:{ipp_server.port}/ipp/print", model="everywhere")
    done = cupsd.run("lp", "-h", cupsd.server, "-d", "q", str(sample_documents.path("document-a4.pdf")))
    match = re.search(r"request id is q-(\d+)", done.stdout)
    assert match, done.stdout

    def cupsd_job_completed() -> bool:
        out = cupsd.run("lpstat", "-h", cupsd.server, "-W", "completed", "-o", "q").stdout
        return f"q-{match.group(1)} " in out

    wait_for("cupsd's job to complete", cupsd_job_completed, timeout=180)
    (job_id,) = listed_jobs(ipp_server, "-W", "completed")
    output = output_of(ipp_server, job_id)
    assert output is not None
    data = output.read_bytes()
    formats = [fmt for signature, fmt in SIGNATURES.items() if data.startswith(signature)]
    assert formats, f"unexpected document start {data[:16]!r}"
    if formats == ["application/pdf"]:
        assert b"%%EOF" in data[-1024:]
    if formats == ["image/pwg-raster"]:
        assert data[4:13] == b"PwgRaster" and len(data) > 1796  # one page header at least
