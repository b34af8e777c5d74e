"""The ``lp`` backend: the System V print commands (``lp``, ``lpstat``, ``cancel``, ``lpmove``) that Solaris
and CUPS both ship; the jobs live in their spooler (lpsched, cupsd)."""

from __future__ import annotations

from ipp_wsgi.backends.lp.backend import LpBackend
from ipp_wsgi.backends.lp.commands import LpCommands

__all__ = ["LpBackend", "LpCommands"]
