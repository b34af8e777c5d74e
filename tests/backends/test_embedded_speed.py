"""What makes the common requests cheap, checked for correctness: the cached printer status follows every
change (of this or another process). (Index use and hard-linked outputs: test_sqlite_store.py.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from spooler_helpers import MakeSpooler, make_printer, submit

from ipp_wsgi.backends.base import PRINTER_IDLE, PRINTER_STOPPED
from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import AttributeGroup, tags


@pytest.fixture
def other(make_spooler: MakeSpooler, spool_dir: Path, spooler: EmbeddedSpooler) -> Iterator[EmbeddedSpooler]:
    """A second spooler over the same spool directory: another process's view (its own connections)."""
    backend = make_spooler([make_printer("print"), make_printer("other")], start=False)
    yield backend
    backend.close()


def _status(spooler: EmbeddedSpooler) -> tuple[int, bool, int, str]:
    group = spooler.printer_attributes("print")
    return (group.value("printer-state"), group.value("printer-is-accepting-jobs"),
            group.value("queued-job-count"), group.value("printer-info", ""))


def test_status_follows_changes_made_through_the_same_spooler(spooler: EmbeddedSpooler) -> None:
    assert _status(spooler) == (PRINTER_IDLE, True, 0, "")
    submit(spooler, b"data")
    assert _status(spooler)[2] == 1
    spooler.pause_printer("print")
    assert _status(spooler)[0] == PRINTER_STOPPED
    spooler.disable_printer("print")
    assert _status(spooler)[1] is False


def test_status_follows_changes_made_by_another_process(spooler: EmbeddedSpooler,
                                                        other: EmbeddedSpooler) -> None:
    assert _status(spooler) == (PRINTER_IDLE, True, 0, "")
    submit(other, b"data")
    assert _status(spooler)[2] == 1
    other.disable_printer("print")
    assert _status(spooler)[1] is False
    info = AttributeGroup()
    info.add("printer-info", "second floor", tags.TEXT_WITHOUT_LANGUAGE)
    other.set_printer_attributes("print", info)
    assert _status(spooler)[3] == "second floor"
    other.process_pending()
    assert _status(spooler)[2] == 0


def test_status_is_right_in_every_thread(spooler: EmbeddedSpooler, other: EmbeddedSpooler) -> None:
    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(_status(spooler)[2]))
    _status(spooler)
    submit(other, b"data")
    worker.start()
    worker.join()
    assert seen == [1]
    assert _status(spooler)[2] == 1
