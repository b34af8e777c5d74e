"""ipp_wsgi.proxy: REMOTE_USER from a proxy's header, only from a trusted proxy: over the Unix socket by
default, from listed addresses only with the proxy's secret; never from loopback unasked."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from ipp_wsgi import proxy
from ipp_wsgi.proxy import ProxySettings, ProxySettingsError, ProxyUser, proxy_settings

SECRET = "a-secret-of-the-proxy-0123456789"
SECRET_KEY = "HTTP_X_IPP_WSGI_PROXY_SECRET"


def seen_environ(app: ProxyUser, **environ: Any) -> dict[str, Any]:
    """The environ the wrapped application received for a request with ``environ``."""
    seen: dict[str, Any] = {}

    def inner(env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.update(env)
        return [b""]

    app.app = inner
    app(dict(environ), lambda *args: lambda data: None)
    return seen


def make(env: dict[str, str] | None = None) -> ProxyUser:
    """A ProxyUser of the settings ``env`` (IPP_WSGI_PROXY_USER_HEADER X-Remote-User unless given)."""
    settings = proxy_settings({proxy.HEADER_ENV: "X-Remote-User", **(env or {})})
    return ProxyUser(lambda env, start: [b""], settings)


def user_of(app: ProxyUser, **environ: Any) -> str | None:
    seen = seen_environ(app, HTTP_X_REMOTE_USER="admin", **environ)
    assert "HTTP_X_REMOTE_USER" not in seen and SECRET_KEY not in seen
    return seen.get("REMOTE_USER")


@pytest.fixture
def secret_file(tmp_path: Path) -> str:
    path = tmp_path / "proxy-secret"
    path.write_text(SECRET + "\n")
    return str(path)


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "192.0.2.7"])
def test_by_default_no_tcp_peer_is_trusted_not_even_loopback(address: str) -> None:
    """Any local account can connect to a loopback port: it is no proxy."""
    assert user_of(make(), REMOTE_ADDR=address) is None


def test_by_default_the_unix_socket_is_trusted() -> None:
    """A Unix socket's peer: gunicorn's gthread passes its socket, ipp-wsgi's worker an empty REMOTE_ADDR."""
    with socket.socket(socket.AF_UNIX) as unix, socket.socket(socket.AF_INET) as tcp:
        assert user_of(make(), REMOTE_ADDR="", **{"gunicorn.socket": unix}) == "admin"
        assert user_of(make(), REMOTE_ADDR="", **{"gunicorn.socket": tcp}) is None
    assert user_of(make(), REMOTE_ADDR="") == "admin"


def test_addresses_need_the_secret(secret_file: str) -> None:
    with pytest.raises(ProxySettingsError, match=proxy.SECRET_FILE_ENV):
        make({proxy.TRUSTED_ENV: "127.0.0.1"})
    app = make({proxy.TRUSTED_ENV: "10.1.0.0/16", proxy.SECRET_FILE_ENV: secret_file})
    assert user_of(app, REMOTE_ADDR="10.1.2.3", **{SECRET_KEY: SECRET}) == "admin"
    assert user_of(app, REMOTE_ADDR="10.1.2.3") is None
    assert user_of(app, REMOTE_ADDR="10.1.2.3", **{SECRET_KEY: SECRET[:-1]}) is None
    assert user_of(app, REMOTE_ADDR="192.0.2.9", **{SECRET_KEY: SECRET}) is None, "not a listed address"
    assert user_of(app, REMOTE_ADDR="", **{SECRET_KEY: SECRET}) is None, "unix no longer listed"


def test_a_secret_also_guards_the_unix_socket(secret_file: str) -> None:
    app = make({proxy.SECRET_FILE_ENV: secret_file})
    assert user_of(app, REMOTE_ADDR="") is None
    assert user_of(app, REMOTE_ADDR="", **{SECRET_KEY: SECRET}) == "admin"


def test_the_secret_header_never_reaches_the_application(secret_file: str) -> None:
    app = make({proxy.SECRET_FILE_ENV: secret_file})
    assert SECRET_KEY not in seen_environ(app, REMOTE_ADDR="", **{SECRET_KEY: SECRET})


def test_server_set_remote_user_wins_and_empty_header_sets_nothing() -> None:
    assert seen_environ(make(), REMOTE_ADDR="", REMOTE_USER="carol",
                        HTTP_X_REMOTE_USER="admin")["REMOTE_USER"] == "carol"
    assert "REMOTE_USER" not in seen_environ(make(), REMOTE_ADDR="", HTTP_X_REMOTE_USER="")


@pytest.mark.parametrize(("env", "error"), [
    ({proxy.TRUSTED_ENV: "unix,not-an-address"}, proxy.TRUSTED_ENV),
    ({proxy.SECRET_FILE_ENV: "/nonexistent/proxy-secret"}, "cannot read"),
    ({proxy.HEADER_ENV: "X-Remote-User", proxy.TRUSTED_ENV: "::1"}, proxy.SECRET_FILE_ENV),
])
def test_unusable_settings_are_refused_with_a_reason(env: dict[str, str], error: str) -> None:
    with pytest.raises(ProxySettingsError, match=error):
        proxy_settings(env)


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("short")
    with pytest.raises(ProxySettingsError, match="shorter"):
        proxy_settings({proxy.SECRET_FILE_ENV: str(tmp_path / "secret")})


def test_forwarded_allow_ips_lists_only_addresses(secret_file: str) -> None:
    assert proxy_settings({}).forwarded_allow_ips == ""
    settings = proxy_settings({proxy.TRUSTED_ENV: "unix, 192.0.2.1,10.0.0.0/8"})
    assert settings.forwarded_allow_ips == "192.0.2.1/32,10.0.0.0/8"
    assert settings.unix


def test_close_reaches_the_wrapped_application() -> None:
    closed = []

    class App:
        def __call__(self, env: Any, start: Any) -> list[bytes]:
            return [b""]

        def close(self) -> None:
            closed.append(True)

    ProxyUser(App(), ProxySettings("X-User")).close()
    assert closed == [True]


def test_from_environ_wraps_only_when_a_header_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         secret_file: str) -> None:
    monkeypatch.setenv("IPP_WSGI_SPOOL_DIR", str(tmp_path))
    monkeypatch.delenv("IPP_WSGI_CONFIG", raising=False)
    monkeypatch.delenv(proxy.HEADER_ENV, raising=False)
    from ipp_wsgi import wsgi

    try:
        assert proxy.from_environ() is wsgi.application
        monkeypatch.setenv(proxy.HEADER_ENV, "X-Forwarded-User")
        monkeypatch.setenv(proxy.TRUSTED_ENV, "192.0.2.1, 10.0.0.0/8")
        monkeypatch.setenv(proxy.SECRET_FILE_ENV, secret_file)
        wrapped = proxy.from_environ()
        assert isinstance(wrapped, ProxyUser) and wrapped.app is wsgi.application
        assert wrapped.environ_key == "HTTP_X_FORWARDED_USER"
        assert wrapped.settings.addresses and not wrapped.settings.unix
    finally:
        wsgi.application.close()
