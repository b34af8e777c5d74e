"""Shared test data for the codec tests: the real captures and hand-built wire entries."""

from __future__ import annotations

import struct
from pathlib import Path

CAPTURES = Path(__file__).parent / "captures"
CAPTURE_FILES = sorted(CAPTURES.glob("*.bin"))

HEADER = bytes.fromhex("0200000b00000001")  # IPP/2.0, Get-Printer-Attributes, request-id 1
OPERATION = b"\x01"
PRINTER = b"\x04"
END = b"\x03"


def entry(tag: int, name: bytes, value: bytes) -> bytes:
    """One attribute-with-one-value: value-tag, name-length, name, value-length, value."""
    return struct.pack(">BH", tag, len(name)) + name + struct.pack(">H", len(value)) + value


CHARSET = entry(0x47, b"attributes-charset", b"utf-8")
