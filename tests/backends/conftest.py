"""Fixtures for the embedded spooler tests: real spool directories in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spooler_helpers import make_printer

from ipp_wsgi.backends.embedded import EmbeddedSpooler


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def spooler(spool_dir: Path) -> Iterator[EmbeddedSpooler]:
    """A spooler without threads over printers ``print`` and ``other``: tests call process_pending()."""
    backend = EmbeddedSpooler(spool_dir, [make_printer("print"), make_printer("other")], start=False)
    yield backend
    backend.close()
