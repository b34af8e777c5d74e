"""Browsing what ipp-wsgi advertises: avahi-browse, ippfind and driverless against the private avahi."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from deploy_servers import ipp_request, post_ipp
from harness import IppServer, PrivateDnssd, attach_logs, require_tool

from ipp_wsgi.codec import AttributeGroup, Message, tags

BROWSE_SECONDS = 20
OPEN_POLICY = """
[policy]
admins = []
[[policy.location]]
path = "/"
operations = "all"
"""
"""Every operation for anyone: the tests change the printer with Set-Printer-Attributes and Pause-Printer."""
PRINTER = '[[printers]]\nname = "print"\n'

_TXT = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(\d{3}|.)")


@dataclass(frozen=True)
class Browsed:
    """One resolved service as ``avahi-browse -rtp`` prints it."""

    interface: str
    name: str
    type: str
    host: str
    address: str
    port: int
    txt: dict[str, str]


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m[1])) if m[1].isdigit() else m[1], text)


def avahi_browse(dnssd: PrivateDnssd, service_type: str) -> list[Browsed]:
    """The resolved services of ``service_type`` (``_ipp._tcp``, ``_print._sub._ipp._tcp``)."""
    done = subprocess.run([require_tool("avahi-browse"), "-rtp", service_type], env=dnssd.env(),
                          capture_output=True, text=True, timeout=BROWSE_SECONDS, check=False)
    found = []
    for line in done.stdout.splitlines():
        fields = line.split(";", 9)
        if fields[0] != "=" or len(fields) < 10:
            continue
        txt = dict(_unescape(s).partition("=")[::2] for s in _TXT.findall(fields[9]))
        found.append(Browsed(fields[1], _unescape(fields[3]), fields[4], fields[6], fields[7], int(fields[8]),
                             txt))
    return found


def browsed_on(dnssd: PrivateDnssd, service_type: str, port: int) -> list[Browsed]:
    """The services of ``service_type`` that point at ``port`` (other servers may advertise too)."""
    return [b for b in avahi_browse(dnssd, service_type) if b.port == port]


def run_client(dnssd: PrivateDnssd, argv: Sequence[str], timeout: float = 60,
               cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A DNS-SD client program run where avahi's host name resolves (:meth:`PrivateDnssd.client`), in
    ``cwd`` (None: this process's working directory)."""
    return subprocess.run(dnssd.client(list(argv)), env=dnssd.env(), capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=cwd)


@contextmanager
def advertising_server(request: pytest.FixtureRequest, dnssd: PrivateDnssd, work_dir: Path,
                       config_text: str = OPEN_POLICY + PRINTER,
                       extra_args: Sequence[str] = ()) -> Iterator[IppServer]:
    """``ipp-wsgi serve [EXTRA...]`` advertising through the private avahi, with ``config_text``."""
    config = work_dir / "ipp-wsgi.toml"
    work_dir.mkdir(parents=True, exist_ok=True)
    config.write_text(config_text)
    server = IppServer(work_dir, config=config, extra_args=extra_args, advertise=True, env=dnssd.env())
    attach_logs(request.node, {f"ipp-wsgi :{server.port}": server.log, **dnssd.logs})
    try:
        server.start()
        yield server
    finally:
        server.stop()


def printer_attributes(server: IppServer, host: str, path: str = "/ipp/print") -> AttributeGroup:
    """Get-Printer-Attributes as a client at ``host`` gets it (its Host header)."""
    uri = f"ipp://{host}:{server.port}{path}"
    answer = post_ipp(server.port, path, ipp_request(0x000B, uri), tls=False,
                      headers={"Host": f"{host}:{server.port}"})
    assert answer.ipp is not None and answer.ipp.printer is not None, answer
    return answer.ipp.printer


def change_printer(server: IppServer, operation: int, **attributes: str) -> Message:
    """Run printer ``operation`` (Set-Printer-Attributes with ``attributes``, Pause-Printer, ...)."""
    message = ipp_request(operation, f"ipp://localhost:{server.port}/ipp/print")
    if attributes:
        group = message.add_group(tags.PRINTER_ATTRIBUTES)
        for name, value in attributes.items():
            group.add(name.replace("_", "-"), value, tags.TEXT_WITHOUT_LANGUAGE)
    answer = post_ipp(server.port, "/ipp/print", message, tls=False)
    assert answer.ipp is not None and answer.ipp.code == 0, answer
    return answer.ipp
