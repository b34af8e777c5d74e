"""Fixtures of the hostile-input tests: a two-printer server in a temp dir (see hostile_helpers), what the
Apache target of the hostile-HTTP tests needs (see http_targets), and the fuzz counter reported at the end
of the run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from hostile_helpers import FUZZ_COUNTS, client_for, write_config
from http_targets import credentials_fixture, system_venv_fixture  # noqa: F401 (fixtures, for apache)

from ipp_wsgi.app import IppApplication
from ipp_wsgi.config import Config

FUZZ_SUMMARY_ENV = "IPP_WSGI_FUZZ_SUMMARY"
"""When set, the number of fuzz inputs tried is also written (as JSON) to the file it names."""

@pytest.fixture
def config(tmp_path: Path) -> Config:
    return write_config(tmp_path)


@pytest.fixture
def application(config: Config) -> Iterator[IppApplication]:
    application = IppApplication(config)
    yield application
    application.close()


@pytest.fixture
def client(application: IppApplication) -> webtest.TestApp:
    return client_for(application)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how many fuzz inputs were tried."""
    if not FUZZ_COUNTS:
        return
    terminalreporter.section("hostile fuzz")
    for name, count in sorted(FUZZ_COUNTS.items()):
        terminalreporter.write_line(f"{name}: {count} inputs")
    terminalreporter.write_line(f"total: {sum(FUZZ_COUNTS.values())} inputs tried")
    target = os.environ.get(FUZZ_SUMMARY_ENV)
    if target:
        Path(target).write_text(json.dumps({"inputs": FUZZ_COUNTS, "total": sum(FUZZ_COUNTS.values())}))
