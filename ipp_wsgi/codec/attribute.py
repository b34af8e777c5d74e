"""Attributes and attribute groups (and collections, which are groups used as a value)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


class Attribute:
    """A named attribute and its values; **each value keeps its own value tag**.

    ``values[i]`` is written with ``tags[i]``, so a 1setOf may mix tags (``integer`` with
    ``rangeOfInteger``, ``keyword`` with ``name``) and out-of-band values survive a round trip.
    """

    __slots__ = ("name", "tags", "values")

    def __init__(self, name: str, tags: list[int], values: list[Any]) -> None:
        if len(tags) != len(values):
            raise ValueError(f"{name}: {len(tags)} tags for {len(values)} values")
        self.name = name
        self.tags = tags
        self.values = values

    @classmethod
    def single(cls, name: str, tag: int, value: Any) -> Attribute:
        """An attribute with one value."""
        return cls(name, [tag], [value])

    @property
    def value(self) -> Any:
        """The first value (``None`` for an attribute without values)."""
        return self.values[0] if self.values else None

    @property
    def tag(self) -> int:
        """The first value's tag."""
        return self.tags[0]

    def append(self, value: Any, tag: int) -> None:
        """Add one more value (making or extending a 1setOf)."""
        self.tags.append(tag)
        self.values.append(value)

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attribute):
            return NotImplemented
        return (self.name == other.name and self.tags == other.tags
                and _values_equal(self.values, other.values))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        from ipp_wsgi.codec.tags import tag_name

        shown = ", ".join(f"{tag_name(t)}:{v!r}" for t, v in zip(self.tags, self.values, strict=True))
        return f"Attribute({self.name!r}, [{shown}])"


def _values_equal(a: list[Any], b: list[Any]) -> bool:
    # bool is an int subclass: True == 1 must not make a boolean equal an integer value.
    if len(a) != len(b):
        return False
    return all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))


class AttributeGroup:
    """An ordered set of attributes, looked up by name.

    Reading: ``group["copies"]`` is the :class:`Attribute`, ``group.value("copies")`` its first value.
    Building: ``group["copies"] = 2`` or ``group.add("printer-state", 3)`` picks the value tag from the
    IANA registry (:func:`ipp_wsgi.codec.syntax.tags_for`); ``group.add(name, value, tag=...)`` uses an
    explicit tag, which always wins. A list or tuple value makes a 1setOf (a :class:`Range` or other
    typed value is one value).
    """

    __slots__ = ("_attrs",)

    def __init__(self, attributes: Iterable[Attribute] = ()) -> None:
        self._attrs: dict[str, Attribute] = {a.name: a for a in attributes}

    # -- reading
    def __getitem__(self, name: str) -> Attribute:
        return self._attrs[name]

    def get(self, name: str) -> Attribute | None:
        """The attribute called ``name``, or None."""
        return self._attrs.get(name)

    def value(self, name: str, default: Any = None) -> Any:
        """The first value of attribute ``name``, or ``default`` when absent or empty."""
        attr = self._attrs.get(name)
        if attr is None or not attr.values:
            return default
        return attr.values[0]

    def __contains__(self, name: object) -> bool:
        return name in self._attrs

    def __len__(self) -> int:
        return len(self._attrs)

    def __iter__(self) -> Iterator[str]:
        return iter(self._attrs)

    def names(self) -> list[str]:
        """The attribute names, in order."""
        return list(self._attrs)

    def attributes(self) -> Iterator[Attribute]:
        """The attributes, in order."""
        return iter(self._attrs.values())

    # -- building
    def append(self, attribute: Attribute) -> Attribute:
        """Add (or replace, keeping its position) an attribute as it is."""
        self._attrs[attribute.name] = attribute
        return attribute

    def add(self, name: str, value: Any, tag: int | None = None) -> Attribute:
        """Add (or replace) attribute ``name`` with ``value`` (a list or tuple for a 1setOf).

        Without ``tag`` the value tag comes from the registry's syntax for ``name`` and the Python type.
        """
        values = list(value) if isinstance(value, _SEQUENCES) and not _is_typed_tuple(value) else [value]
        if tag is not None:  # the common case when building responses: no registry look-up, no import
            attribute = Attribute.__new__(Attribute)
            attribute.name, attribute.tags, attribute.values = name, [tag] * len(values), values
            return self.append(attribute)
        from ipp_wsgi.codec.syntax import tags_for

        return self.append(Attribute(name, tags_for(name, values, self._context()), values))

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, Attribute):
            self.append(value)
        else:
            self.add(name, value)

    def __delitem__(self, name: str) -> None:
        del self._attrs[name]

    def pop(self, name: str) -> Attribute | None:
        """Remove and return attribute ``name`` (None when absent)."""
        return self._attrs.pop(name, None)

    def _context(self) -> str | None:
        """The name of the collection attribute this group is the value of, for member tag look-ups."""
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AttributeGroup):
            return NotImplemented
        return type(self) is type(other) and list(self._attrs.values()) == list(other._attrs.values())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(repr(a) for a in self._attrs.values())
        return f"{type(self).__name__}([{inner}])"


_SEQUENCES = (list, tuple)
"""What :meth:`AttributeGroup.add` takes for a 1setOf (a tuple of types: the fastest isinstance test)."""


def _is_typed_tuple(value: Any) -> bool:
    # Resolution, Range, TextWithLanguage, NameWithLanguage are NamedTuples: one value, not a 1setOf.
    return hasattr(value, "_fields")


class Collection(AttributeGroup):
    """A collection value (RFC 8010 section 3.1.6): ordered member attributes, each possibly a 1setOf.

    ``member_of`` names the attribute the collection belongs to (``"media-col"``), so that builders
    find the members' syntax in the registry; it is not part of the value and not compared.
    """

    __slots__ = ("member_of",)

    def __init__(self, attributes: Iterable[Attribute] = (), member_of: str | None = None) -> None:
        super().__init__(attributes)
        self.member_of = member_of

    def _context(self) -> str | None:
        return self.member_of
