"""Picks value tags for builder calls from the registry's attribute syntaxes. TODO(registry): implement."""

from __future__ import annotations

from typing import Any


def tags_for(name: str, values: list[Any], member_of: str | None = None) -> list[int]:
    """The value tag for each of ``values`` of attribute ``name`` (a member of ``member_of`` if given)."""
    raise NotImplementedError
