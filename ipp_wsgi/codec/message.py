"""An IPP request or response."""

from __future__ import annotations

from ipp_wsgi.codec import tags
from ipp_wsgi.codec.attribute import AttributeGroup


class Message:
    """An IPP message (RFC 8010 section 3.1.1).

    ``code`` is the operation-id of a request or the status-code of a response. ``groups`` is the ordered
    list of ``(group_tag, AttributeGroup)``; a tag may appear many times (one job group per job in a
    Get-Jobs response).
    """

    __slots__ = ("code", "groups", "request_id", "version")

    def __init__(
        self,
        code: int,
        request_id: int = 1,
        version: tuple[int, int] = (2, 0),
        groups: list[tuple[int, AttributeGroup]] | None = None,
    ) -> None:
        self.version = version
        self.code = code
        self.request_id = request_id
        self.groups: list[tuple[int, AttributeGroup]] = groups if groups is not None else []

    def group(self, tag: int) -> AttributeGroup | None:
        """The first group with ``tag``, or None."""
        for group_tag, group in self.groups:
            if group_tag == tag:
                return group
        return None

    def groups_of(self, tag: int) -> list[AttributeGroup]:
        """Every group with ``tag``, in order."""
        return [group for group_tag, group in self.groups if group_tag == tag]

    def add_group(self, tag: int, group: AttributeGroup | None = None) -> AttributeGroup:
        """Append a group (a new empty one unless given) and return it."""
        if group is None:
            group = AttributeGroup()
        self.groups.append((tag, group))
        return group

    @property
    def operation(self) -> AttributeGroup:
        """The operation attributes group, created (first) when the message has none."""
        group = self.group(tags.OPERATION_ATTRIBUTES)
        if group is None:
            group = AttributeGroup()
            self.groups.insert(0, (tags.OPERATION_ATTRIBUTES, group))
        return group

    @property
    def printer(self) -> AttributeGroup | None:
        """The first printer attributes group, or None."""
        return self.group(tags.PRINTER_ATTRIBUTES)

    @property
    def job(self) -> AttributeGroup | None:
        """The first job attributes group, or None."""
        return self.group(tags.JOB_ATTRIBUTES)

    @property
    def unsupported(self) -> AttributeGroup | None:
        """The unsupported attributes group, or None."""
        return self.group(tags.UNSUPPORTED_ATTRIBUTES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (
            self.version == other.version
            and self.code == other.code
            and self.request_id == other.request_id
            and self.groups == other.groups
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Message(code=0x{self.code:04x}, request_id={self.request_id}, version={self.version}, "
                f"groups={self.groups!r})")
