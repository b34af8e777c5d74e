"""Registering printers with python-zeroconf's own mDNS responder, where no avahi-daemon runs.

python-zeroconf probes each name before it announces it (a name in use is retried as ``print (2)``,
...) and sends goodbyes when a service is withdrawn. Its registry keeps one service type per instance
name; the ``_universal`` and ``_print`` subtypes are added to its type index beside the instance, so
that a browser of ``_print._sub._ipp._tcp`` gets the instance's PTR record (RFC 6763 section 7.1).
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field

import ifaddr
from zeroconf import IPVersion, NonUniqueNameException, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from ipp_wsgi.dnssd.records import PrinterRecords, Service, conflict_name

log = logging.getLogger(__name__)

DOMAIN = "local."
MAX_ATTEMPTS = 32


class ZeroconfError(Exception):
    """No multicast here (no usable interface or address)."""


@dataclass(slots=True)
class _Registered:
    records: PrinterRecords
    base: str
    infos: list[ServiceInfo] = field(default_factory=list)
    subtypes: list[ServiceInfo] = field(default_factory=list)


class ZeroconfResponder:
    """The printers' records in python-zeroconf's responder, by printer name."""

    name = "python-zeroconf"

    def __init__(self, zeroconf: AsyncZeroconf, addresses: list[str]) -> None:
        self._zeroconf = zeroconf
        self._addresses = addresses
        self._registered: dict[str, _Registered] = {}

    @classmethod
    async def start(cls, interfaces: tuple[str, ...] = ()) -> ZeroconfResponder:
        """A responder on the IPv4 addresses of ``interfaces`` (every interface when empty);
        :class:`ZeroconfError` when there is none or multicast sockets cannot be made."""
        addresses = _ipv4_addresses(interfaces)
        if not addresses:
            raise ZeroconfError(f"no IPv4 address on {', '.join(interfaces) or 'any interface'}")
        try:
            zeroconf = AsyncZeroconf(interfaces=addresses, ip_version=IPVersion.V4Only)
        except OSError as exc:
            raise ZeroconfError(f"no multicast: {exc}") from None
        return cls(zeroconf, addresses)

    async def host_name(self) -> str:
        """This machine's mDNS name (``myhost.local``), whose addresses are published with the services."""
        return f"{socket.gethostname().partition('.')[0]}.{DOMAIN}".rstrip(".")

    def conflicts(self) -> list[str]:
        """python-zeroconf defends its names once registered: nothing to register again."""
        return []

    def renamed(self, printer: str) -> str | None:
        """The instance name ``printer`` is advertised under now, when a conflict changed it."""
        registered = self._registered.get(printer)
        if registered is None or registered.records.name == registered.base:
            return None
        return registered.records.name

    async def publish(self, records: PrinterRecords, host: str) -> str:
        """Advertise ``records`` (replacing what was advertised for their printer) with SRV target
        ``host`` ("" for this machine's mDNS name, with its addresses); the instance name they got."""
        await self.withdraw(records.printer)
        base = records.name
        for attempt in range(MAX_ATTEMPTS):
            candidate = records if attempt == 0 else records.renamed(conflict_name(base, attempt))
            registered = _Registered(candidate, base)
            try:
                for service in candidate.services:
                    await self._register(registered, service, host)
            except NonUniqueNameException:
                await self._unregister(registered)
                continue
            self._registered[records.printer] = registered
            if attempt:
                log.warning("DNS-SD name %r is taken: %s is advertised as %r", base, records.printer,
                            candidate.name)
            return candidate.name
        raise ZeroconfError(f"no free DNS-SD name: {base!r} and {MAX_ATTEMPTS - 1} alternatives are taken")

    async def withdraw(self, printer: str) -> None:
        """Withdraw ``printer``'s records (goodbye packets)."""
        registered = self._registered.pop(printer, None)
        if registered is not None:
            await self._unregister(registered)

    async def close(self) -> None:
        """Withdraw every record and close the responder's sockets."""
        try:
            for printer in list(self._registered):
                await self.withdraw(printer)
        finally:
            await self._zeroconf.async_close()

    async def _register(self, registered: _Registered, service: Service, host: str) -> None:
        info = self._info(service, service.type, host)
        waiting = await self._zeroconf.async_register_service(info)
        registered.infos.append(info)
        await waiting
        types = self._zeroconf.zeroconf.registry.types
        for subtype in service.subtypes:
            sub = self._info(service, f"{subtype}._sub.{service.type}", host)
            types.setdefault(sub.type.lower(), {})[sub.key] = sub
            registered.subtypes.append(sub)

    async def _unregister(self, registered: _Registered) -> None:
        types = self._zeroconf.zeroconf.registry.types
        for sub in registered.subtypes:
            bucket = types.get(sub.type.lower(), {})
            bucket.pop(sub.key, None)
            if not bucket:
                types.pop(sub.type.lower(), None)
        for info in registered.infos:
            await (await self._zeroconf.async_unregister_service(info))
        registered.infos.clear()
        registered.subtypes.clear()

    def _info(self, service: Service, kind: str, host: str) -> ServiceInfo:
        own = not host
        server = (host or socket.gethostname().partition(".")[0] + "." + DOMAIN.rstrip(".")) + "."
        return ServiceInfo(
            f"{kind}.{DOMAIN}", f"{service.name}.{service.type}.{DOMAIN}", port=service.port,
            properties=dict(pair.split(b"=", 1) for pair in service.txt_strings()), server=server,
            parsed_addresses=self._addresses if own else None,
        )


def _ipv4_addresses(interfaces: tuple[str, ...]) -> list[str]:
    """The IPv4 addresses of the named interfaces (of every interface when none is named)."""
    found = []
    for adapter in ifaddr.get_adapters():
        if interfaces and adapter.nice_name not in interfaces and adapter.name not in interfaces:
            continue
        found += [str(ip.ip) for ip in adapter.ips if isinstance(ip.ip, str)]
    return found
