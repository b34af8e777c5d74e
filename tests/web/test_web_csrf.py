"""Forged form POSTs are refused: no token, another user's or an old token, another Origin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from web_helpers import ADMIN, ORIGIN, browser, form_post, printer_state, submit, token_of

from ipp_wsgi.app import IppApplication
from ipp_wsgi.web.csrf import TOKEN_LIFETIME, CsrfError, Tokens, check_origin, load_secret

IDLE = 3


def _pause(app: IppApplication, token: str | None, origin: str | None = ORIGIN,
           **headers: str) -> int:
    admin = browser(app, ADMIN)
    response = form_post(admin, "/admin/printers/print", {"action": "pause"}, token, origin, headers=headers)
    return response.status_int


@pytest.fixture
def token(app: IppApplication) -> str:
    return token_of(browser(app, ADMIN).get("/admin/"))


def test_the_genuine_form_works(app: IppApplication, token: str) -> None:
    assert _pause(app, token) == 303


@pytest.mark.parametrize("forged", [None, "", "123.abc", "x", "9999999999.zzz"])
def test_no_or_a_made_up_token_is_refused(app: IppApplication, forged: str | None) -> None:
    assert _pause(app, forged) == 403
    assert printer_state(browser(app))[0] == IDLE


def test_another_users_token_is_refused(app: IppApplication) -> None:
    job_id = submit(browser(app), "alice", held=True)
    alices = token_of(browser(app, "alice").get(f"/admin/jobs/{job_id}"))
    assert _pause(app, alices) == 403
    assert printer_state(browser(app))[0] == IDLE


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:8632", "https://localhost:8631",
                                    "null", None])
def test_another_origin_is_refused(app: IppApplication, token: str, origin: str | None) -> None:
    assert _pause(app, token, origin) == 403
    assert printer_state(browser(app))[0] == IDLE


def test_referer_stands_in_for_a_missing_origin(app: IppApplication, token: str) -> None:
    assert _pause(app, token, None, Referer="http://evil.example/admin/") == 403
    assert _pause(app, token, None, Referer=f"{ORIGIN}/admin/") == 303


def test_a_cross_site_fetch_is_refused(app: IppApplication, token: str) -> None:
    assert _pause(app, token, ORIGIN, **{"Sec-Fetch-Site": "cross-site"}) == 403
    assert _pause(app, token, ORIGIN, **{"Sec-Fetch-Site": "same-site"}) == 403
    assert _pause(app, token, ORIGIN, **{"Sec-Fetch-Site": "same-origin"}) == 303


def test_tokens_expire_and_are_bound_to_their_user() -> None:
    tokens = Tokens(b"k" * 64)
    issued = tokens.issue("alice", now=1000.0)
    tokens.check(issued, "alice", now=1000.0 + TOKEN_LIFETIME)
    with pytest.raises(CsrfError, match="too old"):
        tokens.check(issued, "alice", now=1001.0 + TOKEN_LIFETIME)
    with pytest.raises(CsrfError):
        tokens.check(issued, "bob", now=1000.0)
    with pytest.raises(CsrfError):
        Tokens(b"j" * 64).check(issued, "alice", now=1000.0)


def test_origin_behind_a_proxy_is_the_one_the_browser_used() -> None:
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "print.example.com", "HTTP_ORIGIN":
               "https://print.example.com"}
    check_origin(environ)
    check_origin({**environ, "HTTP_HOST": "print.example.com:443"})
    with pytest.raises(CsrfError):
        check_origin({**environ, "wsgi.url_scheme": "http"})


def test_the_secret_is_made_once_and_shared(tmp_path: Path) -> None:
    first = load_secret("", tmp_path)
    assert load_secret("", tmp_path) == first and len(first) >= 32
    assert (tmp_path / "web-secret").stat().st_mode & 0o777 == 0o600
    assert load_secret("configured", tmp_path) == b"configured"
    assert list(tmp_path.iterdir()) == [tmp_path / "web-secret"]


def test_a_configured_secret_signs_for_every_host(make_app: Callable[..., IppApplication],
                                                  tmp_path: Path) -> None:
    shared = '[web]\nsecret = "shared between the hosts of this site"\n'
    one, two = make_app(shared, tmp_path / "one"), make_app(shared, tmp_path / "two")
    token = token_of(browser(one, ADMIN).get("/admin/"))
    assert _pause(two, token) == 303
