"""Real captures (see captures/README.md): decoded content, and byte-exact re-encoding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from codec_helpers import CAPTURE_FILES, CAPTURES

from ipp_wsgi.codec import NO_VALUE, Collection, Message, Range, decode, encode, tags


def load(name: str) -> Message:
    return decode((CAPTURES / name).read_bytes())


@pytest.mark.parametrize("path", CAPTURE_FILES, ids=lambda p: p.name)
def test_capture_reencodes_byte_for_byte(path: Path) -> None:
    data = path.read_bytes()
    encoded = encode(decode(data))
    assert data[:len(encoded)] == encoded


@pytest.mark.parametrize(("name", "document"), [
    ("ipptool-print-job-request.bin", b"%PDF-1.4"),
    ("lp-send-document-request.bin", b"hello from codec capture\n"),
])
def test_document_data_follows_the_attribute_section(name: str, document: bytes) -> None:
    data = (CAPTURES / name).read_bytes()
    assert data[len(encode(decode(data))):].startswith(document)


def test_ipptool_get_printer_attributes_request() -> None:
    message = load("ipptool-get-printer-attributes-mcd-request.bin")
    assert (message.version, message.code, message.request_id) == ((1, 1), 0x000B, 549)
    op = message.operation
    assert op.names() == ["attributes-charset", "attributes-natural-language", "printer-uri",
                          "requesting-user-name", "requested-attributes"]
    assert op["attributes-charset"].tags == [tags.CHARSET]
    assert op["requested-attributes"].values == ["all", "media-col-database"]
    assert op["requested-attributes"].tags == [tags.KEYWORD, tags.KEYWORD]


def test_ippeveprinter_get_printer_attributes_response() -> None:
    message = load("ippeveprinter-get-printer-attributes-response.bin")
    assert message.code == 0 and message.request_id == 549
    printer = message.printer
    assert printer is not None
    assert printer.value("printer-name") == "Codec Capture"
    assert printer.value("copies-supported") == Range(1, 999)
    assert printer["copies-supported"].tag == tags.RANGE_OF_INTEGER
    database = printer["media-col-database"]
    assert len(database) == 5 and set(database.tags) == {tags.BEG_COLLECTION}
    first = database.values[0]
    assert isinstance(first, Collection) and first.member_of == "media-col-database"
    assert first.value("media-key") == "na_letter_8.5x11in"
    size = first.value("media-size")
    assert size.member_of == "media-size"
    assert (size.value("x-dimension"), size.value("y-dimension")) == (21590, 27940)
    assert printer["operations-supported"].tags[0] == tags.ENUM
    assert 0x0002 in printer["operations-supported"].values


def test_cupsd_get_printer_attributes_response() -> None:
    printer = load("cupsd-get-printer-attributes-response.bin").printer
    assert printer is not None
    assert printer.value("printer-name") == "nullq"
    assert printer.value("printer-dns-sd-name") is NO_VALUE
    current = printer.value("printer-current-time")
    assert isinstance(current, datetime) and current.tzinfo is not None
    assert current.utcoffset() == UTC.utcoffset(None)


def test_cupsd_get_jobs_response_keeps_one_group_per_job() -> None:
    message = load("cupsd-get-jobs-response.bin")
    assert [tag for tag, _ in message.groups] == [tags.OPERATION_ATTRIBUTES, tags.JOB_ATTRIBUTES,
                                                  tags.JOB_ATTRIBUTES]
    jobs = message.groups_of(tags.JOB_ATTRIBUTES)
    assert [job.value("job-more-info") for job in jobs] == ["http://127.0.0.1:28632/jobs/1",
                                                            "http://127.0.0.1:28632/jobs/2"]
    assert jobs[0].value("job-preserved") is False


def test_lp_create_job_request() -> None:
    message = load("lp-create-job-request.bin")
    assert message.code == 0x0005
    job = message.job
    assert job is not None
    assert job.value("copies") == 2
    assert job["job-sheets"].values == ["none", "none"]
    assert message.operation.value("job-name") == "doc.txt"


def test_ippeveprinter_busy_response() -> None:
    message = load("ippeveprinter-busy-response.bin")
    assert message.code == 0x0507
    assert message.operation.value("status-message") == "Currently printing another job."
