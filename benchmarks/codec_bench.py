"""Codec speed against pyipp on the same inputs, in one run: ``python benchmarks/codec_bench.py``.

Measures decodes/s of a realistic ~10 KB Get-Printer-Attributes response and encodes/s of a
Get-Printer-Attributes request and of a Print-Job request (attribute section only), for ipp_wsgi.codec and
for pyipp (``pip install .[bench]``), prints the figures and their ratios and writes them as JSON to
``benchmarks/results/codec-<timestamp>.json``. Not a test: the machine may be noisy, so each figure is the
best of several repeats.
"""

from __future__ import annotations

import io
import json
import platform
import sys
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ipp_wsgi.codec import (
    NO_VALUE,
    UNKNOWN,
    Attribute,
    AttributeGroup,
    Collection,
    Message,
    Range,
    Resolution,
    TextWithLanguage,
    decode,
    encode,
    read_message,
)
from ipp_wsgi.codec import tags as t

RESULTS = Path(__file__).resolve().parent / "results"
PRINTER_URI = "ipp://localhost:631/printers/bench"


def _operation(group: AttributeGroup, *extra: tuple[str, int, Any]) -> None:
    group.add("attributes-charset", "utf-8", tag=t.CHARSET)
    group.add("attributes-natural-language", "en", tag=t.NATURAL_LANGUAGE)
    for name, tag, value in extra:
        group.add(name, value, tag=tag)


def _media_col(size: tuple[int, int], source: str, media_type: str) -> Collection:
    dims = Collection(member_of="media-size")
    dims.add("x-dimension", size[0], tag=t.INTEGER)
    dims.add("y-dimension", size[1], tag=t.INTEGER)
    col = Collection(member_of="media-col-database")
    col.add("media-size", dims, tag=t.BEG_COLLECTION)
    for margin in ("media-bottom-margin", "media-left-margin", "media-right-margin", "media-top-margin"):
        col.add(margin, 423, tag=t.INTEGER)
    col.add("media-source", source, tag=t.KEYWORD)
    col.add("media-type", media_type, tag=t.KEYWORD)
    col.add("media-color", "white", tag=t.KEYWORD)
    return col


def printer_response() -> Message:
    """A Get-Printer-Attributes response like an IPP Everywhere printer's (about 110 attributes, ~10 KB)."""
    message = Message(0x0000, 42, (2, 0))
    _operation(message.operation)
    printer = message.add_group(t.PRINTER_ATTRIBUTES)
    sizes = [(21000, 29700), (21590, 27940), (21590, 35560), (14800, 21000), (10500, 14800),
             (18400, 26700), (9906, 22860), (11000, 22000), (29700, 42000), (10160, 15240)]
    printer.append(Attribute("media-col-database", [t.BEG_COLLECTION] * 10, [
        _media_col(size, ("main", "manual")[i % 2], ("stationery", "photographic")[i % 2])
        for i, size in enumerate(sizes)]))
    printer.add("media-col-default", _media_col(sizes[0], "main", "stationery"), tag=t.BEG_COLLECTION)
    printer.add("printer-info", TextWithLanguage("Bench printer on the third floor", "en"),
                tag=t.TEXT_WITH_LANGUAGE)
    printer.add("printer-current-time", datetime(2025, 10, 31, 12, 0, 0, tzinfo=UTC), tag=t.DATE_TIME)
    printer.add("printer-resolution-supported", [Resolution(300, 300), Resolution(600, 600)],
                tag=t.RESOLUTION)
    printer.add("printer-resolution-default", Resolution(600, 600), tag=t.RESOLUTION)
    printer.add("copies-supported", Range(1, 999), tag=t.RANGE_OF_INTEGER)
    printer.add("printer-geo-location", UNKNOWN, tag=t.UNKNOWN)
    printer.add("printer-organization", NO_VALUE, tag=t.NO_VALUE)
    printer.add("printer-uri-supported", [PRINTER_URI, PRINTER_URI.replace("ipp:", "ipps:")], tag=t.URI)
    printer.add("uri-security-supported", ["none", "tls"], tag=t.KEYWORD)
    printer.add("printer-name", "bench", tag=t.NAME_WITHOUT_LANGUAGE)
    printer.add("printer-state", 3, tag=t.ENUM)
    printer.add("printer-is-accepting-jobs", True, tag=t.BOOLEAN)
    printer.add("operations-supported", [2, 4, 5, 6, 8, 9, 10, 11, 0x3B], tag=t.ENUM)
    printer.add("document-format-supported",
                ["application/pdf", "image/jpeg", "image/pwg-raster", "image/urf"], tag=t.MIME_MEDIA_TYPE)
    printer.add("media-supported", [f"iso_custom_{i}_{w}x{h}mm" for i, (w, h) in enumerate(sizes)],
                tag=t.KEYWORD)
    keywords = ["sides", "print-color-mode", "output-bin", "media-source", "media-type", "print-scaling",
                "finishings", "job-hold-until", "multiple-document-handling", "print-content-optimize",
                "print-rendering-intent", "pwg-raster-document-type", "page-delivery", "job-sheets",
                "pdl-override", "compression", "which-jobs", "job-password-encryption",
                "ipp-features", "printer-kind", "identify-actions", "job-error-action"]
    for i, stem in enumerate(keywords):
        printer.add(f"{stem}-supported", [f"{stem}-value-{k}" for k in range(3 + i % 4)], tag=t.KEYWORD)
        printer.add(f"{stem}-default", f"{stem}-value-0", tag=t.KEYWORD)
    for i in range(30):
        printer.add(f"integer-attribute-{i}-supported", i * 1000, tag=t.INTEGER)
    for i in range(19):
        printer.add(f"text-attribute-{i}", f"Some descriptive text number {i}", tag=t.TEXT_WITHOUT_LANGUAGE)
    return message


