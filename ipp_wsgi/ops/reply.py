"""The response an operation builds: status (only ever raised in severity), operation attributes, the
unsupported-attributes group and the object groups, assembled in RFC 8011 order."""

from __future__ import annotations

from collections.abc import Callable

from ipp_wsgi.codec import Attribute, AttributeGroup, Message, status, tags

_CHARSET = "utf-8"
_LANGUAGE = "en"


class OpError(Exception):
    """A request the operation refuses: answered with ``status`` and ``message`` as status-message."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status_code
        self.message = message


def operation_group(message: str = "") -> AttributeGroup:
    """attributes-charset and attributes-natural-language first, then status-message when given."""
    group = AttributeGroup()
    group.add("attributes-charset", _CHARSET, tags.CHARSET)
    group.add("attributes-natural-language", _LANGUAGE, tags.NATURAL_LANGUAGE)
    if message:
        group.add("status-message", message, tags.TEXT_WITHOUT_LANGUAGE)
    return group


def error_response(request_id: int, status_code: int, message: str = "",
                   version: tuple[int, int] = (2, 0)) -> Message:
    """A response with attributes-charset utf-8, attributes-natural-language en and status-message."""
    return Message(status_code, request_id, version, [(tags.OPERATION_ATTRIBUTES, operation_group(message))])


def _severity(code: int) -> int:
    # successful-ok < successful-ok-* < client/server errors; PAPPL's papplClientRespondIPP never lowers it.
    return 0 if code == status.SUCCESSFUL_OK else code >> 8 if code >= 0x0100 else 1


class Reply:
    """A response under construction."""

    def __init__(self, request_id: int, version: tuple[int, int]) -> None:
        self.request_id = request_id
        self.version = version
        self.status = status.SUCCESSFUL_OK
        self.message = ""
        self.operation = operation_group()
        self.unsupported = AttributeGroup()
        self.groups: list[tuple[int, AttributeGroup]] = []
        self.valid_while: Callable[[], bool] | None = None
        """Set by an operation whose answer depends only on the request and on state this predicate checks:
        the same request may be answered with the same bytes (request-id aside) while it returns True."""

    def set_status(self, code: int, message: str = "") -> None:
        """Raise the status to ``code`` unless it already is as severe."""
        if _severity(code) > _severity(self.status):
            self.status = code
            if message:
                self.message = message

    def add_unsupported(self, attribute: Attribute) -> None:
        """Report ``attribute`` (with the offending values only) as unsupported."""
        self.unsupported.append(attribute)
        self.set_status(status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES)

    def add_group(self, tag: int, group: AttributeGroup) -> AttributeGroup:
        """Append an object group (printer, job) after the operation and unsupported groups."""
        self.groups.append((tag, group))
        return group

    def to_message(self) -> Message:
        """The response: operation group, unsupported group right after it, then the object groups."""
        operation = self.operation
        if self.message and "status-message" not in operation:
            operation.add("status-message", self.message, tags.TEXT_WITHOUT_LANGUAGE)
        groups = [(tags.OPERATION_ATTRIBUTES, operation)]
        if len(self.unsupported):
            groups.append((tags.UNSUPPORTED_ATTRIBUTES, self.unsupported))
        groups.extend(self.groups)
        return Message(self.status, self.request_id, self.version, groups)
