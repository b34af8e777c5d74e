"""Delivery of a spooled document to a printer's output: a directory, a local device (:mod:`.outputs_file`),
a command's stdin or a network printer (:mod:`.outputs_socket`, :mod:`.outputs_lpd`, :mod:`.outputs_ipp`)."""

from __future__ import annotations

import contextlib
import enum
import logging
import mimetypes
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ipp_wsgi.backends.embedded.delivery import (
    CHUNK_SIZE,
    Delivery,
    DeliveryError,
    DeliveryStopped,
    Progress,
)
from ipp_wsgi.backends.embedded.outputs_file import to_file
from ipp_wsgi.backends.embedded.outputs_ipp import to_ipp
from ipp_wsgi.backends.embedded.outputs_lpd import to_lpd
from ipp_wsgi.backends.embedded.outputs_socket import to_socket
from ipp_wsgi.backends.embedded.printer import (
    OUTPUT_COMMAND,
    OUTPUT_FILE,
    OUTPUT_IPP,
    OUTPUT_LPD,
    OUTPUT_SOCKET,
    EmbeddedPrinter,
)

__all__ = ["Delivery", "DeliveryError", "DeliveryStopped", "Progress", "deliver", "output_name"]

STOP_POLL_SECONDS = 0.2
log = logging.getLogger(__name__)
_STDERR_TAIL = 200
_NETWORK_OUTPUTS: dict[str, Callable[[EmbeddedPrinter, Delivery, Progress], None]] = {
    OUTPUT_SOCKET: to_socket,
    OUTPUT_LPD: to_lpd,
    OUTPUT_IPP: to_ipp,
}


def deliver(printer: EmbeddedPrinter, output_dir: Path, item: Delivery, progress: Progress) -> None:
    """Deliver ``item`` to ``printer``'s output; ``progress.stopped()`` true means the job was cancelled.

    Raises :class:`DeliveryError` when the output fails and :class:`DeliveryStopped` when cancelled.
    """
    network = _NETWORK_OUTPUTS.get(printer.output)
    if network is not None:
        network(printer, item, progress)
    elif printer.output == OUTPUT_FILE:
        to_file(printer.device_uri, item, progress)
    elif printer.output == OUTPUT_COMMAND:
        _to_command(printer, item, progress)
    else:
        _to_directory(output_dir, item, progress.check)


def output_name(item: Delivery) -> str:
    """The output file name: job-id and document number, with the extension of a known format."""
    extension = mimetypes.guess_extension(item.format, strict=False) or ""
    return f"{item.job_id}-{item.number}{extension}"


def _to_directory(output_dir: Path, item: Delivery, check: Callable[[], None]) -> None:
    """Put the document in ``output_dir`` under :func:`output_name`, atomically; durably once the caller
    has fsync'd ``output_dir`` (the processor does so once for a batch of jobs).

    The spool file is never changed once kept, so on the same file system the output is a hard link to
    it (no copy; the spool file was fsync'd when received); elsewhere, or for a document kept in the
    database, it is copied (and fsync'd).
    """
    try:
        if not output_dir.is_dir():  # a stat, not a failing mkdir, for every document
            output_dir.mkdir(parents=True, exist_ok=True)
        check()
        temp = output_dir / f".incoming-{secrets.token_hex(8)}"
        try:
            if not _linked(item, temp):
                _copy(item, temp, check)
            os.replace(temp, output_dir / output_name(item))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
    except OSError as exc:
        raise DeliveryError(f"cannot write output: {exc.strerror or exc}") from exc


def _linked(item: Delivery, target: Path) -> bool:
    """Make ``target`` a hard link to the document's spool file; False when it has none (a document kept in
    the database) or the link fails (another file system, or one without hard links)."""
    if not isinstance(item.source, Path):
        return False
    try:
        os.link(item.source, target)
    except OSError:
        return False
    return True


def _copy(item: Delivery, target: Path, check: Callable[[], None]) -> None:
    """Copy the document to the new file ``target`` and fsync it (``check()`` raises DeliveryStopped when
    cancelled)."""
    with open(target, "xb") as out:
        for chunk in item.chunks(check):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def _to_command(printer: EmbeddedPrinter, item: Delivery, progress: Progress) -> None:
    """Pipe the document to the printer's command, in a session of its own (:func:`_wait`: killed with its
    whole process group when the job stops or it runs too long); ``progress.started`` hears of it before
    the command is given the document."""
    env = dict(os.environ)
    env.update({
        "IPP_PRINTER_NAME": printer.name,
        "IPP_JOB_ID": str(item.job_id),
        "IPP_DOCUMENT_NUMBER": str(item.number),
        "IPP_DOCUMENT_FORMAT": item.format.replace("\0", ""),
    })
    with tempfile.TemporaryFile() as errors, item.open() as src:
        try:
            proc = subprocess.Popen(printer.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=errors, env=env, close_fds=True, start_new_session=True)
        except OSError as exc:
            log.warning("printer %s, job %d: cannot run %r: %s", printer.name, item.job_id,
                        list(printer.command), exc.strerror or exc)
            raise DeliveryError("The printer's command could not be started.") from exc
        try:
            progress.started(proc.pid)
        except BaseException:
            _kill(proc)
            if proc.stdin is not None:
                proc.stdin.close()
            raise
        feeder = threading.Thread(target=_feed, args=(src, proc), daemon=True)
        feeder.start()
        status = _wait(proc, progress.stopped, printer.device_timeout)
        feeder.join()
        if status is _Ended.STOPPED:
            raise DeliveryStopped
        if status is _Ended.TIMED_OUT:
            log.warning("printer %s, job %d: %r still ran after %g s: killed", printer.name, item.job_id,
                        list(printer.command), printer.device_timeout)
            raise DeliveryError(f"The printer's command did not finish within {printer.device_timeout:g} s"
                                " and was stopped.")
        if status != 0:
            errors.seek(0)
            tail = errors.read()[-_STDERR_TAIL:].decode("utf-8", "replace").strip()
            # Its path, arguments and output are for the administrator only: job-state-message is public.
            log.warning("printer %s, job %d: %r exited with status %d: %r", printer.name, item.job_id,
                        list(printer.command), status, tail)
            raise DeliveryError(f"The printer's command failed (exit status {status}).")


def _feed(src: BinaryIO, proc: subprocess.Popen[bytes]) -> None:
    """Copy the document to the command's stdin (a program that exits early just ends the copy)."""
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError, ValueError):
        shutil.copyfileobj(src, proc.stdin, CHUNK_SIZE)
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()


class _Ended(enum.Enum):
    """Why :func:`_wait` killed a command."""

    STOPPED = "stopped"
    TIMED_OUT = "timed out"


def _wait(proc: subprocess.Popen[bytes], stopped: Callable[[], bool], timeout: float) -> int | _Ended:
    """The command's exit status, or why it was killed: the job was cancelled (``STOPPED``) or the command
    ran longer than ``timeout`` seconds (``TIMED_OUT``)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proc.wait(timeout=min(STOP_POLL_SECONDS, max(deadline - time.monotonic(), 0.0)))
        except subprocess.TimeoutExpired:
            ended = _Ended.STOPPED if stopped() else _Ended.TIMED_OUT
            if ended is _Ended.STOPPED or time.monotonic() >= deadline:
                _kill(proc)
                return ended


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the command and whatever it started (its process group), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
