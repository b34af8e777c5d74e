"""Errors of the codec. Every malformed input raises :class:`IppDecodeError` and nothing else."""

from __future__ import annotations

# IPP status codes the server answers a decode failure with (RFC 8011 section 5.4.15).
CLIENT_ERROR_BAD_REQUEST = 0x0400
CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE = 0x0408


class IppError(Exception):
    """Base class of the codec's errors."""


class IppDecodeError(IppError):
    """Input that is not a well-formed IPP message, or that passes a configured limit.

    ``offset`` is the byte offset in the message where the problem was found and ``status`` the IPP
    status code a server should answer with (client-error-bad-request, or
    client-error-request-entity-too-large for a limit).
    """

    def __init__(self, message: str, offset: int, status: int = CLIENT_ERROR_BAD_REQUEST) -> None:
        super().__init__(f"{message} at 0x{offset:x}")
        self.reason = message
        self.offset = offset
        self.status = status


class IppEncodeError(IppError, ValueError):
    """A message that cannot be written: a value that does not fit its tag, a name too long, ..."""
