"""gunicorn with the ipp-wsgi worker class serving ``worker_apps:app`` on a free loopback port (the raw
HTTP client the tests talk to it with is :mod:`harness.raw_http`)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.processes import LOOPBACK, ManagedProcess, free_port
from harness.raw_http import SOCKET_TIMEOUT

APPS_DIR = Path(__file__).resolve().parent
CLIENT_TIMEOUT = 1
KEEPALIVE = 2


class WorkerServer:
    """``gunicorn -k ipp_wsgi.worker.IppWorker worker_apps:app`` (one worker) in *work_dir*."""

    def __init__(self, work_dir: Path, event_loop: str = "uvloop", extra_args: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.work_dir = work_dir
        argv = [sys.executable, "-m", "gunicorn", "-k", "ipp_wsgi.worker.IppWorker", "-w", "1",
                "--threads", "4", "-b", f"{LOOPBACK}:{self.port}", "--keep-alive", str(KEEPALIVE),
                "--graceful-timeout", "20",
                "--no-control-socket", "--chdir", str(APPS_DIR), *extra_args, "worker_apps:app"]
        full_env = dict(os.environ, IPP_WSGI_CLIENT_TIMEOUT=str(CLIENT_TIMEOUT),
                        IPP_WSGI_EVENT_LOOP=event_loop, **(env or {}))
        self.process = ManagedProcess(argv, work_dir / "gunicorn.log", cwd=work_dir, env=full_env)

    def start(self) -> WorkerServer:
        """Start gunicorn and wait until it answers."""
        self.process.start()
        self.process.wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL)."""
        self.process.stop()

    def connect(self) -> socket.socket:
        """A new client connection."""
        return socket.create_connection((LOOPBACK, self.port), timeout=SOCKET_TIMEOUT)
