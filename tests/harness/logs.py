"""Server log files attached to a test, shown in the report when the test fails.

Fixtures call :func:`attach_log` with the test item; the ``pytest_runtest_makereport`` hook in
``tests/conftest.py`` calls :func:`failure_sections` and adds one report section per log.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from .processes import tail

_LOGS = pytest.StashKey[list[tuple[str, Path]]]()


def attach_log(node: pytest.Item | pytest.Collector, label: str, path: Path) -> None:
    """Show the tail of *path* under *label* in the report if a test under *node* fails."""
    logs = node.stash.setdefault(_LOGS, [])
    if (label, path) not in logs:
        logs.append((label, path))


def attach_logs(node: pytest.Item | pytest.Collector, logs: Mapping[str, Path]) -> None:
    """:func:`attach_log` for each label and path of *logs* (a server's ``logs``)."""
    for label, path in logs.items():
        attach_log(node, label, path)


def failure_sections(item: pytest.Item) -> list[tuple[str, str]]:
    """(title, text) report sections for every log attached to *item* or to a node above it."""
    sections = []
    for node in item.listchain():
        for label, path in node.stash.get(_LOGS, []):
            sections.append((f"log {label} ({path})", tail(path) or "(empty)"))
    return sections
