"""An administrator out of the box: ``ipp-wsgi serve --htpasswd FILE --admin admin`` authenticates by
itself, so CUPS's cupsdisable, cupsenable and ``cancel -a`` work against it with no other web server, over
plain HTTP and over TLS (``--certfile``/``--keyfile``)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deploy_servers import ADMIN, ADMIN_PASSWORD, USER, USER_PASSWORD, ipp_request, make_certificate, post_ipp
from harness import IppServer, require_tool
from harness.terminal import run_in_terminal
from harness.waiting import WAIT_SECONDS

from ipp_wsgi.codec import operations, status, tags
from ipp_wsgi.htpasswd import set_password

pytestmark = pytest.mark.integration

STOPPED, IDLE = 5, 3


def _users(directory: Path) -> Path:
    path = directory / "users.htpasswd"
    set_password(path, ADMIN, ADMIN_PASSWORD, cost=4)
    set_password(path, USER, USER_PASSWORD, cost=4)
    return path


@pytest.fixture
def served(ipp_server_factory: Callable[..., IppServer], tmp_path: Path) -> IppServer:
    """serve --htpasswd with ``admin`` listed by --admin (no configuration file)."""
    return ipp_server_factory(extra_args=["--htpasswd", str(_users(tmp_path)), "--admin", ADMIN])


@pytest.fixture
def served_tls(ipp_server_factory: Callable[..., IppServer], tmp_path: Path) -> Iterator[IppServer]:
    cert, key = make_certificate(tmp_path)
    yield ipp_server_factory(extra_args=["--htpasswd", str(_users(tmp_path)), "--admin", ADMIN,
                                         "--certfile", str(cert), "--keyfile", str(key)])


def _env(home: Path, encryption: str | None = None) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(home), "LANG": "C"}
    env.pop("CUPS_SERVER", None)
    if encryption:
        env["CUPS_ENCRYPTION"] = encryption
    return env


def _cups(server: IppServer, tool: str, user: str, password: str, *args: str,
          env: dict[str, str]) -> tuple[int, str]:
    argv = [require_tool(tool), "-h", f"127.0.0.1:{server.port}", "-U", user, *args]
    return run_in_terminal(argv, password, env)


def _printer_state(server: IppServer, tls: bool = False) -> int:
    uri = server.uri.replace("ipp://", "ipps://") if tls else server.uri
    answer = post_ipp(server.port, "/ipp/print", ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri), tls=tls)
    assert answer.ipp is not None and answer.ipp.printer is not None
    return int(answer.ipp.printer.value("printer-state"))


def test_cupsdisable_and_cupsenable_as_the_administrator(served: IppServer, tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    code, output = _cups(served, "cupsdisable", ADMIN, ADMIN_PASSWORD, "print", env=env)
    assert code == 0 and "Password for admin" in output, output
    assert _printer_state(served) == STOPPED
    code, output = _cups(served, "cupsenable", ADMIN, ADMIN_PASSWORD, "print", env=env)
    assert code == 0, output
    assert _printer_state(served) == IDLE


def test_a_user_is_not_an_administrator(served: IppServer, tmp_path: Path) -> None:
    code, output = _cups(served, "cupsdisable", USER, USER_PASSWORD, "print", env=_env(tmp_path / "home"))
    assert code != 0 and "not-authorized" in output, output
    assert _printer_state(served) == IDLE


def test_wrong_or_missing_password_is_401_with_a_realm(served: IppServer) -> None:
    pause = ipp_request(operations.PAUSE_PRINTER, served.uri)
    for auth in ((ADMIN, "wrong"), ("nobody", ADMIN_PASSWORD), None):
        answer = post_ipp(served.port, "/admin/", pause, tls=False, auth=auth)
        assert answer.status == 401, auth
    assert post_ipp(served.port, "/ipp/print", pause, tls=False, auth=(ADMIN, "wrong")).status == 401
    assert _printer_state(served) == IDLE
    done = post_ipp(served.port, "/admin/", pause, tls=False, auth=(ADMIN, ADMIN_PASSWORD))
    assert done.ipp is not None and done.ipp.code == status.SUCCESSFUL_OK
    assert _printer_state(served) == STOPPED
    resume = ipp_request(operations.RESUME_PRINTER, served.uri)
    anonymous = post_ipp(served.port, "/ipp/print", resume, tls=False)
    assert anonymous.ipp is not None and anonymous.ipp.code == status.CLIENT_ERROR_NOT_AUTHENTICATED


def test_cancel_all_as_the_administrator(served: IppServer, tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    held = []
    for owner in ("bob", "carol"):
        submit = ipp_request(operations.PRINT_JOB, served.uri, owner)
        submit.add_group(tags.JOB_ATTRIBUTES).add("job-hold-until", "indefinite", tags.KEYWORD)
        answer = post_ipp(served.port, "/ipp/print", submit, tls=False, document=b"held\n")
        assert answer.ipp is not None and answer.ipp.job is not None
        held.append(int(answer.ipp.job.value("job-id")))
    code, output = _cups(served, "cancel", ADMIN, ADMIN_PASSWORD, "-a", "print", env=env)
    assert code == 0, output
    listed = subprocess.run([require_tool("lpstat"), "-h", f"127.0.0.1:{served.port}", "-o"], env=env,
                            capture_output=True, text=True, timeout=WAIT_SECONDS, check=True).stdout
    assert not re.findall(r"^print-\d+", listed, re.MULTILINE), listed


def test_tls_serves_ipps_and_the_administrator(served_tls: IppServer, tmp_path: Path) -> None:
    uri = served_tls.uri.replace("ipp://", "ipps://")
    answer = post_ipp(served_tls.port, "/ipp/print", ipp_request(operations.GET_PRINTER_ATTRIBUTES, uri),
                      tls=True)
    assert answer.ipp is not None and answer.ipp.printer is not None
    assert answer.ipp.printer["printer-uri-supported"].values == [uri]
    env = _env(tmp_path / "home", encryption="Always")
    code, output = _cups(served_tls, "cupsdisable", ADMIN, ADMIN_PASSWORD, "print", env=env)
    assert code == 0, output
    assert _printer_state(served_tls, tls=True) == STOPPED
