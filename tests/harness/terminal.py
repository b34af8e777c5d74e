"""Commands that want a terminal: CUPS's tools read a password from /dev/tty only, never from stdin."""

from __future__ import annotations

import os
import pty
import select
import time
from collections.abc import Mapping, Sequence

from .waiting import WAIT_SECONDS


def run_in_terminal(argv: Sequence[str], password: str, env: Mapping[str, str] | None = None,
                    timeout: float = WAIT_SECONDS) -> tuple[int, str]:
    """Run ``argv`` on a new pseudo-terminal, typing ``password`` (and Enter) at each password prompt;
    its exit status and what it wrote to the terminal."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once
        try:
            os.execvpe(argv[0], list(argv), dict(env if env is not None else os.environ))
        finally:
            os._exit(127)
    output, prompts = b"", 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if output.count(b"assword") > prompts:
                prompts += 1
                os.write(fd, password.encode() + b"\n")
        else:
            os.kill(pid, 9)
    finally:
        os.close(fd)
        _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status), output.decode(errors="replace")
