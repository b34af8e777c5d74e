"""A throw-away PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a cluster made by
``initdb`` in a temp dir, listening on a free 127.0.0.1 port only, stopped by PID.

PostgreSQL refuses to run as root: when the tests run as root (as in CI) the cluster belongs to, and the
server runs as, the unprivileged ``postgres`` user the Debian package creates (else ``nobody``). Its
directory is made outside pytest's base temp directory, which is private to root. Connections are trusted
(no password) from loopback only; the server's Unix socket lives in the cluster's directory, not in
``/run/postgresql``.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .processes import LOOPBACK, START_TIMEOUT, ManagedProcess, ServerStartError, free_port, tail

SUPERUSER = "ippwsgi"
"""The cluster's superuser (initdb -U), whom every test connects as."""
_SERVICE_USERS = ("postgres", "nobody")
_SETTINGS = {
    # Tests need durability across a server restart, never across a power cut of the test machine.
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "log_connections": "off",
}


def postgres_bin_dir() -> Path | None:
    """The directory of ``initdb`` and ``postgres``: Debian keeps them in /usr/lib/postgresql/N/bin
    (the newest N), off PATH; elsewhere they are on PATH."""
    versions = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/postgres")
                if path.parent.parent.name.isdigit()]
    if versions:
        return max(versions, key=lambda bin_dir: int(bin_dir.parent.name))
    found = shutil.which("postgres")
    return Path(found).resolve().parent if found else None


def _service_user() -> pwd.struct_passwd | None:
    """The account the server runs as when the tests run as root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in _SERVICE_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerStartError("PostgreSQL refuses root and no unprivileged user (postgres, nobody) exists")


class PrivatePostgres:
    """``initdb`` + ``postgres`` in a directory of its own; :meth:`url` names a database in it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.user = _service_user()
        self.root = Path(tempfile.mkdtemp(prefix="ipp-wsgi-postgres-"))
        self.data_dir = self.root / "data"
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.process = ManagedProcess(
            [str(bin_dir / "postgres"), "-D", str(self.data_dir)],
            self.root / "postgres.log",
            user=self.user.pw_name if self.user is not None else None,
            group=grp.getgrgid(self.user.pw_gid).gr_name if self.user is not None else None,
            stop_signal=signal.SIGINT,  # "fast" shutdown: ends the sessions instead of waiting for them
        )

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.process.log

    @property
    def pid(self) -> int:
        """The postmaster's PID."""
        return self.process.pid

    def url(self, database: str = "postgres") -> str:
        """The libpq URL of ``database`` on this server."""
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self.port}/{database}"

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Make the cluster (first time only), start the server and wait until it accepts sessions."""
        if not self.data_dir.exists():
            self._initdb()
        self.process.start()
        deadline = time.monotonic() + timeout
        while not self._accepts_sessions():
            if not self.process.running():
                raise ServerStartError(f"postgres exited:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                raise ServerStartError(f"postgres not ready after {timeout}s:\n{tail(self.log)}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (fast shutdown, SIGKILL after a timeout)."""
        self.process.stop()

    def restart(self) -> None:
        """Stop the server and start it again on the same port with the same data."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql; its output (unaligned, tuples only)."""
        done = subprocess.run(
            [self._tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.url(database),
             "-c", statement], capture_output=True, text=True, check=False, timeout=60)
        if done.returncode != 0:
            raise AssertionError(f"psql failed ({done.returncode}): {statement}\n{done.stderr}")
        return done.stdout.strip()

    def create_database(self, name: str) -> str:
        """Create an empty database ``name``; its URL."""
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _initdb(self) -> None:
        command = [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "-E", "UTF8",
                   "--locale=C", "--auth=trust", "--no-sync"]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120,
                              user=self.user.pw_name if self.user is not None else None,
                              group=self.user.pw_gid if self.user is not None else None, extra_groups=[]
                              if self.user is not None else None)
        if done.returncode != 0:
            raise ServerStartError(f"initdb failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        settings = {**_SETTINGS, "listen_addresses": f"'{LOOPBACK}'", "port": str(self.port),
                    "unix_socket_directories": f"'{self.data_dir}'"}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # Loopback TCP only: no line for other addresses, so nothing else may connect.
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n")

    def _accepts_sessions(self) -> bool:
        done = subprocess.run([self._tool("pg_isready"), "-q", "-h", LOOPBACK, "-p", str(self.port)],
                              capture_output=True, check=False, timeout=10)
        return done.returncode == 0

    def _tool(self, name: str) -> str:
        """A client program: beside the server's, else on PATH."""
        beside = self.bin_dir / name
        return str(beside) if beside.exists() else (shutil.which(name) or name)
