"""Everything under tests/integration starts real servers or CUPS tools: mark it ``integration``."""

from __future__ import annotations

from pathlib import Path

import pytest

# The deployments' session fixtures, registered here once so that every module shares one venv and one
# set of credentials (a fixture imported into several test modules would be made once per module).
from deploy_servers import credentials_fixture, system_venv_fixture  # noqa: F401
from harness.selfcert import SELFCERT_RUNS

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the ``integration`` marker to every test collected from this directory."""
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report the PWG self-certification files' counts, skipped and failed tests (test_ippeveselfcert, and
    dnssd-tests.sh in test_dnssd_avahi)."""
    if not SELFCERT_RUNS:
        return
    terminalreporter.section("IPP Everywhere self-certification (istopwg/ippeveselfcert)")
    for run in SELFCERT_RUNS:
        for line in run.summary():
            terminalreporter.write_line(line)
