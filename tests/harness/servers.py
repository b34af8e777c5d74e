"""ipp-wsgi itself, served by gunicorn through the project's CLI, on a free loopback port."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .processes import LOOPBACK, STOP_TIMEOUT, ManagedProcess, free_port, wait_port_closed


def ipp_wsgi_command() -> list[str]:
    """The command that runs the CLI: the venv's ``ipp-wsgi`` script, else ``python -m ipp_wsgi``."""
    script = Path(sys.executable).with_name("ipp-wsgi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ipp_wsgi"]


class IppServer:
    """``ipp-wsgi serve --bind 127.0.0.1:PORT --spool-dir DIR [--config FILE] [EXTRA...]`` in *work_dir*,
    with ``--no-dnssd`` unless it should ``advertise`` (in the environment ``env``: the private D-Bus).

    The spool directory is *work_dir*/spool unless ``spool_dir`` names another (one that several servers
    share). The port and spool directory stay the same across :meth:`restart`, so a restarted server sees
    the state the previous one left behind.
    """

    def __init__(self, work_dir: Path, *, config: Path | None = None, extra_args: Sequence[str] = (),
                 advertise: bool = False, env: Mapping[str, str] | None = None,
                 spool_dir: Path | None = None) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.spool_dir = spool_dir if spool_dir is not None else work_dir / "spool"
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        argv = [
            *ipp_wsgi_command(),
            "serve",
            "--bind",
            f"{LOOPBACK}:{self.port}",
            "--spool-dir",
            str(self.spool_dir),
        ]
        argv += ["--config", str(config)] if config is not None else []
        argv += list(extra_args)
        # DNS-SD advertising is on by default; only the tests of it want it (and their private avahi).
        argv += [] if advertise else ["--no-dnssd"]
        self.process = ManagedProcess(argv, work_dir / "ipp-wsgi.log", cwd=work_dir, env=env)

    @property
    def uri(self) -> str:
        """The printer URI: ``ipp://127.0.0.1:PORT/ipp/print``."""
        return f"ipp://{LOOPBACK}:{self.port}/ipp/print"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (for plain HTTP requests: status page, raw POSTs)."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        """The PID of the server's main process (gunicorn's arbiter)."""
        return self.process.pid

    @property
    def log(self) -> Path:
        """The server's log file (stdout and stderr of every start, appended)."""
        return self.process.log

    def start(self) -> None:
        """Start the server and wait until its port answers."""
        self.process.start()
        self.process.wait_for_port(self.port)

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, SIGKILL after a timeout), wait until its port closes; its exit code."""
        code = self.process.stop()
        wait_port_closed(self.port, STOP_TIMEOUT)
        return code

    def restart(self) -> None:
        """Stop the server gracefully and start it again on the same port and spool directory."""
        self.stop()
        self.start()

    def kill9(self) -> None:
        """Kill the server and its workers with SIGKILL (a crash) and wait until its port is closed; call
        :meth:`start` to bring it back."""
        self.process.kill9()
        wait_port_closed(self.port, STOP_TIMEOUT)
