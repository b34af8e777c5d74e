"""The static printer description built from a PrinterDescription."""

from __future__ import annotations

import pytest

from ipp_wsgi.codec import Resolution, tags
from ipp_wsgi.ops.printer_description import PrinterDescription, build_description, media_size, printer_uuid


@pytest.mark.parametrize(("name", "size"), [
    ("na_letter_8.5x11in", (21590, 27940)), ("iso_a4_210x297mm", (21000, 29700)),
    ("na_number-10_4.125x9.5in", (10478, 24130)),
])
def test_media_size_of_self_describing_names(name: str, size: tuple[int, int]) -> None:
    assert media_size(name) == size


def test_media_size_rejects_other_names() -> None:
    with pytest.raises(ValueError, match="self-describing"):
        media_size("letter")


def test_monochrome_printer_advertises_no_colour() -> None:
    group = build_description("mono", PrinterDescription(color=False, resolutions=(300, 600)))
    assert group.value("color-supported") is False
    assert "color" not in group["print-color-mode-supported"].values
    assert "srgb_8" not in group["pwg-raster-document-type-supported"].values
    assert "SRGB24" not in group["urf-supported"].values and "RS300-600" in group["urf-supported"].values
    assert list(group["printer-resolution-supported"].values) == [Resolution(300, 300), Resolution(600, 600)]
    assert "pages-per-minute-color" not in group


def test_formats_drive_raster_attributes_and_device_id() -> None:
    group = build_description("pdf", PrinterDescription(document_formats=("application/pdf",),
                                                        document_format_default="application/pdf"))
    assert "pwg-raster-document-type-supported" not in group and "urf-supported" not in group
    assert ";CMD:PDF;SN:" in group.value("printer-device-id")


def test_media_collections_carry_size_and_margins() -> None:
    group = build_description("p", PrinterDescription())
    default = group.value("media-col-default")
    size = default.value("media-size")
    assert (size.value("x-dimension"), size.value("y-dimension")) == (21590, 27940)
    assert default.value("media-source") == "main"
    assert len(group["media-col-database"]) == len(group["media-supported"])


def test_extra_attributes_take_registry_tags_and_override() -> None:
    extra = {"printer-more-info-manufacturer": "https://example.com/", "printer-location": "Lab"}
    group = build_description("p", PrinterDescription(location="Hall", extra=extra))
    assert group["printer-more-info-manufacturer"].tag == tags.URI
    assert group.value("printer-location") == "Lab"


def test_uuid_is_per_name() -> None:
    assert printer_uuid("a") == printer_uuid("a") != printer_uuid("b")