def get_printer_attributes_request() -> Message:
    message = Message(0x000B, 1, (2, 0))
    _operation(message.operation, ("printer-uri", t.URI, PRINTER_URI),
               ("requesting-user-name", t.NAME_WITHOUT_LANGUAGE, "alice"),
               ("requested-attributes", t.KEYWORD, ["all", "media-col-database"]))
    return message


def print_job_request() -> Message:
    message = Message(0x0002, 2, (2, 0))
    _operation(message.operation, ("printer-uri", t.URI, PRINTER_URI),
               ("requesting-user-name", t.NAME_WITHOUT_LANGUAGE, "alice"),
               ("job-name", t.NAME_WITHOUT_LANGUAGE, "quarterly report.pdf"),
               ("document-format", t.MIME_MEDIA_TYPE, "application/pdf"),
               ("ipp-attribute-fidelity", t.BOOLEAN, False))
    job = message.add_group(t.JOB_ATTRIBUTES)
    job.add("copies", 2, tag=t.INTEGER)
    job.add("sides", "two-sided-long-edge", tag=t.KEYWORD)
    job.add("media", "iso_a4_210x297mm", tag=t.NAME_WITHOUT_LANGUAGE)
    job.add("finishings", [3, 4], tag=t.ENUM)
    job.add("job-hold-until", "no-hold", tag=t.KEYWORD)
    job.add("print-quality", 4, tag=t.ENUM)
    return message


def _pyipp_dict(message: Message) -> dict[str, Any]:
    """The same request as pyipp's ``encode_dict`` input (pyipp picks tags from its own table)."""
    from pyipp.enums import IppOperation

    data: dict[str, Any] = {"version": message.version, "operation": IppOperation(message.code),
                            "request-id": message.request_id}
    for group_tag, key in ((t.OPERATION_ATTRIBUTES, "operation-attributes-tag"),
                           (t.JOB_ATTRIBUTES, "job-attributes-tag")):
        group = message.group(group_tag)
        if group is not None:
            data[key] = {a.name: a.values if len(a) > 1 else a.value for a in group.attributes()}
    return data


def rates(*funcs: Callable[[], object], repeat: int = 7) -> list[float]:
    """Calls per second of each function: the best of ``repeat`` batches of about 0.2 s each.

    The batches of the functions alternate, so that a noisy neighbour slows them alike.
    """
    timers = [timeit.Timer(func) for func in funcs]
    numbers = [timer.autorange()[0] for timer in timers]
    best = [float("inf")] * len(funcs)
    for _ in range(repeat):
        for i, (timer, number) in enumerate(zip(timers, numbers, strict=True)):
            best[i] = min(best[i], timer.timeit(number))
    return [number / seconds for number, seconds in zip(numbers, best, strict=True)]


def main() -> int:
    from pyipp.parser import parse
    from pyipp.serializer import encode_dict

    response = encode(printer_response())
    requests = {"get-printer-attributes": get_printer_attributes_request(), "print-job": print_job_request()}
    assert decode(response) == printer_response()
    results: dict[str, Any] = {"python": platform.python_version(), "response_octets": len(response),
                               "response_attributes": len(printer_response().printer or ())}

    ours, theirs, streamed = rates(lambda: decode(response), lambda: parse(response),
                                   lambda: read_message(io.BytesIO(response)))
    results["decode_response"] = {"ours": ours, "pyipp": theirs, "ratio": ours / theirs,
                                  "ours_read_message": streamed}
    for name, message in requests.items():
        pyipp_input = _pyipp_dict(message)
        assert decode(encode_dict(pyipp_input)) == message, f"pyipp encodes {name} differently"
        ours, theirs = rates(lambda message=message: encode(message),  # type: ignore[misc]
                             lambda pyipp_input=pyipp_input: encode_dict(pyipp_input))  # type: ignore[misc]
        results[f"encode_{name}"] = {"ours": ours, "pyipp": theirs, "ratio": ours / theirs,
                                     "octets": len(encode(message))}

    print(f"response: {results['response_octets']} octets, "
          f"{results['response_attributes']} printer attributes")
    for key in ("decode_response", "encode_get-printer-attributes", "encode_print-job"):
        row = results[key]
        print(f"{key:32} ours {row['ours']:>10,.0f}/s  pyipp {row['pyipp']:>9,.0f}/s  "
              f"ratio {row['ratio']:5.1f}x")
    streamed = results["decode_response"]["ours_read_message"]
    print(f"{'read_message (BytesIO) response':32} ours {streamed:>10,.0f}/s")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"codec-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
