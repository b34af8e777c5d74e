"""The embedded spooler, the default backend: a job store (SQLite by default), spool directory, printing
threads."""

from __future__ import annotations

from ipp_wsgi.backends.embedded.job_states import WHICH_JOBS
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter
from ipp_wsgi.backends.embedded.spooler import EmbeddedSpooler
from ipp_wsgi.backends.embedded.spooler_printers import SETTABLE_PRINTER_ATTRIBUTES

__all__ = ["SETTABLE_PRINTER_ATTRIBUTES", "WHICH_JOBS", "EmbeddedPrinter", "EmbeddedSpooler"]
