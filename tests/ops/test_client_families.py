"""What each client family asks of Get-Printer-Attributes, present and consistent (issue 17's table)."""

from __future__ import annotations

import pytest
from ops_helpers import Call, make_request, operation_group

from ipp_wsgi.codec import Attribute, AttributeGroup, operations, status, tags

FAMILIES: dict[str, tuple[str, ...]] = {
    "AirPrint (iOS, macOS)": (
        "urf-supported", "document-format-preferred", "media-col-ready", "media-ready", "printer-uuid",
        "printer-dns-sd-name", "printer-more-info", "printer-icons", "pdf-versions-supported",
    ),
    "Android / Mopria": ("document-format-supported",),
    "Windows IPP Class Driver": (
        "printer-device-id", "printer-firmware-name", "printer-firmware-string-version",
        "printer-firmware-version", "printer-input-tray", "printer-output-tray", "document-format-preferred",
        "media-source-supported",
    ),
    "ChromeOS / CUPS driverless": (
        "pwg-raster-document-resolution-supported", "pwg-raster-document-sheet-back",
        "pwg-raster-document-type-supported",
    ),
    "IPP Everywhere self-certification": ("document-password-supported",),
}
_ALL = sorted({name for names in FAMILIES.values() for name in names})


def _printer(call: Call, *requested: str) -> AttributeGroup:
    response = call(make_request(operations.GET_PRINTER_ATTRIBUTES,
                                 operation_group(requested_attributes=list(requested))))
    assert response.code == status.SUCCESSFUL_OK and response.printer is not None
    return response.printer


@pytest.mark.parametrize(("family", "names"), FAMILIES.items(), ids=list(FAMILIES))
def test_each_family_finds_what_it_asks_for(call: Call, family: str, names: tuple[str, ...]) -> None:
    printer = _printer(call, *names)
    missing = [name for name in names if name not in printer]
    assert not missing, f"{family} misses {missing}"
    assert set(names) <= set(_printer(call, "all").names())


def _tag(attr: Attribute) -> set[int]:
    return set(attr.tags)


def test_the_values_agree_with_each_other(call: Call) -> None:
    p = _printer(call, *_ALL, "document-format-default", "media-supported", "output-bin-supported",
                 "media-source-supported")
    formats = list(p["document-format-supported"].values)
    assert p.value("document-format-preferred") in formats
    assert any(f in formats for f in ("application/pdf", "image/pwg-raster", "image/urf"))  # Mopria
    assert "application/pdf" in formats and p.value("document-password-supported") == 0
    assert "iso-32000-1_2008" in p["pdf-versions-supported"].values
    assert _tag(p["media-source-supported"]) == {tags.KEYWORD}  # a number hangs the Windows driver
    device_id = str(p.value("printer-device-id"))
    uuid = str(p.value("printer-uuid")).removeprefix("urn:uuid:")
    assert device_id.startswith("MFG:") and f";SN:{uuid};" in device_id
    assert set(p["media-ready"].values) <= set(p["media-supported"].values)
    ready_names = [col.value("media-size-name") for col in p["media-col-ready"].values]
    assert ready_names == list(p["media-ready"].values)
    trays = [bytes(v).decode() for v in p["printer-input-tray"].values]
    sources = list(p["media-source-supported"].values)
    assert [t.rsplit("name=", 1)[1].rstrip(";") for t in trays] == sources  # SAME-COUNT-AS, in order
    bins = [bytes(v).decode() for v in p["printer-output-tray"].values]
    assert [b.split("name=", 1)[1].split(";")[0] for b in bins] == list(p["output-bin-supported"].values)
    assert p.value("printer-firmware-string-version") and p.value("printer-firmware-name") == "ipp-wsgi"
    assert p.value("printer-dns-sd-name") == "print"
    assert "mopria-certified" not in _printer(call, "all")  # never claimed unless configured


def test_media_col_members_are_in_the_job_template_group(call: Call) -> None:
    printer = _printer(call, "job-template")
    for name in ("media-bottom-margin-supported", "media-left-margin-supported",
                 "media-right-margin-supported", "media-top-margin-supported", "media-size-supported",
                 "media-source-supported", "media-type-supported"):
        assert name in printer, name
        assert name not in _printer(call, "printer-description"), name
