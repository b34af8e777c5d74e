"""job-impressions and job-impressions-completed of the embedded spooler's jobs: counted from each
document as it is received (real PDF, PWG raster and JPEG files rendered by ghostscript), kept with the
job, and complete when the job is."""

from __future__ import annotations

import io
from pathlib import Path

from harness.documents import SampleDocuments

from ipp_wsgi.backends.base import JOB_CANCELED, JOB_COMPLETED, Document, JobRequest
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, tags

PWG_SAMPLE = "pwg-raster-samples-300dpi/sgray-8/document-a4-sgray-8-300dpi.pwg"
"""Two pages (document-a4.pdf rendered by ghostscript)."""


def _document(path: Path, document_format: str) -> tuple[io.BytesIO, Document]:
    return io.BytesIO(path.read_bytes()), Document(document_format)


def test_a_print_job_counts_its_document_and_completes_them_times_its_copies(
        spooler: EmbeddedSpooler, sample_documents: SampleDocuments) -> None:
    attributes = AttributeGroup()
    attributes.add("copies", 3, tags.INTEGER)
    job = spooler.submit_job("print", JobRequest("alice", "pdf", attributes=attributes),
                             *_document(sample_documents.path("document-a4.pdf"), "application/pdf"))
    assert (job.impressions, job.impressions_completed) == (2, 0)
    assert spooler.process_pending() == 1
    done = spooler.get_job("print", job.job_id)
    assert done.state == JOB_COMPLETED and (done.impressions, done.impressions_completed) == (2, 6)


def test_the_documents_of_a_job_add_up_while_every_one_is_counted(spooler: EmbeddedSpooler,
                                                                   sample_documents: SampleDocuments) -> None:
    job = spooler.create_job("print", JobRequest("alice", "three documents"))
    assert job.impressions == 0
    raster = sample_documents.path(PWG_SAMPLE)
    for path, document_format, total in ((raster, "image/pwg-raster", 2),
                                         (sample_documents.path("color.jpg"), "image/jpeg", 3),
                                         (sample_documents.path("onepage-letter.pdf"),
                                          "application/octet-stream", 4)):
        job = spooler.add_document("print", job.job_id, *_document(path, document_format), last=False)
        assert job.impressions == total
    job = spooler.add_document("print", job.job_id, io.BytesIO(b"plain text\n"), Document("text/plain"),
                               last=True)
    assert job.impressions is None  # one document that does not tell: the job's total is not known
    spooler.process_pending()
    assert spooler.get_job(None, job.job_id).impressions_completed == 0


def test_an_ended_job_that_did_not_complete_made_no_impressions_known(
        spooler: EmbeddedSpooler, sample_documents: SampleDocuments) -> None:
    attributes = AttributeGroup()
    attributes.add("job-hold-until", "indefinite", tags.KEYWORD)
    job = spooler.submit_job("print", JobRequest("alice", "held", attributes=attributes),
                             *_document(sample_documents.path("document-letter.pdf"), "application/pdf"))
    canceled = spooler.cancel_job("print", job.job_id)
    assert canceled.state == JOB_CANCELED and (canceled.impressions, canceled.impressions_completed) == (2, 0)
    release = AttributeGroup()
    release.add("job-hold-until", "no-hold", tags.KEYWORD)
    copy = spooler.copy_job("print", job.job_id, "alice", release)
    assert copy.impressions == 2  # the same documents
    spooler.process_pending()
    assert spooler.get_job(None, copy.job_id).impressions_completed == 2


def test_a_large_document_is_counted_from_its_spool_file(spooler: EmbeddedSpooler,
                                                          sample_documents: SampleDocuments) -> None:
    raster = sample_documents.path("pwg-raster-samples-600dpi/srgb-8/document-letter-srgb-8-600dpi.pwg")
    assert raster.stat().st_size > 64 * 1024  # past what the store keeps in memory
    job = spooler.submit_job("print", JobRequest("alice", "raster"), *_document(raster, "image/pwg-raster"))
    assert job.impressions == 2
