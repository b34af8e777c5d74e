"""A printer's static description: what a config file says, and the IPP attributes built from it once.

:func:`build_description` turns a :class:`PrinterDescription` into the printer attributes that never change
while the server runs (capabilities, defaults, identity), with the IPP Everywhere (PWG 5100.14) required set
complete. Status attributes come from the backend and URIs from each request.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from ipp_wsgi import __version__
from ipp_wsgi.codec import UNKNOWN, AttributeGroup, Collection, Range, Resolution, tags
from ipp_wsgi.ops.documents import COMPRESSIONS

_T = tags
MARGIN = 423
"""Hundredths of millimetres (1/6 inch) on every side: what a virtual printer honestly cannot print."""

_PWG_SIZE = re.compile(r"_(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(in|mm)$")
_RASTER_TYPES = {"black_1": "W8", "sgray_8": "W8", "srgb_8": "SRGB24"}
PDF = "application/pdf"
PDF_VERSIONS = ("adobe-1.3", "adobe-1.4", "adobe-1.5", "adobe-1.6", "adobe-1.7", "iso-32000-1_2008")
"""pdf-versions-supported: the versions a PDF printer takes (what the downstream printer renders)."""
_PREFERRED_FORMATS = (PDF, "image/urf", "image/pwg-raster")
"""document-format-preferred: the first of these the printer takes (AirPrint and the Windows IPP Class
Driver send it)."""
_COLOR_RASTER_TYPES = frozenset({"srgb_8"})


URI_AUTHENTICATION = frozenset({
    "none", "requesting-user-name", "basic", "digest", "negotiate", "certificate",
})
"""The uri-authentication-supported keywords a printer may be configured with (RFC 8011 5.4.2)."""


@dataclass(frozen=True, slots=True)
class PrinterDescription:
    """What an administrator configures about a printer (all with IPP Everywhere-complete defaults)."""

    make_and_model: str = "ipp-wsgi virtual printer"
    info: str = ""
    location: str = ""
    organization: str = ""
    organizational_unit: str = ""
    geo_location: str | None = None
    """A ``geo:`` URI (RFC 5870), or None for unknown."""
    document_formats: tuple[str, ...] = (
        "application/pdf", "image/jpeg", "image/pwg-raster", "image/urf", "application/octet-stream",
    )
    document_format_default: str = "application/octet-stream"
    media: tuple[str, ...] = (
        "na_letter_8.5x11in", "na_legal_8.5x14in", "iso_a4_210x297mm", "iso_a5_148x210mm",
        "na_index-4x6_4x6in", "na_number-10_4.125x9.5in", "iso_dl_110x220mm",
    )
    media_default: str = "na_letter_8.5x11in"
    media_ready: tuple[str, ...] = ("na_letter_8.5x11in", "iso_a4_210x297mm")
    media_types: tuple[str, ...] = ("stationery",)
    media_sources: tuple[str, ...] = ("auto", "main")
    sides: tuple[str, ...] = ("one-sided", "two-sided-long-edge", "two-sided-short-edge")
    sides_default: str = "one-sided"
    color: bool = True
    resolutions: tuple[int, ...] = (300,)
    """Raster resolutions in dpi (printer-resolution-*, pwg-raster and URF)."""
    raster_types: tuple[str, ...] = ("black_1", "sgray_8", "srgb_8")
    copies_max: int = 999
    pages_per_minute: int = 60
    output_bins: tuple[str, ...] = ("face-up",)
    multiple_operation_timeout: int = 900
    """Seconds a Create-Job job waits for a document before it is aborted."""
    uri_authentication: str = "requesting-user-name"
    """uri-authentication-supported: how the web server in front authenticates requests to this printer's
    URI (``none``, ``requesting-user-name``, ``basic``, ``digest``, ``negotiate``, ``certificate``).
    Configured once, because the server cannot see what the web server would ask of another request."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Further attributes given verbatim (``name = value``), added last (overriding the built ones)."""

    def __hash__(self) -> int:
        return hash(self.make_and_model)


