"""Mutated real captures: the decoder either returns a message or raises IppDecodeError, nothing else."""

from __future__ import annotations

import io

from codec_helpers import CAPTURE_FILES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipp_wsgi.codec import DEFAULT_LIMITS, IppDecodeError, Limits, Message, decode, encode, read_message

CAPTURES = [path.read_bytes() for path in CAPTURE_FILES]
SMALL = Limits(max_attribute_bytes=4096, max_attributes=64, max_values=16, max_value_length=256, max_depth=3)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CAPTURES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "length", "delete"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "length":  # a 16-bit field (name-length or value-length, if it lands on one) tweaked
            data[at:at + 2] = draw(st.sampled_from([0, 1, 4, 0x7FFF, 0xFFFF, len(data)])).to_bytes(
                4, "big")[-2:]
        else:
            del data[at:at + draw(st.integers(1, 16))]
        if not data:
            break
    return bytes(data)


def check(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    try:
        message = decode(data, limits)
    except IppDecodeError as error:
        assert 0 <= error.offset <= max(len(data), limits.max_attribute_bytes)
        assert error.status in (0x0400, 0x0408)
        return
    assert isinstance(message, Message)
    assert decode(encode(message), limits) == message  # what decodes also re-encodes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_only_decode_errors_escape(data: bytes) -> None:
    check(data)
    check(data, SMALL)


@settings(max_examples=100, deadline=None)
@given(mutated())
def test_stream_reader_agrees_with_decode(data: bytes) -> None:
    try:
        expected: Message | None = decode(data)
    except IppDecodeError:
        expected = None
    try:
        got: Message | None = read_message(io.BytesIO(data))
    except IppDecodeError:
        got = None
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes(data: bytes) -> None:
    check(data)
