"""A corpus of named malformed requests sent through the whole WSGI app, each with the exact IPP status
it must get (RFC 8011 / RFC 8010), never an exception or an HTTP error.

The codec's own bad-input corpus (tests/codec/test_codec_errors.py) is replayed through the app as is; the
attribute- and operation-level cases follow.
"""

from __future__ import annotations

import dataclasses
import gzip
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import webtest
from harness.spool import kept_documents
from hostile_helpers import (
    ADMIN,
    HOST,
    OTHER_URI,
    PRINTER_URI,
    client_for,
    entry,
    ipp_request,
    job_state,
    post,
    post_raw,
    strings_in,
    submit,
)
from test_codec_errors import CASES as CODEC_CASES  # importable through hostile_helpers
from test_codec_errors import Case as CodecCase

from ipp_wsgi.app import IppApplication
from ipp_wsgi.codec import Attribute, Collection, Message, Range, encode, operations, status, tags

OK_IGNORED = status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
BAD = status.CLIENT_ERROR_BAD_REQUEST
TOO_LARGE = status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
NOT_SUPPORTED = status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
NOT_FOUND = status.CLIENT_ERROR_NOT_FOUND
MAX_STRING = 32767


@pytest.mark.parametrize("case", CODEC_CASES.values(), ids=CODEC_CASES.keys())
def test_codec_bad_input_through_the_app(application: IppApplication, case: CodecCase) -> None:
    limited = IppApplication(dataclasses.replace(application.config, limits=case.limits),
                             service=application.service)
    answer = post_raw(client_for(limited), case.data)
    assert answer.code == case.status
    assert case.reason in answer.operation.value("status-message")


# -- building blocks for attribute-level cases
def with_raw(message: Message, raw: bytes) -> bytes:
    """``message`` encoded with ``raw`` wire entries added at the end of its last group."""
    return encode(message)[:-1] + raw + b"\x03"


def wrong_tag(name: str, tag: int, value: object) -> Attribute:
    return Attribute(name, [tag], [value])


def nested_media_col(depth: int) -> bytes:
    """A job-group media-col whose collections nest ``depth`` deep."""
    opening = entry(tags.BEG_COLLECTION, b"media-col", b"")
    for _ in range(depth - 1):
        opening += entry(tags.MEMBER_ATTR_NAME, b"", b"media-col") + entry(tags.BEG_COLLECTION, b"", b"")
    inner = entry(tags.MEMBER_ATTR_NAME, b"", b"media-type") + entry(tags.KEYWORD, b"", b"stationery")
    return opening + inner + entry(tags.END_COLLECTION, b"", b"") * depth


def gpa(**attributes: Any) -> Message:
    return ipp_request(operations.GET_PRINTER_ATTRIBUTES, **attributes)


def validate(*job_attributes: Attribute, fidelity: bool = True) -> Message:
    message = ipp_request(operations.VALIDATE_JOB, ipp_attribute_fidelity=fidelity)
    job = message.add_group(tags.JOB_ATTRIBUTES)
    for attr in job_attributes:
        job.append(attr)
    return message


def charset_second() -> Message:
    message = Message(operations.GET_PRINTER_ATTRIBUTES, 1, (2, 0))
    message.operation.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    message.operation.add("attributes-charset", "utf-8", tags.CHARSET)
    message.operation.add("printer-uri", PRINTER_URI, tags.URI)
    return message


@dataclass(frozen=True)
class Named:
    """A request body and the status it must get."""

    body: Callable[[], bytes]
    status: int


