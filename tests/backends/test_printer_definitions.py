"""Every host of one store serves the same printers (issue #16): the definitions a host starts with are
checked against those the store keeps, on both stores (``store_url``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness.spool import opened

from ipp_wsgi.backends.embedded.store import Store
from ipp_wsgi.backends.embedded.store.definitions import DefinitionConflict, canonical, reconcile
from ipp_wsgi.ops.service import PrinterConfig, printer_definition


def _definitions(*printers: PrinterConfig) -> dict[str, str]:
    return {p.name: canonical(printer_definition(p)) for p in printers}


def _printer(output_dir: str, name: str = "print") -> PrinterConfig:
    return PrinterConfig(name, (f"/ipp/{name}",), output_dir=Path(output_dir))


def _another_host_is_live(store: Store) -> None:
    with store.write() as tx:
        tx.ensure_printer("print", time.time())
        tx.take_lease("print", "other-host:4242", time.time() + 60)


def _stored(store: Store) -> dict[str, str]:
    with store.read() as tx:
        return tx.printer_definitions()


def test_the_same_definitions_twice_are_accepted(store_url: str, tmp_path: Path) -> None:
    with opened(tmp_path / "spool", store_url) as store:
        assert reconcile(store, _definitions(_printer("/a")), time.time()) == []
        _another_host_is_live(store)
        assert reconcile(store, _definitions(_printer("/a")), time.time()) == []
        assert _stored(store) == _definitions(_printer("/a"))


def test_another_output_while_another_host_is_live_is_refused_with_one_line(
        store_url: str, tmp_path: Path) -> None:
    with opened(tmp_path / "spool", store_url) as store:
        reconcile(store, _definitions(_printer("/b")), time.time())
        _another_host_is_live(store)
        with pytest.raises(DefinitionConflict) as refused:
            reconcile(store, _definitions(_printer("/a")), time.time())
        assert str(refused.value) == (
            "printer print: output_dir is /a here but /b in the job store (another host's configuration):"
            " every host of one store must serve the same printers")
        assert _stored(store) == _definitions(_printer("/b")), "the stored definition stays"


def test_a_printer_served_elsewhere_and_not_here_is_refused_while_another_host_is_live(
        store_url: str, tmp_path: Path) -> None:
    with opened(tmp_path / "spool", store_url) as store:
        reconcile(store, _definitions(_printer("/a"), _printer("/c", "other")), time.time())
        _another_host_is_live(store)
        with pytest.raises(DefinitionConflict, match=r"^printer other: not configured here"):
            reconcile(store, _definitions(_printer("/a")), time.time())


def test_a_change_with_no_other_live_host_replaces_the_stored_definition(
        store_url: str, tmp_path: Path) -> None:
    with opened(tmp_path / "spool", store_url) as store:
        reconcile(store, _definitions(_printer("/b"), _printer("/c", "gone")), time.time())
        _another_host_is_live(store)
        later = time.time() + 120  # the other host's lease has expired
        assert reconcile(store, _definitions(_printer("/a")), later) == [
            "printer gone: removed from the job store (not configured here)",
            "printer print: the definition in the job store replaced by this host's configuration"]
        assert _stored(store) == _definitions(_printer("/a"))


def test_a_new_printer_is_added_while_another_host_is_live(store_url: str, tmp_path: Path) -> None:
    with opened(tmp_path / "spool", store_url) as store:
        reconcile(store, _definitions(_printer("/a")), time.time())
        _another_host_is_live(store)
        assert reconcile(store, _definitions(_printer("/a"), _printer("/n", "new")), time.time()) == []
        assert _stored(store) == _definitions(_printer("/a"), _printer("/n", "new"))
