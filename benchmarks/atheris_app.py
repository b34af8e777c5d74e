"""Coverage-guided fuzzing of the whole WSGI app with atheris (libFuzzer), where atheris installs.

    pip install -e '.[bench]'                      # atheris is in the bench extra
    python benchmarks/atheris_app.py [--seconds N] [--corpus DIR]

Each input is POSTed as an ``application/ipp`` body to a fresh-spool IppApplication (two printers, the
embedded spooler without threads). Every answer must be HTTP 200 ``application/ipp``, decode, start with
attributes-charset and attributes-natural-language, and never be server-error-internal-error; anything else
(or an exception escaping the app) stops the run with the crashing input written by libFuzzer. The seed
corpus is the recorded requests in tests/codec/captures. The hypothesis suite in tests/hostile is what CI
runs; this is the long, coverage-guided complement.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["ipp_wsgi"]):
    from ipp_wsgi.app import IppApplication
    from ipp_wsgi.codec import IppDecodeError, Limits, decode, status
    from ipp_wsgi.config import load_config

CAPTURES = Path(__file__).resolve().parent.parent / "tests" / "codec" / "captures"
ANSWER_LIMITS = Limits(max_attribute_bytes=1 << 30, max_attributes=1 << 24, max_values=1 << 24)


def make_app(root: Path) -> IppApplication:
    """An app over a throw-away spool with two printers (a directory and a command output)."""
    config_file = root / "ipp-wsgi.toml"
    config_file.write_text(
        'spool_dir = "spool"\n[policy]\nadmins = ["root"]\n'
        '[[printers]]\nname = "print"\npaths = ["/ipp/print"]\n'
        '[[printers]]\nname = "other"\npaths = ["/ipp/other"]\noutput = "command"\ncommand = ["true"]\n')
    return IppApplication(load_config(config_file))


def post(app: IppApplication, body: bytes) -> tuple[str, dict[str, str], bytes]:
    """One WSGI call: the status line, headers and body of the answer to POSTing ``body``."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/ipp/print", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8631", "HTTP_HOST": "localhost:8631",
        "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/ipp", "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    started: list[tuple[str, dict[str, str]]] = []

    def start_response(status_line: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], object]:
        started.append((status_line, dict(headers)))
        return lambda data: None  # the app returns its body; it never calls write()

    chunks = app(environ, start_response)
    data = b"".join(chunks)
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
    status_line, headers = started[-1]
    return status_line, headers, data


def check(status_line: str, headers: dict[str, str], data: bytes) -> None:
    """What every answer to any body must satisfy (raises AssertionError, which atheris reports)."""
    assert status_line.startswith("200 "), status_line
    assert headers.get("Content-Type") == "application/ipp", headers
    try:
        answer = decode(data, ANSWER_LIMITS)
    except IppDecodeError as exc:
        raise AssertionError(f"the answer does not decode: {exc}") from None
    assert answer.operation.names()[:2] == ["attributes-charset", "attributes-natural-language"]
    assert answer.code != status.SERVER_ERROR_INTERNAL_ERROR, answer.operation.value("status-message")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default: a temp copy of the captures)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ipp-wsgi-atheris-"))
    corpus = args.corpus or root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for capture in CAPTURES.glob("*-request.bin"):
        shutil.copy(capture, corpus / capture.name)
    app = make_app(root)

    def test_one_input(data: bytes) -> None:
        check(*post(app, data))

    try:
        atheris.Setup([sys.argv[0], f"-max_total_time={args.seconds}", "-print_final_stats=1", str(corpus)],
                      test_one_input)
        atheris.Fuzz()
    finally:
        app.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
