"""Everything under tests/integration starts real servers or CUPS tools: mark it ``integration``."""

from __future__ import annotations

from pathlib import Path

import pytest

# The deployments' session fixtures, registered here once so that every module shares one venv and one
# set of credentials (a fixture imported into several test modules would be made once per module).
from deploy_servers import credentials_fixture, system_venv_fixture  # noqa: F401

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the ``integration`` marker to every test collected from this directory."""
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)
