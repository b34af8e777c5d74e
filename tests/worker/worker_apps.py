"""WSGI applications the worker tests serve with ``gunicorn -k ipp_wsgi.worker.IppWorker worker_apps:app``.

Each path is one behaviour; answers are JSON so a test can check what the application saw.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

StartResponse = Callable[..., Any]
# /slow touches the file this variable names when it starts (a test then knows the request is in flight).
STARTED_MARKER_VARIABLE = "WORKER_TEST_STARTED_MARKER"
ENVIRON_KEYS = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "RAW_URI", "SERVER_PROTOCOL",
                "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "CONTENT_TYPE", "CONTENT_LENGTH",
                "HTTP_X_REPEATED", "HTTP_X_UNDER_SCORE", "wsgi.url_scheme", "wsgi.multithread",
                "wsgi.input_terminated")


def _json(start_response: StartResponse, value: Any, status: str = "200 OK") -> list[bytes]:
    body = json.dumps(value).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _hash_body(environ: dict[str, Any]) -> tuple[str, int]:
    """sha256 and length of the body, read with readinto into one reused buffer."""
    stream = environ["wsgi.input"]
    digest = hashlib.sha256()
    buffer = bytearray(256 * 1024)
    view = memoryview(buffer)
    total = 0
    while count := stream.readinto(buffer):
        digest.update(view[:count])
        total += count
    return digest.hexdigest(), total


def _chunks() -> Iterator[bytes]:
    for index in range(3):
        yield f"part {index}\n".encode()


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Dispatch on PATH_INFO (see the module docstring)."""
    path = environ["PATH_INFO"]
    if path == "/hash":
        digest, length = _hash_body(environ)
        return _json(start_response, {"sha256": digest, "length": length})
    if path == "/lines":
        digest = hashlib.sha256()
        lines = 0
        for line in environ["wsgi.input"]:
            digest.update(line)
            lines += 1
        return _json(start_response, {"sha256": digest.hexdigest(), "lines": lines})
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _chunks()
    if path == "/error":
        raise RuntimeError("the test application fails on purpose")
    if path == "/ignore":
        return _json(start_response, {"ignored": True})
    if path == "/slow":
        marker = os.environ.get(STARTED_MARKER_VARIABLE)
        if marker:
            Path(marker).touch()
        time.sleep(float(environ.get("QUERY_STRING") or "1"))
    body = environ["wsgi.input"].read()
    seen = {key: environ.get(key) for key in ENVIRON_KEYS}
    seen.update(body=body.decode("latin-1"), inline=threading.current_thread() is threading.main_thread(),
                thread=threading.current_thread().name,
                quick_body=environ.get("ipp_wsgi.body") == body if "ipp_wsgi.body" in environ else None)
    return _json(start_response, seen)


def quick_request(environ: dict[str, Any]) -> bool:
    """Requests to /quick are cheap: the worker answers them in its event loop."""
    return bool(environ["PATH_INFO"] == "/quick")


app.quick_request = quick_request  # type: ignore[attr-defined]


def local_request(environ: dict[str, Any]) -> bool:
    """Requests to /local do short local work: the worker runs them on its one local thread."""
    return bool(environ["PATH_INFO"] == "/local")


app.local_request = local_request  # type: ignore[attr-defined]
