"""Processes of this machine, as the spooler tells them apart: alive or not, one started at a given time,
the members of a process group, and this machine's identity.

A pid alone may be reused; a pid and its start time (``/proc/PID/stat``, clock ticks after boot) name one
process until the machine reboots, and :func:`host_id` changes with each boot.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import time
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


def start_time(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks after boot (None: no such process, or no /proc)."""
    stat = _stat(pid)
    return int(stat[19]) if stat is not None else None


@functools.cache
def host_id() -> str:
    """This machine as long as it runs: its host name and the kernel's boot id."""
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}"


def group_running(pgid: int, leader_started: int) -> bool:
    """Whether the process group that the process ``pgid`` started at ``leader_started`` led still has live
    members (its leader may have exited before them); not when that pid now names another process."""
    started = start_time(pgid)
    if started is not None and started != leader_started:
        return False  # the pid was reused, so the group it led is gone
    return bool(group_members(pgid))


def kill_group(pgid: int, leader_started: int, timeout: float) -> bool:
    """Kill every process of that group (SIGKILL, :func:`group_running`) and wait until none lives, at most
    ``timeout`` seconds; whether none lives."""
    deadline = time.monotonic() + timeout
    while group_running(pgid, leader_started):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid``."""
    members = []
    for entry in _PROC.glob("[0-9]*"):
        stat = _stat(int(entry.name))
        if stat is not None and int(stat[2]) == pgid and stat[0] != "Z":
            members.append(int(entry.name))
    return members


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name: state, ppid, pgrp, ... (None: no such
    process, or no /proc)."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # After "(comm)", which may itself hold spaces or parentheses, come the other fields.
    return text.rsplit(")", 1)[-1].split()
