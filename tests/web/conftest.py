"""Fixtures of the browser pages' tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import application

from ipp_wsgi.app import IppApplication


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IppApplication]:
    """The two-printer application of :func:`web_helpers.write_config`."""
    made = application(tmp_path)
    yield made
    made.close()
