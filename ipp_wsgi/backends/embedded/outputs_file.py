"""The ``file`` output: each document written to the local device or file a ``file:`` device-uri names, as
CUPS does with its ``file:`` device URIs: a printer's device node (``file:///dev/usb/lp0``),
``file:///dev/null`` to discard every job, or a regular file that each document replaces."""

from __future__ import annotations

import errno
import functools
import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ipp_wsgi.backends.embedded.delivery import Delivery, DeliveryError, Progress

SEND_BYTES = 1 << 20
"""Bytes of a spool file sent to the device per ``sendfile`` call (cancellation is checked between)."""
_GONE = frozenset({errno.ENOENT, errno.ENXIO, errno.ENODEV, errno.EBUSY, errno.EAGAIN, errno.EIO})
"""Errors of a device that is unplugged, off or busy for now: tried again as the retry policy says."""


@functools.lru_cache(maxsize=64)  # one per printer, asked for every document
def file_path(uri: str) -> Path:
    """The absolute path a ``file:`` device-uri names (ValueError for anything else)."""
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not path.startswith("/") \
            or parts.query or parts.fragment or "\0" in path:
        raise ValueError("output 'file' needs a device_uri file:///path, such as file:///dev/usb/lp0")
    return Path(path)


def to_file(uri: str, item: Delivery, progress: Progress) -> None:
    """Write the document to the device or file ``uri`` names, checking for cancellation between chunks.

    A device (character or block special file, or FIFO) is opened as it is, and nothing under ``/dev`` is
    ever created (an unplugged printer's node must not become a file); any other path is created or
    truncated. A device that is absent or busy is a retryable :class:`DeliveryError`.
    """
    path = file_path(uri)
    device = path.is_relative_to("/dev") or _is_device(path)
    flags = os.O_WRONLY | os.O_CLOEXEC | (0 if device else os.O_CREAT | os.O_TRUNC)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DeliveryError(f"cannot open {path}: {reason}", retryable=exc.errno in _GONE) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            if not isinstance(item.source, Path) or not _sent(item.source, out.fileno(), progress):
                for chunk in item.chunks(progress.check):
                    out.write(chunk)
    except OSError as exc:
        raise DeliveryError(f"cannot write to {path}: {exc.strerror or exc}", retryable=True) from exc


def _sent(source: Path, out: int, progress: Progress) -> bool:
    """Copy the spool file ``source`` to ``out`` in the kernel (``sendfile``), :data:`SEND_BYTES` at a
    time with a cancellation check before each; False, having sent nothing, where ``sendfile`` cannot
    write to ``out``."""
    with open(source, "rb") as src:
        offset = 0
        while True:
            progress.check()
            try:
                sent = os.sendfile(out, src.fileno(), offset, SEND_BYTES)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOSYS) or offset:
                    raise
                return False
            if not sent:
                return True
            offset += sent


def _is_device(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)
