"""Encoding: :class:`~ipp_wsgi.codec.message.Message` to bytes. TODO(codec): implement."""

from __future__ import annotations

from ipp_wsgi.codec.message import Message


def encode(message: Message) -> bytes:
    """Encode a message's header and attribute section (no document data)."""
    raise NotImplementedError
