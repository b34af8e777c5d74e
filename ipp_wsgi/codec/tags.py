"""Delimiter (group) tags and value tags of the IPP wire format (RFC 8010 section 3.5).

Plain ``int`` constants, not enums: the decoder and encoder compare them in their hot loops.
The values are those of the IANA registry's "Attribute Group Tags", "Out-of-Band Attribute Value Tags"
and "Attribute Syntaxes" tables.
"""

from __future__ import annotations

# Delimiter tags: they open an attribute group or end the attribute section.
OPERATION_ATTRIBUTES = 0x01
JOB_ATTRIBUTES = 0x02
END_OF_ATTRIBUTES = 0x03
PRINTER_ATTRIBUTES = 0x04
UNSUPPORTED_ATTRIBUTES = 0x05
SUBSCRIPTION_ATTRIBUTES = 0x06
EVENT_NOTIFICATION_ATTRIBUTES = 0x07
RESOURCE_ATTRIBUTES = 0x08
DOCUMENT_ATTRIBUTES = 0x09
SYSTEM_ATTRIBUTES = 0x0A

# Out-of-band value tags: the value carries no data, the tag is the meaning.
UNSUPPORTED = 0x10
DEFAULT = 0x11
UNKNOWN = 0x12
NO_VALUE = 0x13
NOT_SETTABLE = 0x15
DELETE_ATTRIBUTE = 0x16
ADMIN_DEFINE = 0x17

# Integer value tags.
INTEGER = 0x21
BOOLEAN = 0x22
ENUM = 0x23

# Octet-string value tags.
OCTET_STRING = 0x30
DATE_TIME = 0x31
RESOLUTION = 0x32
RANGE_OF_INTEGER = 0x33
BEG_COLLECTION = 0x34
TEXT_WITH_LANGUAGE = 0x35
NAME_WITH_LANGUAGE = 0x36
END_COLLECTION = 0x37

# Character-string value tags.
TEXT_WITHOUT_LANGUAGE = 0x41
NAME_WITHOUT_LANGUAGE = 0x42
KEYWORD = 0x44
URI = 0x45
URI_SCHEME = 0x46
CHARSET = 0x47
NATURAL_LANGUAGE = 0x48
MIME_MEDIA_TYPE = 0x49
MEMBER_ATTR_NAME = 0x4A

# A value tag whose real tag is in the next four octets of the value (RFC 8010 section 3.5.2).
EXTENSION = 0x7F

GROUP_TAG_NAMES: dict[int, str] = {
    OPERATION_ATTRIBUTES: "operation-attributes-tag",
    JOB_ATTRIBUTES: "job-attributes-tag",
    END_OF_ATTRIBUTES: "end-of-attributes-tag",
    PRINTER_ATTRIBUTES: "printer-attributes-tag",
    UNSUPPORTED_ATTRIBUTES: "unsupported-attributes-tag",
    SUBSCRIPTION_ATTRIBUTES: "subscription-attributes-tag",
    EVENT_NOTIFICATION_ATTRIBUTES: "event-notification-attributes-tag",
    RESOURCE_ATTRIBUTES: "resource-attributes-tag",
    DOCUMENT_ATTRIBUTES: "document-attributes-tag",
    SYSTEM_ATTRIBUTES: "system-attributes-tag",
}

VALUE_TAG_NAMES: dict[int, str] = {
    UNSUPPORTED: "unsupported",
    DEFAULT: "default",
    UNKNOWN: "unknown",
    NO_VALUE: "no-value",
    NOT_SETTABLE: "not-settable",
    DELETE_ATTRIBUTE: "delete-attribute",
    ADMIN_DEFINE: "admin-define",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    ENUM: "enum",
    OCTET_STRING: "octetString",
    DATE_TIME: "dateTime",
    RESOLUTION: "resolution",
    RANGE_OF_INTEGER: "rangeOfInteger",
    BEG_COLLECTION: "begCollection",
    TEXT_WITH_LANGUAGE: "textWithLanguage",
    NAME_WITH_LANGUAGE: "nameWithLanguage",
    END_COLLECTION: "endCollection",
    TEXT_WITHOUT_LANGUAGE: "textWithoutLanguage",
    NAME_WITHOUT_LANGUAGE: "nameWithoutLanguage",
    KEYWORD: "keyword",
    URI: "uri",
    URI_SCHEME: "uriScheme",
    CHARSET: "charset",
    NATURAL_LANGUAGE: "naturalLanguage",
    MIME_MEDIA_TYPE: "mimeMediaType",
    MEMBER_ATTR_NAME: "memberAttrName",
    EXTENSION: "extension",
}

OUT_OF_BAND_TAGS = frozenset({UNSUPPORTED, DEFAULT, UNKNOWN, NO_VALUE, NOT_SETTABLE, DELETE_ATTRIBUTE,
                              ADMIN_DEFINE})


def is_group_tag(tag: int) -> bool:
    """True for a delimiter tag that opens an attribute group (0x01, 0x02, 0x04-0x0F)."""
    return tag <= 0x0F and tag != END_OF_ATTRIBUTES


def tag_name(tag: int) -> str:
    """The registry name of a group or value tag, or ``0xNN`` for an unassigned one."""
    name = GROUP_TAG_NAMES.get(tag) if tag <= 0x0F else VALUE_TAG_NAMES.get(tag)
    return name if name is not None else f"0x{tag:02X}"
