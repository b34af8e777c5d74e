"""The process that prints the embedded printers' jobs: ``ipp-wsgi spooler``, and the one ``ipp-wsgi
serve`` starts beside its gunicorn workers.

Printing threads inside a worker take turns with its request threads for the GIL at every database call;
in a process of their own they do not (see :mod:`ipp_wsgi.backends.embedded.processor`). ``serve``
starts ``ipp-wsgi spooler`` from the gunicorn master before the workers, and waits until it holds the
printers' printing leases (:mod:`ipp_wsgi.backends.embedded.printing_lease`): the workers then stand by,
and one of them takes over should the spooler process die.
Under another server (Apache mod_wsgi), run ``ipp-wsgi spooler`` as a service of its own, or let one of
the server's processes print.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.child_process import ChildCommand
from ipp_wsgi.config import Config
from ipp_wsgi.metrics import process_exited
from ipp_wsgi.ops.service import embedded_spooler
from ipp_wsgi.spooler_watch import watch_spooler

log = logging.getLogger(__name__)

READY_LINE = b"printing\n"
"""What ``ipp-wsgi spooler`` writes to its stdout once it prints."""
START_SECONDS = 10.0
"""How long ``serve`` waits for its spooler process to print before starting the workers anyway."""
PARENT_CHECK_SECONDS = 0.5


def run_spooler(config: Config, exit_with_parent: bool = False) -> int:
    """Print the jobs of ``config``'s embedded printers until SIGTERM or SIGINT (or, with
    ``exit_with_parent``, until the process that started this one is gone); the exit status."""
    watch_spooler()
    spooler = embedded_spooler(config)
    if not isinstance(spooler, EmbeddedSpooler):
        log.error("no embedded printer in the configuration: nothing to print")
        return 1
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    parent = os.getppid()
    announced = False
    try:
        while not stopped.wait(PARENT_CHECK_SECONDS if announced else 0.02):
            if not announced and spooler.wait_printing(0):
                log.info("printing the jobs of %s", config.spool_dir)
                sys.stdout.buffer.write(READY_LINE)
                sys.stdout.flush()
                announced = True
            if exit_with_parent and os.getppid() != parent:
                break
    finally:
        spooler.close()
    return 0


def spooler_process(config: Config, config_file: str | None, log_level: str,
                    log_format: str = "text") -> SpoolerProcess | None:
    """The ``ipp-wsgi spooler`` process for a server of ``config`` (read from ``config_file``, None: the
    embedded defaults), logging at ``log_level`` in ``log_format``; None when it would have nothing to
    print (no embedded printer, or ``[spooler] workers = 0``)."""
    if config.spooler_workers == 0 or not any(p.backend == "embedded" for p in config.printers):
        return None
    arguments = ["--spool-dir", str(config.spool_dir), "--log-level", log_level, "--log-format", log_format]
    return SpoolerProcess(arguments + (["--config", config_file] if config_file else []))


class SpoolerProcess(ChildCommand):
    """``ipp-wsgi spooler`` as a child of the process that :meth:`start` s it."""

    def __init__(self, arguments: Sequence[str]) -> None:
        super().__init__("spooler", arguments)

    def _stdout(self) -> int | None:
        return subprocess.PIPE

    def stop(self) -> None:
        """Stop the process, and forget its live gauges (the printing-lease holder's)."""
        pid = self._process.pid if self._process is not None else None
        super().stop()
        if pid is not None:
            process_exited(pid)

    def start(self, timeout: float = START_SECONDS) -> bool:  # type: ignore[override]
        """Start the process and wait until it prints; whether it does (if not, a server process will)."""
        super().start()
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        if ready and self._process.stdout.readline() == READY_LINE:
            return True
        log.warning("the spooler process did not start printing within %g s: a server process prints",
                    timeout)
        return False
