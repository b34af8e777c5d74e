"""A printer with an ``ipp`` output answers and advertises what its downstream printer (ippeveprinter)
can print, read with Get-Printer-Attributes when the server starts; one whose printer does not answer
keeps its configured description."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dnssd_clients import printer_attributes
from harness import Ippeveprinter, IppServer, wait_for
from harness.processes import free_port

from ipp_wsgi.backends.embedded.outputs_ipp import printer_capabilities
from ipp_wsgi.ops.printer_description import PrinterDescription

pytestmark = pytest.mark.integration

_COMPARED = ("document-format-supported", "color-supported", "sides-supported", "media-supported",
             "media-default")


def test_capabilities_come_from_the_downstream_printer(ippeveprinter: Ippeveprinter, tmp_path: Path,
                                                        ipp_server_factory: Callable[..., IppServer]) -> None:
    config = tmp_path / "ipp-output.toml"
    config.write_text(f'[[printers]]\nname = "print"\noutput = "ipp"\ndevice_uri = "{ippeveprinter.uri}"\n'
                      f'[[printers]]\nname = "gone"\noutput = "ipp"\n'
                      f'device_uri = "ipp://127.0.0.1:{free_port()}/ipp/print"\n')
    server = ipp_server_factory(config=config)
    downstream = printer_capabilities(ippeveprinter.uri, 10)
    configured = PrinterDescription()
    assert list(downstream["document-format-supported"].values) != list(configured.document_formats)

    def ours() -> dict[str, list[object]]:
        group = printer_attributes(server, "127.0.0.1")
        return {name: list(group[name].values) for name in _COMPARED}

    theirs = {name: list(downstream[name].values) for name in _COMPARED}
    wait_for("the downstream printer's capabilities", lambda: ours() == theirs, timeout=30)
    gone = printer_attributes(server, "127.0.0.1", "/ipp/gone")
    assert list(gone["document-format-supported"].values) == list(configured.document_formats)
    assert "does not describe itself" in server.log.read_text()