NAMED: dict[str, Named] = {
    "wrong value tag: printer-uri as integer": Named(
        lambda: encode(_replace(gpa(), wrong_tag("printer-uri", tags.INTEGER, 5))), BAD),
    "wrong value tag: job-id as keyword": Named(
        lambda: encode(ipp_request(operations.GET_JOB_ATTRIBUTES,
                                   job_id=wrong_tag("job-id", tags.KEYWORD, "1"))), BAD),
    "wrong value tag: copies as keyword": Named(
        lambda: encode(validate(wrong_tag("copies", tags.KEYWORD, "three"))), NOT_SUPPORTED),
    "wrong value tag: attributes-charset as keyword": Named(
        lambda: encode(_replace(gpa(), wrong_tag("attributes-charset", tags.KEYWORD, "utf-8"))), BAD),
    "out-of-range enum: orientation-requested 99": Named(
        lambda: encode(validate(wrong_tag("orientation-requested", tags.ENUM, 99))), NOT_SUPPORTED),
    "out-of-range enum without fidelity": Named(
        lambda: encode(validate(wrong_tag("orientation-requested", tags.ENUM, 99), fidelity=False)),
        OK_IGNORED),
    "negative copies": Named(lambda: encode(validate(wrong_tag("copies", tags.INTEGER, -1))), NOT_SUPPORTED),
    "10,000-value 1setOf requested-attributes": Named(
        lambda: encode(gpa(requested_attributes=["printer-name"] * 10_000)), TOO_LARGE),
    "64 KiB job-name (the longest a value can be)": Named(
        lambda: with_raw(gpa(), entry(tags.NAME_WITHOUT_LANGUAGE, b"job-name", b"n" * 0xFFFF)), TOO_LARGE),
    "1 MiB name: job-name values adding up to 1 MiB": Named(
        lambda: with_raw(gpa(), entry(tags.NAME_WITHOUT_LANGUAGE, b"job-name", b"n" * MAX_STRING) + b"".join(
            entry(tags.NAME_WITHOUT_LANGUAGE, b"", b"n" * MAX_STRING) for _ in range(32))), TOO_LARGE),
    "1 MiB attribute name, as long as the wire allows": Named(
        lambda: with_raw(gpa(), entry(tags.KEYWORD, b"a" * 0xFFFF, b"x") * 17), TOO_LARGE),
    "nesting depth 11": Named(lambda: with_raw(validate(), nested_media_col(11)), TOO_LARGE),
    "nesting depth 10 decodes (media-col not supported)": Named(
        lambda: with_raw(validate(fidelity=False), nested_media_col(10)), OK_IGNORED),
    "unknown operation-id 0x7777": Named(
        lambda: encode(ipp_request(0x7777)), status.SERVER_ERROR_OPERATION_NOT_SUPPORTED),
    "operation-id 0": Named(lambda: encode(ipp_request(0)), status.SERVER_ERROR_OPERATION_NOT_SUPPORTED),
    "request-id 0": Named(lambda: encode(gpa(request_id=0)), BAD),
    "IPP/0.9": Named(lambda: encode(gpa(version=(0, 9))), status.SERVER_ERROR_VERSION_NOT_SUPPORTED),
    "IPP/3.0": Named(lambda: encode(gpa(version=(3, 0))), status.SERVER_ERROR_VERSION_NOT_SUPPORTED),
    "charset not first": Named(lambda: encode(charset_second()), BAD),
    "charset unknown": Named(lambda: encode(_replace(gpa(), wrong_tag("attributes-charset", tags.CHARSET,
                                                                      "x-evil"))),
                             status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED),
    "no operation attributes": Named(lambda: struct.pack(">BBHI", 2, 0, 0x000B, 1) + b"\x03", BAD),
    "two operation groups": Named(lambda: encode(gpa())[:-1] + encode(gpa())[8:], BAD),
    "printer-uri at another host, unknown path": Named(
        lambda: encode(gpa(printer_uri="ipp://evil.example.com:631/ipp/nowhere")), NOT_FOUND),
    "printer-uri with a file scheme": Named(lambda: encode(gpa(printer_uri="file:///etc/passwd")), NOT_FOUND),
    "printer-uri that is not a URI": Named(
        lambda: encode(_replace(gpa(), wrong_tag("printer-uri", tags.URI, "\x00\x01://"))), NOT_FOUND),
    "job-id that does not exist": Named(
        lambda: encode(ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=999_999)), NOT_FOUND),
    "job-id 0": Named(lambda: encode(ipp_request(operations.GET_JOB_ATTRIBUTES, job_id=0)), BAD),
    "job-id negative": Named(lambda: encode(ipp_request(operations.CANCEL_JOB, job_id=-5)), BAD),
    "job-uri of a printer that does not exist": Named(
        lambda: encode(ipp_request(operations.GET_JOB_ATTRIBUTES, None, job_uri=f"ipp://{HOST}/ipp/nope/1")),
        NOT_FOUND),
    "job operation without a job": Named(lambda: encode(ipp_request(operations.CANCEL_JOB)), BAD),
    "compression value unknown": Named(
        lambda: encode(ipp_request(operations.PRINT_JOB, compression="lzw-bogus")) + b"data",
        status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED),
    "gzip body that is not gzip": Named(
        lambda: encode(ipp_request(operations.PRINT_JOB, compression="gzip")) + b"this is not gzip" * 10,
        status.CLIENT_ERROR_COMPRESSION_ERROR),
    "gzip body cut short": Named(
        lambda: encode(ipp_request(operations.PRINT_JOB, compression="gzip"))
        + gzip.compress(b"x" * 5000)[:30],
        status.CLIENT_ERROR_COMPRESSION_ERROR),
    "deflate body that is not deflate": Named(
        lambda: encode(ipp_request(operations.PRINT_JOB, compression="deflate")) + b"\xff" * 64,
        status.CLIENT_ERROR_COMPRESSION_ERROR),
    "document-format not supported": Named(
        lambda: encode(ipp_request(operations.PRINT_JOB, document_format="application/x-shellscript")) + b"x",
        status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED),
    "which-jobs unknown": Named(
        lambda: encode(ipp_request(operations.GET_JOBS, which_jobs="everything-please")), NOT_SUPPORTED),
    "limit 0": Named(lambda: encode(ipp_request(operations.GET_JOBS, limit=0)), NOT_SUPPORTED),
    "Send-Document to a job that does not exist": Named(
        lambda: encode(ipp_request(operations.SEND_DOCUMENT, job_id=999_999)), NOT_FOUND),
}


