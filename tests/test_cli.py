"""The ``ipp-wsgi`` command line: arguments, help, and the gunicorn server it builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ipp_wsgi.app import IppApplication
from ipp_wsgi.cli import GunicornServer, build_parser, gunicorn_options, main
from ipp_wsgi.config import load_config
from ipp_wsgi.worker import IppWorker


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "lpadmin" in out


def test_serve_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for text in ("--bind", "--workers", "--threads", "--worker-class", "--config", "--spool-dir",
                 "127.0.0.1:8631", "gthread", "ipp_wsgi.worker.IppWorker"):
        assert text in out


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
                                  ["serve", "--worker-class", "sync"], []])
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


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "ipp_wsgi", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("ipp-wsgi ")
