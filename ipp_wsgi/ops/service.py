"""The printers, their backends and the policy: what the operation layer works on."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ipp_wsgi.backends import Backend
from ipp_wsgi.codec import AttributeGroup
from ipp_wsgi.ops.policy import Policy
from ipp_wsgi.ops.printer_description import PrinterDescription, build_description


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """One configured printer: its name, request paths (first = canonical), backend and description."""

    name: str
    paths: tuple[str, ...]
    backend: str = "embedded"
    output: str = "directory"
    """Embedded spooler output: ``directory`` or ``command``."""
    output_dir: Path | None = None
    command: tuple[str, ...] = ()
    description: PrinterDescription = field(default_factory=PrinterDescription)


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


@dataclass(slots=True)
class PrinterEntry:
    """A printer as the operation layer sees it: name, paths, backend and cached static attributes."""

    name: str
    paths: tuple[str, ...]
    backend: Backend
    description: AttributeGroup
    """The static printer attributes, built once (see :func:`build_description`)."""

    @property
    def path(self) -> str:
        """The canonical request path (``/ipp/print``): printer-uri-supported and job URIs use it."""
        return self.paths[0]


class Service:
    """The printers, their backends and the policy."""

    def __init__(self, printers: Sequence[PrinterEntry], policy: Policy) -> None:
        self.printers: Sequence[PrinterEntry] = tuple(printers)
        self.policy = policy
        self.started = time.time()
        """Wall-clock start time: printer-config-change-time and the state-change fallback."""
        self._by_path = {path.rstrip("/") or "/": entry for entry in self.printers for path in entry.paths}
        self._by_name = {entry.name: entry for entry in self.printers}

    @classmethod
    def from_config(cls, config: ServiceConfig) -> Service:
        """Build the backends (the embedded spooler starts its worker threads) and the printer entries."""
        from ipp_wsgi.backends.embedded import EmbeddedPrinter, EmbeddedSpooler

        descriptions = {p.name: build_description(p.name, p.description) for p in config.printers}
        unknown = [p for p in config.printers if p.backend != "embedded"]
        if unknown:
            raise ValueError(f"printer {unknown[0].name!r}: unknown backend {unknown[0].backend!r}")
        embedded = [
            EmbeddedPrinter(p.name, descriptions[p.name], output=p.output, output_dir=p.output_dir,
                            command=p.command)
            for p in config.printers
        ]
        kwargs: dict[str, Any] = {
            "history_seconds": config.history_seconds, "history_jobs": config.history_jobs,
            "workers": config.spooler_workers, "event_life": config.event_life,
            # One spooler for every printer: the shortest multiple-operation-time-out is the one it keeps.
            "incoming_timeout": min(p.description.multiple_operation_timeout for p in config.printers),
        }
        spooler = EmbeddedSpooler(config.spool_dir, embedded, **kwargs)
        entries = [PrinterEntry(p.name, p.paths, spooler, descriptions[p.name]) for p in config.printers]
        return cls(entries, config.policy)

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
        """Stop every backend's threads."""
        for backend in self.backends:
            backend.close()
