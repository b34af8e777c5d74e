"""What an output needs before any job reaches it, checked when the service starts: a folder that can be
written, a command that can be run, the folder of a file. A network printer or a local device that is
absent may come back (its deliveries are retried), so those are not checked."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ipp_wsgi.backends.embedded.outputs_file import file_path
from ipp_wsgi.backends.embedded.printer import OUTPUT_COMMAND, OUTPUT_DIRECTORY, OUTPUT_FILE, EmbeddedPrinter


def default_output_dir(spool_dir: Path, printer: str) -> Path:
    """Where a ``directory`` printer without ``output_dir`` puts its documents."""
    return spool_dir / "output" / printer


def output_problem(printer: EmbeddedPrinter, spool_dir: Path) -> str | None:
    """Why ``printer``'s output cannot print anything, in a few words naming the printer; None when it may
    print."""
    reason = None
    if printer.output == OUTPUT_DIRECTORY:
        reason = _unwritable_folder(printer.output_dir or default_output_dir(spool_dir, printer.name))
    elif printer.output == OUTPUT_COMMAND and shutil.which(printer.command[0]) is None:
        reason = f"command {printer.command[0]} is not found or not executable"
    elif printer.output == OUTPUT_FILE:
        folder = file_path(printer.device_uri).parent
        if not folder.is_dir():
            reason = f"{folder} (the folder of {printer.device_uri}) does not exist"
    return f"printer {printer.name}: {reason}" if reason else None


def _unwritable_folder(folder: Path) -> str | None:
    """Why no file can be made in ``folder`` (made when missing); None when one can."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".ipp-wsgi-check-"):
            return None
    except OSError as exc:
        return f"cannot write to output directory {folder}: {exc.strerror or exc}"
