"""Fixtures for the operation tests: ``dispatch`` against a real embedded spooler in tmp_path."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_helpers import ADMIN, BASE_URI, Call, build_service

from ipp_wsgi.backends.embedded import EmbeddedSpooler
from ipp_wsgi.codec import Message
from ipp_wsgi.ops import Policy, RequestContext, Service, dispatch


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def policy() -> Policy:
    return Policy.default([ADMIN])


@pytest.fixture
def service(spool_dir: Path, store_url: str, policy: Policy) -> Iterator[Service]:
    built = build_service(spool_dir, store_url, policy)
    yield built
    built.close()


@pytest.fixture
def spooler(service: Service) -> EmbeddedSpooler:
    backend = service.printers[0].backend
    assert isinstance(backend, EmbeddedSpooler)
    return backend


@pytest.fixture
def call(service: Service) -> Call:
    """``call(request, document=b"", path="/ipp/print", user=None, secure=False)`` -> the response."""

    def run(request: Message, document: bytes = b"", path: str = "/ipp/print", user: str | None = None,
            secure: bool = False, base_uri: str = BASE_URI) -> Message:
        context = RequestContext(base_uri=base_uri, path=path, remote_user=user, remote_addr="192.0.2.7",
                                 secure=secure)
        return dispatch(request, io.BytesIO(document), context, service)

    return run
