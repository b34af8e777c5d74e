"""pid_alive: how the spool tells a crashed worker's leftovers from a live one's."""

from __future__ import annotations

import os
import subprocess
import time

from ipp_wsgi.backends.embedded.processes import pid_alive


def test_a_running_process_is_alive() -> None:
    assert pid_alive(os.getpid())


def test_a_dead_but_unreaped_process_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + 10
        while pid_alive(child.pid):  # exited but not reaped: a zombie, and os.kill(pid, 0) still succeeds
            assert time.monotonic() < deadline, "the exited child still counts as alive"
            time.sleep(0.01)
        os.kill(child.pid, 0)  # still there as a zombie: only its state says it is dead
    finally:
        child.wait()
    assert not pid_alive(child.pid)
