"""Running the System V print commands: no shell, the C locale, an optional server, errors as BackendError."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from typing import BinaryIO

from ipp_wsgi.backends.base import BackendError
from ipp_wsgi.codec import status

CHUNK_SIZE = 64 * 1024
"""Bytes of a document read and written to ``lp`` at a time."""

_ERRORS = (
    ("does not exist", status.CLIENT_ERROR_NOT_FOUND),
    ("invalid destination", status.CLIENT_ERROR_NOT_FOUND),
    ("unknown printer", status.CLIENT_ERROR_NOT_FOUND),
    ("not accepting", status.SERVER_ERROR_NOT_ACCEPTING_JOBS),
    ("can't cancel", status.CLIENT_ERROR_NOT_POSSIBLE),
    ("not possible", status.CLIENT_ERROR_NOT_POSSIBLE),
    ("already", status.CLIENT_ERROR_NOT_POSSIBLE),
    ("forbidden", status.CLIENT_ERROR_FORBIDDEN),
    ("not authorized", status.CLIENT_ERROR_NOT_AUTHORIZED),
    ("unable to connect", status.SERVER_ERROR_SERVICE_UNAVAILABLE),
    ("scheduler is not running", status.SERVER_ERROR_SERVICE_UNAVAILABLE),
)
"""Phrases of the commands' error messages, lower case, and the IPP status each means (first match)."""


def error_status(message: str) -> int:
    """The IPP status a command's error ``message`` stands for (server-error-internal-error if unknown)."""
    lowered = message.lower()
    return next((code for phrase, code in _ERRORS if phrase in lowered), status.SERVER_ERROR_INTERNAL_ERROR)


class LpCommands:
    """Runs ``lp``, ``lpstat``, ``cancel`` and ``lpmove`` (``-h server`` when ``server`` is set, else the
    system's default spooler) with at most ``timeout`` seconds each; ``bin_dir`` is where they are (None:
    ``$PATH``)."""

    def __init__(self, server: str | None = None, timeout: float = 30.0, bin_dir: str | None = None) -> None:
        self.server = server
        self.timeout = timeout
        self.bin_dir = bin_dir
        self.env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        self.env.pop("CUPS_SERVER", None)  # the server is ours to choose, by -h

    def argv(self, command: str, args: Sequence[str]) -> list[str]:
        """The full argument vector of ``command args``."""
        program = os.path.join(self.bin_dir, command) if self.bin_dir else command
        return [program, *(["-h", self.server] if self.server else []), *args]

    def run(self, command: str, *args: str, data: BinaryIO | None = None) -> str:
        """Run ``command`` (``data`` streamed to its stdin until EOF); its standard output.

        A failure (exit status, timeout, missing command) raises :class:`BackendError`; when reading ``data``
        fails, the command is killed (``lp`` then queues nothing) and that exception is raised.
        """
        argv = self.argv(command, args)
        try:
            process = subprocess.Popen(argv, stdin=subprocess.PIPE if data else subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        except OSError as exc:
            message = f"cannot run {command}: {exc}"
            raise BackendError(status.SERVER_ERROR_SERVICE_UNAVAILABLE, message) from exc
        with process:
            try:
                if data is not None:
                    _feed(process, data)
                out, err = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise BackendError(status.SERVER_ERROR_SERVICE_UNAVAILABLE,
                                   f"{command} took longer than {self.timeout:g} s") from None
            except BaseException:
                process.kill()
                process.communicate()
                raise
        text, errors = out.decode(errors="replace"), err.decode(errors="replace").strip()
        if process.returncode != 0:
            message = errors or text.strip() or f"{command} exited with status {process.returncode}"
            raise BackendError(error_status(message), message)
        return text


def _feed(process: subprocess.Popen[bytes], data: BinaryIO) -> None:
    """Copy ``data`` to the process's stdin in chunks (``communicate`` then closes it: EOF)."""
    stdin = process.stdin
    assert stdin is not None
    try:
        while chunk := data.read(CHUNK_SIZE):
            stdin.write(chunk)
    except BrokenPipeError:
        pass  # the command gave up early; its exit status and message say why