SETTABLE_PRINTER_ATTRIBUTES = {
    "printer-info": _T.TEXT_WITHOUT_LANGUAGE,
    "printer-location": _T.TEXT_WITHOUT_LANGUAGE,
    "printer-organization": _T.TEXT_WITHOUT_LANGUAGE,
    "printer-organizational-unit": _T.TEXT_WITHOUT_LANGUAGE,
    "printer-geo-location": _T.URI,
    "printer-message-from-operator": _T.TEXT_WITHOUT_LANGUAGE,
}
"""What Set-Printer-Attributes may change (printer-settable-attributes-supported), with value tags."""

JOB_TEMPLATE = (
    "copies", "finishings", "job-hold-until", "job-priority", "job-sheets", "media", "media-col",
    "multiple-document-handling", "number-up", "orientation-requested", "output-bin", "overrides",
    "page-ranges", "print-color-mode", "print-content-optimize", "print-quality", "print-rendering-intent",
    "print-scaling", "printer-resolution", "sides",
)
"""The job template attributes the server accepts (job-creation-attributes-supported)."""

DOCUMENT_SETTABLE = frozenset({*JOB_TEMPLATE, "document-name"})
"""What Set-Document-Attributes may change (document-settable-attributes-supported)."""


def media_size(name: str) -> tuple[int, int]:
    """Width and length (hundredths of mm) of a PWG 5101.1 self-describing media name."""
    found = _PWG_SIZE.search(name)
    if found is None:
        raise ValueError(f"{name!r} is not a PWG self-describing media size name")
    scale = 2540 if found.group(3) == "in" else 100
    return round(float(found.group(1)) * scale), round(float(found.group(2)) * scale)


def _size_collection(name: str) -> Collection:
    width, length = media_size(name)
    size = Collection(member_of="media-size")
    size.add("x-dimension", width, _T.INTEGER)
    size.add("y-dimension", length, _T.INTEGER)
    return size


def media_col(name: str, source: str | None, media_type: str) -> Collection:
    """A media-col value for media ``name`` with this server's margins."""
    col = Collection(member_of="media-col")
    col.add("media-size", _size_collection(name), _T.BEG_COLLECTION)
    col.add("media-size-name", name, _T.KEYWORD)
    for side in ("bottom", "left", "right", "top"):
        col.add(f"media-{side}-margin", MARGIN, _T.INTEGER)
    if source is not None:
        col.add("media-source", source, _T.KEYWORD)
    col.add("media-type", media_type, _T.KEYWORD)
    return col


def _ready_source(d: PrinterDescription) -> str:
    return next((s for s in d.media_sources if s != "auto"), d.media_sources[0])


def _add_media(g: AttributeGroup, d: PrinterDescription) -> None:
    g.add("media-supported", list(d.media), _T.KEYWORD)
    g.add("media-default", d.media_default, _T.KEYWORD)
    g.add("media-ready", list(d.media_ready), _T.KEYWORD)
    g.add("media-col-supported", ["media-bottom-margin", "media-left-margin", "media-right-margin",
                                  "media-size", "media-size-name", "media-source", "media-top-margin",
                                  "media-type"], _T.KEYWORD)
    source = _ready_source(d)
    g.add("media-col-default", media_col(d.media_default, source, d.media_types[0]), _T.BEG_COLLECTION)
    ready = [media_col(m, source, d.media_types[0]) for m in d.media_ready]
    g.add("media-col-ready", ready, _T.BEG_COLLECTION)
    g.add("media-col-database", [media_col(m, None, d.media_types[0]) for m in d.media], _T.BEG_COLLECTION)
    g.add("media-size-supported", [_size_collection(m) for m in d.media],
          _T.BEG_COLLECTION)
    for side in ("bottom", "left", "right", "top"):
        g.add(f"media-{side}-margin-supported", MARGIN, _T.INTEGER)
    g.add("media-source-supported", list(d.media_sources), _T.KEYWORD)  # keywords: Windows hangs on integers
    g.add("media-type-supported", list(d.media_types), _T.KEYWORD)
    # PWG 5100.13 trays, one per source (a virtual printer knows no capacities or levels: -2)
    trays = [f"type=other;mediafeed=0;mediaxfeed=0;maxcapacity=-2;level=-2;status=0;name={source};".encode()
             for source in d.media_sources]  # as many as media-source-supported (PWG 5100.13)
    g.add("printer-input-tray", trays, _T.OCTET_STRING)
    bins = [f"type=unRemovableBin;maxcapacity=-2;remaining=-2;status=0;name={name};stackingorder=firstToLast;"
            f"pagedelivery={'faceDown' if name == 'face-down' else 'faceUp'};" for name in d.output_bins]
    g.add("printer-output-tray", [b.encode() for b in bins], _T.OCTET_STRING)


