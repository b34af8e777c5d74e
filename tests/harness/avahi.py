"""DNS-SD for the reference printer: a private D-Bus bus and an avahi-daemon restricted to ``lo``.

ippeveprinter (CUPS 2.4) exits with "Unable to initialize DNS-SD." unless it reaches avahi over the
D-Bus *system* bus. libdbus honours ``DBUS_SYSTEM_BUS_ADDRESS``, so both avahi-daemon and ippeveprinter
are pointed at a private bus socket in a temp dir; a system-wide dbus, if any, is left alone.

It publishes the machine's mDNS host name (``vm.local``) at 127.0.0.1 only (no AAAA record for ``::1``, which
resolvers would otherwise return as often as the IPv4 address), as the SRV target of what is
advertised through it; :meth:`PrivateDnssd.client` runs a client program (ippfind, driverless) with that
name in a private ``/etc/hosts``, standing in for the nss-mdns a client machine resolves ``.local`` with.

avahi-daemon insists on ``/run/avahi-daemon/pid`` (one daemon per host). When ``unshare`` can give it a
private mount namespace, it gets its own tmpfs on ``/run``, so parallel test sessions and a system avahi
do not collide; otherwise it runs in the host namespace and only one session can run it at a time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .processes import START_TIMEOUT, ManagedProcess, ServerStartError, free_port, tail

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

_AVAHI_CONFIG = """[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
publish-addresses=yes
publish-aaaa-on-ipv4=no
"""

_READY = "Server startup complete"
_HOST_NAME = re.compile(r"Server startup complete\. Host name is (\S+)\.")
_PRIVATE_HOSTS = 'mount --bind "$0" /etc/hosts && exec "$@"'


def _can_unshare_mounts(unshare: str) -> bool:
    probe = [unshare, "--mount", "--propagation", "private", "--", "mount", "-t", "tmpfs", "tmpfs", "/run"]
    return subprocess.run(probe, capture_output=True, check=False, timeout=10).returncode == 0


class PrivateDnssd:
    """A private dbus-daemon plus avahi-daemon (on ``lo`` only) under *state_dir*."""

    def __init__(self, state_dir: Path, dbus_daemon: str, avahi_daemon: str, unshare: str | None) -> None:
        self.state_dir = state_dir
        self.socket = state_dir / "system_bus_socket"
        self.bus_address = f"unix:path={self.socket}"
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "bus.conf").write_text(_BUS_CONFIG.format(socket=self.socket))
        (state_dir / "avahi.conf").write_text(_AVAHI_CONFIG)
        self.dbus = ManagedProcess(
            [dbus_daemon, "--nofork", "--nopidfile", f"--config-file={state_dir / 'bus.conf'}"],
            state_dir / "dbus.log",
        )
        avahi = [
            avahi_daemon,
            "-f",
            str(state_dir / "avahi.conf"),
            "--no-chroot",
            "--no-drop-root",
            "--no-rlimits",
        ]
        if unshare is not None and _can_unshare_mounts(unshare):
            script = 'mount -t tmpfs tmpfs /run && exec "$@"'
            avahi = [unshare, "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", *avahi]
        self.avahi = ManagedProcess(avahi, state_dir / "avahi.log", env=self.env())
        self._unshare = unshare

    @property
    def logs(self) -> dict[str, Path]:
        """Label -> log file of each daemon."""
        return {"dbus-daemon": self.dbus.log, "avahi-daemon": self.avahi.log}

    def env(self) -> dict[str, str]:
        """The environment for a program that needs DNS-SD (ippeveprinter, ippfind)."""
        return {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.bus_address}

    @property
    def host_name(self) -> str:
        """The mDNS host name avahi publishes (``vm.local``)."""
        found = _HOST_NAME.findall(tail(self.avahi.log))
        if not found:
            raise ServerStartError(f"avahi-daemon did not say its host name:\n{tail(self.avahi.log)}")
        return str(found[-1])

    def client(self, argv: list[str]) -> list[str]:
        """``argv`` run where avahi's host name resolves to 127.0.0.1 (a private /etc/hosts: the tests'
        stand-in for nss-mdns), with :meth:`env`. Needs ``unshare`` and root."""
        if self._unshare is None:
            raise ServerStartError("unshare is needed to resolve the mDNS host name")
        hosts = self.state_dir / "hosts"
        hosts.write_text(f"127.0.0.1 localhost {self.host_name}\n::1 localhost\n")
        return [self._unshare, "--mount", "--propagation", "private", "--", "sh", "-c", _PRIVATE_HOSTS,
                str(hosts), *argv]

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start both daemons and wait until avahi has registered on the bus."""
        self.dbus.start()
        self._wait(lambda: self.socket.exists(), self.dbus, "dbus-daemon socket", timeout)
        self.avahi.start()
        self._wait(lambda: _READY in tail(self.avahi.log), self.avahi, "avahi-daemon startup", timeout)

    def stop(self) -> None:
        """Stop avahi-daemon, then the bus."""
        self.avahi.stop()
        self.dbus.stop()

    @staticmethod
    def _wait(ready: Callable[[], bool], process: ManagedProcess, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if not process.running():
                raise ServerStartError(f"{what}: process exited:\n{tail(process.log)}")
            if time.monotonic() > deadline:
                raise ServerStartError(f"{what}: not ready after {timeout}s:\n{tail(process.log)}")
            time.sleep(0.05)


class Ippeveprinter:
    """CUPS's reference IPP Everywhere printer on a free loopback port, spooling into *spool_dir*."""

    FORMATS = "application/pdf,image/jpeg,image/pwg-raster"
    UP_TIME = 1.0
    """Seconds to wait after start: ipp-1.1.test expects printer-up-time > 0 (whole seconds)."""

    def __init__(self, binary: str, dnssd: PrivateDnssd, work_dir: Path, name: str = "Test Printer") -> None:
        self.port = free_port()
        self.spool_dir = work_dir / "spool"
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.uri = f"ipp://localhost:{self.port}/ipp/print"
        """The printer URI (ippeveprinter answers for ``localhost``, bound to 127.0.0.1 and ::1)."""
        self.process = ManagedProcess(
            # -c: "print" with a command that succeeds at once; without one, every job sleeps 5-15 s.
            [
                binary,
                "-n",
                "localhost",
                "-p",
                str(self.port),
                "-k",
                "-d",
                str(self.spool_dir),
                "-f",
                self.FORMATS,
                "-c",
                shutil.which("true") or "/bin/true",
                name,
            ],
            work_dir / "ippeveprinter.log",
            env=dnssd.env(),
        )

    @property
    def log(self) -> Path:
        """The printer's log file."""
        return self.process.log

    @property
    def pid(self) -> int:
        """The printer's PID."""
        return self.process.pid

    def start(self) -> None:
        """Start the printer and wait until its port answers."""
        started = time.monotonic()
        self.process.start()
        self.process.wait_for_port(self.port)
        time.sleep(max(0.0, started + self.UP_TIME - time.monotonic()))

    def stop(self) -> None:
        """Stop the printer."""
        self.process.stop()
