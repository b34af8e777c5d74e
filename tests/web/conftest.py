"""Fixtures of the browser pages' tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from web_helpers import application

from ipp_wsgi.app import IppApplication


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., IppApplication]]:
    """``make_app(extra_toml, root=...)``: an application of :func:`web_helpers.write_config` with
    ``extra_toml``, closed after the test."""
    with ExitStack() as stack:

        def make(extra: str = "", root: Path | None = None) -> IppApplication:
            made = application(root if root is not None else tmp_path, extra)
            stack.callback(made.close)
            return made

        yield make


@pytest.fixture
def app(make_app: Callable[..., IppApplication]) -> IppApplication:
    """The two-printer application of :func:`web_helpers.write_config`."""
    return make_app()
