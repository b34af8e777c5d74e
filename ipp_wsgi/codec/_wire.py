"""Binary layouts and tag sets shared by the decoder and the encoder (RFC 8010 sections 3.1 and 3.9)."""

from __future__ import annotations

from datetime import timedelta, timezone
from struct import Struct
from typing import Final

from ipp_wsgi.codec import tags

HEADER: Final = Struct(">BBHI")
"""version-number (major, minor), operation-id or status-code, request-id."""
U16: Final = Struct(">H")
"""name-length, value-length and the inner lengths of textWithLanguage."""
TAG_U16: Final = Struct(">BH")
"""value-tag followed by name-length."""
ENTRY_HEAD: Final = Struct(">BHH")
"""value-tag, name-length and, when the name is empty, value-length."""
INT32: Final = Struct(">i")
RESOLUTION: Final = Struct(">iib")
RANGE: Final = Struct(">ii")
DATE_TIME: Final = Struct(">HBBBBBBBBB")
"""RFC 2579 DateAndTime: year, month, day, hour, minutes, seconds, deci-seconds, '+'/'-', hours, minutes."""

MAX_LENGTH: Final = 32767
"""Largest name or value the encoder writes (RFC 8010 section 3.1.4: lengths are at most 2**15 - 1)."""
INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1

STRING_TAGS: Final = frozenset({
    tags.TEXT_WITHOUT_LANGUAGE, tags.NAME_WITHOUT_LANGUAGE, tags.KEYWORD, tags.URI, tags.URI_SCHEME,
    tags.CHARSET, tags.NATURAL_LANGUAGE, tags.MIME_MEDIA_TYPE, tags.MEMBER_ATTR_NAME,
})
"""Value tags whose value is a UTF-8 string (memberAttrName included: its value is the member name)."""

PLUS: Final = 0x2B
MINUS: Final = 0x2D

_ZONES: dict[tuple[int, int, int], timezone] = {}


def zone(direction: int, hours: int, minutes: int) -> timezone:
    """The fixed-offset timezone of a dateTime's last three octets (cached: few distinct offsets exist)."""
    key = (direction, hours, minutes)
    tz = _ZONES.get(key)
    if tz is None:
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if direction == MINUS else offset)
        if len(_ZONES) < 1024:  # bounded: the key space is small but input is untrusted
            _ZONES[key] = tz
    return tz
