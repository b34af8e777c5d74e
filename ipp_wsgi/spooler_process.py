"""The process that prints the embedded printers' jobs: ``ipp-wsgi spooler``, and the one ``ipp-wsgi
serve`` starts beside its gunicorn workers.

Printing threads inside a worker take turns with its request threads for the GIL at every database call;
in a process of their own they do not (see :mod:`ipp_wsgi.backends.embedded.processor`). ``serve``
starts ``ipp-wsgi spooler`` from the gunicorn master before the workers, and waits until it holds the
printers' printing leases (:mod:`ipp_wsgi.backends.embedded.printing_lease`), or has found them kept by
another live process (another host on the same job store, an ``ipp-wsgi spooler`` service), for which it
then stands by: the workers then stand by too, and one of them takes over should the spooler process
die.
Under another server (Apache mod_wsgi), run ``ipp-wsgi spooler`` as a service of its own, or let one of
the server's processes print.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.child_process import STOP_SECONDS, ChildCommand
from ipp_wsgi.config import Config
from ipp_wsgi.metrics import process_exited
from ipp_wsgi.ops.service import embedded_spooler
from ipp_wsgi.spooler_watch import watch_spooler

log = logging.getLogger(__name__)

READY_LINE = b"printing\n"
"""What ``ipp-wsgi spooler`` writes to its stdout once it prints, or stands by for another process that
does."""
START_SECONDS = 10.0
"""How long ``serve`` waits for its spooler process to print (or stand by) before starting the workers
anyway."""
PARENT_CHECK_SECONDS = 0.5
PROCESS_NAME = b"ipp-wsgi-spool"
"""The name (``/proc/PID/comm``, what ``ps`` and ``top`` show) of the spooler process ``serve`` forks."""


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
            if not announced and spooler.wait_leases_kept(0):
                announce(spooler, config)
                sys.stdout.buffer.write(READY_LINE)
                sys.stdout.flush()
                announced = True
            if exit_with_parent and os.getppid() != parent:
                break
    finally:
        spooler.close()
    return 0


def announce(spooler: EmbeddedSpooler, config: Config) -> None:
    """Log that ``spooler`` prints, or that it stands by because another process keeps the leases."""
    if spooler.wait_printing(0):
        log.info("printing the jobs of %s", config.spool_dir)
    else:
        log.info("standing by for the jobs of %s: another process holds their printing leases",
                 config.spool_dir)


def spooler_process(config: Config, config_file: str | None, log_level: str,
                    log_format: str = "text") -> SpoolerProcess | None:
    """The ``ipp-wsgi spooler`` process for a server of ``config`` (read from ``config_file``, None: the
    embedded defaults), logging at ``log_level`` in ``log_format``; None when it would have nothing to
    print (no embedded printer, or ``[spooler] workers = 0``)."""
    if not prints_apart(config):
        return None
    arguments = ["--spool-dir", str(config.spool_dir), "--log-level", log_level, "--log-format", log_format]
    return SpoolerProcess(arguments + (["--config", config_file] if config_file else []))


def prints_apart(config: Config) -> bool:
    """Whether a server of ``config`` prints in a spooler process of its own: it has embedded printers, and
    ``[spooler] workers`` is not 0."""
    return config.spooler_workers != 0 and any(p.backend == "embedded" for p in config.printers)


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

    def start(self, inherited: Sequence[int] = (),  # type: ignore[override]
              timeout: float = START_SECONDS) -> bool:
        """Start the process and wait until it prints or stands by; whether it does (if not, a server
        process will print)."""
        super().start(inherited)
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        if ready and self._process.stdout.readline() == READY_LINE:
            return True
        log.warning("the spooler process did not start printing within %g s: a server process prints",
                    timeout)
        return False


class ForkedSpooler:
    """The spooler process ``ipp-wsgi serve`` forks from its gunicorn master before the workers (as
    :class:`SpoolerProcess` does, the same :func:`run_spooler`), named :data:`PROCESS_NAME`.

    Forked, not started as a new program: it shares with the master (and the workers) every page of the
    modules they all loaded, where a new Python process would load them again (about 25 MiB of a service
    of 60)."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._pid: int | None = None

    def start(self, inherited: Sequence[int] = (), timeout: float = START_SECONDS) -> bool:
        """Fork the process, which closes the descriptors *inherited* (the master's listening sockets and
        pipes), and wait until it prints or stands by; whether it does (if not, a server process will
        print)."""
        read_end, write_end = os.pipe()
        freeze_shared_objects()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            self._child(write_end, inherited)
        os.close(write_end)
        self._pid = pid
        with os.fdopen(read_end, "rb") as ready:
            readable, _, _ = select.select([ready], [], [], timeout)
            if readable and ready.readline() == READY_LINE:
                return True
        log.warning("the spooler process did not start printing within %g s: a server process prints",
                    timeout)
        return False

    def _child(self, ready: int, inherited: Sequence[int]) -> None:
        status = 1
        try:
            for signum in (signal.SIGHUP, signal.SIGQUIT, signal.SIGINT, signal.SIGTERM, signal.SIGTTIN,
                           signal.SIGTTOU, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGCHLD):
                signal.signal(signum, signal.SIG_DFL)  # the master's handlers are not this process's
            signal.set_wakeup_fd(-1)
            for fd in inherited:
                with contextlib.suppress(OSError):
                    os.close(fd)
            os.dup2(ready, sys.stdout.fileno())  # where run_spooler says it prints
            os.close(ready)
            with contextlib.suppress(OSError), open("/proc/self/comm", "wb") as comm:
                comm.write(PROCESS_NAME)
            status = run_spooler(self._config, exit_with_parent=True)
        except BaseException:
            log.exception("the spooler process failed")
        finally:
            logging.shutdown()
            os._exit(status)

    def stop(self) -> None:
        """Stop the process (SIGTERM: it finishes cleanly) and wait for it (SIGKILL after
        ``STOP_SECONDS``)."""
        pid, self._pid = self._pid, None
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while _alive(pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        process_exited(pid)  # its live gauges (the printing-lease holder's) go with it


def freeze_shared_objects() -> None:
    """Before a fork: what this process has built (the modules every process of the server runs) is shared
    with its children page for page as long as nobody writes to it, but a child's garbage collector would,
    walking every object it can reach: frozen, this process's objects are left out of its collections."""
    gc.collect()
    gc.freeze()


def _alive(pid: int) -> bool:
    """Whether our child *pid* still runs (reaping it when it ended; gunicorn's arbiter may reap it
    first, as it reaps every child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == 0