def _replace(message: Message, attr: Attribute) -> Message:
    """``message`` with operation attribute ``attr.name`` replaced in place."""
    message.operation.append(attr)
    return message


@pytest.mark.parametrize("case", NAMED.values(), ids=NAMED.keys())
def test_named_malformed_request(client: webtest.TestApp, case: Named) -> None:
    answer = post_raw(client, case.body())
    assert answer.code == case.status, answer.operation.value("status-message")
    if answer.code >= 0x0400:
        assert answer.operation.value("status-message"), "an error says why"
        assert _job_ids(client, "not-completed") == [], "a refused request leaves no job to print"
        assert not kept_documents(application_spool(client)), "nor a spooled document"


def application_spool(client: webtest.TestApp) -> Path:
    application = client.app.app  # webtest -> LintMiddleware -> IppApplication
    assert isinstance(application, IppApplication)
    return application.config.spool_dir


def _job_ids(client: webtest.TestApp, which: str) -> list[int]:
    answer = post(client, ipp_request(operations.GET_JOBS, None, which_jobs=which), path="/",
                  extra_environ={"REMOTE_USER": ADMIN})
    return [int(job.value("job-id")) for job in answer.groups_of(tags.JOB_ATTRIBUTES)]


def test_refused_print_job_leaves_no_job_record(client: webtest.TestApp) -> None:
    answer = post_raw(client, NAMED["gzip body that is not gzip"].body())
    assert answer.code == status.CLIENT_ERROR_COMPRESSION_ERROR
    assert _job_ids(client, "all") == []


def test_unsupported_values_are_reported_back(client: webtest.TestApp) -> None:
    """Without fidelity the job is accepted and the offending values come back unsupported."""
    answer = post(client, validate(wrong_tag("orientation-requested", tags.ENUM, 99),
                                   wrong_tag("copies", tags.INTEGER, -1), fidelity=False))
    assert answer.code == OK_IGNORED
    assert answer.unsupported is not None
    assert answer.unsupported["orientation-requested"].values == [99]
    assert answer.unsupported["copies"].values == [-1]


@pytest.mark.parametrize("operation", [operations.CANCEL_MY_JOBS, operations.CANCEL_JOBS],
                         ids=operations.op_name)
@pytest.mark.parametrize("value", [wrong_tag("job-ids", tags.KEYWORD, "all"),
                                   wrong_tag("job-ids", tags.RANGE_OF_INTEGER, Range(1, 5))],
                         ids=["keyword", "range"])
def test_job_ids_that_are_not_integers(client: webtest.TestApp, operation: int, value: Attribute) -> None:
    answer = post(client, ipp_request(operation, job_ids=value), extra_environ={"REMOTE_USER": ADMIN})
    assert answer.code == BAD


@pytest.mark.parametrize("operation", [operations.GET_PRINTER_ATTRIBUTES, operations.GET_JOBS],
                         ids=operations.op_name)
def test_requested_attributes_with_a_collection(client: webtest.TestApp, operation: int) -> None:
    """Found by the fuzz (was server-error-internal-error: a Collection hashed in ops/requested.py)."""
    value = wrong_tag("requested-attributes", tags.BEG_COLLECTION, Collection())
    answer = post(client, ipp_request(operation, requested_attributes=value))
    assert answer.code == BAD


# -- cases that need jobs first
def create_job(client: webtest.TestApp, printer_uri: str = PRINTER_URI, user: str = "alice") -> int:
    answer = post(client, ipp_request(operations.CREATE_JOB, printer_uri, user=user),
                  path=printer_uri.removeprefix(f"ipp://{HOST}"))
    assert answer.code == status.SUCCESSFUL_OK and answer.job is not None
    return int(answer.job.value("job-id"))


