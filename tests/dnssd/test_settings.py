"""The [dnssd] table of the configuration and what `serve --bind` fills in."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipp_wsgi.config import ConfigError, load_config
from ipp_wsgi.dnssd.settings import DnssdSettings


def _load(tmp_path: Path, text: str) -> DnssdSettings:
    path = tmp_path / "c.toml"
    path.write_text(text + '\n[[printers]]\nname = "print"\n[[printers]]\nname = "other"\n')
    return load_config(path).dnssd


def test_on_by_default_for_every_printer_and_interface() -> None:
    settings = load_config().dnssd
    assert (settings.enabled, settings.responder, settings.printers, settings.interfaces) == (
        True, "auto", (), ())


def test_the_table_is_read(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[dnssd]\nenabled = false\nresponder = "avahi"\nhost = "print.example.com"\n'
                               'port = 631\ntls_port = 443\npath_prefix = "/ipp"\nprinters = ["other"]\n'
                               'interfaces = ["eth0"]\n')
    assert settings == DnssdSettings(False, "avahi", "print.example.com", 631, 443, "/ipp", "ipp",
                                     ("other",), ("eth0",))


@pytest.mark.parametrize(("text", "message"), [
    ('responder = "bonjour"', "responder must be one of"),
    ('scheme = "http"', "scheme must be one of"),
    ("port = 70000", "port and tls_port"),
    ('scheme = "ipps"\ntls_port = 443', "tls_port is for scheme ipp"),
    ('path_prefix = "ipp/"', "path_prefix must start with /"),
    ('printers = ["nope"]', "no printer 'nope'"),
    ("colour = true", "unknown key 'colour'"),
])
def test_bad_values_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, "[dnssd]\n" + text)


@pytest.mark.parametrize(("bind", "port", "interfaces"), [
    ("127.0.0.1:8631", 8631, ("lo",)),
    ("localhost:9000", 9000, ("lo",)),
    ("[::1]:8631", 8631, ("lo",)),
    ("0.0.0.0:631", 631, ()),
    ("192.0.2.7:8631", 8631, ()),
])
def test_serve_fills_in_its_port_and_keeps_loopback_local(bind: str, port: int,
                                                          interfaces: tuple[str, ...]) -> None:
    filled = DnssdSettings().for_bind(bind)
    assert (filled.port, filled.interfaces) == (port, interfaces)


def test_configured_values_win_over_the_bind_address() -> None:
    filled = DnssdSettings(port=631, interfaces=("eth0",)).for_bind("127.0.0.1:8631")
    assert (filled.port, filled.interfaces) == (631, ("eth0",))


def test_a_loopback_only_server_advertises_localhost_urls() -> None:
    from ipp_wsgi.dnssd.advertiser import address

    assert address(DnssdSettings(port=8631).for_bind("127.0.0.1:8631"), "vm.local").host == "localhost"
    assert address(DnssdSettings(port=8631).for_bind("0.0.0.0:8631"), "vm.local").host == "vm.local"
    assert address(DnssdSettings(host="print.example.com"), "vm.local").host == "print.example.com"


def test_a_tls_only_address_is_advertised_as_ipps_alone() -> None:
    from ipp_wsgi.dnssd.advertiser import address
    from ipp_wsgi.dnssd.records import IPPS

    both = DnssdSettings(port=631, tls_port=443)
    tls = both.for_bind("0.0.0.0:8631").tls_only()  # serve --certfile: its port speaks TLS only
    assert (tls.scheme, tls.port, tls.tls_port, tls.check()) == ("ipps", 631, 0, None)
    where = address(DnssdSettings().for_bind("0.0.0.0:8631").tls_only(), "vm.local")
    assert (where.ports, where.base_uri(IPPS)) == ({IPPS: 8631}, "ipps://vm.local:8631")


def test_advertise_takes_tls() -> None:
    from ipp_wsgi.cli import build_parser

    assert build_parser().parse_args(["advertise", "--tls"]).tls is True
    assert build_parser().parse_args(["advertise"]).tls is False
