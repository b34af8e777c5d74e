"""The DNS-SD records of a printer, worked out from its attributes as the operation layer answers them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, Collection, tags
from ipp_wsgi.config import load_config
from ipp_wsgi.dnssd.advertiser import Address, address, records_of
from ipp_wsgi.dnssd.records import (
    IPP,
    IPPS,
    LPD,
    TXT_VALUE_MAX,
    conflict_name,
    paper_max,
    printer_records,
    resource_path,
)
from ipp_wsgi.dnssd.settings import DnssdSettings
from ipp_wsgi.ops import Service


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = Service.from_config(replace(load_config(spool_dir=tmp_path), spooler_workers=0))
    yield built
    built.close()


def test_the_records_come_from_the_printers_attributes(service: Service) -> None:
    entry = service.printers[0]
    records = records_of(service, entry, Address("host.local", {IPP: 8631}, ""))
    assert records is not None and records.name == "print"
    ipp, lpd = records.services
    assert (ipp.type, ipp.port, ipp.subtypes) == (IPP, 8631, ("_universal", "_print"))
    assert (lpd.type, lpd.port, lpd.txt, lpd.subtypes) == (LPD, 0, (), ())
    txt = dict(ipp.txt)
    description = entry.description
    assert txt["rp"] == "ipp/print"
    assert txt["adminurl"] == "http://host.local:8631/ipp/print"
    assert txt["ty"] == description.value("printer-make-and-model")
    assert txt["product"] == f"({description.value('printer-make-and-model')})"
    assert isinstance(entry.backend, EmbeddedSpooler)
    with entry.backend.store.read() as tx:
        kept = tx.printer("print")
    assert kept is not None and txt["UUID"] == kept.uuid.removeprefix("urn:uuid:")  # the store's own
    assert txt["pdl"].split(",") == list(description["document-format-supported"].values)
    assert txt["URF"].split(",") == list(description["urf-supported"].values)
    assert (txt["Color"], txt["Duplex"], txt["kind"], txt["PaperMax"]) == ("T", "T", "document", "legal-A4")
    assert (txt["txtvers"], txt["qtotal"], txt["note"], txt["air"], txt["printer-state"]) == (
        "1", "1", "", "none", "3")
    assert "TLS" not in txt and "mopria-certified" not in txt


def test_a_tls_address_advertises_ipps_with_its_own_urls(service: Service) -> None:
    settings = DnssdSettings(host="print.example.com", port=631, tls_port=443, path_prefix="/ipp")
    where = address(settings, "ignored.local")
    records = records_of(service, service.printers[0], where)
    assert records is not None
    ipp, ipps, _ = records.services
    assert (ipp.port, ipps.type, ipps.port) == (631, IPPS, 443)
    assert dict(ipp.txt)["adminurl"] == "http://print.example.com/ipp/ipp/print"
    assert dict(ipps.txt)["adminurl"] == "https://print.example.com:443/ipp/ipp/print"
    assert dict(ipps.txt)["rp"] == "ipp/ipp/print" and dict(ipps.txt)["TLS"] == "1.2"
    assert "TLS" not in dict(ipp.txt)


def test_ipps_only_has_no_plain_record(service: Service) -> None:
    where = address(DnssdSettings(scheme="ipps", port=8443), "h.local")
    records = records_of(service, service.printers[0], where)
    assert records is not None
    assert [s.type for s in records.services] == [IPPS, LPD]


def _group(**values: object) -> AttributeGroup:
    group = AttributeGroup()
    group.add("printer-uri-supported", "ipp://h/ipp/x", tags.URI)
    for name, value in values.items():
        group.add(name.replace("_", "-"), value)
    return group


def test_txt_values_stay_within_255_bytes() -> None:
    formats = [f"application/x-format-{n}" for n in range(40)]
    attributes = _group(document_format_supported=formats, printer_location="é" * 300,
                        printer_dns_sd_name="x")
    service = printer_records("x", attributes, None, {IPP: 631}).services[0]
    assert all(len(string) <= TXT_VALUE_MAX for string in service.txt_strings())
    pdl = dict(service.txt)["pdl"].split(",")
    assert pdl == formats[: len(pdl)] and len(pdl) > 3  # whole values only


def test_mopria_certified_only_where_the_printer_claims_it() -> None:
    claimed = _group(printer_dns_sd_name="x", mopria_certified="2.1")
    assert dict(printer_records("x", claimed, None, {IPP: 631}).services[0].txt)["mopria-certified"] == "2.1"


def _size(width: int, length: int) -> Collection:
    size = Collection()
    size.add("x-dimension", width, tags.INTEGER)
    size.add("y-dimension", length, tags.INTEGER)
    return size


@pytest.mark.parametrize(("sizes", "expected"), [
    ([(10500, 14800)], "<legal-A4"),
    ([(21000, 29700), (21590, 27940)], "legal-A4"),
    ([(29700, 42000)], "tabloid-A3"),
    ([(42000, 59400)], "isoC-A2"),
    ([(84100, 118900)], ">isoC-A2"),
])
def test_paper_max(sizes: list[tuple[int, int]], expected: str) -> None:
    assert paper_max([_size(w, h) for w, h in sizes]) == expected


def test_conflict_names_count_up_within_a_dns_label() -> None:
    assert conflict_name("print", 1) == "print (2)"
    assert conflict_name("print", 2) == "print (3)"
    assert len(conflict_name("x" * 70, 9).encode()) == 63


def test_resource_path() -> None:
    assert resource_path("ipps://h:443/ipp/ipp/print") == "ipp/ipp/print"