def send_document(client: webtest.TestApp, job_id: int, data: bytes, last: bool = True) -> Message:
    return post(client, ipp_request(operations.SEND_DOCUMENT, job_id=job_id, last_document=last,
                                    document_format="application/pdf"), data)


def test_job_id_of_another_printer_is_not_found(client: webtest.TestApp) -> None:
    job_id = create_job(client, OTHER_URI)
    for operation in (operations.GET_JOB_ATTRIBUTES, operations.CANCEL_JOB, operations.SEND_DOCUMENT):
        answer = post(client, ipp_request(operation, PRINTER_URI, job_id=job_id, last_document=True))
        assert answer.code == NOT_FOUND, operations.op_name(operation)
        answer = post(client, ipp_request(operation, None, job_uri=f"{PRINTER_URI}/{job_id}",
                                          last_document=True))
        assert answer.code == NOT_FOUND, operations.op_name(operation)
    assert job_state(client, job_id, OTHER_URI) == 3, "the other printer's job is untouched"


def test_send_document_to_a_closed_job_is_not_possible(client: webtest.TestApp) -> None:
    job_id = create_job(client)
    assert send_document(client, job_id, b"%PDF-1.4 one\n").code == status.SUCCESSFUL_OK
    answer = send_document(client, job_id, b"%PDF-1.4 two\n")
    assert answer.code == status.CLIENT_ERROR_NOT_POSSIBLE, answer.operation.value("status-message")
    answer = post(client, ipp_request(operations.CLOSE_JOB, job_id=job_id))
    assert answer.code in (status.SUCCESSFUL_OK, status.CLIENT_ERROR_NOT_POSSIBLE)


def test_send_document_without_last_document_is_bad_request(client: webtest.TestApp) -> None:
    job_id = create_job(client)
    answer = post(client, ipp_request(operations.SEND_DOCUMENT, job_id=job_id), b"%PDF-1.4\n")
    assert answer.code == BAD
    assert job_state(client, job_id) == 3, "the job still waits for its document"


def test_send_document_to_a_canceled_job_is_not_possible(client: webtest.TestApp) -> None:
    job_id = create_job(client)
    assert post(client, ipp_request(operations.CANCEL_JOB, job_id=job_id)).code == status.SUCCESSFUL_OK
    answer = send_document(client, job_id, b"%PDF-1.4 late\n")
    assert answer.code == status.CLIENT_ERROR_NOT_POSSIBLE, answer.operation.value("status-message")


def test_printer_uri_at_another_host_is_answered_with_our_own_uris(client: webtest.TestApp) -> None:
    """Printers resolve by path whatever the host (CUPS clients say localhost): the server never echoes
    the foreign host back and never contacts it."""
    foreign = "ipp://evil.example.com:631/ipp/print"
    job_id = submit(client, printer_uri=PRINTER_URI)
    answer = post(client, ipp_request(operations.GET_JOB_ATTRIBUTES, foreign, job_id=job_id))
    assert answer.code == status.SUCCESSFUL_OK and answer.job is not None
    assert answer.job.value("job-uri") == f"{PRINTER_URI}/{job_id}"
    assert all("evil.example.com" not in value for value in strings_in(answer))


@pytest.mark.parametrize("host", ["a" * 40_000, "h\x00st", "print\x1b", "print[1"],
                         ids=["40 kB", "NUL", "ESC", "bracket"])
def test_hostile_host_header(client: webtest.TestApp, host: str) -> None:
    answer = post(client, gpa(), extra_environ={"HTTP_HOST": host})
    assert answer.code == status.SUCCESSFUL_OK and answer.printer is not None
    uris = answer.printer["printer-uri-supported"].values
    assert all(uri.isascii() and uri.isprintable() for uri in uris)


UNBALANCED = ["ipp://[bad/ipp/print", "ipp://h]/ipp/print"]


@pytest.mark.parametrize("uri", UNBALANCED)
@pytest.mark.parametrize("name", ["printer-uri", "job-uri"])
def test_uri_with_unbalanced_brackets(client: webtest.TestApp, name: str, uri: str) -> None:
    if name == "printer-uri":
        message = gpa(printer_uri=uri)
    else:
        message = ipp_request(operations.GET_JOB_ATTRIBUTES, None, job_uri=f"{uri}/1")
    assert post(client, message).code in (BAD, NOT_FOUND)
