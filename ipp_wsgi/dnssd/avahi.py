"""Registering printers with avahi-daemon over D-Bus (what CUPS and PAPPL do on Linux): no second mDNS
responder fights avahi for port 5353.

One ``org.freedesktop.Avahi.EntryGroup`` per printer holds its services and subtypes (``AddService``,
``AddServiceSubtype``, ``Commit``); a TXT-only change is ``UpdateServiceTxt``, anything else resets and
fills the group again. A name another host has (``CollisionError`` at once, or the group's
``StateChanged`` to COLLISION later) is retried as ``print (2)``, ``print (3)``, ... Freeing the groups
withdraws the records (avahi does so by itself should this process die).

The bus is the D-Bus system bus (``DBUS_SYSTEM_BUS_ADDRESS`` when set), through dbus-fast.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from ipp_wsgi.dnssd.records import PrinterRecords, conflict_name

log = logging.getLogger(__name__)

AVAHI = "org.freedesktop.Avahi"
SERVER = "org.freedesktop.Avahi.Server"
ENTRY_GROUP = "org.freedesktop.Avahi.EntryGroup"
COLLISION_ERROR = "org.freedesktop.Avahi.CollisionError"
IF_UNSPEC = -1
PROTO_UNSPEC = -1
SERVER_RUNNING = 2
"""AVAHI_SERVER_RUNNING."""
ESTABLISHED, COLLISION, FAILURE = 2, 3, 4
"""AVAHI_ENTRY_GROUP_* states."""
ESTABLISH_SECONDS = 10.0
"""How long to wait for a group to be established (avahi probes the names first, about 1 s)."""
MAX_ATTEMPTS = 32


class AvahiError(Exception):
    """avahi-daemon is not reachable, or refused a call."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"{name}: {text}" if text else name)
        self.name = name


@dataclass(slots=True)
class _Group:
    path: str
    records: PrinterRecords
    """What is registered (under the name it got)."""
    base: str = ""
    """The instance name asked for (printer-dns-sd-name)."""
    state: asyncio.Queue[int] = field(default_factory=asyncio.Queue)
    establishing: bool = False
    conflicted: bool = False
    """Another host claimed the name after it was established: it must be registered anew."""


