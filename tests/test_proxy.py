"""ipp_wsgi.proxy: REMOTE_USER from a proxy's header, only from trusted addresses."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from ipp_wsgi import proxy
from ipp_wsgi.proxy import ProxyUser


def seen_environ(app: ProxyUser, **environ: str) -> dict[str, Any]:
    """The environ the wrapped application received for a request with ``environ``."""
    seen: dict[str, Any] = {}

    def inner(env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.update(env)
        return [b""]

    app.app = inner
    app(dict(environ), lambda *args: lambda data: None)
    return seen


def make(**kwargs: Any) -> ProxyUser:
    return ProxyUser(lambda env, start: [b""], "X-Remote-User", **kwargs)


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_header_from_trusted_proxy_becomes_remote_user(address: str) -> None:
    seen = seen_environ(make(), REMOTE_ADDR=address, HTTP_X_REMOTE_USER="admin")
    assert seen["REMOTE_USER"] == "admin"
    assert "HTTP_X_REMOTE_USER" not in seen


@pytest.mark.parametrize("address", ["192.0.2.7", "", "not-an-address"])
def test_header_from_elsewhere_is_dropped(address: str) -> None:
    seen = seen_environ(make(), REMOTE_ADDR=address, HTTP_X_REMOTE_USER="admin")
    assert "REMOTE_USER" not in seen
    assert "HTTP_X_REMOTE_USER" not in seen


def test_networks_are_trusted_and_loopback_is_not_by_default_then() -> None:
    app = make(trusted=["10.1.0.0/16"])
    assert seen_environ(app, REMOTE_ADDR="10.1.2.3", HTTP_X_REMOTE_USER="bob")["REMOTE_USER"] == "bob"
    assert "REMOTE_USER" not in seen_environ(app, REMOTE_ADDR="127.0.0.1", HTTP_X_REMOTE_USER="bob")


def test_server_set_remote_user_wins_and_empty_header_sets_nothing() -> None:
    assert seen_environ(make(), REMOTE_ADDR="127.0.0.1", REMOTE_USER="carol",
                        HTTP_X_REMOTE_USER="admin")["REMOTE_USER"] == "carol"
    assert "REMOTE_USER" not in seen_environ(make(), REMOTE_ADDR="127.0.0.1", HTTP_X_REMOTE_USER="")


def test_empty_header_name_is_refused() -> None:
    with pytest.raises(ValueError):
        ProxyUser(lambda env, start: [b""], " ")


def test_close_reaches_the_wrapped_application() -> None:
    closed = []

    class App:
        def __call__(self, env: Any, start: Any) -> list[bytes]:
            return [b""]

        def close(self) -> None:
            closed.append(True)

    ProxyUser(App(), "X-User").close()
    assert closed == [True]


def test_from_environ_wraps_only_when_a_header_is_named(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("IPP_WSGI_SPOOL_DIR", str(tmp_path))
    monkeypatch.delenv("IPP_WSGI_CONFIG", raising=False)
    monkeypatch.delenv(proxy.HEADER_ENV, raising=False)
    from ipp_wsgi import wsgi

    try:
        assert proxy.from_environ() is wsgi.application
        monkeypatch.setenv(proxy.HEADER_ENV, "X-Forwarded-User")
        monkeypatch.setenv(proxy.TRUSTED_ENV, "192.0.2.1, 10.0.0.0/8")
        wrapped = proxy.from_environ()
        assert isinstance(wrapped, ProxyUser) and wrapped.app is wsgi.application
        assert wrapped.environ_key == "HTTP_X_FORWARDED_USER"
        assert wrapped.is_trusted("10.9.9.9") and not wrapped.is_trusted("127.0.0.1")
    finally:
        wsgi.application.close()
