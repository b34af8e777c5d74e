"""The printers, their backends and the policy: what the operation layer works on."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ipp_wsgi.backends import Backend
from ipp_wsgi.backends.cups import CupsConnection
from ipp_wsgi.backends.embedded.job_limits import JobLimits
from ipp_wsgi.backends.embedded.printer import OUTPUT_IPP, EmbeddedPrinter, RetryPolicy
from ipp_wsgi.codec import Attribute, AttributeGroup, tags
from ipp_wsgi.codec.encoder import pre_encoded
from ipp_wsgi.ops.documents import COMPRESSIONS
from ipp_wsgi.ops.downstream import DownstreamRefresh, ipp_output_fetch
from ipp_wsgi.ops.policy import Policy
from ipp_wsgi.ops.printer_description import PrinterDescription, build_description

BACKENDS = ("embedded", "cups", "lp")
"""The ``backend`` values a printer may have."""

DESCRIPTION_TTL = 2.0
"""Seconds a backend-described printer's capabilities are reused before the backend is asked again."""

EMBEDDED_STORE = "sqlite"
"""The default job store of the embedded printers (:func:`~ipp_wsgi.backends.embedded.store.open_store`):
the SQLite database of the spool directory; a configuration's ``store`` says which one it uses."""


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """One configured printer: its name, request paths (first = canonical), backend and description.

    ``backend`` is ``embedded`` (ipp-wsgi spools; ``output`` and the device fields say where the bytes go)
    or ``cups`` (the CUPS queue of the same name on the server ``cups`` describes; its description comes
    from CUPS) or ``lp`` (the destination of the same name of the System V commands, ``-h lp_server``).
    """

    name: str
    paths: tuple[str, ...]
    backend: str = "embedded"
    output: str = "directory"
    """Embedded spooler output: one of ``ipp_wsgi.backends.embedded.printer.OUTPUTS``."""
    output_dir: Path | None = None
    command: tuple[str, ...] = ()
    description: PrinterDescription = field(default_factory=PrinterDescription)
    device_uri: str = ""
    """Network outputs (socket, lpd, ipp): where the printer is."""
    device_timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cups: CupsConnection | None = None
    """The CUPS server of a ``cups`` printer."""
    lp_server: str | None = None
    """The ``-h`` server of an ``lp`` printer (None: the system's default spooler)."""
    lp_timeout: float = 30.0
    """Seconds any one ``lp``/``lpstat``/``cancel``/``lpmove`` run may take."""


class ServiceConfig(Protocol):
    """What :meth:`Service.from_config` reads (:class:`ipp_wsgi.config.Config` has it all)."""

    @property
    def spool_dir(self) -> Path: ...
    @property
    def printers(self) -> tuple[PrinterConfig, ...]: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def history_seconds(self) -> int: ...
    @property
    def history_jobs(self) -> int: ...
    @property
    def spooler_workers(self) -> int: ...
    @property
    def event_life(self) -> int: ...
    @property
    def job_limits(self) -> JobLimits: ...
    @property
    def store(self) -> str: ...


