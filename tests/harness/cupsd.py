"""A private, throw-away cupsd: its own ServerRoot under a temp dir, listening on a loopback port.

No browsing, no authentication, no web interface; /etc/cups and any system cupsd are left alone.
Running as root (as here and in CI) it drops to ``User lp`` for filters and backends, so its state
directory must be traversable by ``lp``: :class:`PrivateCupsd` makes it mode 0755.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .processes import LOOPBACK, ManagedProcess, free_port

_FILES_CONF = """User {user}
Group {group}
SystemGroup root lpadmin
ServerRoot {root}/etc
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/run
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
FileDevice Yes
ServerBin /usr/lib/cups
DataDir /usr/share/cups
DocumentRoot /usr/share/cups/doc-root
"""

_CUPSD_CONF = """LogLevel {log_level}
MaxLogSize 0
Listen {address}:{port}
Listen {root}/run/cups.sock
ServerName localhost
ServerAlias *
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
DefaultEncryption Never
HostNameLookups Off
WebInterface No
MaxJobs 0
MaxClients 200
MaxClientsPerHost 200
PreserveJobHistory Yes
PreserveJobFiles No
KeepAlive On
Timeout 60
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_STATE_DIRS = ("etc/ppd", "etc/ssl", "spool/tmp", "cache", "run", "log")


def _run_as() -> tuple[str, str]:
    """The user and group cupsd runs filters as: lp when root, else the current user."""
    if os.geteuid() == 0:
        return "lp", "lp"
    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


class PrivateCupsd:
    """A cupsd with all its state under *root*, listening on ``127.0.0.1:port``."""

    def __init__(self, binary: str, root: Path, *, log_level: str = "warn") -> None:
        self.root = root
        self.port = free_port()
        self.server = f"{LOOPBACK}:{self.port}"
        """``host:port`` for ``-h`` and ``CUPS_SERVER``."""
        user, group = _run_as()
        for sub in _STATE_DIRS:
            (root / sub).mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)
        (root / "etc" / "cups-files.conf").write_text(_FILES_CONF.format(root=root, user=user, group=group))
        (root / "etc" / "cupsd.conf").write_text(
            _CUPSD_CONF.format(root=root, address=LOOPBACK, port=self.port, log_level=log_level)
        )
        (root / "etc" / "printers.conf").touch()
        for sub in ("etc", "spool", "cache", "run"):
            _chown_tree(root / sub, "root" if os.geteuid() == 0 else user, group)
        for conf in (root / "etc").glob("*.conf"):
            conf.chmod(0o640)
        self.process = ManagedProcess(
            [
                binary,
                "-f",
                "-c",
                str(root / "etc" / "cupsd.conf"),
                "-s",
                str(root / "etc" / "cups-files.conf"),
            ],
            root / "log" / "cupsd.out",
        )

    @property
    def logs(self) -> dict[str, Path]:
        """Label -> log file (cupsd's own output and its error_log)."""
        return {"cupsd": self.process.log, "cupsd error_log": self.root / "log" / "error_log"}

    @property
    def pid(self) -> int:
        """cupsd's PID."""
        return self.process.pid

    def env(self) -> dict[str, str]:
        """The environment for CUPS client commands (lp, lpstat, cancel) aimed at this cupsd."""
        return {**os.environ, "CUPS_SERVER": self.server}

    def start(self) -> None:
        """Start cupsd and wait until its port answers."""
        self.process.start()
        self.process.wait_for_port(self.port)

    def stop(self) -> None:
        """Stop cupsd."""
        self.process.stop()

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a CUPS client command against this cupsd (``CUPS_SERVER`` set); raise on failure if *check*."""
        done = subprocess.run(
            list(argv), env=self.env(), capture_output=True, text=True, timeout=60, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited with {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def lpadmin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``lpadmin -h 127.0.0.1:PORT ARGS``; raises with its output when it fails."""
        lpadmin = shutil.which("lpadmin", path="/usr/sbin:/usr/bin:/sbin:/bin") or "lpadmin"
        return self.run(lpadmin, "-h", self.server, *args)

    def add_queue(
        self,
        name: str,
        device_uri: str = "file:///dev/null",
        model: str | None = None,
        options: Mapping[str, str] | None = None,
    ) -> None:
        """Create and enable queue *name* printing to *device_uri* (raw unless *model*, e.g. "everywhere")."""
        args = ["-p", name, "-E", "-v", device_uri]
        args += ["-m", model] if model else []
        for key, value in (options or {}).items():
            args += ["-o", f"{key}={value}"]
        self.lpadmin(*args)


def _chown_tree(top: Path, user: str, group: str) -> None:
    for path in [top, *top.rglob("*")]:
        shutil.chown(path, user, group)
