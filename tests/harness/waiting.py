"""Waiting for something a server or a spooler does in its own time."""

from __future__ import annotations

import time
from collections.abc import Callable

WAIT_SECONDS = 60.0
"""The default deadline: generous, since a wait is no timing assertion."""


def wait_for(what: str, check: Callable[[], bool], timeout: float = WAIT_SECONDS,
             interval: float = 0.1) -> None:
    """Poll *check* every *interval* seconds until it holds; AssertionError naming *what* after *timeout*."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(interval)
