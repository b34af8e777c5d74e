"""The advertiser: what it registers, and when it registers again, against a recording responder."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ipp_wsgi.codec import AttributeGroup, tags
from ipp_wsgi.config import load_config
from ipp_wsgi.dnssd.advertiser import Address, Advertiser, advertised_printers
from ipp_wsgi.dnssd.records import IPP, PrinterRecords, conflict_name
from ipp_wsgi.dnssd.settings import DnssdSettings
from ipp_wsgi.ops import Service


class RecordingResponder:
    """Records what is published; names in ``taken`` are in use elsewhere."""

    name = "recording"

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = taken or set()
        self.published: list[PrinterRecords] = []
        self.withdrawn: list[str] = []
        self.closed = False

    async def host_name(self) -> str:
        return "host.local"

    async def publish(self, records: PrinterRecords, host: str) -> str:
        attempt = 0
        while (name := records.name if attempt == 0 else conflict_name(records.name, attempt)) in self.taken:
            attempt += 1
        self.published.append(records.renamed(name))
        return name

    async def withdraw(self, printer: str) -> None:
        self.withdrawn.append(printer)

    async def close(self) -> None:
        self.closed = True

    def conflicts(self) -> list[str]:
        return []

    def renamed(self, printer: str) -> str | None:
        return None


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = Service.from_config(replace(load_config(spool_dir=tmp_path), spooler_workers=0))
    yield built
    built.close()


def _advertiser(service: Service, responder: RecordingResponder) -> Advertiser:
    return Advertiser(service, service.printers, responder, Address("host.local", {IPP: 8631}, ""))


def test_registers_once_then_again_when_an_attribute_changes(service: Service) -> None:
    responder = RecordingResponder()
    advertiser = _advertiser(service, responder)
    asyncio.run(advertiser.refresh())
    asyncio.run(advertiser.refresh())
    assert len(responder.published) == 1
    entry = service.printers[0]
    changes = AttributeGroup()
    changes.add("printer-location", "Room 101", tags.TEXT_WITHOUT_LANGUAGE)
    entry.backend.set_printer_attributes(entry.name, changes)
    asyncio.run(advertiser.refresh())
    assert len(responder.published) == 2
    assert dict(responder.published[-1].services[0].txt)["note"] == "Room 101"
    entry.backend.pause_printer(entry.name)
    asyncio.run(advertiser.refresh())
    assert dict(responder.published[-1].services[0].txt)["printer-state"] == "5"


def test_a_taken_name_is_advertised_as_print_2(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    responder = RecordingResponder(taken={"print"})
    asyncio.run(_advertiser(service, responder).refresh())
    assert responder.published[0].name == "print (2)"
    assert {s.name for s in responder.published[0].services} == {"print (2)"}
    assert "cannot record the name 'print (2)'" in caplog.text


def test_the_scope_names_the_printers(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[dnssd]\nprinters = ["b"]\n[[printers]]\nname = "a"\n[[printers]]\nname = "b"\n')
    config = load_config(path, spool_dir=tmp_path / "spool")
    service = Service.from_config(replace(config, spooler_workers=0))
    try:
        assert [p.name for p in advertised_printers(service, config.dnssd)] == ["b"]
        assert [p.name for p in advertised_printers(service, DnssdSettings())] == ["a", "b"]
    finally:
        service.close()
