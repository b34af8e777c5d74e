"""A long-running ``ipp-wsgi`` subcommand as a child of the process that starts it (``serve`` starts its
spooler and its DNS-SD advertiser this way, from the gunicorn master, before the workers)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

STOP_SECONDS = 30.0


class ChildCommand:
    """``python -m ipp_wsgi COMMAND ARGUMENTS --exit-with-parent``."""

    def __init__(self, command: str, arguments: Sequence[str]) -> None:
        self._command = [sys.executable, "-m", "ipp_wsgi", command, *arguments, "--exit-with-parent"]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, inherited: Sequence[int] = ()) -> None:
        """Start the process (its standard output a pipe when :meth:`_stdout` says so). *inherited*: the
        descriptors of this process a child must not keep (a new program keeps none of them anyway)."""
        self._process = subprocess.Popen(self._command, stdin=subprocess.DEVNULL, stdout=self._stdout())

    def _stdout(self) -> int | None:
        return None

    def stop(self) -> None:
        """Stop the process (SIGTERM: it finishes cleanly) and wait for it."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
