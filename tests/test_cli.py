"""The ``ipp-wsgi`` command line: arguments, help, and the gunicorn server it builds."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import free_port
from harness.spool import opened

from ipp_wsgi import proxy
from ipp_wsgi.app import IppApplication
from ipp_wsgi.basic_auth import BasicAuth
from ipp_wsgi.cli import GunicornServer, build_parser, gunicorn_options, main, serve_config
from ipp_wsgi.config import STORE_ENV, load_config
from ipp_wsgi.htpasswd import Htpasswd, set_password
from ipp_wsgi.logs import LOG_FORMAT_ENV
from ipp_wsgi.ops.service import check_embedded_store
from ipp_wsgi.proxy import ProxyUser, proxy_settings
from ipp_wsgi.worker import IppWorker


@pytest.fixture(autouse=True)
def _logging_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``main(["serve", ...])`` configures this process's logging, as the command does: put pytest's
    handlers and level back after each test, so that a later test's log records are not written to its
    stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.delenv(LOG_FORMAT_ENV, raising=False)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "lpadmin" in out


def test_serve_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in ("--bind", "--workers", "--threads", "--worker-class", "--config", "--spool-dir", "--store",
                 "127.0.0.1:8631", "gthread", "ipp_wsgi.worker.IppWorker", "--keep-alive", "(default 5)",
                 "--worker-connections", "(default 1000)", "--client-timeout", "(default 60, or "
                 "$IPP_WSGI_CLIENT_TIMEOUT", "--header-timeout", "(default 20, or $IPP_WSGI_HEADER_TIMEOUT",
                 "--body-min-rate", "(default 500, or $IPP_WSGI_BODY_MIN_RATE", "--upload-threads",
                 "(default 0, or $IPP_WSGI_UPLOAD_THREADS"):
        assert text in out


def test_serve_limits_reach_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Options, else the environment, else the defaults; passed to the workers as gunicorn's raw_env."""
    monkeypatch.delenv("IPP_WSGI_CLIENT_TIMEOUT", raising=False)
    monkeypatch.setenv("IPP_WSGI_BODY_MIN_RATE", "100")
    monkeypatch.setenv("IPP_WSGI_HEADER_TIMEOUT", "7")
    args = build_parser().parse_args(["serve", "--header-timeout", "2.5", "--upload-threads", "3",
                                      "--keep-alive", "0", "--worker-connections", "50"])
    server = GunicornServer(load_config(spool_dir=tmp_path), gunicorn_options(args))
    assert server.cfg.env == {"IPP_WSGI_CLIENT_TIMEOUT": "60", "IPP_WSGI_HEADER_TIMEOUT": "2.5",
                              "IPP_WSGI_BODY_MIN_RATE": "100", "IPP_WSGI_UPLOAD_THREADS": "3"}
    assert (server.cfg.keepalive, server.cfg.worker_connections) == (0, 50)


