"""BasicAuth: REMOTE_USER from good credentials only, 401 with a realm otherwise where credentials are
needed, the wrapped application's quick/local answers kept when authenticating costs nothing."""

from __future__ import annotations

from base64 import b64encode
from pathlib import Path
from typing import Any

import pytest
import webtest

from ipp_wsgi.basic_auth import BasicAuth
from ipp_wsgi.htpasswd import Htpasswd, set_password


class Echo:
    """An application that answers the REMOTE_USER it got, and says every request is quick."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ.get("REMOTE_USER", "-").encode()]

    def quick_request(self, environ: dict[str, Any]) -> bool:
        return True

    def local_request(self, environ: dict[str, Any]) -> bool:
        return True


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def auth(tmp_path: Path) -> BasicAuth:
    path = tmp_path / "users"
    set_password(path, "admin", "right", cost=4)
    return BasicAuth(Echo(), Htpasswd(path))


def test_good_credentials_set_remote_user(auth: BasicAuth) -> None:
    client = webtest.TestApp(auth)
    assert client.get("/ipp/print", headers=basic("admin", "right")).text == "admin"
    assert client.get("/admin/", headers=basic("admin", "right")).text == "admin"


@pytest.mark.parametrize("headers", [basic("admin", "wrong"), basic("nobody", "right"),
                                     {"Authorization": "Basic !!!"}, {"Authorization": "Bearer x"}])
def test_wrong_credentials_are_401_anywhere(auth: BasicAuth, headers: dict[str, str]) -> None:
    response = webtest.TestApp(auth).get("/ipp/print", headers=headers, status=401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="ipp-wsgi administration", charset="UTF-8"'


def test_admin_needs_credentials_the_rest_does_not(auth: BasicAuth) -> None:
    client = webtest.TestApp(auth)
    for path in ("/admin", "/admin/", "/admin/jobs/3"):
        client.get(path, status=401)
    assert client.get("/administrator").text == "-"
    assert client.get("/").text == "-"


def test_a_remote_user_nobody_proved_is_dropped(auth: BasicAuth) -> None:
    assert webtest.TestApp(auth).get("/", extra_environ={"REMOTE_USER": "admin"}).text == "-"


def test_quick_only_when_authenticating_is_free(auth: BasicAuth) -> None:
    environ: dict[str, Any] = {"PATH_INFO": "/ipp/print"}
    assert auth.quick_request(environ) and auth.local_request(environ)
    with_credentials = {**environ, "HTTP_AUTHORIZATION": basic("admin", "right")["Authorization"]}
    assert not auth.quick_request(with_credentials)  # a first check is bcrypt work
    webtest.TestApp(auth).get("/", headers=basic("admin", "right"))
    assert auth.quick_request(with_credentials) and auth.local_request(with_credentials)
