"""A real cupsd with a driverless (``-m everywhere``) queue on ipp-wsgi prints a PDF through us."""

from __future__ import annotations

import re

from deploy_servers import ipp_request, post_ipp
from harness import IppServer, PrivateCupsd, SampleDocuments, wait_for
from test_cups_clients import listed_jobs, output_of

from ipp_wsgi.codec import operations
from ipp_wsgi.codec import tags as t

# What CUPS's filters may turn the PDF into, among the formats the default printer advertises.
SIGNATURES = {b"%PDF-": "application/pdf", b"RaS2": "image/pwg-raster", b"UNIRAST": "image/urf",
              b"\xff\xd8\xff": "image/jpeg"}


def test_cupsd_everywhere_queue_prints_through_ipp_wsgi(
    cupsd: PrivateCupsd, ipp_server: IppServer, sample_documents: SampleDocuments
) -> None:
    cupsd.add_queue("q", f"ipp://127.0.0.1:{ipp_server.port}/ipp/print", model="everywhere")
    # Under load cupsd has answered lpadmin before it had the queue's filters from the new PPD, and then
    # refused the PDF (client-error-document-format-not-supported).
    wait_for("cupsd's queue to take PDF", lambda: "application/pdf" in formats_of(cupsd, "q"))
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


def formats_of(cupsd: PrivateCupsd, queue: str) -> list[str]:
    """The document-format-supported values cupsd announces for *queue*."""
    request = ipp_request(operations.GET_PRINTER_ATTRIBUTES, f"ipp://localhost:{cupsd.port}/printers/{queue}")
    request.operation.add("requested-attributes", "document-format-supported", tag=t.KEYWORD)
    answer = post_ipp(cupsd.port, f"/printers/{queue}", request, tls=False).ipp
    printer = answer.printer if answer is not None else None
    attribute = printer.get("document-format-supported") if printer is not None else None
    return [str(value) for value in attribute.values] if attribute is not None else []