class AvahiResponder:
    """The printers' records in avahi-daemon's entry groups, by printer name."""

    name = "avahi"

    def __init__(self, bus: MessageBus, interfaces: tuple[int, ...] = ()) -> None:
        self._bus = bus
        self._interfaces = interfaces or (IF_UNSPEC,)
        self._groups: dict[str, _Group] = {}
        self._renamed: dict[str, str] = {}
        self._bus.add_message_handler(self._on_message)

    @classmethod
    async def connect(cls, interfaces: tuple[str, ...] = ()) -> AvahiResponder:
        """A responder on the system bus's avahi-daemon; :class:`AvahiError` when there is none running,
        or a named interface does not exist."""
        indexes = tuple(_interface_index(name) for name in interfaces)
        try:
            bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        except (OSError, ValueError, EOFError) as exc:  # no bus socket, or it closed on us
            raise AvahiError("no D-Bus system bus", str(exc)) from None
        except Exception as exc:  # dbus-fast's AuthError and the like
            raise AvahiError("no D-Bus system bus", str(exc)) from None
        responder = cls(bus, indexes)
        try:
            state = await responder._call("/", SERVER, "GetState")
            if state[0] != SERVER_RUNNING:
                raise AvahiError("avahi-daemon is not running", f"state {state[0]}")
            await responder._call("/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
                                  [f"type='signal',interface='{ENTRY_GROUP}',member='StateChanged'"],
                                  destination="org.freedesktop.DBus")
        except BaseException:
            bus.disconnect()
            raise
        return responder

    async def host_name(self) -> str:
        """avahi's mDNS host name (``myhost.local``): the SRV target of records published with no host."""
        return str((await self._call("/", SERVER, "GetHostNameFqdn"))[0])

    def conflicts(self) -> list[str]:
        """The printers whose established name another host has claimed since (to :meth:`publish` again)."""
        return [printer for printer, group in self._groups.items() if group.conflicted]

    def renamed(self, printer: str) -> str | None:
        """The instance name ``printer`` is advertised under now, when a conflict changed it."""
        return self._renamed.get(printer)

    async def publish(self, records: PrinterRecords, host: str) -> str:
        """Advertise ``records`` (replacing what was advertised for their printer) with SRV target
        ``host`` ("" for avahi's own host name); the instance name they got."""
        group = self._groups.get(records.printer)
        if (group is not None and not group.conflicted and group.base == records.name
                and group.records.same_services(records.renamed(group.records.name))):
            await self._update_txt(group, records.renamed(group.records.name))
            return group.records.name
        if group is None:
            path = str((await self._call("/", SERVER, "EntryGroupNew"))[0])
            group = self._groups[records.printer] = _Group(path, records)
        else:
            await self._call(group.path, ENTRY_GROUP, "Reset")
        return await self._establish(group, records, host)

    async def withdraw(self, printer: str) -> None:
        """Withdraw ``printer``'s records."""
        group = self._groups.pop(printer, None)
        self._renamed.pop(printer, None)
        if group is not None:
            await self._call(group.path, ENTRY_GROUP, "Free")

    async def close(self) -> None:
        """Withdraw every record and leave the bus."""
        try:
            for printer in list(self._groups):
                await self.withdraw(printer)
        finally:
            self._bus.disconnect()

    async def _establish(self, group: _Group, records: PrinterRecords, host: str) -> str:
        group.establishing, group.conflicted, group.base = True, False, records.name
        try:
            return await self._try_names(group, records, host)
        finally:
            group.establishing = False

    async def _try_names(self, group: _Group, records: PrinterRecords, host: str) -> str:
        base = records.name
        for attempt in range(MAX_ATTEMPTS):
            candidate = records if attempt == 0 else records.renamed(conflict_name(base, attempt))
            group.records = candidate
            if await self._fill(group, candidate, host) and await self._wait_established(group):
                if attempt:
                    self._renamed[records.printer] = candidate.name
                    log.warning("DNS-SD name %r is taken: %s is advertised as %r", base, records.printer,
                                candidate.name)
                else:
                    self._renamed.pop(records.printer, None)
                return candidate.name
            await self._call(group.path, ENTRY_GROUP, "Reset")
        raise AvahiError("no free DNS-SD name", f"{base!r} and {MAX_ATTEMPTS - 1} alternatives are taken")

    async def _fill(self, group: _Group, records: PrinterRecords, host: str) -> bool:
        """Add the services and commit; False when the name is already taken locally."""
        while not group.state.empty():
            group.state.get_nowait()
        try:
            for interface in self._interfaces:
                for service in records.services:
                    await self._call(group.path, ENTRY_GROUP, "AddService", "iiussssqaay",
                                     [interface, PROTO_UNSPEC, 0, service.name, service.type, "", host,
                                      service.port, service.txt_strings()])
                    for subtype in service.subtypes:
                        await self._call(group.path, ENTRY_GROUP, "AddServiceSubtype", "iiussss",
                                         [interface, PROTO_UNSPEC, 0, service.name, service.type, "",
                                          f"{subtype}._sub.{service.type}"])
            await self._call(group.path, ENTRY_GROUP, "Commit")
        except AvahiError as exc:
            if exc.name == COLLISION_ERROR:
                return False
            raise
        return True

    async def _wait_established(self, group: _Group) -> bool:
        """Wait for the group's state: True once established, False on a name conflict."""
        try:
            async with asyncio.timeout(ESTABLISH_SECONDS):
                while True:
                    state = await group.state.get()
                    if state == ESTABLISHED:
                        return True
                    if state == COLLISION:
                        return False
                    if state == FAILURE:
                        raise AvahiError("avahi could not register", group.records.name)
        except TimeoutError:
            raise AvahiError("avahi did not register", f"{group.records.name!r} in {ESTABLISH_SECONDS} s") \
                from None

    async def _update_txt(self, group: _Group, records: PrinterRecords) -> None:
        changed = [(new, old) for new, old in zip(records.services, group.records.services, strict=True)
                   if new.txt != old.txt]
        for interface in self._interfaces:
            for service, _ in changed:
                await self._call(group.path, ENTRY_GROUP, "UpdateServiceTxt", "iiusssaay",
                                 [interface, PROTO_UNSPEC, 0, service.name, service.type, "",
                                  service.txt_strings()])
        group.records = records

    def _on_message(self, message: Message) -> None:
        if message.message_type is not MessageType.SIGNAL or message.member != "StateChanged":
            return
        state = int(message.body[0])
        for group in self._groups.values():
            if group.path != message.path:
                continue
            if group.establishing:
                group.state.put_nowait(state)
            elif state == COLLISION:
                log.warning("another host claimed the DNS-SD name %r", group.records.name)
                group.conflicted = True

    async def _call(self, path: str, interface: str, member: str, signature: str = "",
                    body: list[Any] | None = None, destination: str = AVAHI) -> list[Any]:
        reply = await self._bus.call(Message(destination=destination, path=path, interface=interface,
                                             member=member, signature=signature, body=body or []))
        if reply.message_type is MessageType.ERROR:
            raise AvahiError(str(reply.error_name), str(reply.body[0]) if reply.body else "")
        return list(reply.body)


def _interface_index(name: str) -> int:
    try:
        return socket.if_nametoindex(name)
    except OSError:
        raise AvahiError("no such network interface", name) from None
