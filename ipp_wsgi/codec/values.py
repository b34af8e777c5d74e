"""Typed IPP values that have no plain Python counterpart.

Plain values map directly: integer and enum are ``int``, boolean ``bool``, the character-string syntaxes
(text, name, keyword, uri, charset, ...) ``str``, octetString ``bytes`` and dateTime an aware
``datetime.datetime``. A collection is a :class:`~ipp_wsgi.codec.attribute.Collection`. A value with an
unknown or extension tag is kept as raw ``bytes`` under its own tag, so it re-encodes byte for byte.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from ipp_wsgi.codec import tags

# Units of a resolution value (RFC 8011 section 5.1.16).
DOTS_PER_INCH: Final = 3
DOTS_PER_CM: Final = 4


class Resolution(NamedTuple):
    """A resolution value: cross-feed and feed direction resolution and their units (3 dpi, 4 dpcm)."""

    xres: int
    yres: int
    units: int = DOTS_PER_INCH


class Range(NamedTuple):
    """A rangeOfInteger value, both bounds included. Never confused with a two-value 1setOf."""

    lower: int
    upper: int


class TextWithLanguage(NamedTuple):
    """A textWithLanguage value."""

    text: str
    language: str


class NameWithLanguage(NamedTuple):
    """A nameWithLanguage value."""

    name: str
    language: str


class OutOfBand:
    """An out-of-band value (RFC 8010 section 3.8): one singleton per tag, compared by identity."""

    __slots__ = ("name", "tag")

    def __init__(self, tag: int, name: str) -> None:
        self.tag = tag
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __reduce__(self) -> str:
        return self.name.upper().replace("-", "_")


UNSUPPORTED: Final = OutOfBand(tags.UNSUPPORTED, "unsupported")
DEFAULT: Final = OutOfBand(tags.DEFAULT, "default")
UNKNOWN: Final = OutOfBand(tags.UNKNOWN, "unknown")
NO_VALUE: Final = OutOfBand(tags.NO_VALUE, "no-value")
NOT_SETTABLE: Final = OutOfBand(tags.NOT_SETTABLE, "not-settable")
DELETE_ATTRIBUTE: Final = OutOfBand(tags.DELETE_ATTRIBUTE, "delete-attribute")
ADMIN_DEFINE: Final = OutOfBand(tags.ADMIN_DEFINE, "admin-define")

OUT_OF_BAND: Final[dict[int, OutOfBand]] = {
    v.tag: v for v in (UNSUPPORTED, DEFAULT, UNKNOWN, NO_VALUE, NOT_SETTABLE, DELETE_ATTRIBUTE, ADMIN_DEFINE)
}
"""The out-of-band singleton for each out-of-band tag."""
