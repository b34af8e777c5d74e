"""Advertising a configuration's printers until stopped: ``ipp-wsgi advertise`` (and what ``serve`` runs).

Every poll asks the operation layer for each printer's attributes exactly as a client at the advertised
address gets them (a Get-Printer-Attributes through :func:`ipp_wsgi.ops.dispatch`, so the TXT keys have
one source of truth), and registers the records again where they changed: Set-Printer-Attributes of the
location changes ``note``, Pause-Printer ``printer-state``. The printers' state lives in their backend
(the embedded spooler's store is shared by every process), so this process sees what the workers did.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from ipp_wsgi.codec import AttributeGroup, Message, operations, status_name, tags
from ipp_wsgi.config import Config
from ipp_wsgi.dnssd.avahi import AvahiError, AvahiResponder
from ipp_wsgi.dnssd.records import IPP, IPPS, REQUESTED, PrinterRecords, printer_records
from ipp_wsgi.dnssd.settings import LOOPBACK_INTERFACE, DnssdSettings
from ipp_wsgi.dnssd.zeroconf_responder import ZeroconfError, ZeroconfResponder
from ipp_wsgi.ops import dispatch
from ipp_wsgi.ops.context import RequestContext
from ipp_wsgi.ops.service import PrinterEntry, Service

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
"""How often the printers' attributes are read again (one cached Get-Printer-Attributes each)."""
DNS_SD_NAME_HOOK = "set_printer_dns_sd_name"
"""The backend method, where a backend has one, that keeps the name a printer got after a name conflict
(``printer-dns-sd-name``, shared by every process of the service)."""


class Responder(Protocol):
    """An mDNS responder holding the printers' records (:class:`AvahiResponder`,
    :class:`ZeroconfResponder`)."""

    name: str

    async def host_name(self) -> str: ...
    async def publish(self, records: PrinterRecords, host: str) -> str: ...
    async def withdraw(self, printer: str) -> None: ...
    async def close(self) -> None: ...
    def conflicts(self) -> list[str]: ...
    def renamed(self, printer: str) -> str | None: ...


class NoResponder(Exception):
    """Neither avahi nor multicast is available (the message says why)."""


async def open_responder(settings: DnssdSettings) -> Responder:
    """The responder ``settings`` ask for: avahi over D-Bus, else (``auto``) python-zeroconf's own."""
    reasons = []
    if settings.responder in ("auto", "avahi"):
        try:
            return await AvahiResponder.connect(settings.interfaces)
        except AvahiError as exc:
            reasons.append(f"avahi: {exc}")
    if settings.responder in ("auto", "zeroconf"):
        try:
            return await ZeroconfResponder.start(settings.interfaces)
        except ZeroconfError as exc:
            reasons.append(f"python-zeroconf: {exc}")
    raise NoResponder("; ".join(reasons))


@dataclass(frozen=True, slots=True)
class Address:
    """The public address of the printers: host, ports by service type, path prefix."""

    host: str
    ports: dict[str, int]
    prefix: str

    def base_uri(self, kind: str) -> str:
        """The URI base a client of ``kind`` (``_ipp._tcp``) uses: ``ipp://host:port/prefix``."""
        scheme = "ipps" if kind == IPPS else "ipp"
        port = self.ports[kind]
        authority = self.host if port == 631 else f"{self.host}:{port}"
        return f"{scheme}://{authority}{self.prefix}"


def address(settings: DnssdSettings, host: str) -> Address:
    """The advertised address of ``settings`` (``host``: the responder's when none is configured).

    Advertised on the loopback interface alone, the printers are reachable by local clients only, and those
    reach them as ``localhost`` (libcups sends ``Host: localhost`` to any loopback address): the URLs in
    the TXT keys say so, and agree with what such a client gets."""
    if not settings.host and settings.interfaces == (LOOPBACK_INTERFACE,):
        host = "localhost"
    if settings.scheme == "ipps":
        ports = {IPPS: settings.advertised_port}
    else:
        ports = {IPP: settings.advertised_port}
        if settings.tls_port:
            ports[IPPS] = settings.tls_port
    return Address(settings.host or host, ports, settings.path_prefix)


def _request(printer_uri: str) -> Message:
    request = Message(operations.GET_PRINTER_ATTRIBUTES, request_id=1, version=(2, 0))
    group = request.operation
    group.add("attributes-charset", "utf-8", tags.CHARSET)
    group.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
    group.add("printer-uri", printer_uri, tags.URI)
    group.add("requested-attributes", list(REQUESTED), tags.KEYWORD)
    return request


def printer_attributes(service: Service, entry: PrinterEntry, base_uri: str) -> AttributeGroup | None:
    """What Get-Printer-Attributes answers a client of ``base_uri`` about ``entry`` (None, logged, when
    it fails: the printer is then not advertised)."""
    context = RequestContext(base_uri=base_uri, path=entry.path, secure=base_uri.startswith("ipps:"))
    answer = dispatch(_request(base_uri + entry.path), io.BytesIO(), context, service)
    if answer.code >= 0x0100 or answer.printer is None:
        log.warning("not advertising %s: Get-Printer-Attributes answered %s", entry.name,
                    status_name(answer.code))
        return None
    return answer.printer


