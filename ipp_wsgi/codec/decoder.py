"""Decoding: bytes (or a stream) to :class:`~ipp_wsgi.codec.message.Message`. TODO(codec): implement."""

from __future__ import annotations

from typing import BinaryIO

from ipp_wsgi.codec.limits import DEFAULT_LIMITS, STRICT, Limits, Tolerance
from ipp_wsgi.codec.message import Message


def decode(data: bytes, limits: Limits = DEFAULT_LIMITS, tolerance: Tolerance = STRICT) -> Message:
    """Decode a whole IPP message; document data after the end-of-attributes tag is ignored."""
    raise NotImplementedError


def read_message(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS, tolerance: Tolerance = STRICT) -> Message:
    """Read exactly one attribute section from ``stream`` (through the end-of-attributes tag).

    The stream is left at the first byte of document data, which the codec never reads.
    """
    raise NotImplementedError
