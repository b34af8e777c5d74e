"""The ``[dnssd]`` table of the configuration: whether, how and at which address printers are advertised."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

RESPONDERS = ("auto", "avahi", "zeroconf")
"""``auto``: avahi over D-Bus where avahi-daemon runs, else python-zeroconf's own responder."""
SCHEMES = ("ipp", "ipps")
DEFAULT_PORT = 631
LOOPBACK_INTERFACE = "lo"


@dataclass(frozen=True, slots=True)
class DnssdSettings:
    """What ``[dnssd]`` says (the defaults: advertise every printer on every interface, the address filled
    in by ``ipp-wsgi serve`` from its bind address)."""

    enabled: bool = True
    responder: str = "auto"
    host: str = ""
    """The host name clients are told to connect to (a balancer's, say); "" for this machine's mDNS name."""
    port: int = 0
    """The port the web server in front serves IPP on; 0: ``serve``'s bind port (631 otherwise)."""
    tls_port: int = 0
    """With scheme ``ipp``: the port that also serves IPP over TLS (``_ipps._tcp``); 0: none."""
    path_prefix: str = ""
    """Where the web server mounts ipp-wsgi (``/ipp`` in the Apache vhost example); "" at the root."""
    scheme: str = "ipp"
    """``ipp``: plain IPP at ``port``; ``ipps``: IPP over TLS only, at ``port``."""
    printers: tuple[str, ...] = ()
    """Names of the printers to advertise; empty: every printer."""
    interfaces: tuple[str, ...] = ()
    """Network interfaces to advertise on (``eth0``); empty: every one (``lo`` alone when ``serve``
    listens on a loopback address only)."""

    def check(self) -> str | None:
        """What is wrong with these settings (a message), or None."""
        if self.responder not in RESPONDERS:
            return f"responder must be one of {', '.join(RESPONDERS)}"
        if self.scheme not in SCHEMES:
            return f"scheme must be one of {', '.join(SCHEMES)}"
        if not all(0 <= port <= 65535 for port in (self.port, self.tls_port)):
            return "port and tls_port must be between 1 and 65535 (0: the default)"
        if self.tls_port and self.scheme == "ipps":
            return "tls_port is for scheme ipp (scheme ipps is TLS at port already)"
        if self.path_prefix and (not self.path_prefix.startswith("/") or self.path_prefix.endswith("/")):
            return "path_prefix must start with / and not end with one (\"/ipp\")"
        if self.host.endswith("."):
            return "host must not end with a dot"
        return None

    def for_bind(self, bind: str) -> DnssdSettings:
        """These settings with what ``ipp-wsgi serve --bind HOST:PORT`` tells filled in: the port when none
        is configured, and the loopback interface alone when the server listens on loopback only."""
        host, _, port = bind.rpartition(":")
        filled = self.port or (int(port) if port.isdigit() else DEFAULT_PORT)
        interfaces = self.interfaces
        if not interfaces and _is_loopback(host.strip("[]")):
            interfaces = (LOOPBACK_INTERFACE,)  # nobody else could connect: tell nobody else
        return DnssdSettings(self.enabled, self.responder, self.host, filled, self.tls_port, self.path_prefix,
                             self.scheme, self.printers, interfaces)

    def tls_only(self) -> DnssdSettings:
        """These settings for an address that serves IPP over TLS only (``serve --certfile``, ``advertise
        --tls``): ``_ipps._tcp`` at the port, with the TXT key ``TLS``, and no plain ``_ipp._tcp``."""
        return dataclasses.replace(self, scheme="ipps", tls_port=0)

    @property
    def advertised_port(self) -> int:
        """The port of the scheme's records (631 when none is configured)."""
        return self.port or DEFAULT_PORT


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