def records_of(service: Service, entry: PrinterEntry, where: Address) -> PrinterRecords | None:
    """The DNS-SD records of ``entry`` at address ``where``, from its attributes (None: not advertised)."""
    described = {kind: printer_attributes(service, entry, where.base_uri(kind)) for kind in where.ports}
    if any(group is None for group in described.values()):
        return None
    return printer_records(entry.name, described.get(IPP), described.get(IPPS), where.ports)


class Advertiser:
    """Keeps the records of ``printers`` of ``service`` registered with ``responder``, at ``where``."""

    def __init__(self, service: Service, printers: Sequence[PrinterEntry], responder: Responder,
                 where: Address, srv_host: str = "") -> None:
        self.service = service
        self.printers = list(printers)
        self.responder = responder
        self.where = where
        self.srv_host = srv_host
        """The SRV target given to the responder ("" : its own host name)."""
        self.published: dict[str, PrinterRecords] = {}
        """What is registered, by printer, as asked for (before any renaming)."""

    async def refresh(self) -> None:
        """Read every printer's attributes and register what changed (and what lost its name)."""
        conflicted = set(self.responder.conflicts())
        for entry in self.printers:
            try:
                await self._refresh(entry, entry.name in conflicted)
            except Exception:  # the next poll tries again; the others are advertised meanwhile
                log.exception("advertising %s failed", entry.name)

    async def _refresh(self, entry: PrinterEntry, conflicted: bool) -> None:
        """Register ``entry``'s records again if they changed or lost their name; withdraw them if the
        printer can no longer be described."""
        records = await asyncio.to_thread(records_of, self.service, entry, self.where)
        if records is None:
            if self.published.pop(entry.name, None) is not None:
                await self.responder.withdraw(entry.name)
            return
        if records == self.published.get(entry.name) and not conflicted:
            return
        first = entry.name not in self.published
        name = await self.responder.publish(records, self.srv_host)
        self.published[entry.name] = records
        self._keep_name(entry, name)
        if first:
            kinds = ", ".join(f"{kind} port {port}" for kind, port in self.where.ports.items())
            log.info("advertising %s as %r (%s, rp=%s) via %s", entry.name, name, kinds,
                     dict(records.services[0].txt).get("rp", ""), self.responder.name)

    def _keep_name(self, entry: PrinterEntry, name: str) -> None:
        """Tell the backend the name ``entry`` got, where it can keep it (printer-dns-sd-name)."""
        if name == self.published[entry.name].name:
            return
        if entry.backend.supports(DNS_SD_NAME_HOOK):
            keep: Callable[[str, str], None] = getattr(entry.backend, DNS_SD_NAME_HOOK)
            keep(entry.name, name)
        else:
            log.warning("%s keeps printer-dns-sd-name %r: its backend cannot record the name %r it got",
                        entry.name, self.published[entry.name].name, name)

    async def close(self) -> None:
        """Withdraw every record."""
        await self.responder.close()


def advertised_printers(service: Service, settings: DnssdSettings) -> list[PrinterEntry]:
    """The printers ``settings`` scope in (every printer when none is named)."""
    return [entry for entry in service.printers if not settings.printers or entry.name in settings.printers]


async def advertise(config: Config, settings: DnssdSettings, stop: asyncio.Event,
                    exit_with_parent: bool = False) -> int:
    """Advertise ``config``'s printers as ``settings`` say until ``stop`` is set (or, with
    ``exit_with_parent``, until the process that started this one is gone); the exit status."""
    try:
        responder = await open_responder(settings)
    except NoResponder as exc:
        log.warning("DNS-SD advertising is off: %s", exc)
        return 1
    # This process only reads the printers' state: it never prints (spooler workers 0).
    service = await asyncio.to_thread(Service.from_config, replace(config, spooler_workers=0))
    parent = os.getppid()
    try:
        host = await responder.host_name()
        where = address(settings, host)
        printers = advertised_printers(service, settings)
        log.info("DNS-SD: advertising %d printer(s) via %s on %s, at %s", len(printers), responder.name,
                 ", ".join(settings.interfaces) or "every interface",
                 ", ".join(where.base_uri(kind) for kind in where.ports))
        advertiser = Advertiser(service, printers, responder, where, settings.host)
        while True:
            await advertiser.refresh()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await stop.wait()
            if stop.is_set() or (exit_with_parent and os.getppid() != parent):
                break
    finally:
        await responder.close()
        await asyncio.to_thread(service.close)
        log.info("DNS-SD: records withdrawn")
    return 0


def run_advertiser(config: Config, settings: DnssdSettings, exit_with_parent: bool = False) -> int:
    """Advertise until SIGTERM or SIGINT: ``ipp-wsgi advertise``; the exit status."""
    if not settings.enabled:
        log.info("DNS-SD advertising is off ([dnssd] enabled = false)")
        return 0

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await advertise(config, settings, stop, exit_with_parent)

    return asyncio.run(main())

