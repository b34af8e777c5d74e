"""Service.from_config: printers, paths and the embedded spooler built from a Config."""

from __future__ import annotations

from pathlib import Path

from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.config import load_config
from ipp_wsgi.ops import Service


def test_from_default_config(tmp_path: Path) -> None:
    service = Service.from_config(load_config(spool_dir=tmp_path / "spool"))
    try:
        printer = service.printer_for_path("/ipp/print")
        assert printer is not None and printer is service.printer_for_path("/printers/print/")
        assert printer is service.default_printer and printer.path == "/ipp/print"
        assert service.printer_for_path("/ipp") is None and service.printer_for_path("/") is None
        assert isinstance(printer.backend, EmbeddedSpooler)
        assert printer.description.value("multiple-operation-time-out") == 900
        assert (tmp_path / "spool").is_dir()
    finally:
        service.close()
        service.close()
