"""Finding the external programs integration tests need.

Locally a missing tool skips the test; in CI (environment variable ``CI`` set) it fails it, so the
integration suite can never go green by silently skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

# The Debian package that provides each tool, named in the skip/failure message.
PACKAGES: dict[str, str] = {
    "ipptool": "cups-ipp-utils",
    "ippeveprinter": "cups-ipp-utils",
    "ippfind": "cups-ipp-utils",
    "cupsd": "cups-daemon",
    "lp": "cups-client",
    "lpstat": "cups-client",
    "lpadmin": "cups-client",
    "cancel": "cups-client",
    "cupsdisable": "cups-client",
    "cupsenable": "cups-client",
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
    "htpasswd": "apache2-utils",
    "gs": "ghostscript",
    "avahi-daemon": "avahi-daemon",
    "avahi-browse": "avahi-utils",
    "driverless": "cups-filters-core-drivers",
    "dbus-daemon": "dbus",
    "wrk": "wrk",
}

# Some tools live in sbin, which is not on every user's PATH.
_EXTRA_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def in_ci() -> bool:
    """True when running under CI (the ``CI`` environment variable is set and not empty/false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(condition: bool, reason: str) -> None:
    """Skip the current test with *reason* unless *condition* holds; in CI fail it instead."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI is set: integration tests must not skip)", pytrace=False)
    pytest.skip(reason)


def find_tool(name: str) -> str | None:
    """The absolute path of the program *name* (PATH, then the sbin directories), or None."""
    search = os.pathsep.join([os.environ.get("PATH", os.defpath), *_EXTRA_DIRS])
    return shutil.which(name, path=search)


def require_tool(name: str) -> str:
    """The absolute path of *name*; skips the test when it is missing (fails it when ``CI`` is set)."""
    path = find_tool(name)
    package = PACKAGES.get(name)
    hint = f" (Debian package {package})" if package else ""
    require(path is not None, f"{name} is not installed{hint}")
    assert path is not None
    return path


def require_root(what: str) -> None:
    """Skip (or fail in CI) unless running as root; *what* says which server needs it."""
    require(os.geteuid() == 0, f"{what} needs root here")