def _add_raster(g: AttributeGroup, d: PrinterDescription) -> None:
    resolutions = [Resolution(r, r) for r in d.resolutions]
    types = [t for t in d.raster_types if d.color or t not in _COLOR_RASTER_TYPES]
    if "image/pwg-raster" in d.document_formats:
        g.add("pwg-raster-document-resolution-supported", resolutions, _T.RESOLUTION)
        g.add("pwg-raster-document-sheet-back", "normal", _T.KEYWORD)
        g.add("pwg-raster-document-type-supported", types, _T.KEYWORD)
    if "image/urf" in d.document_formats:
        urf_dpi = "-".join(str(r) for r in d.resolutions)
        urf = ["V1.4", "CP1", f"RS{urf_dpi}", *sorted({_RASTER_TYPES[t] for t in types})]
        if any(s.startswith("two-sided") for s in d.sides):
            urf.append("DM1")
        g.add("urf-supported", urf, _T.KEYWORD)


def _device_id(name: str, d: PrinterDescription) -> str:
    command = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/pwg-raster": "PWGRaster",
               "image/urf": "URF", "application/postscript": "POSTSCRIPT"}
    cmd = ",".join(command[f] for f in d.document_formats if f in command)
    make, _, model = d.make_and_model.partition(" ")
    serial = printer_uuid(name).removeprefix("urn:uuid:")  # the Windows IPP Class Driver wants SN:
    return f"MFG:{make};MDL:{model or make};CMD:{cmd};SN:{serial};"


