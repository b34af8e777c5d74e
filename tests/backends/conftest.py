"""Fixtures for the embedded spooler tests: real spool directories in tmp_path, on each job store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from harness.spool import embedded_spooler, kept_documents
from spooler_helpers import Kept, MakeSpooler, make_printer

from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def make_spooler(spool_dir: Path, store_url: str) -> Iterator[MakeSpooler]:
    """``make_spooler(printers=None, **options)``: an embedded spooler on the test's store and spool
    directory (printer ``print`` when ``printers`` is None), closed at teardown; several share the store,
    as the processes of one server do."""
    made: list[EmbeddedSpooler] = []

    def make(printers: Sequence[EmbeddedPrinter] | None = None, **options: Any) -> EmbeddedSpooler:
        spooler = embedded_spooler(spool_dir, store_url, printers or [make_printer("print")], **options)
        made.append(spooler)
        return spooler

    yield make
    for spooler in made:
        spooler.close()


@pytest.fixture
def spooler(make_spooler: MakeSpooler) -> EmbeddedSpooler:
    """A spooler without threads over printers ``print`` and ``other``: tests call process_pending()."""
    return make_spooler([make_printer("print"), make_printer("other")], start=False)


@pytest.fixture
def kept(spool_dir: Path, store_url: str) -> Kept:
    """``kept()``: every document the test's store holds (recorded by a job or not), by
    ``<job-id>-<number>``."""
    return lambda: kept_documents(spool_dir, store_url)
