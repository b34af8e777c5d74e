"""Pure-Python, sans-I/O IPP wire format (RFC 8010): bytes or a stream in, objects out.

This package imports nothing else of ipp_wsgi and knows nothing of WSGI, operations or spoolers.
"""

from __future__ import annotations

from ipp_wsgi.codec import operations, status, tags
from ipp_wsgi.codec.attribute import Attribute, AttributeGroup, Collection
from ipp_wsgi.codec.decoder import decode, read_message
from ipp_wsgi.codec.encoder import encode
from ipp_wsgi.codec.errors import IppDecodeError, IppEncodeError, IppError
from ipp_wsgi.codec.limits import DEFAULT_LIMITS, Limits, Tolerance
from ipp_wsgi.codec.message import Message
from ipp_wsgi.codec.operations import op_name
from ipp_wsgi.codec.status import status_name
from ipp_wsgi.codec.values import (
    ADMIN_DEFINE,
    DEFAULT,
    DELETE_ATTRIBUTE,
    NO_VALUE,
    NOT_SETTABLE,
    UNKNOWN,
    UNSUPPORTED,
    NameWithLanguage,
    OutOfBand,
    Range,
    Resolution,
    TextWithLanguage,
)

__all__ = [
    "ADMIN_DEFINE",
    "DEFAULT",
    "DEFAULT_LIMITS",
    "DELETE_ATTRIBUTE",
    "NOT_SETTABLE",
    "NO_VALUE",
    "UNKNOWN",
    "UNSUPPORTED",
    "Attribute",
    "AttributeGroup",
    "Collection",
    "IppDecodeError",
    "IppEncodeError",
    "IppError",
    "Limits",
    "Message",
    "NameWithLanguage",
    "OutOfBand",
    "Range",
    "Resolution",
    "TextWithLanguage",
    "Tolerance",
    "decode",
    "encode",
    "op_name",
    "operations",
    "read_message",
    "status",
    "status_name",
    "tags",
]
