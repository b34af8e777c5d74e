"""The description of a printer with an ``ipp`` output taken from its downstream printer's answer."""

from __future__ import annotations

from ipp_wsgi.codec import AttributeGroup, Resolution, tags
from ipp_wsgi.ops.downstream import described_by
from ipp_wsgi.ops.printer_description import PrinterDescription


def _answer() -> AttributeGroup:
    group = AttributeGroup()
    group.add("document-format-supported", ["application/pdf", "image/urf"], tags.MIME_MEDIA_TYPE)
    group.add("document-format-default", "image/urf", tags.MIME_MEDIA_TYPE)
    group.add("color-supported", False, tags.BOOLEAN)
    group.add("sides-supported", ["one-sided"], tags.KEYWORD)
    group.add("media-supported", ["iso_a4_210x297mm", "iso_a5_148x210mm", "custom_min_3x5in",
                                  "custom_max_8.5x14in", "roll_current"], tags.KEYWORD)
    group.add("media-default", "iso_a4_210x297mm", tags.KEYWORD)
    group.add("media-ready", ["iso_a5_148x210mm", "na_letter_8.5x11in"], tags.KEYWORD)
    group.add("media-source-supported", ["tray-1"], tags.KEYWORD)
    group.add("pwg-raster-document-resolution-supported", [Resolution(600, 600), Resolution(300, 600)],
              tags.RESOLUTION)
    return group


def test_what_the_printer_lists_replaces_the_configured_capabilities() -> None:
    described = described_by(PrinterDescription(), _answer())
    assert described.document_formats == ("application/pdf", "image/urf")
    assert described.document_format_default == "image/urf"  # octet-stream, configured, is not listed
    assert (described.color, described.sides, described.sides_default) == (False, ("one-sided",), "one-sided")
    # Sizes only (ranges and roll names cannot be listed as sizes); ready media that it lists.
    assert described.media == ("iso_a4_210x297mm", "iso_a5_148x210mm")
    assert (described.media_default, described.media_ready) == ("iso_a4_210x297mm", ("iso_a5_148x210mm",))
    assert (described.media_sources, described.resolutions) == (("tray-1",), (600,))
    assert described.media_types == PrinterDescription().media_types  # not said: as configured


def test_a_configured_default_the_printer_lists_stays_and_silence_keeps_the_configuration() -> None:
    configured = PrinterDescription(document_format_default="application/pdf", location="Hall")
    assert described_by(configured, _answer()).document_format_default == "application/pdf"
    assert described_by(configured, AttributeGroup()) == configured