def _add_identity(g: AttributeGroup, name: str, d: PrinterDescription) -> None:
    g.add("printer-name", name, _T.NAME_WITHOUT_LANGUAGE)
    g.add("printer-info", d.info or name, _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-location", d.location, _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-make-and-model", d.make_and_model, _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-dns-sd-name", d.info or name, _T.NAME_WITHOUT_LANGUAGE)
    g.add("printer-device-id", _device_id(name, d), _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-firmware-name", ["ipp-wsgi"], _T.NAME_WITHOUT_LANGUAGE)
    g.add("printer-firmware-string-version", [__version__], _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-firmware-version", [bytes(int(part) for part in __version__.split(".")[:4])],
          _T.OCTET_STRING)
    g.add("printer-uuid", printer_uuid(name), _T.URI)
    g.add("printer-organization", d.organization, _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-organizational-unit", d.organizational_unit, _T.TEXT_WITHOUT_LANGUAGE)
    if d.geo_location:
        g.add("printer-geo-location", d.geo_location, _T.URI)
    else:
        g.add("printer-geo-location", UNKNOWN, _T.UNKNOWN)
    g.add("printer-message-from-operator", "", _T.TEXT_WITHOUT_LANGUAGE)
    g.add("printer-kind", ["document"], _T.KEYWORD)
    g.add("color-supported", d.color, _T.BOOLEAN)
    g.add("pages-per-minute", d.pages_per_minute, _T.INTEGER)
    if d.color:
        g.add("pages-per-minute-color", d.pages_per_minute, _T.INTEGER)
    # A virtual printer has no consumables; one honest "other" supply that never runs out.
    g.add("printer-supply", b"index=1;class=other;type=other;unit=percent;maxcapacity=100;level=100;",
          _T.OCTET_STRING)
    g.add("printer-supply-description", "Virtual output", _T.TEXT_WITHOUT_LANGUAGE)


def _add_protocol(g: AttributeGroup, d: PrinterDescription) -> None:
    g.add("charset-configured", "utf-8", _T.CHARSET)
    g.add("charset-supported", ["utf-8", "us-ascii"], _T.CHARSET)
    g.add("natural-language-configured", "en", _T.NATURAL_LANGUAGE)
    g.add("generated-natural-language-supported", ["en"], _T.NATURAL_LANGUAGE)
    g.add("ipp-versions-supported", ["1.0", "1.1", "2.0", "2.1", "2.2"], _T.KEYWORD)
    g.add("ipp-features-supported", ["ipp-everywhere"], _T.KEYWORD)
    g.add("document-format-supported", list(d.document_formats), _T.MIME_MEDIA_TYPE)
    g.add("document-format-default", d.document_format_default, _T.MIME_MEDIA_TYPE)
    preferred = next((f for f in _PREFERRED_FORMATS if f in d.document_formats), d.document_format_default)
    g.add("document-format-preferred", preferred, _T.MIME_MEDIA_TYPE)
    if PDF in d.document_formats:
        g.add("pdf-versions-supported", list(PDF_VERSIONS), _T.KEYWORD)
        g.add("document-password-supported", 0, _T.INTEGER)  # encrypted PDFs are not opened here
    g.add("compression-supported", list(COMPRESSIONS), _T.KEYWORD)
    g.add("pdl-override-supported", "attempted", _T.KEYWORD)
    g.add("multiple-document-jobs-supported", True, _T.BOOLEAN)
    g.add("multiple-operation-time-out", d.multiple_operation_timeout, _T.INTEGER)
    g.add("multiple-operation-time-out-action", "abort-job", _T.KEYWORD)
    g.add("job-ids-supported", True, _T.BOOLEAN)
    g.add("preferred-attributes-supported", False, _T.BOOLEAN)
    g.add("printer-get-attributes-supported", ["document-format"], _T.KEYWORD)
    g.add("identify-actions-supported", ["display"], _T.KEYWORD)
    g.add("identify-actions-default", ["display"], _T.KEYWORD)
    g.add("which-jobs-supported", list(WHICH_JOBS), _T.KEYWORD)
    g.add("job-creation-attributes-supported", list(JOB_TEMPLATE), _T.KEYWORD)
    g.add("job-settable-attributes-supported", [*JOB_TEMPLATE, "job-name"], _T.KEYWORD)
    g.add("printer-settable-attributes-supported", list(SETTABLE_PRINTER_ATTRIBUTES), _T.KEYWORD)
    g.add("document-settable-attributes-supported", sorted(DOCUMENT_SETTABLE), _T.KEYWORD)
    g.add("job-k-octets-supported", Range(0, 2**31 - 1), _T.RANGE_OF_INTEGER)
    # ipp-everywhere.test looks for "document-number", ipp-2.2.test for "document-numbers".
    g.add("overrides-supported", ["document-number", "document-numbers", "pages"], _T.KEYWORD)


def _add_job_template(g: AttributeGroup, d: PrinterDescription) -> None:
    g.add("copies-supported", Range(1, d.copies_max), _T.RANGE_OF_INTEGER)
    g.add("copies-default", 1, _T.INTEGER)
    g.add("finishings-supported", [3], _T.ENUM)
    g.add("finishings-default", [3], _T.ENUM)
    g.add("job-hold-until-supported", ["no-hold", "indefinite"], _T.KEYWORD)
    g.add("job-hold-until-default", "no-hold", _T.KEYWORD)
    g.add("job-priority-supported", 100, _T.INTEGER)
    g.add("job-priority-default", 50, _T.INTEGER)
    g.add("job-sheets-supported", ["none"], _T.KEYWORD)
    g.add("job-sheets-default", "none", _T.KEYWORD)
    g.add("multiple-document-handling-supported",
          ["separate-documents-uncollated-copies", "separate-documents-collated-copies"], _T.KEYWORD)
    g.add("multiple-document-handling-default", "separate-documents-collated-copies", _T.KEYWORD)
    g.add("number-up-supported", 1, _T.INTEGER)
    g.add("number-up-default", 1, _T.INTEGER)
    g.add("orientation-requested-supported", [3, 4, 5, 6], _T.ENUM)
    g.add("orientation-requested-default", 3, _T.ENUM)
    g.add("output-bin-supported", list(d.output_bins), _T.KEYWORD)
    g.add("output-bin-default", d.output_bins[0], _T.KEYWORD)
    g.add("page-ranges-supported", True, _T.BOOLEAN)
    modes = ["auto", "monochrome", "color"] if d.color else ["auto", "monochrome"]
    g.add("print-color-mode-supported", modes, _T.KEYWORD)
    g.add("print-color-mode-default", "auto", _T.KEYWORD)
    g.add("print-content-optimize-supported", ["auto"], _T.KEYWORD)
    g.add("print-content-optimize-default", "auto", _T.KEYWORD)
    g.add("print-quality-supported", [3, 4, 5], _T.ENUM)
    g.add("print-quality-default", 4, _T.ENUM)
    g.add("print-rendering-intent-supported", ["auto"], _T.KEYWORD)
    g.add("print-rendering-intent-default", "auto", _T.KEYWORD)
    g.add("print-scaling-supported", ["auto", "auto-fit", "fill", "fit", "none"], _T.KEYWORD)
    g.add("print-scaling-default", "auto", _T.KEYWORD)
    g.add("printer-resolution-supported", [Resolution(r, r) for r in d.resolutions], _T.RESOLUTION)
    g.add("printer-resolution-default", Resolution(d.resolutions[0], d.resolutions[0]), _T.RESOLUTION)
    g.add("sides-supported", list(d.sides), _T.KEYWORD)
    g.add("sides-default", d.sides_default, _T.KEYWORD)


WHICH_JOBS = ("completed", "not-completed", "all", "aborted", "canceled", "pending", "pending-held",
              "processing", "processing-stopped", "proof-print")
"""The which-jobs values Get-Jobs accepts (``proof-print`` selects none: no job here is a proof print)."""


def printer_uuid(name: str) -> str:
    """The fallback printer-uuid, stable across restarts: a name-based UUID (RFC 4122 version 5) of the
    printer name, for backends that keep none. The embedded spooler keeps a random one per printer in
    its store (one per installation) and reports it with the printer's status, which overrides the
    description, printer-device-id's ``SN:`` included (:func:`ipp_wsgi.ops.printer_attributes.printer_group`):
    the one place clients and the DNS-SD records read it from."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ipp-wsgi:printer:{name}").urn


def build_description(name: str, description: PrinterDescription,
                      extra_tags: dict[str, int] | None = None) -> AttributeGroup:
    """The static printer attributes of printer ``name`` (no status, no URIs)."""
    group = AttributeGroup()
    _add_identity(group, name, description)
    _add_protocol(group, description)
    _add_job_template(group, description)
    _add_media(group, description)
    _add_raster(group, description)
    for attr_name, value in description.extra.items():
        tag = (extra_tags or {}).get(attr_name)
        group.add(attr_name, value, tag)
    return group