def test_a_bad_limit_variable_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IPP_WSGI_HEADER_TIMEOUT", "soon")
    assert main(["serve", "--spool-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "ipp-wsgi: IPP_WSGI_HEADER_TIMEOUT='soon': not a number > 0\n"


def test_serve_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.bind, args.workers, args.config, args.spool_dir) == ("127.0.0.1:8631", 2, None, None)


def test_serve_arguments() -> None:
    args = build_parser().parse_args(
        ["serve", "--bind", "0.0.0.0:631", "--workers", "4", "--config", "/etc/ipp.toml", "--spool-dir", "/s"]
    )
    assert (args.bind, args.workers, args.config, args.spool_dir) == ("0.0.0.0:631", 4, "/etc/ipp.toml", "/s")


def test_gthread_worker_class_stays_selectable(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve", "--worker-class", "gthread"])
    server = GunicornServer(load_config(spool_dir=tmp_path), gunicorn_options(args))
    assert server.cfg.worker_class_str == "gthread"


def test_worker_class_default_loads_ours(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve"])
    server = GunicornServer(load_config(spool_dir=tmp_path), gunicorn_options(args))
    assert server.cfg.worker_class is IppWorker


@pytest.mark.parametrize("argv", [["serve", "--workers", "0"], ["serve", "--threads", "x"],
                                  ["serve", "--worker-class", "sync"], [], ["serve", "--header-timeout", "0"],
                                  ["serve", "--body-min-rate", "-1"], ["serve", "--upload-threads", "1.5"],
                                  ["serve", "--keep-alive", "-1"], ["serve", "--worker-connections", "0"]])
def test_bad_arguments_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_bad_config_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("this is = = not toml\n")
    assert main(["serve", "--config", str(config), "--spool-dir", str(tmp_path)]) == 2
    assert str(config) in capsys.readouterr().err


@pytest.mark.parametrize("command", ["serve", "spooler"])
def test_an_unusable_job_store_is_one_line_and_a_failure(command: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "jobs.sqlite3").write_bytes(b"no database here" * 64)
    assert main([command, "--spool-dir", str(spool)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ipp-wsgi: cannot open the job database") and "not a database" in line


@pytest.mark.parametrize(("command", "how"),
                         [("serve", "option"), ("spooler", "option"), ("serve", "environ")])
def test_a_postgresql_store_that_cannot_be_reached_is_one_line_and_a_failure(
        command: str, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://printing:s3cret@127.0.0.1:{free_port()}/jobs"  # nothing listens there
    monkeypatch.delenv(STORE_ENV, raising=False)
    if how == "environ":
        monkeypatch.setenv(STORE_ENV, url)
    store = ["--store", url] if how == "option" else []
    assert main([command, "--spool-dir", str(tmp_path / "spool"), *store]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ipp-wsgi: cannot open the job database postgresql://printing:***@127.0.0.1:")
    assert "refused" in line.lower() and "s3cret" not in line


def test_serve_store_option_wins_over_the_environment() -> None:
    args = build_parser().parse_args(["serve", "--store", "postgresql://db/jobs"])
    assert args.store == "postgresql://db/jobs"
    assert build_parser().parse_args(["serve"]).store is None


@pytest.mark.parametrize("command", ["serve", "spooler"])
def test_an_output_that_cannot_print_is_one_line_and_a_failure(command: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "blocker").write_text("a file where the output folder would be")
    config = tmp_path / "outputs.toml"
    config.write_text(f"""
[[printers]]
name = "print"
output_dir = "{tmp_path}/blocker/out"
[[printers]]
name = "cmd"
output = "command"
command = ["no-such-program-of-ipp-wsgi"]
""")
    assert main([command, "--config", str(config), "--spool-dir", str(tmp_path / "spool")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ipp-wsgi: printer print: cannot write to output directory")
    assert "; printer cmd: command no-such-program-of-ipp-wsgi is not found" in line


def test_gunicorn_server_settings(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve", "--bind", "127.0.0.1:9999", "--workers", "3"])
    server = GunicornServer(load_config(spool_dir=tmp_path), gunicorn_options(args))
    assert server.cfg.worker_class_str == "ipp_wsgi.worker.IppWorker"
    assert server.cfg.bind == ["127.0.0.1:9999"]
    assert (server.cfg.workers, server.cfg.threads, server.cfg.preload_app) == (3, 8, False)


def test_gunicorn_server_loads_the_application_of_its_config(tmp_path: Path) -> None:
    config = load_config(spool_dir=tmp_path / "spool")
    application = GunicornServer(config, gunicorn_options(build_parser().parse_args(["serve"]))).load()
    try:
        assert isinstance(application, IppApplication)
        assert application.config is config
    finally:
        application.close()


def test_serve_takes_the_user_from_the_proxy_as_the_gunicorn_recipe_does(tmp_path: Path) -> None:
    """The same settings, read by the same code (ipp_wsgi.proxy), as deploy/gunicorn/gunicorn.conf.py."""
    settings = proxy_settings({proxy.HEADER_ENV: "X-Remote-User"})
    args = build_parser().parse_args(["serve", "--bind", "unix:/run/ipp-wsgi/sock"])
    server = GunicornServer(load_config(spool_dir=tmp_path / "spool"), gunicorn_options(args, settings),
                            proxy=settings)
    assert (server.cfg.umask, server.cfg.forwarded_allow_ips) == (proxy.UNIX_SOCKET_UMASK, [])
    application = server.load()
    try:
        assert isinstance(application, ProxyUser) and isinstance(application.app, IppApplication)
        assert application.settings is settings
    finally:
        application.close()


def test_unusable_proxy_settings_stop_serve(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(proxy.HEADER_ENV, "X-Remote-User")
    monkeypatch.setenv(proxy.TRUSTED_ENV, "127.0.0.1")
    monkeypatch.delenv(proxy.SECRET_FILE_ENV, raising=False)
    assert main(["serve", "--spool-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ipp-wsgi: ") and proxy.SECRET_FILE_ENV in err and len(err.splitlines()) == 1


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "ipp_wsgi", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("ipp-wsgi ")


# -- an administrator out of the box
def _passwd(tmp_path: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ipp_wsgi", "passwd", *argv], input=stdin,
                          capture_output=True, text=True, check=False, cwd=tmp_path)


def test_passwd_reads_the_password_from_stdin(tmp_path: Path) -> None:
    users = tmp_path / "users"
    added = _passwd(tmp_path, str(users), "admin", "--cost", "4", stdin="s3cret\n")
    assert added.returncode == 0 and "Added admin" in added.stdout, added.stderr
    changed = _passwd(tmp_path, str(users), "admin", "--cost", "4", stdin="other\nignored\n")
    assert changed.returncode == 0 and "Changed the password of admin" in changed.stdout
    assert Htpasswd(users).check("admin", "other")
    assert _passwd(tmp_path, str(users), "admin", "--delete").returncode == 0
    assert not Htpasswd(users).check("admin", "other")
    assert _passwd(tmp_path, str(users), "admin", "--delete").returncode == 1


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["admin"], "", "empty password"),
    (["ad:min"], "pw\n", "bad user name"),
    (["admin", "--cost", "3"], "pw\n", "invalid choice"),
])
def test_passwd_refuses_what_htpasswd_cannot_hold(tmp_path: Path, argv: list[str], stdin: str,
                                                  message: str) -> None:
    done = _passwd(tmp_path, str(tmp_path / "users"), *argv, stdin=stdin)
    assert done.returncode == 2 and message in done.stderr
    assert not (tmp_path / "users").exists()


def test_serve_authenticates_and_adds_admins(tmp_path: Path) -> None:
    users = tmp_path / "users"
    set_password(users, "admin", "pw", cost=4)
    argv = ["serve", "--htpasswd", str(users), "--admin", "admin", "--admin", "ops"]
    args = build_parser().parse_args(argv)
    args.spool_dir = str(tmp_path / "spool")
    config = serve_config(args)
    assert config.policy.admins == {"admin", "ops"}
    server = GunicornServer(config, gunicorn_options(args), htpasswd=users)
    application = server.load()
    try:
        assert isinstance(application, BasicAuth) and application.protected == ("/admin",)
        assert isinstance(application.app, IppApplication)
    finally:
        application.close()


@pytest.mark.parametrize(("argv", "message"), [
    (["--htpasswd", "/no/such/file"], "--htpasswd /no/such/file"),
    (["--certfile", "/no/such/cert"], "--certfile and --keyfile go together"),
    (["--certfile", "/no/cert", "--keyfile", "/no/key"], "--certfile /no/cert: no such file"),
])
def test_serve_refuses_unusable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                      message: str) -> None:
    assert main(["serve", "--spool-dir", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_tls_options_are_gunicorns(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve", "--certfile", "/c.pem", "--keyfile", "/k.pem"])
    server = GunicornServer(load_config(spool_dir=tmp_path), gunicorn_options(args))
    assert (server.cfg.certfile, server.cfg.keyfile) == ("/c.pem", "/k.pem") and server.cfg.is_ssl


@pytest.mark.parametrize("command", ["serve", "spooler"])
def test_printers_another_live_host_serves_otherwise_are_refused_in_one_line(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spool = tmp_path / "spool"
    there, config = tmp_path / "there.toml", tmp_path / "here.toml"
    there.write_text('[[printers]]\nname = "print"\noutput_dir = "/b"\n')
    config.write_text('[[printers]]\nname = "print"\noutput_dir = "/a"\n')
    check_embedded_store(load_config(there, spool_dir=spool))
    with opened(spool, "sqlite") as store, store.write() as tx:
        tx.take_lease("print", "other-host:4242", time.time() + 60)  # another host prints it
    assert main([command, "--config", str(config), "--spool-dir", str(spool)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == ("ipp-wsgi: printer print: output_dir is /a here but /b in the job store (another host's"
                    " configuration): every host of one store must serve the same printers")
