"""What is advertised for a printer: its DNS-SD services and TXT keys, worked out from its IPP attributes.

Pure: :func:`printer_records` reads the printer's Get-Printer-Attributes answer (as a client at the
advertised address gets it) and returns the services to register, so every TXT value has one source of
truth: the printer's own attributes (Bonjour Printing Specification 1.2.1, PWG 5100.14 section 4.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ipp_wsgi.codec import AttributeGroup, Collection

IPP = "_ipp._tcp"
IPPS = "_ipps._tcp"
LPD = "_printer._tcp"
SUBTYPES = ("_universal", "_print")
"""AirPrint's and IPP Everywhere's subtypes of ``_ipp._tcp`` and ``_ipps._tcp``."""

TXT_VALUE_MAX = 255
"""The most bytes one TXT string (``key=value``) may hold (RFC 6763 section 6.1)."""
TLS_VERSION = "1.2"
"""The ``TLS`` key of an ``_ipps._tcp`` record: the lowest TLS version the web server in front offers."""

REQUESTED = (
    "printer-dns-sd-name", "printer-name", "printer-uri-supported", "printer-make-and-model",
    "printer-more-info", "printer-location", "document-format-supported", "color-supported",
    "sides-supported", "printer-uuid", "urf-supported", "printer-kind", "media-size-supported",
    "mopria-certified", "uri-authentication-supported", "printer-state",
)
"""The printer attributes the records are made of (the requested-attributes the advertiser asks for)."""

_AIR = {"none": "none", "requesting-user-name": "none", "basic": "username,password",
        "digest": "username,password", "negotiate": "negotiate", "certificate": "certificate"}
"""uri-authentication-supported -> AirPrint's ``air`` key (the authentication a client must offer)."""

# PaperMax (Bonjour Printing 1.2.1): the largest media, by width and length in hundredths of mm.
# "<legal-A4": smaller than A4 both ways; "legal-A4": up to US legal and A4; "tabloid-A3": up to 11x17in and
# A3; "isoC-A2": up to ANSI C (17x22in) and A2.
_PAPER_MAX = ((20999, 29699, "<legal-A4"), (21590, 35560, "legal-A4"), (29700, 43180, "tabloid-A3"),
              (43180, 59400, "isoC-A2"))


@dataclass(frozen=True, slots=True)
class Service:
    """One DNS-SD service instance: ``name`` of ``type`` (``_ipp._tcp``) at ``port`` with ``txt``."""

    name: str
    type: str
    port: int
    txt: tuple[tuple[str, str], ...] = ()
    """Key/value pairs in the order they are advertised."""
    subtypes: tuple[str, ...] = ()
    """``_universal``, ``_print``: registered as ``_universal._sub._ipp._tcp``."""

    def txt_strings(self) -> list[bytes]:
        """The TXT record's strings, ``key=value`` in UTF-8."""
        return [f"{key}={value}".encode() for key, value in self.txt]

    def renamed(self, name: str) -> Service:
        """The same service under instance name ``name``."""
        return Service(name, self.type, self.port, self.txt, self.subtypes)


@dataclass(frozen=True, slots=True)
class PrinterRecords:
    """Everything advertised for one printer: its services, all under one instance name."""

    printer: str
    name: str
    """The instance name (printer-dns-sd-name)."""
    services: tuple[Service, ...] = field(default_factory=tuple)

    def renamed(self, name: str) -> PrinterRecords:
        """The same records under instance name ``name`` (after a name conflict)."""
        return PrinterRecords(self.printer, name, tuple(s.renamed(name) for s in self.services))

    def same_services(self, other: PrinterRecords | None) -> bool:
        """True when ``other`` has the same services (names, types, ports, subtypes), TXT aside."""
        if other is None or len(other.services) != len(self.services):
            return False
        return all((a.name, a.type, a.port, a.subtypes) == (b.name, b.type, b.port, b.subtypes)
                   for a, b in zip(self.services, other.services, strict=True))


def conflict_name(base: str, attempt: int) -> str:
    """The instance name to try after ``attempt`` names were taken: ``print (2)``, ``print (3)``, ...
    (what macOS and PAPPL show), within DNS's 63-byte label."""
    suffix = f" ({attempt + 1})"
    head = base.encode()[: 63 - len(suffix)].decode(errors="ignore")
    return head + suffix


def _values(group: AttributeGroup, name: str) -> list[object]:
    attr = group.get(name)
    return list(attr.values) if attr is not None else []


