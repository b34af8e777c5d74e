"""Printer attributes are built once per status, request URI base and path, and second, and answered
frozen and pre-encoded; any change of status, second or address shows at once."""

from __future__ import annotations

import pytest
from ops_helpers import BASE_URI, PRINTER_URI, Call, make_request, operation_group

from ipp_wsgi.codec import Message, encode, operations, tags
from ipp_wsgi.codec.encoder import EncodedGroup
from ipp_wsgi.ops import Service
from ipp_wsgi.ops import printer_attributes as printer_attributes_module

SMALL = ["printer-state", "queued-job-count", "printer-up-time"]


def gpa(call: Call, requested: list[str] = SMALL, base_uri: str = BASE_URI) -> Message:
    printer_uri = base_uri + "/ipp/print"
    request = make_request(operations.GET_PRINTER_ATTRIBUTES,
                           operation_group(printer_uri, requested_attributes=requested))
    return call(request, base_uri=base_uri)


def test_the_same_request_gets_the_same_frozen_group(call: Call) -> None:
    first, second = gpa(call), gpa(call)
    assert first.printer is second.printer
    assert isinstance(first.printer, EncodedGroup)
    with pytest.raises(TypeError):
        first.printer.add("printer-state", 5, tags.ENUM)
    assert encode(first) == encode(second)


def test_a_new_job_shows_at_once(call: Call) -> None:
    before = gpa(call).printer
    assert before is not None and before.value("queued-job-count") == 0
    created = call(make_request(operations.CREATE_JOB, operation_group(requesting_user_name="alice")))
    assert created.code == 0
    after = gpa(call).printer
    assert after is not None and after.value("queued-job-count") == 1


def test_pausing_shows_at_once(call: Call) -> None:
    assert gpa(call).printer.value("printer-state") == 3  # type: ignore[union-attr]
    paused = call(make_request(operations.PAUSE_PRINTER), user="root")
    assert paused.code == 0
    assert gpa(call).printer.value("printer-state") == 5  # type: ignore[union-attr]


def test_the_time_attributes_follow_the_clock(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    now = 2_000_000_000.25
    monkeypatch.setattr(printer_attributes_module.time, "time", lambda: now)
    assert gpa(call).printer.value("printer-up-time") == 2_000_000_000  # type: ignore[union-attr]
    now += 1
    assert gpa(call).printer.value("printer-up-time") == 2_000_000_001  # type: ignore[union-attr]


def test_each_address_gets_its_own_uris_and_the_cache_stays_bounded(call: Call, service: Service) -> None:
    for host in range(200):
        base = f"ipp://host{host}:631"
        printer = gpa(call, ["printer-uri-supported"], base).printer
        assert printer is not None and printer.value("printer-uri-supported") == base + "/ipp/print"
    assert len(service.printers[0].attributes_cache) <= printer_attributes_module._CACHE_MAX
    assert gpa(call, ["printer-uri-supported"]).printer.value("printer-uri-supported") == PRINTER_URI  # type: ignore[union-attr]
