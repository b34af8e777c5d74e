"""The memory of a server's processes, read from /proc: resident (RSS) and proportional (PSS: forked
workers share pages, which RSS counts once per process)."""

from __future__ import annotations

import threading
from pathlib import Path


def _kib_field(path: Path, name: str) -> int:
    """The ``name:`` line of a /proc file, in bytes (0 when the process is gone)."""
    try:
        lines = path.read_text().splitlines()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in lines:
        if line.startswith(name):
            return int(line.split()[1]) * 1024
    return 0


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of ``pids`` summed, from /proc/PID/status (VmRSS)."""
    return sum(_kib_field(Path(f"/proc/{pid}/status"), "VmRSS:") for pid in pids)


def pss_bytes(pids: list[int]) -> int:
    """Proportional memory of ``pids`` summed, from /proc/PID/smaps_rollup (Pss)."""
    return sum(_kib_field(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") for pid in pids)


class PeakRss(threading.Thread):
    """Samples the summed RSS of a server's processes until stopped; ``peak`` is the highest seen."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = rss_bytes(pids)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, rss_bytes(self.pids))