def _joined(values: Iterable[object], key: str) -> str:
    """Comma-separated values, as many whole values as fit in one TXT string for ``key``."""
    room = TXT_VALUE_MAX - len(key) - 1
    kept: list[str] = []
    for value in map(str, values):
        if len(",".join([*kept, value]).encode()) > room:
            break
        kept.append(value)
    return ",".join(kept)


def _text(value: object, key: str) -> str:
    """``value`` cut to fit one TXT string for ``key`` (on a character boundary)."""
    room = TXT_VALUE_MAX - len(key) - 1
    return str(value).encode()[:room].decode(errors="ignore")


def paper_max(sizes: Iterable[object]) -> str:
    """The PaperMax key for the media-size-supported collections ``sizes``."""
    width = length = 0
    for size in sizes:
        if isinstance(size, Collection):
            x, y = size.value("x-dimension"), size.value("y-dimension")
            width = max(width, x if isinstance(x, int) else 0)
            length = max(length, y if isinstance(y, int) else 0)
    for max_width, max_length, key in _PAPER_MAX:
        if width <= max_width and length <= max_length:
            return key
    return ">isoC-A2"


def resource_path(printer_uri: str) -> str:
    """The ``rp`` key: the printer URI's path without its leading slash (``ipp/print``)."""
    return urlsplit(printer_uri).path.lstrip("/")


def txt_keys(attributes: AttributeGroup, tls: bool) -> list[tuple[str, str]]:
    """The TXT keys of a printer described by ``attributes``; ``tls`` for an ``_ipps._tcp`` record."""
    def flag(yes: bool) -> str:
        return "T" if yes else "F"

    formats = _values(attributes, "document-format-supported")
    keys = [
        ("txtvers", "1"),
        ("qtotal", "1"),
        ("rp", resource_path(str(attributes.value("printer-uri-supported", "")))),
        ("ty", _text(attributes.value("printer-make-and-model", ""), "ty")),
        ("adminurl", str(attributes.value("printer-more-info", ""))),
        ("note", _text(attributes.value("printer-location", ""), "note")),
        ("priority", "0"),
        ("product", _text(f"({attributes.value('printer-make-and-model', '')})", "product")),
        ("pdl", _joined(formats, "pdl")),
        ("Color", flag(attributes.value("color-supported") is True)),
        ("Duplex", flag(any(str(s).startswith("two-sided") for s in _values(attributes, "sides-supported")))),
        ("UUID", str(attributes.value("printer-uuid", "")).removeprefix("urn:uuid:")),
    ]
    if tls:
        keys.append(("TLS", TLS_VERSION))
    urf = _values(attributes, "urf-supported")
    if urf:
        keys.append(("URF", _joined(urf, "URF")))
    kind = _values(attributes, "printer-kind")
    if kind:
        keys.append(("kind", _joined(kind, "kind")))
    keys.append(("PaperMax", paper_max(_values(attributes, "media-size-supported"))))
    authentication = str(attributes.value("uri-authentication-supported", "none"))
    keys.append(("air", _AIR.get(authentication, "none")))
    state = attributes.value("printer-state")
    if isinstance(state, int):
        keys.append(("printer-state", str(state)))
    mopria = attributes.value("mopria-certified")
    if mopria is not None:
        keys.append(("mopria-certified", _text(mopria, "mopria-certified")))
    return keys


def printer_records(printer: str, plain: AttributeGroup | None, secure: AttributeGroup | None,
                    ports: Mapping[str, int]) -> PrinterRecords:
    """The services of ``printer``: ``_ipp._tcp`` from its attributes as a client of the plain address
    gets them (``plain``, None: no plain IPP), ``_ipps._tcp`` from those at the TLS address (``secure``),
    at ``ports[IPP]`` and ``ports[IPPS]``, and ``_printer._tcp`` at port 0 (no LPD here)."""
    described = plain if plain is not None else secure
    if described is None:
        raise ValueError("a printer is advertised over IPP, IPPS or both")
    name = str(described.value("printer-dns-sd-name") or described.value("printer-name") or printer)
    services = []
    for kind, attributes, tls in ((IPP, plain, False), (IPPS, secure, True)):
        if attributes is not None:
            services.append(Service(name, kind, ports[kind], tuple(txt_keys(attributes, tls)), SUBTYPES))
    services.append(Service(name, LPD, 0))
    return PrinterRecords(printer, name, tuple(services))
