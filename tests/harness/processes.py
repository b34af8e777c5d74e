"""Starting, waiting for and stopping the server processes the tests run.

Every server gets its own process group (``start_new_session``), so stopping it stops its children too
(gunicorn workers, cupsd filters). Output goes to a log file that the failure report shows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
LOG_TAIL_LINES = 200


class ServerStartError(RuntimeError):
    """A server process exited or never answered on its port."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_answers(port: int, host: str = LOOPBACK) -> bool:
    """True when a TCP connection to *host*:*port* succeeds."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port_closed(port: int, timeout: float, host: str = LOOPBACK) -> None:
    """Wait until nothing accepts connections on *host*:*port* (the kernel may close a dead process's
    listening socket a moment after the process is gone); AssertionError after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while port_answers(port, host):
        if time.monotonic() > deadline:
            raise AssertionError(f"port {port} still answers {timeout}s after its server was stopped")
        time.sleep(0.05)


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last *lines* lines of the text file *path* ("" when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def group_members(pgid: int) -> list[int]:
    """PIDs of the live (not zombie) processes in process group *pgid*, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After "(comm)": state, ppid, pgrp, ...
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def all_stopped(pids: Iterable[int]) -> bool:
    """Whether every one of *pids* that still lives is stopped (state ``T``: SIGSTOP has reached it)."""
    states = []
    for pid in pids:
        try:
            states.append(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0])
        except (OSError, IndexError):
            continue
    return all(state in ("T", "Z") for state in states)


def write_lock_holders() -> set[int]:
    """The processes that hold a write lock (``flock`` or POSIX, on any file) now, from /proc/locks (not
    those waiting for one)."""
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[1] != "->" and fields[3] == "WRITE":
            holders.add(int(fields[4]))
    return holders


def processes_with_argument(argument: str) -> int:
    """How many processes have *argument* as one of their command-line arguments (from /proc)."""
    return len(pids_with_arguments(argument))


def pids_with_arguments(*arguments: str) -> list[int]:
    """The live processes that have every one of *arguments* among their command-line arguments."""
    needles = [argument.encode() for argument in arguments]
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            words = cmdline.read_bytes().split(b"\0")
            if all(needle in words for needle in needles) and parent_of(int(cmdline.parent.name)) is not None:
                found.append(int(cmdline.parent.name))
    return found


def parent_of(pid: int) -> int | None:
    """The parent PID of the live (not zombie) process *pid*, or None when there is no such process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[1])


class ManagedProcess:
    """One long-running program with its output in *log*, stopped by PID (process group)."""

    def __init__(
        self,
        argv: Sequence[str],
        log: Path,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        group: str | None = None,
    ) -> None:
        self.argv = list(argv)
        self.log = log
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.user = user
        """Run as this user and ``group`` (no supplementary groups) when given (root only: the tests run as
        root and some servers refuse it), None: ourselves."""
        self.group = group
        self.stop_signal = stop_signal
        """What :meth:`stop` sends first."""
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The PID of the running process (which leads its own process group)."""
        if self._popen is None:
            raise RuntimeError("process not started")
        return self._popen.pid

    def running(self) -> bool:
        """True while the process has not exited."""
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> None:
        """Start the program; its stdout and stderr are appended to the log file."""
        if self.running():
            raise RuntimeError(f"already running: pid {self.pid}")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"--- starting: {' '.join(self.argv)}\n".encode())
            out.flush()
            self._popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.user,
                group=self.group,
                extra_groups=[] if self.user is not None else None,
            )

    def wait_for_port(self, port: int, timeout: float = START_TIMEOUT) -> None:
        """Block until *port* on loopback accepts connections; raise if the process dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._popen is None or self._popen.poll() is not None:
                code = None if self._popen is None else self._popen.returncode
                raise ServerStartError(f"{self.argv[0]} exited with {code}:\n{tail(self.log)}")
            if port_answers(port):
                return
            time.sleep(0.05)
        raise ServerStartError(
            f"{self.argv[0]} did not answer on port {port} in {timeout}s:\n{tail(self.log)}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Signal the process group (``stop_signal``, SIGTERM by default), SIGKILL it after *timeout*; the
        exit code (None if never started)."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._signal_group(self.stop_signal)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._popen.wait()
        # Children that outlived their leader (e.g. a worker) still hold the group: end them too.
        self._kill_group()
        return self._popen.returncode

    def kill9(self) -> None:
        """SIGKILL the whole process group at once (a crash, for restart-safety tests); returns once
        every process of the group is dead."""
        if self._popen is None:
            return
        self._kill_group()

    def _kill_group(self, timeout: float = STOP_TIMEOUT) -> None:
        assert self._popen is not None
        self._signal_group(signal.SIGKILL)
        self._popen.wait()
        deadline = time.monotonic() + timeout
        while group_members(self._popen.pid) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self._popen is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)
