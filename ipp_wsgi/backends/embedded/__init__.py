"""The embedded spooler, the default backend: SQLite job store, spool directory, printing threads."""

from __future__ import annotations

from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.backends.embedded.spooler import SETTABLE_PRINTER_ATTRIBUTES, WHICH_JOBS, EmbeddedSpooler

__all__ = ["SETTABLE_PRINTER_ATTRIBUTES", "WHICH_JOBS", "EmbeddedPrinter", "EmbeddedSpooler"]
