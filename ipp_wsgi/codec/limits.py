"""Limits the decoder enforces, and tolerance switches for devices known to break the rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what :func:`~ipp_wsgi.codec.decode` accepts; passing one is an :class:`IppDecodeError`
    with status client-error-request-entity-too-large.

    The defaults are safe for a server open to the network; CUPS uses the same string and depth bounds.
    """

    max_attribute_bytes: int = 1024 * 1024
    """Size of the whole attribute section, header to end-of-attributes tag included."""
    max_attributes: int = 4096
    """Attributes in the whole message (collection members count as attributes)."""
    max_values: int = 4096
    """Values of one attribute."""
    max_value_length: int = 32767
    """Bytes of one value (RFC 8010 strings are at most 32767 octets)."""
    max_depth: int = 10
    """Nesting depth of collections."""


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Switches that accept input real devices are known to send although RFC 8010 forbids it.

    All are off by default: a strict server rejects such input with client-error-bad-request.
    """

    allow_duplicate_attributes: bool = False
    """A name repeated in one group: the later attribute's values are appended to the first."""
    allow_missing_end_tag: bool = False
    """A message that ends without the end-of-attributes tag (some old printers' responses)."""
    allow_loose_booleans: bool = False
    """Boolean octets other than 0x00 and 0x01, read as true (re-encoded as 0x01)."""


DEFAULT_LIMITS = Limits()
STRICT = Tolerance()