@dataclass(slots=True)
class PrinterEntry:
    """A printer as the operation layer sees it: name, paths, backend and its description attributes.

    The description is ``static`` (built once from the configuration, see :func:`build_description`), or,
    when ``described_by_backend``, what the backend's :meth:`~Backend.printer_attributes` says (CUPS
    knows its queue's capabilities), reused for :data:`DESCRIPTION_TTL` seconds.
    """

    name: str
    paths: tuple[str, ...]
    backend: Backend
    static: AttributeGroup = field(default_factory=AttributeGroup)
    described_by_backend: bool = False
    uri_authentication: str = "requesting-user-name"
    """uri-authentication-supported of the printer's URI: what the web server in front asks of clients."""
    _cached: tuple[float, AttributeGroup] | None = field(default=None, init=False, repr=False, compare=False)
    attributes_cache: dict[tuple[str, bool, str], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    """Built printer attribute groups (see :func:`ipp_wsgi.ops.printer_attributes.printer_group`)."""

    @property
    def path(self) -> str:
        """The canonical request path (``/ipp/print``): printer-uri-supported and job URIs use it."""
        return self.paths[0]

    @property
    def description(self) -> AttributeGroup:
        """The printer's description and capability attributes (``*-supported``, ``*-default``, ...);
        never change it in place."""
        if not self.described_by_backend:
            return self.static
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < DESCRIPTION_TTL:
            return cached[1]
        return self.current()

    def current(self) -> AttributeGroup:
        """The description with the backend's status as it is now (asks a describing backend afresh)."""
        if not self.described_by_backend:
            return self.static
        group = self.backend.printer_attributes(self.name)
        # The operation layer decompresses documents before any backend sees them.
        group.add("compression-supported", list(COMPRESSIONS), tags.KEYWORD)
        self._cached = (time.monotonic(), group)
        return group


class Service:
    """The printers, their backends and the policy."""

    def __init__(self, printers: Sequence[PrinterEntry], policy: Policy) -> None:
        self.printers: Sequence[PrinterEntry] = tuple(printers)
        self.policy = policy
        self.started = time.time()
        """Wall-clock start time: printer-config-change-time and the state-change fallback."""
        self._by_path = {path.rstrip("/") or "/": entry for entry in self.printers for path in entry.paths}
        self._by_name = {entry.name: entry for entry in self.printers}
        self.refreshers: list[DownstreamRefresh] = []
        """What keeps the descriptions of printers with an ``ipp`` output their downstream printer's."""
        self.derived: dict[tuple[str, str, str], Any] = {}
        """Values worked out once from the fixed printers, backends and policy, by (what, printer, path)."""

    @classmethod
    def from_config(cls, config: ServiceConfig) -> Service:
        """Build the backends (the embedded spooler starts its worker threads; one CUPS backend per distinct
        CUPS connection) and the printer entries."""
        unknown = [p for p in config.printers if p.backend not in BACKENDS]
        if unknown:
            raise ValueError(f"printer {unknown[0].name!r}: unknown backend {unknown[0].backend!r}")
        descriptions = {p.name: _encoded_description(p) for p in config.printers if p.backend != "cups"}
        backends: dict[str, Backend] = {}
        embedded = embedded_printers(config)
        if embedded:
            spooler = _embedded_spooler(config, embedded, descriptions)
            backends.update((p.name, spooler) for p in embedded)
        for backend, names in _shared_backends(config.printers):
            backends.update((name, backend) for name in names)
        entries = [PrinterEntry(p.name, p.paths, backends[p.name], descriptions.get(p.name, AttributeGroup()),
                                described_by_backend=p.name not in descriptions,
                                uri_authentication=p.description.uri_authentication)
                   for p in config.printers]
        service = cls(entries, config.policy)
        printed_on_ipp = [(entry, p) for entry, p in zip(entries, config.printers, strict=True)
                          if p.backend == "embedded" and p.output == OUTPUT_IPP]
        service.refreshers = [_downstream_refresh(entry, p).start() for entry, p in printed_on_ipp]
        return service

    def printer_for_path(self, path: str) -> PrinterEntry | None:
        """The printer served at ``path`` (``/ipp/print``, ``/printers/print/``), or None."""
        return self._by_path.get(path.rstrip("/") or "/")

    def printer(self, name: str) -> PrinterEntry | None:
        """The printer called ``name``, or None."""
        return self._by_name.get(name)

    @property
    def default_printer(self) -> PrinterEntry | None:
        """The first configured printer (CUPS-Get-Default), or None when there are none."""
        return self.printers[0] if self.printers else None

    @property
    def backends(self) -> list[Backend]:
        """Each distinct backend once, in printer order."""
        seen: dict[int, Backend] = {}
        for entry in self.printers:
            seen.setdefault(id(entry.backend), entry.backend)
        return list(seen.values())

    def close(self) -> None:
        """Stop every backend's threads, and the questions to downstream printers."""
        for refresher in self.refreshers:
            refresher.stop()
        for backend in self.backends:
            backend.close()


def _downstream_refresh(entry: PrinterEntry, printer: PrinterConfig) -> DownstreamRefresh:
    """What keeps ``entry``'s description what the downstream printer of its ``ipp`` output says."""

    def publish(description: AttributeGroup) -> None:
        entry.static = description  # one assignment: a request sees the old description or the new one
        entry.attributes_cache.clear()

    fetch = ipp_output_fetch(printer.device_uri, printer.device_timeout)
    return DownstreamRefresh(printer.name, printer.description, fetch, publish)


def _encoded_description(printer: PrinterConfig) -> AttributeGroup:
    """The static description of ``printer``, each attribute encoded once: every Get-Printer-Attributes
    copies their bytes (so they are never changed in place)."""
    return AttributeGroup(encoded_description_attributes(printer))


@functools.lru_cache(maxsize=64)
def encoded_description_attributes(printer: PrinterConfig) -> tuple[Attribute, ...]:
    """The encoded attributes of ``printer``'s static description, built once per process (and once for
    every process of a server when its master calls this before it forks: their pages are then shared)."""
    return tuple(pre_encoded(build_description(printer.name, printer.description).attributes()))


def _shared_backends(printers: Sequence[PrinterConfig]) -> list[tuple[Backend, list[str]]]:
    """One backend per distinct CUPS connection and per distinct ``lp`` server, with its printers' names."""
    from ipp_wsgi.backends.lp import LpBackend

    groups: dict[tuple[str, Any], list[str]] = {}
    for p in printers:
        if p.backend == "cups":
            groups.setdefault(("cups", p.cups or CupsConnection()), []).append(p.name)
        elif p.backend == "lp":
            groups.setdefault(("lp", (p.lp_server, p.lp_timeout)), []).append(p.name)
    made: list[tuple[Backend, list[str]]] = []
    for (kind, key), names in groups.items():
        if kind == "cups":
            made.append((key.backend(names), names))
        else:
            made.append((LpBackend(key[0], printers=names, timeout=key[1]), names))
    return made


def embedded_printers(config: ServiceConfig) -> list[PrinterConfig]:
    """The printers of ``config`` that the embedded spooler prints."""
    return [p for p in config.printers if p.backend == "embedded"]


def check_embedded_store(config: ServiceConfig) -> None:
    """Open the job store of ``config``'s embedded printers, if it has any, and check their definitions
    against the store's (:func:`~ipp_wsgi.backends.embedded.store.definitions.reconcile`): a store that
    cannot be used raises :class:`~ipp_wsgi.backends.embedded.store.StoreUnavailable` (with the reason, for
    the administrator), printers that another live host serves otherwise
    :class:`~ipp_wsgi.backends.embedded.store.definitions.DefinitionConflict`, before any server process
    starts. The store is closed before this returns, so that a process that forks next hands no connection
    of it to its children."""
    from ipp_wsgi.backends.embedded.store import open_store
    from ipp_wsgi.backends.embedded.store.definitions import canonical, reconcile

    embedded = embedded_printers(config)
    if embedded:
        store = open_store(config.store, config.spool_dir)
        try:
            reconcile(store, {p.name: canonical(printer_definition(p)) for p in embedded}, time.time())
        finally:
            store.close()


def printer_definition(printer: PrinterConfig) -> dict[str, Any]:
    """What every host of one store must agree on about the embedded printer ``printer``: its name, paths,
    output and the output's target, and its description's configured values (``description.<field>``).

    Left out: ``device_timeout`` and ``retry``, how patiently a host delivers, which neither changes what a
    client sees nor where the bytes go (hosts on slower links may wait longer); ``backend``, always
    ``embedded`` here."""
    configured = dataclasses.asdict(printer.description)
    description = {f"description.{key}": value for key, value in configured.items()}
    return {"name": printer.name, "paths": list(printer.paths), "output": printer.output,
            "output_dir": None if printer.output_dir is None else str(printer.output_dir),
            "command": list(printer.command), "device_uri": printer.device_uri, **description}


def embedded_output_problems(config: ServiceConfig) -> list[str]:
    """Why the outputs of ``config``'s embedded printers cannot print (one phrase each, naming the
    printer; :mod:`~ipp_wsgi.backends.embedded.output_check`): an empty list when they may."""
    from ipp_wsgi.backends.embedded.output_check import output_problem

    found = (output_problem(_embedded_printer(p), config.spool_dir) for p in embedded_printers(config))
    return [problem for problem in found if problem is not None]


def _embedded_printer(printer: PrinterConfig, description: AttributeGroup | None = None) -> EmbeddedPrinter:
    """The embedded spooler's printer of ``printer``."""
    return EmbeddedPrinter(printer.name, description or AttributeGroup(), output=printer.output,
                           output_dir=printer.output_dir, command=printer.command,
                           device_uri=printer.device_uri, device_timeout=printer.device_timeout,
                           retry=printer.retry)


def embedded_spooler(config: ServiceConfig) -> Backend | None:
    """The embedded spooler of ``config``'s embedded printers as the service builds it (None when there are
    none): for a process that only prints them (``ipp-wsgi spooler``)."""
    embedded = embedded_printers(config)
    if not embedded:
        return None
    return _embedded_spooler(config, embedded, {p.name: _encoded_description(p) for p in embedded})


def _embedded_spooler(config: ServiceConfig, printers: Sequence[PrinterConfig],
                      descriptions: dict[str, AttributeGroup]) -> Backend:
    """One embedded spooler for every embedded printer."""
    from ipp_wsgi.backends.embedded import EmbeddedSpooler

    embedded = [_embedded_printer(p, descriptions[p.name]) for p in printers]
    kwargs: dict[str, Any] = {
        "store": config.store,
        "history_seconds": config.history_seconds, "history_jobs": config.history_jobs,
        # Each printer this process holds the printing lease of has its own printing thread.
        "printing": config.spooler_workers != 0,
        "event_life": config.event_life, "limits": config.job_limits,
        # One spooler for every printer: the shortest multiple-operation-time-out is the one it keeps.
        "incoming_timeout": min(p.description.multiple_operation_timeout for p in printers),
    }
    return EmbeddedSpooler(config.spool_dir, embedded, **kwargs)
