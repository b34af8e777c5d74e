"""Processes of this machine, as the spooler tells them apart: alive or not, and this machine's identity
(:func:`host_id` changes with each boot, so a pid of a previous boot is never taken for a live process).
"""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

_PROC = Path("/proc")


def pid_alive(pid: int) -> bool:
    """True when a process ``pid`` runs on this machine (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _stat(pid)
    return stat is None or stat[0] != "Z"  # no /proc (not Linux): trust kill()


@functools.cache
def host_id() -> str:
    """This machine as long as it runs: its host name and the kernel's boot id."""
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}"


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name: state, ppid, pgrp, ... (None: no such
    process, or no /proc)."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # After "(comm)", which may itself hold spaces or parentheses, come the other fields.
    return text.rsplit(")", 1)[-1].split()
